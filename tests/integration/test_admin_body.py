#!/usr/bin/env python3
"""The admin program reads a POST body as the public one does (issue 13,
item 8; docs/THREAT-MODEL.md threats 10 and 11): on /admin/login,
/admin/logout and /admin/reauth a body without Content-Length is 411,
one over the admin limit (8192 bytes, route.c) 413, one of another type
415, and a field whose name holds a NUL (`password%00x`), a repeated
field or a value that is not UTF-8 text 400 for the whole request.  A
correct sign-in, re-authentication and sign-out still work.

Figure: admin_body_statuses_as_expected (K of K)."""

import html_checks
from admin_client import Admin, addr, enrol, export_query, session_cookie
from http_client import FORM_CT, raw_request

ADMIN_BODY_MAX = 8192       # FORM_BODY_MAX in cgi-src/admin/route.c
NOBODY = b'it-body-nobody'  # an account no one enrols


def _pad(body, size):
    """body with a field that makes it exactly size bytes (the field is
    an allowed one only to the extent the route allows it; only the
    length matters here)."""
    extra = size - len(body) - len(b'&code=')
    assert extra >= 0
    return body + b'&code=' + b'0' * extra


def _sender(a, path, source):
    """Three ways to post to path as Admin a (cookie and all)."""
    port = a.ctx.stack.port

    def raw(headers, body, content_length=True):
        h = [(k, v) for k, v in headers]
        if a.cookie:
            h.append(('Cookie', a.cookie))
        return a.http.raw(raw_request('POST', path, port, h, body,
                                      content_length=content_length),
                          source=source, timeout=20)

    def form(body):
        return a.http.post_form(path, body, headers=a._headers(),
                                source=source)

    def typed(ctype, body):
        return a.http.post_form(path, body, content_type=ctype,
                                headers=a._headers(), source=source)
    return raw, form, typed


def _framing_cases(a, path, good, source):
    """(label, thunk, status) for the body's framing, good being a body
    the route would otherwise read."""
    raw, form, typed = _sender(a, path, source)
    ct = ('Content-Type', FORM_CT)
    return [
        ('no Content-Length', lambda: raw([ct], b'', content_length=False),
         411),
        ('body of %d bytes (the limit + 1)' % (ADMIN_BODY_MAX + 1),
         lambda: form(_pad(good, ADMIN_BODY_MAX + 1)), 413),
        ('Content-Type text/plain', lambda: typed('text/plain', good), 415),
        ('Content-Type multipart/form-data',
         lambda: typed('multipart/form-data; boundary=x', good), 415),
        ('no Content-Type', lambda: typed(None, good), 415),
    ]


def _login_cases(ctx):
    a = Admin(ctx, source=addr(ctx, 0, 60))
    tok = a.login_token().encode()
    src = a.source
    _, form, _ = _sender(a, '/admin/login', src)
    base = b'_token=' + tok + b'&username=' + NOBODY

    def fields(rest):
        return base + rest
    cases = _framing_cases(a, '/admin/login',
                           fields(b'&password=x&code=000000'), src)
    cases += [
        ('body of exactly %d bytes, wrong password' % ADMIN_BODY_MAX,
         lambda: form(_pad(fields(b'&password=x'), ADMIN_BODY_MAX)), 401),
        ('password%00x as the password',
         lambda: form(fields(b'&password%00x=x&code=000000')), 400),
        ('_token%00x as the token', lambda: form(
            b'_token%00x=' + tok + b'&username=' + NOBODY +
            b'&password=x&code=000000'), 400),
        ('username%00 as the username', lambda: form(
            b'_token=' + tok + b'&username%00=' + NOBODY +
            b'&password=x&code=000000'), 400),
        ('username twice', lambda: form(
            base + b'&username=b&password=x&code=000000'), 400),
        ('username not UTF-8', lambda: form(
            b'_token=' + tok + b'&username=%FF&password=x&code=000000'),
         400),
        ('password with a NUL', lambda: form(
            fields(b'&password=a%00b&code=000000')), 400),
        ('an unknown field', lambda: form(
            fields(b'&password=x&code=000000&admin=1')), 400),
        ('wrong password, well formed', lambda: form(
            fields(b'&password=x&code=000000')), 401),
    ]
    return [('/admin/login', *c) for c in cases]


def _reauth_cases(ctx, a):
    src = a.source
    _, form, _ = _sender(a, '/admin/reauth', src)
    csrf = a.csrf().encode()
    q = export_query('consultation').replace('&', '%26').encode()
    pw = a.password.encode()
    good = b'_csrf=' + csrf + b'&query=' + q + b'&password=' + pw
    cases = _framing_cases(a, '/admin/reauth', good, src)
    cases += [
        ('_csrf%00x as the token', lambda: form(
            b'_csrf%00x=' + csrf + b'&query=' + q + b'&password=' + pw), 400),
        ('password%00x as the password', lambda: form(
            b'_csrf=' + csrf + b'&query=' + q + b'&password%00x=' + pw), 400),
        ('password twice', lambda: form(good + b'&password=' + pw), 400),
        ('password not UTF-8', lambda: form(
            b'_csrf=' + csrf + b'&query=' + q + b'&password=%C3%28'), 400),
        ('the right password', lambda: form(good), 200),
    ]
    return [('/admin/reauth', *c) for c in cases]


def _logout_cases(ctx, a):
    src = a.source
    _, form, _ = _sender(a, '/admin/logout', src)
    csrf = a.csrf().encode()
    good = b'_csrf=' + csrf
    cases = _framing_cases(a, '/admin/logout', good, src)
    cases += [
        ('_csrf twice', lambda: form(good + b'&' + good), 400),
        ('_csrf not UTF-8', lambda: form(b'_csrf=%FF'), 400),
        # Before the fix this one signed out: keep it next to last.
        ('_csrf%00x as the token', lambda: form(b'_csrf%00x=' + csrf), 400),
        ('the token, well formed', lambda: form(good), 303),
    ]
    return [('/admin/logout', *c) for c in cases]


def _sign_in(ctx, acct):
    """(Admin signed in as acct, the sign-in's answer); the Admin has no
    cookie if the sign-in failed."""
    a = Admin(ctx, source=addr(ctx, 0, 61))
    r = a.try_login(acct.name, acct.password, acct.fresh_code())
    a.cookie = session_cookie(r)
    a.password = acct.password
    return a, r


def test_admin_body_statuses(ctx):
    a, signed = _sign_in(ctx, enrol(ctx, 'it-body'))
    assert a.cookie, 'signing in with the right password and code: %s' % (
        html_checks.describe(signed))
    cases = [('/admin/login', 'the right password and code',
              lambda: signed, 303)]
    cases += _login_cases(ctx)
    cases += _reauth_cases(ctx, a)
    cases += _logout_cases(ctx, a)
    wrong = []
    for path, label, send, want in cases:
        r = send()
        if r.status != want:
            wrong.append('%s, %s: expected %d, got %s' % (
                path, label, want, html_checks.describe(r, 120)))
    ok = len(cases) - len(wrong)
    ctx.figure('admin_body_statuses_as_expected', '%d of %d' % (
        ok, len(cases)))
    assert not wrong, '%d of %d admin bodies answered wrongly: %s' % (
        len(wrong), len(cases), '; '.join(wrong))
