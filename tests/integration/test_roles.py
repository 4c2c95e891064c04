#!/usr/bin/env python3
"""The public pool's database role can write submissions only through
vawg.submit(): every other way to touch them is denied.  Statements that
would change data run inside a transaction that is rolled back, so a
wrongly granted privilege cannot damage the run."""

DEFINITION_TABLES = ('form', 'form_version', 'form_field', 'form_option',
                     'form_current')


def _denied(ctx, sql):
    """(denied, detail) for sql run as vawg_public."""
    rc, out, err = ctx.stack.psql_try(sql, user='vawg_public')
    if rc != 0 and 'permission denied' in err.lower():
        return True, err.strip()
    if rc != 0:
        return False, 'failed, but not for lack of permission: %s' % (
            err.strip()[:200])
    return False, 'allowed (output %r)' % out.strip()[:100]


def test_public_role_reads_definitions(ctx):
    out = ctx.stack.psql('SELECT count(*) FROM vawg.form;', user='vawg_public')
    assert int(out) >= 2, ('vawg_public sees %s forms, expected the two '
                           'published ones' % out)


def test_public_role_cannot_touch_submissions(ctx):
    tries = [
        ('SELECT', 'SELECT count(*) FROM vawg.submission;'),
        ('SELECT one column', 'SELECT reference FROM vawg.submission LIMIT 1;'),
        ('UPDATE', 'BEGIN; UPDATE vawg.submission SET reference = reference;'
                   ' ROLLBACK;'),
        ('DELETE', 'BEGIN; DELETE FROM vawg.submission; ROLLBACK;'),
        ('TRUNCATE', 'BEGIN; TRUNCATE vawg.submission; ROLLBACK;'),
        ('COPY TO STDOUT', 'COPY vawg.submission TO STDOUT;'),
        ('INSERT directly', "BEGIN; INSERT INTO vawg.submission (version_id,"
         " idem_key, reference, plain, sealed, key_id) SELECT version_id, "
         "'\\x00112233445566778899aabbccddeeff'::bytea, 'AAAA-AAAA', '{}', "
         "'\\x00'::bytea, '0000000000000000' FROM vawg.form_current LIMIT 1;"
         " ROLLBACK;"),
        ('UPDATE form definitions', "BEGIN; UPDATE vawg.form SET title = "
         "title; ROLLBACK;"),
    ]
    others = ctx.stack.psql(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = 'vawg' "
        "AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1;").split()
    for t in others:
        if t not in DEFINITION_TABLES and t != 'submission':
            tries.append(('SELECT from %s' % t,
                          'SELECT count(*) FROM vawg.%s;' % t))
    allowed = []
    for what, sql in tries:
        denied, detail = _denied(ctx, sql)
        if not denied:
            allowed.append('%s: %s' % (what, detail))
    k = len(tries)
    ctx.figure('public_role_denied', '%d of %d' % (k - len(allowed), k))
    assert not allowed, 'as vawg_public: %s' % ' || '.join(allowed)


def test_submit_refuses_an_unknown_form_version(ctx):
    """vawg.submit() checks the form version itself (sql/005, which
    replaced the foreign key): an unknown version stores nothing and fails
    with the foreign-key SQLSTATE; a known one stores one row."""
    idem = "'\\x5eed0000000000000000000000000005'::bytea"
    call = ("SELECT vawg.submit(%s, " + idem + ", 'AAAA-BBBB', '{}', "
            "'\\x00'::bytea, '0000000000000000');")
    count = ("SELECT count(*) FROM vawg.submission WHERE idem_key = "
             + idem + ";")
    rc, out, err = ctx.stack.psql_try(
        '\\set VERBOSITY verbose\n' + call % '2147483647', user='vawg_public')
    stored = int(ctx.stack.psql(count))
    ctx.figure('submit_unknown_version_refused', 'yes' if rc != 0 else 'no')
    assert rc != 0 and '23503' in err, (
        'unknown version: exit %d, %r' % (rc, err.strip()[:200]))
    assert stored == 0, 'unknown version stored %d rows' % stored
    # A real version in the same call shape stores once and answers the
    # reference, twice over (the idempotency key).
    ver = ctx.stack.psql('SELECT version_id FROM vawg.form_current LIMIT 1;')
    refs = [ctx.stack.psql(call % ver, user='vawg_public') for _ in range(2)]
    stored = int(ctx.stack.psql(count))
    ctx.stack.psql('DELETE FROM vawg.submission WHERE idem_key = '
                   + idem + ';')
    assert refs == ['AAAA-BBBB'] * 2 and stored == 1, (
        'known version: references %r, %d rows' % (refs, stored))


def test_form_versions_are_never_deleted(ctx):
    """Without the foreign key, what keeps a submission's version is a
    trigger: no version is deleted, renumbered or truncated, even by the
    owner.  Each attempt runs in a transaction that is rolled back."""
    tries = [
        'BEGIN; DELETE FROM vawg.form_version; ROLLBACK;',
        'BEGIN; UPDATE vawg.form_version SET id = id + 1000; ROLLBACK;',
        'BEGIN; TRUNCATE vawg.form_version CASCADE; ROLLBACK;',
    ]
    let_through = []
    for sql in tries:
        rc, out, err = ctx.stack.psql_try(
            'SET ROLE vawg_owner;\n' + sql, user='postgres')
        if rc == 0 or 'never deleted or renumbered' not in err:
            let_through.append('%s -> exit %d %r' % (sql, rc,
                                                    err.strip()[:120]))
    ctx.figure('form_version_changes_refused', '%d of %d' % (
        len(tries) - len(let_through), len(tries)))
    assert not let_through, '; '.join(let_through)
