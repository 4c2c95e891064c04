#!/usr/bin/env python3
"""The audit log is append-only (issue 3; docs/THREAT-MODEL.md threats 13
and 18): the admin role may add a row and nothing else, and not even the
owner or the superuser may change or remove one.  Every attempt runs in
a transaction that is rolled back.

Figures: audit_log_changes_refused (k of k)."""

from admin_client import audit_max


def test_admin_audit_log_append_only(ctx):
    assert audit_max(ctx) > 0, 'the audit log is empty'
    n0 = int(ctx.stack.psql('SELECT count(*) FROM vawg.audit_log;'))
    tries = [
        ('vawg_admin', 'UPDATE', "UPDATE vawg.audit_log SET actor = 'x';",
         'permission denied'),
        ('vawg_admin', 'DELETE', 'DELETE FROM vawg.audit_log;',
         'permission denied'),
        ('vawg_admin', 'TRUNCATE', 'TRUNCATE vawg.audit_log;',
         'permission denied'),
        ('vawg_admin', 'DELETE submissions', 'DELETE FROM vawg.submission;',
         'permission denied'),
        ('vawg_owner', 'UPDATE', "SET ROLE vawg_owner; UPDATE vawg.audit_log "
         "SET actor = 'x';", 'append-only'),
        ('vawg_owner', 'DELETE', 'SET ROLE vawg_owner; DELETE FROM '
         'vawg.audit_log;', 'append-only'),
        ('vawg_owner', 'TRUNCATE', 'SET ROLE vawg_owner; TRUNCATE '
         'vawg.audit_log;', 'append-only'),
        ('postgres', 'DELETE', 'DELETE FROM vawg.audit_log;', 'append-only'),
    ]
    ok, probs = 0, []
    for who, what, sql, want in tries:
        user = 'vawg_admin' if who == 'vawg_admin' else 'postgres'
        rc, out, err = ctx.stack.psql_try('BEGIN; %s ROLLBACK;' % sql,
                                          user=user)
        if rc != 0 and want in err.lower():
            ok += 1
        else:
            probs.append('%s as %s: %s' % (what, who, (
                'allowed' if rc == 0 else err.strip()[:160])))
    ctx.figure('audit_log_changes_refused', '%d of %d' % (ok, len(tries)))
    # Appending is what the admin role may do.
    rc, out, err = ctx.stack.psql_try(
        "BEGIN; INSERT INTO vawg.audit_log (actor, action) VALUES "
        "('it', 'login'); ROLLBACK;", user='vawg_admin')
    if rc != 0:
        probs.append('vawg_admin cannot append to the audit log: %s'
                     % err.strip()[:160])
    n1 = int(ctx.stack.psql('SELECT count(*) FROM vawg.audit_log;'))
    if n1 != n0:
        probs.append('the audit log went from %d to %d rows' % (n0, n1))
    assert not probs, '; '.join(probs)
