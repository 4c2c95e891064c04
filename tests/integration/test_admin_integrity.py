#!/usr/bin/env python3
"""Sessions and the audit log hold together (issue 13, items 6 and 12).

Re-enrolling an administrator (vawgctl add-admin on a name that exists:
the credential reset) ends every session of the old credentials.  The
admin role appends to the audit log only through the columns its program
writes (migration 007), so it cannot choose a row's id or time.  A
sign-in whose audit row cannot be written hands out no session; a
sign-out whose row cannot be written still ends the session, and says
so (page_login.c).

Figures: sessions_after_reenrol, audit_columns_denied (k of k)."""

import os
import time

import html_checks
from admin_client import Admin, enrol, read_secret, session_cookie, \
    sign_in

# What migration 007 grants; restored after the tests that revoke it.
AUDIT_COLUMNS = ('actor, action, form_name, range_from, range_to, '
                 'row_count, detail')


def sessions_of(ctx, name):
    return int(ctx.stack.psql(
        "SELECT count(*) FROM vawg.admin_session z JOIN vawg.admin_user u "
        "ON u.id = z.admin_id WHERE u.username = '%s';" % name))


def reenrol(ctx, acct):
    """vawgctl add-admin on acct's name again: new password and secret."""
    d = os.path.join(ctx.stack.var, 'it-admins')
    pw = os.path.join(d, acct.name + '.pw2')
    tf = os.path.join(d, acct.name + '.totp2')
    rc, out, err = ctx.stack.vawgctl(['add-admin', '--user', acct.name,
                                      '--db', ctx.stack.owner_db(),
                                      '--keys', ctx.stack.keys_dir,
                                      '--password-out', pw,
                                      '--totp-out', tf])
    assert rc == 0, 're-enrolling %s: vawgctl exited %d: %s' % (
        acct.name, rc, err.strip()[:300])
    acct.password, acct.secret = read_secret(pw), read_secret(tf)
    acct.last_step = -1


def test_admin_reenrol_ends_sessions(ctx):
    acct = enrol(ctx, 'reenrol')
    a = sign_in(ctx, acct)
    b = sign_in(ctx, acct)
    assert sessions_of(ctx, acct.name) == 2, 'two sign-ins, not 2 sessions'
    r = a.get('/admin/')
    assert r.status == 200, 'signed in, GET /admin/: %s' % (
        html_checks.describe(r))
    reenrol(ctx, acct)
    n = sessions_of(ctx, acct.name)
    ctx.figure('sessions_after_reenrol', n)
    assert n == 0, 're-enrolling %s left %d sessions' % (acct.name, n)
    for who in (a, b):
        r = who.get('/admin/')
        assert r.status == 303 and r.header('Location') == '/admin/login', (
            'the old session cookie after re-enrolment: expected 303 to '
            '/admin/login, got %s' % html_checks.describe(r))
    # The new credentials sign in.
    sign_in(ctx, acct)


def test_admin_audit_column_grants(ctx):
    tries = [
        ('id', "INSERT INTO vawg.audit_log (id, actor, action) VALUES "
         "(9000000000, 'it', 'login');"),
        ('at', "INSERT INTO vawg.audit_log (at, actor, action) VALUES "
         "('2000-01-01', 'it', 'login');"),
    ]
    denied, probs = 0, []
    for col, sql in tries:
        rc, out, err = ctx.stack.psql_try('BEGIN; %s ROLLBACK;' % sql,
                                          user='vawg_admin')
        if rc != 0 and 'permission denied' in err.lower():
            denied += 1
        else:
            probs.append('vawg_admin inserting %s: %s' % (
                col, 'allowed' if rc == 0 else err.strip()[:160]))
    ctx.figure('audit_columns_denied', '%d of %d' % (denied, len(tries)))
    rc, out, err = ctx.stack.psql_try(
        "BEGIN; INSERT INTO vawg.audit_log (%s) VALUES ('it', 'export', "
        "'f', '2020-01-01', '2020-01-02', 1, 'd') RETURNING at > now() - "
        "interval '1 minute'; ROLLBACK;" % AUDIT_COLUMNS, user='vawg_admin')
    if rc != 0 or out.strip() != 't':
        probs.append('vawg_admin cannot insert the granted columns, or the '
                     'row has no fresh time: %s' % (err.strip()[:160] or out))
    assert not probs, '; '.join(probs)


def revoke_audit(ctx):
    ctx.stack.psql('REVOKE INSERT ON vawg.audit_log FROM vawg_admin;')


def restore_audit(ctx):
    ctx.stack.psql('GRANT INSERT (%s) ON vawg.audit_log TO vawg_admin;'
                   % AUDIT_COLUMNS)


def test_admin_audit_failure_fails_closed(ctx):
    acct = enrol(ctx, 'auditfail')
    out = sign_in(ctx, acct)        # to sign out while the log is refused
    csrf = out.csrf()
    n0 = sessions_of(ctx, acct.name)
    probs = []
    ctx.allow_5xx = True
    revoke_audit(ctx)
    try:
        a = Admin(ctx)
        code = acct.fresh_code()
        acct.last_step = int(time.time() // 30)
        r = a.try_login(acct.name, acct.password, code)
        if r.status != 503 or session_cookie(r):
            probs.append('signing in with the audit log refused: expected '
                         '503 and no cookie, got %s, cookie %r' % (
                             html_checks.describe(r), session_cookie(r)))
        if sessions_of(ctx, acct.name) != n0:
            probs.append('a sign-in the audit log refused left a session')
        r = out.post('/admin/logout', [('_csrf', csrf)])
        cleared = any(v.startswith('vawg_admin=;')
                      for v in r.header_all('Set-Cookie'))
        if r.status != 503 or not cleared or \
                'could not record' not in r.text:
            probs.append('signing out with the audit log refused: expected '
                         '503, the cookie cleared and a word that it was '
                         'not recorded, got %s, Set-Cookie %r' % (
                             html_checks.describe(r),
                             r.header_all('Set-Cookie')))
        if sessions_of(ctx, acct.name) != 0:
            probs.append('a sign-out the audit log refused kept its session')
    finally:
        restore_audit(ctx)
        ctx.allow_5xx = False
    assert not probs, '; '.join(probs)
    # With the grant back, signing in works and is recorded.
    sign_in(ctx, acct)
