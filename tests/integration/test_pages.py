#!/usr/bin/env python3
"""Routes, security headers, static files, the exit route, HEAD, 404
and 405: what any visitor gets before posting anything."""

from urllib.parse import urlsplit

from forms import when_field
from html_checks import Page, describe, shows_text
from http_client import raw_request

PAGES = ('/', '/consultation', '/referral', '/safety')
NO_STORE = ('/consultation', '/referral')


def test_healthz_ok(ctx):
    """200 "up" and nothing else: no spool count, no database state
    (issue 13, item 4; `vawgctl status` has them)."""
    r = ctx.http.get('/healthz')
    assert r.status == 200, 'GET /healthz: expected 200, got %s' % describe(r)
    assert r.text == 'up\n', ('GET /healthz: expected the body "up" and '
                              'nothing more, got %r' % r.text[:80])
    ct = (r.header('Content-Type') or '').lower()
    assert ct.startswith('text/plain'), ('GET /healthz: Content-Type %r, '
                                         'expected text/plain' % ct)


def test_pages_carry_security_headers(ctx):
    for path in PAGES:
        r = ctx.http.get(path)
        assert r.status == 200, 'GET %s: expected 200, got %s' % (
            path, describe(r))
        ctx.check_headers(r, 'GET %s' % path, no_store=path in NO_STORE)
    ctx.figure('headers_checked', ctx.headers_checked)


def test_home_links_both_forms(ctx):
    r = ctx.http.get('/')
    links = {urlsplit(h).path for h in Page(r.text).links}
    for path in ('/consultation', '/referral'):
        assert path in links, ('home page has no link to %s (links: %s)'
                               % (path, sorted(links)))


def test_form_pages_render_every_field(ctx):
    for name in ('consultation', 'referral'):
        form = ctx.form(name)
        r = ctx.http.get(form.path)
        page = Page(r.text)
        names = page.input_names()
        missing = [f.name for f in form.fields if f.name not in names]
        assert not missing, ('form %s shows no input for %s'
                             % (form.path, missing))
        assert '_homepage' in names, ('form %s has no _homepage honeypot '
                                      'input' % form.path)
        assert page.token, 'form %s has no hidden _token' % form.path
        posts = page.post_forms()
        assert posts, 'form %s has no <form method="post">' % form.path
        for f in form.fields:
            if not f.options:
                continue
            have = {a.get('value') for _, a in page.inputs
                    if a.get('name') == f.name}
            if f.kind == 'select':
                have = {o.value for o in f.options
                        if ('value="%s"' % o.value) in r.text}
            lost = [o.value for o in f.options if o.value not in have]
            assert not lost, ('form %s, question %s: options %s not offered'
                              % (form.path, f.name, lost))


def test_form_pages_show_option_notices(ctx):
    n = 0
    for name in ('consultation', 'referral'):
        form = ctx.form(name)
        r = ctx.http.get(form.path)
        for f in form.fields:
            for o in f.options:
                if not o.notice:
                    continue
                n += 1
                assert shows_text(r.text, o.notice), (
                    'form %s, question %s, option %s: its notice %r is not '
                    'on the page' % (form.path, f.name, o.value, o.notice))
    ctx.figure('option_notices_shown', n)
    referral = ctx.form('referral')
    when = when_field(referral)
    assert when and any(o.notice for o in when.options), (
        'referral question "when" has no option with a notice (recent '
        'assault help); fields: %s' % [f.name for f in referral.fields])


def test_static_css(ctx):
    r = ctx.http.get('/static/site.css')
    assert r.status == 200, 'GET /static/site.css: expected 200, got %s' % (
        describe(r))
    assert r.body, 'GET /static/site.css: empty file'
    ct = (r.header('Content-Type') or '').lower()
    assert ct.startswith('text/css'), ('GET /static/site.css: Content-Type '
                                       '%r, expected text/css' % ct)


def test_exit_clears_and_leaves(ctx):
    r = ctx.http.get('/exit')
    assert r.status == 303, 'GET /exit: expected 303, got %s' % describe(r)
    loc = r.header('Location') or ''
    host = urlsplit(loc).hostname or ''
    assert host and host not in ('127.0.0.1', 'localhost') \
        and not host.startswith('127.'), (
        'GET /exit: Location %r should be a neutral outside site' % loc)
    assert r.header('Clear-Site-Data'), 'GET /exit: no Clear-Site-Data header'
    assert not r.header_all('Set-Cookie'), 'GET /exit sets a cookie'


def test_head_has_no_body(ctx):
    for path in ('/', '/consultation', '/referral', '/safety', '/healthz'):
        g = ctx.http.get(path)
        r = ctx.http.raw(raw_request('HEAD', path, ctx.stack.port,
                                     content_length=False), head=True)
        assert r.status == g.status, ('HEAD %s: status %s, GET gives %s'
                                      % (path, r.status, g.status))
        assert r.body == b'', ('HEAD %s: %d body bytes sent, expected none'
                               % (path, len(r.body)))
        if path != '/healthz':
            ctx.check_headers(r, 'HEAD %s' % path, no_store=path in NO_STORE)


def test_unknown_path_404(ctx):
    r = ctx.http.get('/no-such-page')
    assert r.status == 404, 'GET /no-such-page: expected 404, got %s' % (
        describe(r))
    ctx.check_headers(r, '404 page')
    for path in ('/consultation/extra', '/static/no-such.css',
                 '/referral.php'):
        r = ctx.http.get(path)
        assert r.status == 404, 'GET %s: expected 404, got %s' % (
            path, describe(r))


def test_wrong_methods_405(ctx):
    n = 0
    for path in ('/', '/consultation', '/referral', '/safety'):
        for method in ('PUT', 'DELETE', 'OPTIONS', 'PATCH'):
            body = b'a=b' if method in ('PUT', 'PATCH') else None
            r = ctx.http.request(method, path, body=body)
            assert r.status == 405, '%s %s: expected 405, got %s' % (
                method, path, describe(r))
            allow = r.header('Allow') or ''
            assert 'GET' in allow.upper(), ('%s %s: 405 without an Allow '
                                            'header listing GET (%r)'
                                            % (method, path, allow))
            ctx.check_headers(r, '%s %s' % (method, path))
            n += 1
        r = ctx.http.request('TRACE', path)
        assert r.status == 405, 'TRACE %s: expected 405, got %s' % (
            path, describe(r))
        n += 1
    ctx.figure('wrong_methods_refused', '%d of %d' % (n, n))


def test_post_to_read_only_routes_405(ctx):
    for path in ('/', '/healthz', '/safety'):
        r = ctx.http.post_form(path, b'a=b')
        assert r.status == 405, 'POST %s: expected 405, got %s' % (
            path, describe(r))
        assert r.header('Allow'), 'POST %s: 405 without Allow header' % path
        assert 'POST' not in (r.header('Allow') or '').upper(), (
            'POST %s: 405 but Allow says %r' % (path, r.header('Allow')))
        if path != '/healthz':
            ctx.check_headers(r, 'POST %s' % path)
