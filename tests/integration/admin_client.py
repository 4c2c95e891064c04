#!/usr/bin/env python3
"""The admin side as the test_admin_* modules reach it: administrators
enrolled with `vawgctl add-admin`, their TOTP codes, an HTTP client with
one session cookie, signing in, throttled guessing, and the audit log.

Each test that signs in enrols its own administrator, because a TOTP code
works only once per account.  Failed sign-ins come from loopback
addresses of their own (127.N.x.y, N random per run, see addr()), so
throttling one test never locks another out.  Admin responses go through
a client that reports 5xx answers to the run but not the session cookie,
which only the public side must never set.  Nothing here asserts what a
page must say beyond what signing in needs."""

import base64
import datetime
import hmac
import json
import os
import struct
import time

import html_checks
from forms import encode_pairs
from http_client import Client

FREE_TRIES = 5              # VAWG_LOGIN_FREE_TRIES, the default


def totp(secret_b32, when=None, offset=0):
    """RFC 6238: HMAC-SHA1 over the 30-s step counter, 6 digits."""
    s = secret_b32.strip().upper()
    key = base64.b32decode(s + '=' * (-len(s) % 8))
    step = int((time.time() if when is None else when) // 30) + offset
    mac = hmac.new(key, struct.pack('>Q', step), 'sha1').digest()
    o = mac[-1] & 0x0f
    n = (struct.unpack('>I', mac[o:o + 4])[0] & 0x7fffffff) % 1000000
    return '%06d' % n


class Account:
    def __init__(self, name, password, secret):
        self.name = name
        self.password = password
        self.secret = secret
        self.last_step = -1     # the newest TOTP step used to sign in

    def fresh_code(self):
        """A code for a step this account has not used: waits for the
        next 30-s step if the current one was used already."""
        while int(time.time() // 30) <= self.last_step:
            time.sleep(0.5)
        return totp(self.secret)


def read_secret(path):
    """A one-line secret file (password, TOTP secret), stripped."""
    with open(path) as f:
        return f.read().strip()


def wrong_passphrase(ctx, name, text):
    """The path of a new private file holding text, which is not the
    run's passphrase, for vawgctl's --passphrase-file."""
    path = os.path.join(ctx.stack.var, name)
    with open(path, 'w') as f:
        f.write(text + '\n')
    os.chmod(path, 0o600)
    return path


def addr(ctx, a, b):
    """A loopback source address of this run's own: 127.N.a.b."""
    if getattr(ctx, 'admin_net', None) is None:
        ctx.admin_net = 20 + int.from_bytes(os.urandom(1), 'big') % 200
    return '127.%d.%d.%d' % (ctx.admin_net, a, b)


def enrol(ctx, prefix, role=None):
    """A new staff account, enrolled with vawgctl add-admin (--role ROLE
    unless role is None: an admin)."""
    n = getattr(ctx, 'admin_enrolled', 0) + 1
    ctx.admin_enrolled = n
    name = '%s%d-%s' % (prefix, n, os.urandom(2).hex())
    d = os.path.join(ctx.stack.var, 'it-admins')
    os.makedirs(d, mode=0o700, exist_ok=True)
    pw, tf = os.path.join(d, name + '.pw'), os.path.join(d, name + '.totp')
    rc, out, err = ctx.stack.vawgctl(['add-admin', '--user', name, '--db',
                                      ctx.stack.owner_db(), '--keys',
                                      ctx.stack.keys_dir, '--password-out',
                                      pw, '--totp-out', tf] +
                                     (['--role', role] if role else []))
    assert rc == 0, 'vawgctl add-admin --user %s exited %d: %s' % (
        name, rc, err.strip()[:300])
    assert b'otpauth://totp/' in out, ('vawgctl add-admin printed no '
                                       'otpauth:// URI')
    return Account(name, read_secret(pw), read_secret(tf))


def restart_admin(ctx, **settings):
    """Restart the admin pool with these settings (none: the defaults)."""
    ctx.stack.restart('admin', **settings)


class Admin:
    """An HTTP client for /admin/ with one session cookie.  5xx answers
    are reported to the run like every other response; the cookie is not
    (only the public side promises never to set one)."""

    def __init__(self, ctx, source=None):
        self.ctx = ctx
        self.source = source
        self.cookie = None      # "vawg_admin=..."
        self.name = None        # who signed in
        self._csrf = None
        self.http = Client(ctx.stack.port, observer=self._seen)

    def _seen(self, method, path, resp):
        self.ctx.responses += 1
        if resp.status is not None and resp.status >= 500 and \
                not self.ctx.allow_5xx:
            self.ctx.fivexx.append((method, path, resp.status))

    def _headers(self, extra=None):
        h = dict(extra or {})
        if self.cookie:
            h['Cookie'] = self.cookie
        return h

    def get(self, path, timeout=60, headers=None):
        return self.http.request('GET', path, headers=self._headers(headers),
                                 timeout=timeout, source=self.source)

    def post(self, path, pairs, timeout=30):
        """pairs: a list of (name, value), or a body already encoded
        (bytes, or str sent as UTF-8)."""
        if isinstance(pairs, str):
            pairs = pairs.encode()
        body = pairs if isinstance(pairs, bytes) else encode_pairs(pairs)
        return self.http.post_form(path, body, headers=self._headers(),
                                   timeout=timeout, source=self.source)

    def login_token(self):
        r = self.get('/admin/login')
        assert r.status == 200, 'GET /admin/login: %s' % (
            html_checks.describe(r))
        tok = html_checks.Page(r.text).token
        assert tok, 'the sign-in page has no hidden _token'
        return tok

    def try_login(self, user, password, code, token=None):
        tok = self.login_token() if token is None else token
        return self.post('/admin/login', [('_token', tok), ('username', user),
                                          ('password', password),
                                          ('code', code)])

    def csrf(self):
        if self._csrf is None:
            r = self.get('/admin/')
            assert r.status == 200, 'GET /admin/ signed in: %s' % (
                html_checks.describe(r))
            self._csrf = html_checks.Page(r.text).input_value('_csrf')
            assert self._csrf, 'the dashboard has no _csrf in its forms'
        return self._csrf


def session_cookie(resp):
    """The vawg_admin=... pair a sign-in set, or None."""
    for v in resp.header_all('Set-Cookie'):
        first = v.split(';', 1)[0].strip()
        if first.startswith('vawg_admin=') and first != 'vawg_admin=':
            return first
    return None


def sign_in(ctx, acct, source=None):
    """A signed-in Admin for acct; fails unless the sign-in gives 303 to
    /admin/ and a session cookie."""
    a = Admin(ctx, source)
    code = acct.fresh_code()
    step = int(time.time() // 30)
    r = a.try_login(acct.name, acct.password, code)
    assert r.status == 303 and r.header('Location') == '/admin/', (
        'signing in as %s with the right password and code: expected 303 '
        'to /admin/, got %s (Location %r)' % (acct.name,
                                             html_checks.describe(r),
                                             r.header('Location')))
    acct.last_step = max(acct.last_step, step)
    a.name = acct.name
    a.cookie = session_cookie(r)
    assert a.cookie, 'sign-in as %s set no vawg_admin cookie: %r' % (
        acct.name, r.header_all('Set-Cookie'))
    return a


def fail_until_429(attempt, tries, what=None):
    """Calls attempt(i) for i = 0, 1, ... up to tries times, until an
    answer is 429.  Unless what is None, every other answer must be 401
    (what names the attempt in the failure).  Returns (the number of
    answers before the 429, the 429 answer or None)."""
    for i in range(tries):
        r = attempt(i)
        if r.status == 429:
            return i, r
        assert what is None or r.status == 401, (
            '%s: expected 401 or 429, got %s' % (what,
                                                 html_checks.describe(r)))
    return tries, None


def london_range():
    """from and to around today, wide enough for any time zone."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    return ((today - datetime.timedelta(days=2)).isoformat(),
            (today + datetime.timedelta(days=2)).isoformat())


def export_query(form, frm=None, to=None):
    if frm is None:
        frm, to = london_range()
    return 'form=%s&from=%s&to=%s&format=csv' % (form, frm, to)


def audit_rows(ctx, after_id, action=None):
    sql = ("SELECT coalesce(json_agg(json_build_object('id', id, 'actor', "
           "actor, 'action', action, 'form', form_name, 'from', "
           "range_from::text, 'to', range_to::text, 'rows', row_count, "
           "'detail', detail) ORDER BY id), '[]'::json) FROM vawg.audit_log "
           "WHERE id > %d" % int(after_id))
    if action:
        sql += " AND action = '%s'" % action
    return json.loads(ctx.stack.psql(sql + ';'))


def audit_max(ctx):
    return int(ctx.stack.psql('SELECT coalesce(max(id), 0) FROM '
                              'vawg.audit_log;'))
