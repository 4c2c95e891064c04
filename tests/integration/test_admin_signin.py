#!/usr/bin/env python3
"""Signing in to the admin side (issue 3; docs/THREAT-MODEL.md threats 9,
13 and 15): the sign-in page, password and TOTP, the session cookie,
refused sign-ins that do not say which part was wrong, CSRF on every
POST, signing out, the password asked again before an export and the
session ending when idle, and a disabled administrator shut out.

Figures: admin_posts_without_csrf_403 (k of k)."""

import os
import re
import time

import html_checks
from admin_client import Account, Admin, addr, audit_max, audit_rows, \
    enrol, export_query, read_secret, restart_admin, session_cookie, \
    sign_in, totp
from csv_export import BOM, check_csv_response

COOKIE_RE = re.compile(r'^vawg_admin=([A-Za-z0-9_-]{22})$')


def test_admin_login_page(ctx):
    a = Admin(ctx)
    r = a.get('/admin/login')
    assert r.status == 200, 'GET /admin/login: %s' % html_checks.describe(r)
    ctx.check_headers(r, 'GET /admin/login', no_store=True)
    assert (r.header('X-Frame-Options') or '').upper() == 'DENY', \
        'the sign-in page can be framed (X-Frame-Options %r)' % (
            r.header('X-Frame-Options'))
    page = html_checks.Page(r.text)
    names = page.input_names()
    for n in ('_token', 'username', 'password', 'code'):
        assert n in names, 'the sign-in form has no %r input (has %s)' % (
            n, sorted(names))
    forms = page.post_forms()
    assert any(f.get('action') == '/admin/login' for f in forms), \
        'no <form method="post" action="/admin/login">'
    pw = [x for t, x in page.inputs if x.get('name') == 'password']
    assert pw and pw[0].get('type') == 'password', \
        'the password input is not type="password"'
    # No state change on GET; only the listed methods.
    r = a.get('/admin/logout')
    assert r.status == 405 and 'POST' in (r.header('Allow') or ''), (
        'GET /admin/logout: expected 405 with Allow: POST, got %s (Allow %r)'
        % (html_checks.describe(r), r.header('Allow')))
    r = a.http.request('DELETE', '/admin/', source=None)
    assert r.status == 405, 'DELETE /admin/: expected 405, got %s' % (
        html_checks.describe(r))


def test_admin_no_session_redirects_to_login(ctx):
    a = Admin(ctx)
    q = export_query('consultation')
    for cookie in (None, 'vawg_admin=AAAAAAAAAAAAAAAAAAAAAA',
                   'vawg_admin=not-base64!', 'other=1'):
        a.cookie = cookie
        r = a.post('/admin/export', q + '&_csrf=x')
        assert r.status == 403, ('POST /admin/export with cookie %r: '
                                 'expected 403, got %s' % (
                                     cookie, html_checks.describe(r)))
        for path in ('/admin/',):
            r = a.get(path)
            assert r.status == 303 and r.header('Location') == \
                '/admin/login', ('GET %s with cookie %r: expected 303 to '
                                 '/admin/login, got %s (Location %r)' % (
                                     path, cookie, html_checks.describe(r),
                                     r.header('Location')))
            assert 'no-store' in (r.header('Cache-Control') or ''), \
                'the redirect from %s is not no-store' % path
            assert b'CANARY' not in r.body, 'a redirect carries answers'
    a.cookie = None
    r = a.post('/admin/logout', [('_csrf', 'x')])
    assert r.status == 403, 'POST /admin/logout with no session: expected ' \
        '403, got %s' % html_checks.describe(r)


def test_admin_sign_in(ctx):
    acct = enrol(ctx, 'it-login')
    before = audit_max(ctx)
    a = Admin(ctx)
    step = int(time.time() // 30)
    r = a.try_login(acct.name, acct.password, acct.fresh_code())
    acct.last_step = step
    assert r.status == 303 and r.header('Location') == '/admin/', (
        'sign-in with the right password and code: expected 303 to /admin/, '
        'got %s (Location %r)' % (html_checks.describe(r),
                                  r.header('Location')))
    assert 'no-store' in (r.header('Cache-Control') or ''), \
        'the sign-in answer is not no-store'
    sc = r.header_all('Set-Cookie')
    assert len(sc) == 1, 'sign-in set %d cookies: %r' % (len(sc), sc)
    parts = [p.strip() for p in sc[0].split(';')]
    assert COOKIE_RE.match(parts[0]), ('the session cookie %r is not '
                                       'vawg_admin=<128-bit base64url>'
                                       % parts[0])
    attrs = {p.split('=', 1)[0].lower(): (p.split('=', 1) + [''])[1]
             for p in parts[1:]}
    assert attrs.get('path') == '/admin' and 'httponly' in attrs and \
        attrs.get('samesite', '').lower() == 'strict', (
            'session cookie attributes %r, expected Path=/admin; HttpOnly; '
            'SameSite=Strict' % parts[1:])
    assert 'domain' not in attrs and 'expires' not in attrs and \
        'max-age' not in attrs, ('the session cookie is not a session '
                                 'cookie: %r' % parts[1:])
    a.cookie = parts[0]
    d = a.get('/admin/')
    assert d.status == 200, 'GET /admin/ signed in: %s' % (
        html_checks.describe(d))
    ctx.check_headers(d, 'the dashboard', no_store=True)
    assert html_checks.shows_text(d.text, 'Signed in as ' + acct.name), \
        'the dashboard does not say who is signed in'
    logins = [x for x in audit_rows(ctx, before, 'login')
              if x['actor'] == acct.name]
    assert len(logins) == 1, '%d login audit rows for %s, expected 1' % (
        len(logins), acct.name)
    # The development administrator `make run` creates signs in too.
    var = ctx.stack.var
    for f in ('admin-password', 'admin-totp'):
        mode = os.stat(os.path.join(var, f)).st_mode & 0o777
        assert mode == 0o600, '%s has mode %o, expected 600' % (f, mode)
    dev = Account('admin', read_secret(os.path.join(var, 'admin-password')),
                  read_secret(os.path.join(var, 'admin-totp')))
    sign_in(ctx, dev, source=addr(ctx, 0, 30))


def test_admin_sign_in_refused(ctx):
    acct = enrol(ctx, 'it-refuse')
    a = Admin(ctx, source=addr(ctx, 0, 31))
    code = acct.fresh_code()
    bad_code = next(c for c in ('000000', '111111', '222222', '333333')
                    if c not in [totp(acct.secret, offset=k)
                                 for k in (-2, -1, 0, 1, 2)])
    tries = [
        ('wrong password', acct.name, acct.password + 'x', code),
        ('wrong code', acct.name, acct.password, bad_code),
        ('unknown user', 'nobody-here', acct.password, code),
        ('no code', acct.name, acct.password, ''),
    ]
    bodies = []
    for what, user, pw, c in tries:
        r = a.try_login(user, pw, c)
        assert r.status == 401, 'sign-in with a %s: expected 401, got %s' % (
            what, html_checks.describe(r))
        assert not r.header_all('Set-Cookie'), 'sign-in with a %s set a ' \
            'cookie: %r' % (what, r.header_all('Set-Cookie'))
        assert html_checks.Page(r.text).has_form_error, \
            'sign-in with a %s: no error message on the page' % what
        ctx.check_headers(r, 'sign-in with a %s' % what, no_store=True)
        bodies.append(html_checks.page_text(r.text))
    # Wrong password, wrong code, unknown user: the same words, so the
    # page does not tell which part was wrong or whether the name exists.
    strip = [re.sub(r'\s+', ' ', b.replace(u, '')) for b, (_, u, _, _) in
             zip(bodies[:3], tries[:3])]
    assert strip[0] == strip[1] == strip[2], ('the 401 pages differ between '
                                              'wrong password, wrong code and '
                                              'unknown user')
    # A hostile name comes back in the form, escaped.
    evil = '"><script>alert(1)</script>'
    r = Admin(ctx, source=addr(ctx, 0, 32)).try_login(evil, 'x', '000000')
    assert r.status == 401 and html_checks.Page(r.text).input_value(
        'username') == evil and evil not in r.text, (
        'the sign-in page does not give a hostile username back escaped')
    # Without the form's signed token, or with a forged one: 403.
    r = a.post('/admin/login', [('username', acct.name),
                                ('password', acct.password), ('code', code)])
    assert r.status == 403, 'sign-in without _token: expected 403, got %s' % (
        html_checks.describe(r))
    tok = a.login_token()
    r = a.try_login(acct.name, acct.password, code,
                    token=tok[:-2] + ('AA' if tok[-2:] != 'AA' else 'BB'))
    assert r.status == 403, 'sign-in with a forged _token: expected 403, ' \
        'got %s' % html_checks.describe(r)
    # The right password and code work once; the same code again does not.
    step = int(time.time() // 30)
    r = a.try_login(acct.name, acct.password, code)
    assert r.status == 303 and session_cookie(r), (
        'sign-in with the right password and code after the failures: '
        'expected 303 and a cookie, got %s' % html_checks.describe(r))
    acct.last_step = step
    r = a.try_login(acct.name, acct.password, code)
    assert r.status == 401 and not r.header_all('Set-Cookie'), (
        'the same TOTP code replayed: expected 401 and no cookie, got %s'
        % html_checks.describe(r))


def test_admin_posts_need_csrf(ctx):
    one = sign_in(ctx, enrol(ctx, 'it-csrf'))
    two = sign_in(ctx, enrol(ctx, 'it-csrf'))
    q = export_query('consultation')
    mine, theirs = one.csrf(), two.csrf()
    assert mine != theirs, 'two sessions share one CSRF token'
    wrong = mine[:-1] + ('A' if mine[-1] != 'A' else 'B')
    tries = []
    for label, extra in (('no _csrf', []), ('empty _csrf', [('_csrf', '')]),
                         ('a wrong _csrf', [('_csrf', wrong)]),
                         ("another session's _csrf", [('_csrf', theirs)])):
        tries.append(('/admin/logout', label, extra))
        tries.append(('/admin/reauth', label, extra +
                      [('password', 'irrelevant'), ('query', q)]))
    ok = 0
    bad = []
    for path, label, pairs in tries:
        r = one.post(path, pairs)
        if r.status == 403 and not r.header_all('Set-Cookie'):
            ok += 1
        else:
            bad.append('POST %s with %s: %s' % (path, label,
                                                html_checks.describe(r)))
    ctx.figure('admin_posts_without_csrf_403', '%d of %d' % (ok, len(tries)))
    assert not bad, '; '.join(bad)
    r = one.get('/admin/')
    assert r.status == 200, 'after the refused POSTs the session has ended: ' \
        '%s' % html_checks.describe(r)


def test_admin_logout_ends_session(ctx):
    a = sign_in(ctx, enrol(ctx, 'it-logout'))
    before = audit_max(ctx)
    old = a.cookie
    r = a.post('/admin/logout', [('_csrf', a.csrf())])
    assert r.status == 303 and r.header('Location') == '/admin/login', (
        'POST /admin/logout with the token: expected 303 to /admin/login, got '
        '%s' % html_checks.describe(r))
    sc = ';'.join(r.header_all('Set-Cookie')).replace(' ', '').lower()
    assert sc.startswith('vawg_admin=;') and 'max-age=0' in sc, (
        'logout does not clear the cookie: %r' % r.header_all('Set-Cookie'))
    a.cookie = old
    r = a.get('/admin/')
    assert r.status == 303 and r.header('Location') == '/admin/login', (
        'GET /admin/ with the cookie of a closed session: expected 303 to '
        'sign in, got %s' % html_checks.describe(r))
    r = a.post('/admin/export', export_query('referral') + '&_csrf=' +
               a.csrf())
    assert r.status == 403, 'an export with the cookie of a closed session: ' \
        '%s' % html_checks.describe(r)
    assert [x for x in audit_rows(ctx, before, 'logout')
            if x['actor'].startswith('it-logout')], 'no logout audit row'


def test_admin_reauth_and_idle_expiry(ctx):
    # Short windows for this test only: the password again after 1 s, the
    # session ended after 10 s without a request (the lowest allowed).
    restart_admin(ctx, VAWG_REAUTH_SECONDS=1, VAWG_SESSION_IDLE=10)
    try:
        acct = enrol(ctx, 'it-reauth')
        a = sign_in(ctx, acct, source=addr(ctx, 0, 45))
        q = export_query('referral')
        time.sleep(2.2)
        before = audit_max(ctx)
        r = a.post('/admin/export', q + '&_csrf=' + a.csrf())
        assert r.status == 200 and (r.header('Content-Type') or '') \
            .startswith('text/html'), ('an export 2 s after signing in with '
                                       'VAWG_REAUTH_SECONDS=1: expected the '
                                       'password page, got %s (%s)' % (
                                           html_checks.describe(r),
                                           r.header('Content-Type')))
        page = html_checks.Page(r.text)
        assert any(f.get('action') == '/admin/reauth'
                   for f in page.post_forms()), 'no form posting to ' \
            '/admin/reauth on the password page'
        assert page.input_value('query') == q, ('the password page carries '
                                                'query %r, expected %r' % (
                                                    page.input_value('query'),
                                                    q))
        assert not r.body.startswith(BOM), 'the password page is a CSV'
        assert not audit_rows(ctx, before, 'export'), \
            'an export audit row was written before the password was asked'
        csrf = page.input_value('_csrf')
        r = a.post('/admin/reauth', [('_csrf', csrf), ('query', q),
                                     ('password', acct.password + 'x')])
        assert r.status == 401, 're-authentication with a wrong password: ' \
            'expected 401, got %s' % html_checks.describe(r)
        for evil in ('form=referral&from=2024-01-01&to=2024-01-02&x=//evil',
                     'form=referral&from=2024-01-01&to=2024-01-02\r\n'
                     'Location: //evil.example/'):
            r = a.post('/admin/reauth', [('_csrf', csrf), ('query', evil),
                                         ('password', acct.password)])
            assert r.status == 400 and not r.header('Location'), (
                're-authentication with query %r: expected 400 and no '
                'redirect, got %s (Location %r)' % (
                    evil, html_checks.describe(r), r.header('Location')))
        r = a.post('/admin/reauth', [('_csrf', csrf), ('query', q),
                                     ('password', acct.password)])
        page = html_checks.Page(r.text)
        go = [f for f in page.post_forms()
              if f.get('action') == '/admin/export']
        assert r.status == 200 and len(go) == 1 and not \
            r.header('Location'), ('re-authentication with the right '
                                   'password: expected 200 and a button '
                                   'posting the export, got %s (forms %r)' % (
                                       html_checks.describe(r), go))
        # The button posts exactly the export asked for, with the token.
        fields = [(k, page.input_value(k)) for k in
                  ('_csrf', 'form', 'from', 'to', 'format')]
        assert '&'.join('%s=%s' % kv for kv in fields[1:]) == q and \
            fields[0][1] == csrf, 'the button posts %r, not %r' % (fields,
                                                                  q)
        r = a.post('/admin/export', fields)
        check_csv_response(r, 'the export after re-authenticating')
        assert r.body.startswith(BOM)
        assert len(audit_rows(ctx, before, 'export')) == 1, \
            'no export audit row after re-authenticating'
        # Idle expiry: 11 s without a request ends the session.
        time.sleep(11)
        r = a.get('/admin/')
        assert r.status == 303 and r.header('Location') == '/admin/login', (
            'GET /admin/ after 11 s idle with VAWG_SESSION_IDLE=10: expected '
            '303 to sign in, got %s' % html_checks.describe(r))
    finally:
        restart_admin(ctx)


def test_admin_disable_admin(ctx):
    acct = enrol(ctx, 'it-disable')
    a = sign_in(ctx, acct)
    before = audit_max(ctx)
    rc, out, err = ctx.stack.vawgctl(['disable-admin', '--user', acct.name,
                                      '--db', ctx.stack.owner_db()])
    assert rc == 0, 'vawgctl disable-admin exited %d: %s' % (rc, err)
    r = a.get('/admin/')
    assert r.status == 303, 'a disabled admin\'s session still works: %s' % (
        html_checks.describe(r))
    r = Admin(ctx, source=addr(ctx, 0, 47)).try_login(
        acct.name, acct.password, totp(acct.secret, offset=1))
    assert r.status == 401 and not session_cookie(r), (
        'a disabled admin signing in with the right password and code: '
        'expected 401, got %s' % html_checks.describe(r))
    assert [x for x in audit_rows(ctx, before, 'admin-disable')
            if x['detail'] == acct.name], 'no admin-disable audit row'
    rc, out, err = ctx.stack.vawgctl(['disable-admin', '--user',
                                      'it-no-such-one', '--db',
                                      ctx.stack.owner_db()])
    assert rc == 1 and 'no admin' in err, (
        'disable-admin of an unknown name: exit %d, %r' % (rc, err))


def test_admin_sign_in_after_backends_ended(ctx):
    """A sign-in's first write (the throttle count) is sent once only, so
    it must not go out on a connection the server has already ended while
    the worker sat idle (pg_terminate_backend, a restart's shutdown): the
    worker sees the server's goodbye waiting and reconnects first.  Every
    admin worker's connection is ended; each sign-in after that must
    succeed, not answer 503 "outcome unknown"."""
    # More sign-ins than workers (VAWG_WORKERS=2), each its own account
    # and address so no code or throttle is shared, every worker with a
    # connection of its own before the end.
    accts = [enrol(ctx, 'it-ended') for _ in range(4)]
    for i, acct in enumerate(accts[:2]):
        sign_in(ctx, acct, source=addr(ctx, 7, 10 + i))
    ended = int(ctx.stack.psql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE usename = 'vawg_admin' AND state = 'idle';").strip() or 0)
    assert ended >= 1, 'no idle vawg_admin backend to end'
    time.sleep(0.3)     # the goodbye reaches the workers' sockets
    statuses = []
    for i, acct in enumerate(accts):
        a = Admin(ctx, addr(ctx, 7, 20 + i))
        code = acct.fresh_code()
        r = a.try_login(acct.name, acct.password, code)
        acct.last_step = int(time.time() // 30)
        statuses.append(r.status)
    ctx.figure('signins_after_backends_ended',
               '%d of %d (%d backends ended)' % (
                   statuses.count(303), len(statuses), ended))
    assert statuses.count(303) == len(statuses), (
        'sign-ins after the admin role\'s connections were ended: %r '
        '(expected 303 each)' % statuses)
