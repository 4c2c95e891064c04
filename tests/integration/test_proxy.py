#!/usr/bin/env python3
"""Behind a TLS-terminating proxy (issue 13, item 11; docs/THREAT-MODEL.md
threats 5, 13 and 19).  The run's stack trusts 127.0.0.3 and 127.0.0.4/30
(stack.TRUSTED_PROXY) and nobody else: from them nginx takes the
visitor's address from X-Forwarded-For and believes X-Forwarded-Proto:
https; from 127.0.0.1 and 127.0.0.2 both headers are ignored.  Checked as
a visitor sees it: the POST limit counts forwarded visitors one by one,
the admin sign-in throttle too, HSTS comes only over HTTPS, and with the
development setting off sign-in works only over HTTPS, with a __Host-
cookie marked Secure.

Figures: proxy_one_visitor_429, proxy_many_visitors_429,
untrusted_forged_visitors_429 (N of M POSTs), proxy_signin_failures_
before_429 and untrusted_signin_failures_before_429, hsts_over_https and
hsts_over_plain (pages), plain_signin_refused, host_cookie."""

import re
import threading
import time

import html_checks
from admin_client import FREE_TRIES, Admin, enrol, restart_admin
from http_client import FORM_CT, raw_request

PROXY = '127.0.0.3'             # trusted by address
PROXY_CIDR = '127.0.0.5'        # trusted through 127.0.0.4/30
UNTRUSTED = '127.0.0.2'         # floods from here
UNTRUSTED_SIGNIN = '127.0.0.10'
PLAIN = None                    # 127.0.0.1, what every other test uses

HSTS = 'max-age=31536000'
FLOOD_COUNT = 500
THREADS = 16
FLOOD_SECONDS = 30
# Pages answered by each kind of nginx location, the handlers and nginx
# itself (a static file, the icon, a 404 of nginx's own under /static/).
HSTS_PATHS = ('/', '/referral', '/exit', '/admin/login', '/admin/',
              '/static/site.css', '/favicon.ico', '/static/none.css',
              '/no-such-page')


def _visitors(n):
    """n distinct documentation addresses (RFC 5737), none of them the
    suite's forged 203.0.113.77."""
    out = []
    for net in ('203.0.113', '198.51.100', '192.0.2'):
        out += ['%s.%d' % (net, i) for i in range(1, 255)
                if '%s.%d' % (net, i) != '203.0.113.77']
    assert n <= len(out)
    return out[:n]


def _flood(ctx, source, forwarded):
    """Quick empty POSTs to /referral from source, the i-th carrying
    X-Forwarded-For: forwarded[i]; returns {status: count}."""
    state = {'next': 0, 'statuses': {}}
    lock = threading.Lock()
    deadline = time.monotonic() + FLOOD_SECONDS

    def run():
        while True:
            with lock:
                i = state['next']
                if i >= len(forwarded) or time.monotonic() > deadline:
                    return
                state['next'] += 1
            req = raw_request('POST', '/referral', ctx.stack.port,
                              [('Content-Type', FORM_CT),
                               ('X-Forwarded-For', forwarded[i])], b'')
            try:
                status = ctx.http.raw(req, timeout=5, source=source).status
            except OSError as e:
                status = type(e).__name__
            with lock:
                state['statuses'][status] = \
                    state['statuses'].get(status, 0) + 1

    threads = [threading.Thread(target=run, daemon=True)
               for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(FLOOD_SECONDS + 10)
    assert not any(t.is_alive() for t in threads), 'flood threads still busy'
    statuses = state['statuses']
    sent = sum(statuses.values())
    assert sent == len(forwarded), 'only %d of %d POSTs sent in %d s' % (
        sent, len(forwarded), FLOOD_SECONDS)
    bad = {k: v for k, v in statuses.items()
           if not isinstance(k, int) or k >= 500}
    assert not bad, 'flood answers that are errors or none: %s' % bad
    return statuses


def test_proxy_post_limit_per_visitor(ctx):
    """Through the proxy, one visitor flooding meets 429 (the control:
    the flood is quick enough to reach the limit), many visitors at the
    same pace do not; from an untrusted address, forged forwarded
    addresses change nothing."""
    n = FLOOD_COUNT
    one = _flood(ctx, PROXY, ['198.51.100.200'] * n)
    many = _flood(ctx, PROXY_CIDR, _visitors(n))
    forged = _flood(ctx, UNTRUSTED, _visitors(n))
    ctx.figure('proxy_one_visitor_429', '%d of %d' % (one.get(429, 0), n))
    ctx.figure('proxy_many_visitors_429', '%d of %d' % (many.get(429, 0), n))
    ctx.figure('untrusted_forged_visitors_429', '%d of %d' % (
        forged.get(429, 0), n))
    assert one.get(429, 0) > 0, (
        '%d quick POSTs from one forwarded visitor met no 429: the flood '
        'cannot show the limit (%s)' % (n, one))
    assert many.get(429, 0) == 0, (
        '%d POSTs through the trusted proxy from %d different visitors: '
        '%d refused with 429, so they share one bucket (%s)' % (
            n, n, many[429], many))
    assert forged.get(429, 0) > 0, (
        '%d quick POSTs from untrusted %s with forged X-Forwarded-For: no '
        '429, so the forged addresses were believed (%s)' % (
            n, UNTRUSTED, forged))


class ProxiedAdmin(Admin):
    """An Admin whose every request carries the given proxy headers."""

    def __init__(self, ctx, source, proto=None, forwarded=None):
        super().__init__(ctx, source)
        self.proto = proto
        self.forwarded = forwarded

    def _headers(self, extra=None):
        h = super()._headers(extra)
        if self.proto:
            h['X-Forwarded-Proto'] = self.proto
        if self.forwarded:
            h['X-Forwarded-For'] = self.forwarded
        return h


def _failures_before_429(ctx, source, tag):
    """Failed sign-ins from source, each for a new unknown name from a
    new forwarded address, until a 429 or FREE_TRIES + 3 of them."""
    visitors = _visitors(300)[200:]
    for i in range(FREE_TRIES + 3):
        a = ProxiedAdmin(ctx, source, forwarded=visitors[i])
        r = a.try_login('it-proxy-%s-%d' % (tag, i), 'wrong', '000000')
        if r.status == 429:
            return i
        assert r.status == 401, 'a wrong sign-in from %s: expected 401 or ' \
            '429, got %s' % (source, html_checks.describe(r))
    return FREE_TRIES + 3


def test_proxy_signin_throttle_per_visitor(ctx):
    """The admin throttle's address is the forwarded visitor's from the
    proxy, so one guesser does not lock every staff member out; from
    anyone else the forged header is ignored."""
    proxied = _failures_before_429(ctx, PROXY, 'p')
    forged = _failures_before_429(ctx, UNTRUSTED_SIGNIN, 'u')
    ctx.figure('proxy_signin_failures_before_429', proxied)
    ctx.figure('untrusted_signin_failures_before_429', forged)
    assert proxied == FREE_TRIES + 3, (
        'failed sign-ins through the proxy, each from its own visitor: '
        '429 after %d, so every visitor shares the proxy\'s address' %
        proxied)
    assert forged == FREE_TRIES, (
        'failed sign-ins from untrusted %s with forged X-Forwarded-For: '
        '429 after %d, expected after %d (one address)' % (
            UNTRUSTED_SIGNIN, forged, FREE_TRIES))


def _hsts(ctx, source, proto):
    """{path: Strict-Transport-Security or None} for HSTS_PATHS."""
    a = ProxiedAdmin(ctx, source, proto=proto)
    return {p: a.get(p).header('Strict-Transport-Security')
            for p in HSTS_PATHS}


def test_proxy_hsts_only_over_https(ctx):
    over_tls = _hsts(ctx, PROXY, 'https')
    plain = {'plain': _hsts(ctx, PLAIN, None),
             'proxy, http': _hsts(ctx, PROXY_CIDR, 'http'),
             'untrusted, https': _hsts(ctx, UNTRUSTED_SIGNIN, 'https'),
             'untrusted, no proto': _hsts(ctx, UNTRUSTED_SIGNIN, None)}
    good = [p for p, v in over_tls.items() if v == HSTS]
    leaked = ['%s %s' % (k, p) for k, got in plain.items()
              for p, v in got.items() if v is not None]
    ctx.figure('hsts_over_https', '%d of %d pages' % (len(good),
                                                      len(HSTS_PATHS)))
    ctx.figure('hsts_over_plain', '%d of %d pages' % (
        len(leaked), len(HSTS_PATHS) * len(plain)))
    assert len(good) == len(HSTS_PATHS), (
        'through the trusted proxy with X-Forwarded-Proto: https, pages '
        'without "Strict-Transport-Security: %s": %s' % (HSTS, {
            p: v for p, v in over_tls.items() if v != HSTS}))
    assert not leaked, 'HSTS sent over plain HTTP: %s' % leaked


def _cookie(resp):
    """(the name=value pair, its attributes lowercased) of the first
    Set-Cookie, or (None, set())."""
    for v in resp.header_all('Set-Cookie'):
        parts = [p.strip() for p in v.split(';')]
        return parts[0], {p.lower() for p in parts[1:]}
    return None, set()


def _refused(r):
    return r.status == 403 and not r.header_all('Set-Cookie') and \
        'https://' in html_checks.page_text(r.text)


def test_proxy_signin_needs_https(ctx):
    """With VAWG_ADMIN_ALLOW_PLAIN_HTTP off, the right password and code
    get no session over plain HTTP (nor with a forged X-Forwarded-Proto),
    and through the proxy over HTTPS a __Host- cookie, Secure, that
    opens the dashboard."""
    acct = enrol(ctx, 'it-proxy')
    restart_admin(ctx, VAWG_ADMIN_ALLOW_PLAIN_HTTP=0)
    try:
        tls = ProxiedAdmin(ctx, PROXY, proto='https')
        token = tls.login_token()
        tries = {'plain': ProxiedAdmin(ctx, PLAIN),
                 'untrusted, https': ProxiedAdmin(ctx, UNTRUSTED_SIGNIN,
                                                  proto='https'),
                 'proxy, no proto': ProxiedAdmin(ctx, PROXY)}
        refused = []
        for what, a in tries.items():
            form = a.get('/admin/login')
            assert _refused(form), 'GET /admin/login (%s): expected the ' \
                '403 page naming https://, got %s' % (
                    what, html_checks.describe(form))
            r = a.try_login(acct.name, acct.password, acct.fresh_code(),
                            token=token)
            assert _refused(r), 'the right password and code (%s): ' \
                'expected 403 and no cookie, got %s (Set-Cookie %r)' % (
                    what, html_checks.describe(r), r.header_all('Set-Cookie'))
            refused.append(what)
        ctx.figure('plain_signin_refused', '%d of %d' % (len(refused),
                                                         len(tries)))
        r = tls.try_login(acct.name, acct.password, acct.fresh_code(),
                          token=token)
        acct.last_step = int(time.time() // 30)
        pair, attrs = _cookie(r)
        ctx.figure('host_cookie', '%s; %s' % (
            re.sub(r'=.*', '=...', pair or 'none'), '; '.join(sorted(attrs))))
        assert r.status == 303, 'signing in over HTTPS through the proxy: ' \
            'expected 303, got %s' % html_checks.describe(r)
        assert pair and pair.startswith('__Host-vawg_admin=') and \
            {'secure', 'httponly', 'path=/'} <= attrs, (
                'the session cookie over HTTPS is not a __Host- cookie with '
                'Secure, HttpOnly and Path=/: %r' % r.header_all('Set-Cookie'))
        assert r.header('Strict-Transport-Security') == HSTS, \
            'the HTTPS sign-in came without HSTS'
        tls.cookie = pair
        r = tls.get('/admin/')
        assert r.status == 200, 'the dashboard with the __Host- cookie: %s' \
            % html_checks.describe(r)
    finally:
        restart_admin(ctx)
