#!/usr/bin/env python3
"""Local access to the database (issue 13 item 1, docs/THREAT-MODEL.md
threat 20): the socket folder and the socket admit only postgres and the
group vawgdb, and PostgreSQL's peer authentication with the ident map
`vawg` lets each Unix account reach its own role only: vawgweb
vawg_public, vawgadmin vawg_admin, root (the operator) postgres.  An
unrelated account (nobody, or nginx's www-data) reaches nothing."""

import grp
import os
import pwd
import stat

GROUP = 'vawgdb'
ROLES = ('postgres', 'vawg_public', 'vawg_admin')
# Unix account -> the one role it may reach.
OWN_ROLE = {'root': 'postgres', 'vawgweb': 'vawg_public',
            'vawgadmin': 'vawg_admin'}


def _try(ctx, account, role, sql='SELECT current_user;'):
    return ctx.stack.psql_try(sql, user=role, account=account)


def _refused(err):
    e = err.lower()
    return 'peer authentication failed' in e or 'permission denied' in e


def test_db_socket_mode(ctx):
    run = ctx.stack.run_dir
    sock = os.path.join(run, '.s.PGSQL.5432')
    probs = []
    for path, want_mode, want_owner in ((run, 0o750, 'postgres'),
                                        (sock, 0o770, 'postgres')):
        st = os.stat(path)
        mode = stat.S_IMODE(st.st_mode)
        owner = pwd.getpwuid(st.st_uid).pw_name
        group = grp.getgrgid(st.st_gid).gr_name
        if (mode, owner, group) != (want_mode, want_owner, GROUP):
            probs.append('%s is %s:%s %04o, expected %s:%s %04o' % (
                path, owner, group, mode, want_owner, GROUP, want_mode))
    rules = ctx.stack.psql(
        "SELECT coalesce(json_agg(json_build_array(type, auth_method, "
        "options, error))::text, '[]') FROM pg_hba_file_rules;")
    if rules != '[["local", "peer", ["map=vawg"], null]]':
        probs.append('pg_hba rules are %s, expected one local peer rule '
                     'with map=vawg' % rules)
    ident = ctx.stack.psql(
        "SELECT string_agg(sys_name || '>' || pg_username, ' ' ORDER BY "
        "sys_name) FROM pg_ident_file_mappings WHERE map_name = 'vawg' "
        "AND error IS NULL;")
    want = 'postgres>postgres root>postgres vawgadmin>vawg_admin ' \
        'vawgweb>vawg_public'
    if ident != want:
        probs.append('ident map vawg is %r, expected %r' % (ident, want))
    assert not probs, ' || '.join(probs)


def test_db_each_account_reaches_its_own_role_only(ctx):
    reached, probs, k = 0, [], 0
    for account, own in sorted(OWN_ROLE.items()):
        for role in ROLES:
            k += 1
            rc, out, err = _try(ctx, account, role)
            if role == own:
                if rc == 0 and out.strip() == role:
                    reached += 1
                else:
                    probs.append('%s cannot reach its role %s: %s' % (
                        account, role, (err or out).strip()[:200]))
            elif rc == 0:
                probs.append('%s reached %s' % (account, role))
            elif not _refused(err):
                probs.append('%s as %s failed, but not refused: %s' % (
                    account, role, err.strip()[:200]))
            else:
                reached += 1
    ctx.figure('local_db_roles_as_mapped', '%d of %d' % (reached, k))
    assert not probs, ' || '.join(probs)


def test_db_public_account_cannot_read_submissions(ctx):
    tries = (('SELECT', 'SELECT count(*) FROM vawg.submission;'),
             ('SET ROLE vawg_admin', 'SET ROLE vawg_admin;'),
             ('SET ROLE postgres', 'SET ROLE postgres;'))
    probs = []
    for what, sql in tries:
        rc, out, err = _try(ctx, 'vawgweb', 'vawg_public', sql)
        if rc == 0 or 'permission denied' not in err.lower():
            probs.append('%s as vawgweb: %s' % (
                what, (err or 'allowed: %r' % out).strip()[:200]))
    k = len(tries)
    ctx.figure('local_db_public_denied', '%d of %d' % (k - len(probs), k))
    assert not probs, ' || '.join(probs)


def test_db_unrelated_accounts_reach_nothing(ctx):
    accounts = ['nobody']
    try:
        pwd.getpwnam('www-data')
        accounts.append('www-data')
    except KeyError:
        pass
    probs, k = [], 0
    for account in accounts:
        for role in ROLES + (account,):
            k += 1
            rc, out, err = _try(ctx, account, role)
            # Stopped at the socket folder, before PostgreSQL is asked.
            if rc == 0 or 'permission denied' not in err.lower():
                probs.append('%s as %s: %s' % (
                    account, role,
                    (err or 'connected: %r' % out).strip()[:200]))
    ctx.figure('local_db_denied', '%d of %d' % (k - len(probs), k))
    assert not probs, ' || '.join(probs)
