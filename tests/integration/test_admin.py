#!/usr/bin/env python3
"""The admin side through nginx (issue 3; docs/THREAT-MODEL.md threats 6, 9, 13,
15, 17, 18): sign-in with password and TOTP, sessions, CSRF, throttling
and timing, the dashboard, the streamed CSV export (decrypted and sealed),
re-authentication, the append-only audit log and the purge.

Each test that signs in enrols its own administrator with `vawgctl
add-admin`, because a TOTP code works only once per account.  Failed
sign-ins come from loopback addresses of their own (127.N.x.y, N random
per run), so throttling one test never locks another out.  Admin
responses go through a client that reports 5xx answers to the run but
not the session cookie, which only the public side must never set.
Whatever a test changes (the admin pool's mode or settings, a form's
retention, a row's time) it puts back before it ends; the purge takes
the rows it removes out of ctx.confirmed.

Figures printed include admin_posts_without_csrf_403 (k of k),
failed_logins_before_throttle, login_fail_median_ms_known_user and
_unknown_user with their ratio, formula_cells_neutralised (k of k),
export_mismatches, sealed_round_trip_mismatches, audit_log_changes_refused
(k of k) and purged_rows."""

import base64
import csv
import datetime
import hmac
import html
import io
import json
import os
import re
import statistics
import struct
import subprocess
import time

import html_checks
import rows
from forms import encode_pairs, new_canary
from http_client import Client

STARTERS = '=+-@\t\r\n\0'
BOM = b'\xef\xbb\xbf'
CHOICE_KINDS = ('radio', 'checkboxes', 'select')
FREE_TRIES = 5              # VAWG_LOGIN_FREE_TRIES, the default
N_PER_FORM = 4              # submissions per form for the export checks
COOKIE_RE = re.compile(r'^vawg_admin=([A-Za-z0-9_-]{22})$')
VAWGCTL_TIMEOUT = 120

# Hostile answers.  {c} is a fresh canary.  Single-line ones go in text
# fields (no CR or LF allowed there); the multi-line ones in textareas.
SINGLE = (
    '=1+1 {c}', '@SUM(A1) {c}', '-2 {c}', '+3 {c}',
    '=HYPERLINK("http://evil.example/","x") {c}',
    'a "quoted" word, and a comma {c}',
    "'; DROP TABLE vawg.submission; -- {c}",
    "Robert'); DELETE FROM vawg.audit_log; -- {c}",
    '<script>alert(1)</script> {c}',
    "'=1 apostrophe first {c}", "'plain apostrophe {c}",
    'tab\tinside {c}', '  \t=SUM(9) padded {c} \t ',
    '{c} \u0645\u0631\u062d\u0628\u0627 '
    '\u0628\u0627\u0644\u0639\u0627\u0644\u0645',
    '{c} \u4f60\u597d\uff0c\u4e16\u754c',
    '{c} \u0928\u092e\u0938\u094d\u0924\u0947 '
    '\u0926\u0941\u0928\u093f\u092f\u093e',
    '{c} \U0001F469\u200d\U0001F469\u200d\U0001F467 '
    '\U0001F3F3\ufe0f\u200d\U0001F308',
    '{c} e\u0301 a\u0308 n\u0303',
    '{c} \u05e9\u05dc\u05d5\u05dd \u041f\u0440\u0438\u0432\u0435\u0442 '
    '\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35 \uc548\ub155 \u1230\u120b\u121d '
    '\u0bb5\u0ba3\u0b95\u0bcd\u0b95\u0bae\u0bcd',
    '\\N NULL %s %n %00 {c}', '-{c}', '={c}', '"{c}" quoted first',
)
MULTI = (
    "=cmd|' /C calc'!A0\r\nsecond line, \"quoted\"\r\n\tthird {c}",
    '\r\n\r\n  -leading newlines {c}\r\n  ',
    'line1\rline2 after a lone CR\r\n\r\nline4 {c}',
    '@import {c}\nline, with comma\n"quote at the start of a line',
    '+{c}\n=2+2\n-3\n@4',
    '<script>alert("{c}")</script>\r\n</textarea><b>x</b>',
    "{c}'); DROP TABLE vawg.submission; --\r\n"
    "SELECT * FROM vawg.audit_log WHERE '1'='1",
    '\u0645\u0631\u062d\u0628\u0627 {c}\r\n\u4f60\u597d\r\n'
    '\u0928\u092e\u0938\u094d\u0924\u0947\r\n'
    '\U0001F469\u200d\U0001F467\r\ne\u0301',
    '\t=TAB first, then a formula {c}',
    '"{c}" starts with a quote, "" doubled',
)
EMAILS = ('={c}@example.org', '+{c}@example.org', '-{c}@example.org',
          "{c}.o'brien@example.org", '{c}+tag=1@example.org')
PHONES = ('+44 20 7946 0018', '-020 7946 0018', '(020) 7946 0018',
          '  +44 (0)20 7946 0018 ')

LABELS_SQL = """
SELECT json_object_agg(f.name, (
  SELECT json_agg(json_build_object('name', ff.name, 'label', ff.label,
    'options', (SELECT coalesce(json_object_agg(o.value, o.label), '{}'::json)
                FROM vawg.form_option o
                WHERE o.version_id = ff.version_id
                  AND o.field_name = ff.name))
    ORDER BY ff.position)
  FROM vawg.form_field ff WHERE ff.version_id = c.version_id))
FROM vawg.form f JOIN vawg.form_current c ON c.form_id = f.id;
"""


# ---------------------------------------------------------------------------
# Helpers (test_admin_keys.py uses them too)
# ---------------------------------------------------------------------------

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


def _read(path):
    with open(path) as f:
        return f.read().strip()


def vawgctl(ctx, args, data=None, timeout=VAWGCTL_TIMEOUT):
    """Run build/vawgctl; returns (exit status, stdout bytes, stderr)."""
    p = subprocess.run([os.path.join(ctx.stack.bin, 'vawgctl')] + list(args),
                       input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=ctx.stack.env(),
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode('utf-8', 'replace')


def owner_db(ctx):
    return 'host=%s dbname=vawg user=postgres connect_timeout=5' % (
        ctx.stack.run_dir)


def keys_args(ctx, passfile=None):
    return ['--keys', ctx.stack.keys_dir, '--passphrase-file',
            passfile or os.path.join(ctx.stack.keys_dir, 'passphrase')]


def addr(ctx, a, b):
    """A loopback source address of this run's own: 127.N.a.b."""
    if getattr(ctx, 'admin_net', None) is None:
        ctx.admin_net = 20 + int.from_bytes(os.urandom(1), 'big') % 200
    return '127.%d.%d.%d' % (ctx.admin_net, a, b)


def enrol(ctx, prefix):
    """A new administrator, enrolled with vawgctl add-admin."""
    n = getattr(ctx, 'admin_enrolled', 0) + 1
    ctx.admin_enrolled = n
    name = '%s%d-%s' % (prefix, n, os.urandom(2).hex())
    d = os.path.join(ctx.stack.var, 'it-admins')
    os.makedirs(d, mode=0o700, exist_ok=True)
    pw, tf = os.path.join(d, name + '.pw'), os.path.join(d, name + '.totp')
    rc, out, err = vawgctl(ctx, ['add-admin', '--user', name, '--db',
                                 owner_db(ctx), '--password-out', pw,
                                 '--totp-out', tf])
    assert rc == 0, 'vawgctl add-admin --user %s exited %d: %s' % (
        name, rc, err.strip()[:300])
    assert b'otpauth://totp/' in out, ('vawgctl add-admin printed no '
                                       'otpauth:// URI')
    return Account(name, _read(pw), _read(tf))


def stack_script(ctx, action, extra=None, timeout=300):
    """conf/stack.sh ACTION with the run's environment plus extra."""
    env = ctx.stack.env()
    env.update(extra or {})
    p = subprocess.run(['bash', os.path.join(ctx.stack.repo, 'conf',
                                             'stack.sh'), action],
                       cwd=ctx.stack.repo, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    out = p.stdout.decode('utf-8', 'replace')
    assert p.returncode == 0, 'stack.sh %s exited %d: %s' % (
        action, p.returncode, ' | '.join(out.strip().splitlines()[-6:]))
    return out


def restart_admin(ctx, **extra):
    """Restart the admin pool with these settings (none: the defaults)."""
    stack_script(ctx, 'restart-admin', {k: str(v) for k, v in extra.items()})


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


def labels(ctx):
    if getattr(ctx, 'admin_labels', None) is None:
        ctx.admin_labels = json.loads(ctx.stack.psql(LABELS_SQL))
    return ctx.admin_labels


# ---------------------------------------------------------------------------
# Submissions with hostile answers, remembered for every export check
# ---------------------------------------------------------------------------

def normalised(kind, value):
    """What the service stores for a value posted: CR LF and lone CR as LF
    in a textarea, then ASCII white space trimmed (form.c)."""
    if kind == 'textarea':
        value = value.replace('\r\n', '\n').replace('\r', '\n')
    return value.strip(' \t\r\n')


def neutralised(cell):
    """The cell as the export must write it: an apostrophe first before a
    formula starter, and before apostrophes that precede one (so that
    "'=1" stays distinguishable from a neutralised "=1")."""
    bare = cell.lstrip("'")
    return "'" + cell if bare and bare[0] in STARTERS else cell


class Hostile:
    """Hands out hostile values in turn, each with a fresh canary."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.turn = {}

    def value(self, pool, max_len):
        i = self.turn.get(pool, 0)
        for k in range(len(pool)):
            tpl = pool[(i + k) % len(pool)]
            c = new_canary(self.ctx.canaries, 16) if '{c}' in tpl else ''
            v = tpl.replace('{c}', c)
            if len(v) <= max_len:
                self.turn[pool] = i + k + 1
                return v
        return new_canary(self.ctx.canaries, min(16, max_len))


def hostile_answers(ctx, form_name, hostile):
    a = ctx.answers(form_name)
    for f in a.form.fields:
        if not f.sensitive or f.kind in CHOICE_KINDS:
            continue
        if f.kind == 'textarea':
            a.set(f.name, hostile.value(MULTI, f.max_length))
        elif f.kind == 'text':
            a.set(f.name, hostile.value(SINGLE, f.max_length))
        elif f.kind == 'email':
            a.set(f.name, hostile.value(EMAILS, f.max_length))
        elif f.kind == 'tel':
            a.set(f.name, hostile.value(PHONES, f.max_length))
    return a


def submit(ctx, answers, token):
    """Post and expect the confirmation; the reference is recorded as
    confirmed (test_leaks checks each is stored once)."""
    r = ctx.post(answers.form.name, answers.body(token))
    assert r.status == 200, 'posting a hostile but valid %s answer set: ' \
        'expected the confirmation, got %s' % (answers.form.name,
                                               html_checks.describe(r))
    ref = html_checks.find_reference(r.text)
    assert ref, 'the %s confirmation shows no reference' % answers.form.name
    ctx.confirmed[token] = ref
    return ref


def submit_batch(ctx, n):
    """n hostile submissions to each form; returns {reference: answers}."""
    hostile = getattr(ctx, 'admin_hostile', None) or Hostile(ctx)
    ctx.admin_hostile = hostile
    sent = {}
    for name in ('consultation', 'referral'):
        for tok in ctx.tokens(name, n):
            a = hostile_answers(ctx, name, hostile)
            sent[submit(ctx, a, tok)] = a
    return sent


def ensure_submissions(ctx):
    """The run's admin test submissions, made once: {reference: answers}."""
    if getattr(ctx, 'admin_sent', None) is None:
        ctx.admin_sent = submit_batch(ctx, N_PER_FORM)
    return ctx.admin_sent


def db_rows(ctx, refs):
    """DB facts about the rows with these references, by reference."""
    if not refs:
        return {}
    lst = ','.join("'%s'" % r for r in refs if rows.REF_RE.match(r))
    out = ctx.stack.psql(
        "SELECT coalesce(json_agg(json_build_object('ref', s.reference, "
        "'plain', s.plain, 'key_id', s.key_id, 'idem', encode(s.idem_key, "
        "'hex'), 'sealed', encode(s.sealed, 'hex'), 'created', "
        "to_char(s.created_at AT TIME ZONE 'Europe/London', "
        "'YYYY-MM-DD HH24:MI:SS'))), '[]'::json) FROM vawg.submission s "
        "WHERE s.reference IN (%s);" % lst)
    return {d['ref']: d for d in json.loads(out)}


def expected_cells(ctx, answers, db, mode):
    """{field name: cell text} for one submission.  mode: 'decrypted' (the
    server's export), 'sealed' (the server's export with no secret key),
    'offline' (vawgctl decrypt-export of a sealed export)."""
    form = answers.form
    labs = {d['name']: d for d in labels(ctx)[form.name]}
    out = {}
    for f in form.fields:
        opts = labs[f.name]['options']
        if not f.sensitive:
            v = db['plain'].get(f.name)
            vals = v if isinstance(v, list) else ([] if v is None else [v])
            cell = '; '.join(opts.get(x, x) for x in vals)
        elif mode == 'sealed':
            cell = ''
        else:
            v = answers.values.get(f.name)
            vals = v if isinstance(v, list) else ([] if v is None else [v])
            vals = [normalised(f.kind, x) for x in vals]
            vals = [x for x in vals if x]
            if mode == 'decrypted' and f.kind in CHOICE_KINDS:
                vals = [opts.get(x, x) for x in vals]
            cell = '; '.join(vals)
        out[f.name] = neutralised(cell)
    return out


# ---------------------------------------------------------------------------
# CSV: strict RFC 4180 as the writer promises it
# ---------------------------------------------------------------------------

def parse_strict(data):
    """Records of a CSV export, checked strictly: UTF-8 with a BOM, every
    cell quoted, quotes doubled, every record ending in CRLF.  Raises
    AssertionError saying where it is not so."""
    assert data.startswith(BOM), 'the CSV does not start with the UTF-8 ' \
        'byte-order mark (first bytes %r)' % data[:8]
    text = data[len(BOM):].decode('utf-8')
    recs, rec, i, n = [], [], 0, len(text)
    while i < n:
        assert text[i] == '"', 'cell %d of record %d is not quoted (at ' \
            'character %d: %r)' % (len(rec) + 1, len(recs) + 1, i,
                                   text[i:i + 20])
        i += 1
        cell = []
        while True:
            j = text.find('"', i)
            assert j >= 0, 'record %d: a quoted cell never ends' % (
                len(recs) + 1)
            cell.append(text[i:j])
            if text.startswith('""', j):
                cell.append('"')
                i = j + 2
                continue
            i = j + 1
            break
        rec.append(''.join(cell))
        if text.startswith(',', i):
            i += 1
        elif text.startswith('\r\n', i):
            recs.append(rec)
            rec = []
            i += 2
        else:
            raise AssertionError('record %d: after cell %d comes %r, not a '
                                 'comma or CRLF' % (len(recs) + 1, len(rec),
                                                   text[i:i + 10]))
    assert not rec, 'the last record does not end in CRLF'
    # Python's own reader must see exactly the same.
    theirs = list(csv.reader(io.StringIO(text, newline=''), strict=True))
    assert theirs == recs, "Python's csv module reads the export " \
        'differently from the strict reading'
    return recs


def formula_cells(recs):
    """Cells a spreadsheet would run: those starting with a starter."""
    return [(i, j, c) for i, r in enumerate(recs) for j, c in enumerate(r)
            if c and c[0] in STARTERS]


def check_csv_response(r, what):
    assert r.status == 200, '%s: expected 200 and a CSV, got %s' % (
        what, html_checks.describe(r))
    ct = (r.header('Content-Type') or '').replace(' ', '').lower()
    assert ct == 'text/csv;charset=utf-8', '%s: Content-Type %r' % (
        what, r.header('Content-Type'))
    cd = r.header('Content-Disposition') or ''
    assert re.match(r'^attachment;\s*filename="[a-z0-9-]+\.csv"$', cd), (
        '%s: Content-Disposition %r, expected an attachment with a plain '
        'file name' % (what, cd))
    cc = ','.join(r.header_all('Cache-Control')).lower()
    assert 'no-store' in [t.strip() for t in cc.split(',')], (
        '%s: Cache-Control %r, expected no-store' % (what, cc))
    assert (r.header('X-Content-Type-Options') or '').lower() == 'nosniff', \
        '%s: no X-Content-Type-Options: nosniff' % what
    assert not r.header_all('Set-Cookie'), '%s sets a cookie' % what


def export_count(ctx, form, frm, to):
    return int(ctx.stack.psql(
        "SELECT count(*) FROM vawg.submission s JOIN vawg.form_version v ON "
        "v.id = s.version_id JOIN vawg.form f ON f.id = v.form_id WHERE "
        "f.name = '%s' AND s.created_at >= ('%s'::date::timestamp AT TIME "
        "ZONE 'Europe/London') AND s.created_at < (('%s'::date + 1)::"
        "timestamp AT TIME ZONE 'Europe/London');" % (form, frm, to)))


def compare_export(ctx, recs, form_name, sent, mode):
    """Problems, and (neutralised, starters) counts, for the rows of sent
    that belong to form_name, in an export's records."""
    form = ctx.form(form_name)
    labs = labels(ctx)[form_name]
    head = recs[0]
    fixed = ['Reference', 'Submitted (London time)', 'Form version']
    if mode == 'decrypted':
        want_head = fixed + [d['label'] for d in labs] + ['Decryption']
    elif mode == 'sealed':
        want_head = fixed + [d['name'] for d in labs] + \
            ['form', 'idem_key', 'envelope']
    else:
        want_head = fixed + [d['name'] for d in labs] + ['Decryption']
    probs = []
    if head != want_head:
        probs.append('%s %s export header %r, expected %r' % (
            form_name, mode, head, want_head))
        return probs, 0, 0
    by_ref = {}
    for r in recs[1:]:
        if len(r) != len(head):
            probs.append('a row has %d cells, the header %d' % (len(r),
                                                                len(head)))
            continue
        by_ref.setdefault(r[0], []).append(r)
    mine = {ref: a for ref, a in sent.items() if a.form.name == form_name}
    db = db_rows(ctx, list(mine))
    neut = starters = 0
    for ref, a in sorted(mine.items()):
        got = by_ref.get(ref, [])
        if len(got) != 1:
            probs.append('%s %s appears %d times in the %s export' % (
                form_name, ref, len(got), mode))
            continue
        row, d = got[0], db.get(ref)
        if d is None:
            probs.append('%s is not in the database' % ref)
            continue
        if row[1] != d['created'] or row[2] != '1':
            probs.append('%s: time/version %r %r, expected %r 1' % (
                ref, row[1], row[2], d['created']))
        want = expected_cells(ctx, a, d, mode)
        for k, f in enumerate(form.fields):
            cell = row[3 + k]
            if cell != want[f.name]:
                probs.append('%s %s field %s: cell %r, expected %r' % (
                    form_name, ref, f.name, cell[:120], want[f.name][:120]))
            raw = a.values.get(f.name)
            if f.sensitive and isinstance(raw, str) and mode != 'sealed' \
                    and f.kind not in CHOICE_KINDS:
                raw = normalised(f.kind, raw)
                if raw and raw[0] in STARTERS:
                    starters += 1
                    neut += cell == "'" + raw
        tail = row[3 + len(form.fields):]
        if mode == 'sealed':
            if tail != [form_name, d['idem'], d['sealed']]:
                probs.append('%s: form/idem_key/envelope cells %r do not '
                             'match the row' % (ref, [t[:40] for t in tail]))
        elif tail != ['ok']:
            probs.append('%s: Decryption cell %r, expected ok' % (ref, tail))
    return probs, neut, starters


def download(ctx, admin, form, frm=None, to=None):
    q = export_query(form, frm, to)
    r = admin.get('/admin/export?' + q, timeout=120)
    check_csv_response(r, 'GET /admin/export?' + q)
    return r


# ---------------------------------------------------------------------------
# Sign-in, sessions, CSRF
# ---------------------------------------------------------------------------

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
        for path in ('/admin/', '/admin/export?' + q):
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
    dev = Account('admin', _read(os.path.join(var, 'admin-password')),
                  _read(os.path.join(var, 'admin-totp')))
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
    r = a.get('/admin/export?' + export_query('referral'))
    assert r.status == 303, 'an export with the cookie of a closed session: ' \
        '%s' % html_checks.describe(r)
    assert [x for x in audit_rows(ctx, before, 'logout')
            if x['actor'].startswith('it-logout')], 'no logout audit row'


# ---------------------------------------------------------------------------
# Throttling and timing (threat 13)
# ---------------------------------------------------------------------------

def _wait_seconds(resp):
    m = re.search(r'Wait (\d+) seconds?', html_checks.page_text(resp.text))
    return int(m.group(1)) if m else None


def test_admin_login_throttled(ctx):
    acct = enrol(ctx, 'it-throttle')
    a = Admin(ctx, source=addr(ctx, 0, 41))
    failures = 0
    first = None
    for _ in range(FREE_TRIES + 5):
        r = a.try_login(acct.name, 'wrong password', '000000')
        if r.status == 429:
            first = r
            break
        assert r.status == 401, 'a wrong password: expected 401 or 429, got ' \
            '%s' % html_checks.describe(r)
        failures += 1
    ctx.figure('failed_logins_before_throttle', failures)
    assert first is not None, 'no 429 after %d failed sign-ins' % failures
    wait1 = _wait_seconds(first)
    ctx.figure('throttle_first_wait_seconds', wait1)
    assert wait1 and wait1 > 0, 'the 429 page gives no wait ("Wait N ' \
        'seconds"): %s' % html_checks.describe(first)
    assert not first.header_all('Set-Cookie'), \
        'a throttled answer set a cookie'
    # While locked, even the right password and code get no session, from
    # any address: the lock is on the account.
    other = Admin(ctx, source=addr(ctx, 0, 42))
    r = other.try_login(acct.name, acct.password, acct.fresh_code())
    assert r.status == 429 and not r.header_all('Set-Cookie'), (
        'the right password and code for a locked account: expected 429, '
        'got %s' % html_checks.describe(r))
    # Another account from another address is not affected.
    sign_in(ctx, enrol(ctx, 'it-throttle'), source=addr(ctx, 0, 43))
    # The wait grows: after it passes, one more failure locks for longer.
    time.sleep(min(wait1, 20) + 1.1)
    r = a.try_login(acct.name, 'wrong password', '000000')
    assert r.status == 401, 'after the wait, a wrong password: expected ' \
        '401, got %s' % html_checks.describe(r)
    r = a.try_login(acct.name, 'wrong password', '000000')
    wait2 = _wait_seconds(r) if r.status == 429 else None
    ctx.figure('throttle_second_wait_seconds', wait2)
    assert wait2 and wait2 > wait1, ('the wait does not grow: first %s s, '
                                     'then %s (%s)' % (
                                         wait1, wait2,
                                         html_checks.describe(r)))
    # Per address: many names, one address.
    b = Admin(ctx, source=addr(ctx, 0, 44))
    per_addr = 0
    for i in range(FREE_TRIES + 5):
        r = b.try_login('it-nobody-%d' % i, 'wrong', '000000')
        if r.status == 429:
            break
        per_addr += 1
    ctx.figure('failed_logins_before_throttle_per_address', per_addr)
    assert r.status == 429, 'no 429 from one address after %d failures ' \
        'with different names' % per_addr
    assert failures == FREE_TRIES and per_addr == FREE_TRIES, (
        'with %d free tries, sign-in is throttled after %d failures per '
        'account and %d per address; expected 429 from attempt %d on'
        % (FREE_TRIES, failures, per_addr, FREE_TRIES + 1))


def _timing_round(ctx, rnd, pairs):
    """Failed sign-in times (s) for known and unknown users, interleaved:
    each pair from its own address, at most 4 failures per account, so no
    attempt is throttled."""
    known = [enrol(ctx, 'it-timing') for _ in range(3)]
    t_known, t_unknown = [], []
    for i in range(pairs + 1):
        a = Admin(ctx, source=addr(ctx, rnd, i + 1))
        pair = [('k', known[i % len(known)].name),
                ('u', 'it-ghost-%d-%d-%d' % (rnd, i, os.getpid()))]
        if i % 2:
            pair.reverse()
        for kind, user in pair:
            tok = a.login_token()
            r = a.try_login(user, 'not the password', '000000', token=tok)
            assert r.status == 401, 'timing: a failed sign-in as %s: %s' % (
                user, html_checks.describe(r))
            if i == 0:
                continue            # warm-up
            (t_known if kind == 'k' else t_unknown).append(r.elapsed)
    return statistics.median(t_known), statistics.median(t_unknown)


def test_admin_login_timing_unknown_user(ctx):
    # Medians of 10 each.  Other work on the machine (it only ever adds
    # time) can make a round noisy, so up to five rounds are tried; a real
    # difference, such as an unknown name skipping Argon2id, shows in every
    # round.  Each round takes about 3 s.
    ratios = []
    for rnd in range(1, 6):
        mk, mu = _timing_round(ctx, rnd, 10)
        ratios.append(mk / mu)
        if 0.95 <= ratios[-1] <= 1.05:
            break
    ratio = ratios[-1]
    ctx.figure('login_fail_median_ms_known_user', '%.1f' % (mk * 1000))
    ctx.figure('login_fail_median_ms_unknown_user', '%.1f' % (mu * 1000))
    ctx.figure('login_fail_time_ratio_known_unknown', '%.3f' % ratio)
    ctx.figure('login_timing_rounds', '%d (ratios %s)' % (
        len(ratios), ', '.join('%.3f' % x for x in ratios)))
    assert 0.95 <= ratio <= 1.05, ('a failed sign-in takes %.1f ms for a '
                                   'known user and %.1f ms for an unknown '
                                   'one (ratio %.3f; ratios of %d rounds: '
                                   '%s): more than 5%% apart' % (
                                       mk * 1000, mu * 1000, ratio,
                                       len(ratios), ', '.join(
                                           '%.3f' % x for x in ratios)))


# ---------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------

def parse_dashboard(text):
    """{form: {'total': n, 'today': n, 'questions': {label: {option: n}}}}."""
    out = {}
    for m in re.finditer(r'<section class="stats" aria-labelledby="stats-'
                         r'([a-z0-9-]+)">(.*?)</section>', text, re.S):
        body = m.group(2)
        d = {}
        for k in ('Total', 'Today'):
            mm = re.search(r'<dt>%s</dt><dd>(\d+)</dd>' % k, body)
            d[k.lower()] = int(mm.group(1)) if mm else None
        qs = {}
        for t in re.finditer(r'<table class="table">\s*<caption>(.*?)'
                             r'</caption>(.*?)</table>', body, re.S):
            qs[html.unescape(t.group(1))] = {
                html.unescape(a): int(b) for a, b in re.findall(
                    r'<tr><td>(.*?)</td><td>(\d+)</td></tr>', t.group(2))}
        d['questions'] = qs
        out[m.group(1)] = d
    return out


def db_counts(ctx, form_name):
    """Totals and plain-choice counts computed here from the rows."""
    plains = json.loads(ctx.stack.psql(
        "SELECT coalesce(json_agg(s.plain), '[]'::json) FROM vawg.submission "
        "s JOIN vawg.form_version v ON v.id = s.version_id JOIN vawg.form f "
        "ON f.id = v.form_id WHERE f.name = '%s';" % form_name))
    form = ctx.form(form_name)
    labs = {d['name']: d for d in labels(ctx)[form_name]}
    qs = {}
    for f in form.fields:
        if f.sensitive or f.kind not in CHOICE_KINDS:
            continue
        opts = labs[f.name]['options']
        counts = {opts[o.value]: 0 for o in f.options}
        for p in plains:
            v = p.get(f.name)
            for x in (v if isinstance(v, list) else ([] if v is None else
                                                     [v])):
                counts[opts.get(x, x)] = counts.get(opts.get(x, x), 0) + 1
        qs[labs[f.name]['label']] = counts
    return len(plains), qs


def test_admin_dashboard_counts(ctx):
    a = sign_in(ctx, enrol(ctx, 'it-dash'))
    r0 = a.get('/admin/')
    assert r0.status == 200, 'dashboard: %s' % html_checks.describe(r0)
    before = parse_dashboard(r0.text)
    sent = submit_batch(ctx, N_PER_FORM)
    if getattr(ctx, 'admin_sent', None) is None:
        ctx.admin_sent = {}
    ctx.admin_sent.update(sent)
    r1 = a.get('/admin/')
    after = parse_dashboard(r1.text)
    probs = []
    for name in ('consultation', 'referral'):
        if name not in after or name not in before:
            probs.append('the dashboard has no section for %s' % name)
            continue
        n_mine = sum(1 for x in sent.values() if x.form.name == name)
        total, qs = db_counts(ctx, name)
        d, b = after[name], before[name]
        if d['total'] != total:
            probs.append('%s: dashboard total %s, the database holds %d'
                         % (name, d['total'], total))
        if d['today'] is None or d['today'] > total:
            probs.append('%s: today %s' % (name, d['today']))
        if b['total'] is not None and d['total'] is not None and \
                d['total'] - b['total'] != n_mine:
            probs.append('%s: total went from %s to %s after %d submissions'
                         % (name, b['total'], d['total'], n_mine))
        if d['questions'] != qs:
            probs.append('%s: choice counts %r, expected %r'
                         % (name, d['questions'], qs))
        ctx.figure('dashboard_total_%s' % name, d['total'])
    hits = rows.canaries_in(r1.body, ctx.canaries)
    ctx.figure('dashboard_canary_hits', len(hits))
    assert not hits, 'the dashboard shows answers in clear: %s' % hits[:3]
    assert not probs, '; '.join(probs)


# ---------------------------------------------------------------------------
# Export (threats 6, 8, 15, 18)
# ---------------------------------------------------------------------------

def test_admin_export_decrypted(ctx):
    sent = ensure_submissions(ctx)
    a = sign_in(ctx, enrol(ctx, 'it-export'))
    frm, to = london_range()
    probs = []
    neut = starters = formulas = cells = 0
    for name in ('consultation', 'referral'):
        before = audit_max(ctx)
        r = download(ctx, a, name)
        recs = parse_strict(r.body)
        cells += sum(len(x) for x in recs)
        f = formula_cells(recs)
        formulas += len(f)
        if f:
            probs.append('%s: %d cells would run as formulas, first %r'
                         % (name, len(f), f[0]))
        want_rows = export_count(ctx, name, frm, to)
        if len(recs) - 1 != want_rows:
            probs.append('%s: %d data rows, the database holds %d in the '
                         'range' % (name, len(recs) - 1, want_rows))
        p, k, s = compare_export(ctx, recs, name, sent, 'decrypted')
        probs += p
        neut += k
        starters += s
        aud = audit_rows(ctx, before, 'export')
        if len(aud) != 1 or aud[0]['actor'] != a.name or \
                aud[0]['form'] != name or aud[0]['from'] != frm or \
                aud[0]['to'] != to or aud[0]['rows'] != len(recs) - 1:
            probs.append('%s: audit rows %r, expected one export by %s of '
                         '%s %s..%s with %d rows' % (
                             name, aud, a.name, name, frm, to,
                             len(recs) - 1))
        ctx.figure('export_rows_%s' % name, len(recs) - 1)
    mismatches = len([p for p in probs if 'cell' in p])
    ctx.figure('export_cells_checked', cells)
    ctx.figure('formula_cells_neutralised', '%d of %d' % (neut, starters))
    ctx.figure('formula_cells_in_export', formulas)
    ctx.figure('export_mismatches', mismatches)
    assert starters > 0, 'no submitted value started with a formula starter'
    # Nothing was buffered to nginx's temporary files.
    tmp = os.path.join(ctx.stack.nginx_dir, 'tmp')
    left = [os.path.join(d, n) for d, _, ns in os.walk(tmp) for n in ns]
    ctx.figure('nginx_temp_files_after_export', len(left))
    probs += ['nginx kept a temporary file %s' % x for x in left]
    # The dashboard lists the download.
    d = a.get('/admin/')
    if a.name not in d.text:
        probs.append('the dashboard does not list the export by %s'
                     % a.name)
    assert not probs, '; '.join(probs[:12])


def test_admin_export_range_is_london_days(ctx):
    """from and to are whole days in London, both included: a row stored
    at 23:30 UTC on 30 June (00:30 on 1 July in London, summer time) is
    in 1 July's export and not in 30 June's."""
    sent = ensure_submissions(ctx)
    ref = sorted(r for r, a in sent.items() if a.form.name == 'referral')[0]
    was = ctx.stack.psql("SELECT created_at FROM vawg.submission WHERE "
                         "reference = '%s';" % ref)
    a = sign_in(ctx, enrol(ctx, 'it-range'))
    try:
        ctx.stack.psql("UPDATE vawg.submission SET created_at = "
                       "'2025-06-30 23:30:00+00' WHERE reference = '%s';"
                       % ref)
        got = {}
        for day in ('2025-06-30', '2025-07-01'):
            recs = parse_strict(download(ctx, a, 'referral', day, day).body)
            got[day] = [x for x in recs[1:] if x[0] == ref]
        assert not got['2025-06-30'] and len(got['2025-07-01']) == 1 and \
            got['2025-07-01'][0][1] == '2025-07-01 00:30:00', (
                'a row stored at 2025-06-30 23:30 UTC: in the 30 June export '
                '%d times, in the 1 July export as %r' % (
                    len(got['2025-06-30']),
                    [x[:2] for x in got['2025-07-01']]))
    finally:
        ctx.stack.psql("UPDATE vawg.submission SET created_at = '%s' WHERE "
                       "reference = '%s';" % (was, ref))
    # A range with no rows: the header alone, and audited with 0 rows.
    before = audit_max(ctx)
    recs = parse_strict(download(ctx, a, 'consultation', '2000-01-01',
                                 '2000-01-31').body)
    assert len(recs) == 1, 'an export of January 2000 has %d data rows' % (
        len(recs) - 1)
    aud = audit_rows(ctx, before, 'export')
    assert len(aud) == 1 and aud[0]['rows'] == 0, (
        'the empty export is audited as %r' % aud)


def test_admin_export_bad_params_400(ctx):
    a = sign_in(ctx, enrol(ctx, 'it-badparam'))
    frm, to = london_range()
    bad = [
        'from=%s&to=%s&format=csv' % (frm, to),
        'form=nosuchform&from=%s&to=%s' % (frm, to),
        'form=consultation&to=%s' % to,
        'form=consultation&from=%s' % frm,
        'form=consultation&from=2024-02-30&to=%s' % to,
        'form=consultation&from=2023-02-29&to=%s' % to,
        'form=consultation&from=2024-13-01&to=%s' % to,
        'form=consultation&from=24-01-01&to=%s' % to,
        'form=consultation&from=%s&to=%s' % (to, frm),
        'form=consultation&from=%s&to=%s&format=xlsx' % (frm, to),
        'form=consultation&from=%s&to=%s&format=CSV' % (frm, to),
        'form=consultation&from=%s&to=%s&extra=1' % (frm, to),
        'form=consultation&form=referral&from=%s&to=%s' % (frm, to),
        'form=consultation&from=%s&to=%s&%%zz=1' % (frm, to),
        'form=consultation%%00&from=%s&to=%s' % (frm, to),
        "form=consultation'--&from=%s&to=%s" % (frm, to),
        '',
    ]
    before = audit_max(ctx)
    ok, probs = 0, []
    for q in bad:
        r = a.get('/admin/export?' + q)
        ct = (r.header('Content-Type') or '').lower()
        if r.status == 400 and ct.startswith('text/html') and \
                'no-store' in (r.header('Cache-Control') or ''):
            ok += 1
        else:
            probs.append('?%s: %s (%s)' % (q, html_checks.describe(r), ct))
    ctx.figure('export_bad_params_400', '%d of %d' % (ok, len(bad)))
    n = len(audit_rows(ctx, before, 'export'))
    assert n == 0, '%d export audit rows written for refused exports' % n
    assert not probs, '; '.join(probs)


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
        r = a.get('/admin/export?' + q)
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
        assert r.status == 303 and r.header('Location') == \
            '/admin/export?' + q, ('re-authentication with the right '
                                   'password: expected 303 back to the '
                                   'export, got %s (Location %r)' % (
                                       html_checks.describe(r),
                                       r.header('Location')))
        r = a.get(r.header('Location'))
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


def test_admin_reauth_throttled(ctx):
    """The password form before an export is a second place to guess a
    password: it must be throttled like the sign-in, and refuse even the
    right password while the account is locked."""
    acct = enrol(ctx, 'it-reauth-thr')
    a = sign_in(ctx, acct, source=addr(ctx, 0, 46))
    q = export_query('referral')
    failures, locked = 0, None
    for i in range(FREE_TRIES + 3):
        r = a.post('/admin/reauth', [('_csrf', a.csrf()), ('query', q),
                                     ('password', 'guess %d' % i)])
        if r.status == 429:
            locked = r
            break
        assert r.status == 401, 're-authentication with a wrong password: ' \
            'expected 401 or 429, got %s' % html_checks.describe(r)
        failures += 1
    ctx.figure('reauth_failures_before_throttle', failures if locked else
               'none (%d tried)' % failures)
    r = a.post('/admin/reauth', [('_csrf', a.csrf()), ('query', q),
                                 ('password', acct.password)])
    assert locked is not None and r.status != 303, (
        '%d wrong passwords on /admin/reauth: %s; then the right password '
        'gives %s (Location %r): guessing there is not throttled'
        % (failures, 'a 429' if locked else 'never a 429',
           html_checks.describe(r), r.header('Location')))


def test_admin_disable_admin(ctx):
    acct = enrol(ctx, 'it-disable')
    a = sign_in(ctx, acct)
    before = audit_max(ctx)
    rc, out, err = vawgctl(ctx, ['disable-admin', '--user', acct.name,
                                 '--db', owner_db(ctx)])
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
    rc, out, err = vawgctl(ctx, ['disable-admin', '--user', 'it-no-such-one',
                                 '--db', owner_db(ctx)])
    assert rc == 1 and 'no admin' in err, (
        'disable-admin of an unknown name: exit %d, %r' % (rc, err))


# ---------------------------------------------------------------------------
# The audit log (threats 13, 18)
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Sealed mode: the admin pool holds no secret key (threat 18)
# ---------------------------------------------------------------------------

def test_admin_sealed_mode_round_trip(ctx):
    sent = ensure_submissions(ctx)
    restart_admin(ctx, VAWG_ADMIN_MODE='sealed')
    try:
        a = sign_in(ctx, enrol(ctx, 'it-sealed'))
        d = a.get('/admin/')
        assert 'holds no secret key' in html_checks.page_text(d.text), \
            'the dashboard in sealed mode does not say it holds no key'
        probs = []
        decrypted = mism = hits = 0
        for name in ('consultation', 'referral'):
            before = audit_max(ctx)
            r = download(ctx, a, name)
            cd = r.header('Content-Disposition') or ''
            if '-sealed.csv' not in cd:
                probs.append('%s: sealed export named %r' % (name, cd))
            h = rows.canaries_in(r.body, ctx.canaries)
            hits += len(h)
            recs = parse_strict(r.body)
            p, _, _ = compare_export(ctx, recs, name, sent, 'sealed')
            probs += p
            aud = audit_rows(ctx, before, 'export')
            if len(aud) != 1 or aud[0]['detail'] != 'sealed':
                probs.append('%s: audit rows %r, expected one sealed '
                             'export' % (name, aud))
            rc, out, err = vawgctl(ctx, ['decrypt-export'] + keys_args(ctx),
                                   data=r.body)
            if rc != 0:
                probs.append('vawgctl decrypt-export of the %s export '
                             'exited %d: %s' % (name, rc, err.strip()[:200]))
                continue
            recs2 = parse_strict(out)
            if formula_cells(recs2):
                probs.append('%s: decrypt-export wrote formula cells %r'
                             % (name, formula_cells(recs2)[:2]))
            p, _, _ = compare_export(ctx, recs2, name, sent, 'offline')
            mism += len([x for x in p if 'cell' in x])
            probs += p
            if len(recs2) != len(recs):
                probs.append('%s: decrypt-export wrote %d records for %d'
                             % (name, len(recs2), len(recs)))
            decrypted += sum(1 for x in recs2[1:] if x[-1] == 'ok')
        ctx.figure('sealed_export_canary_hits', hits)
        ctx.figure('sealed_rows_decrypted_offline', decrypted)
        ctx.figure('sealed_round_trip_mismatches', mism)
        if hits:
            probs.append('the sealed export holds %d canaries in clear' % hits)
        assert not probs, '; '.join(probs[:12])
    finally:
        restart_admin(ctx)
    # Decrypting again once the pool is back in its usual mode.
    a = sign_in(ctx, enrol(ctx, 'it-sealed'))
    r = download(ctx, a, 'referral')
    recs = parse_strict(r.body)
    assert recs[0][-1] == 'Decryption', 'after leaving sealed mode the ' \
        'export is not decrypted (last column %r)' % recs[0][-1]


def test_admin_decrypt_export_damage_and_wrong_passphrase(ctx):
    """vawgctl: a tampered envelope is one clear error row; a wrong
    passphrase is a clear message; no crash and no partial output."""
    ensure_submissions(ctx)
    frm, to = london_range()
    rc, sealed, err = vawgctl(ctx, ['export', '--sealed', '--form',
                                    'referral', '--from', frm, '--to', to,
                                    '--db', owner_db(ctx)])
    assert rc == 0, 'vawgctl export --sealed exited %d: %s' % (rc, err[:200])
    recs = parse_strict(sealed)
    assert len(recs) > 2, 'the sealed CLI export has %d rows' % (len(recs) - 1)
    env = recs[0].index('envelope')
    # Flip one hex digit in the middle of the second row's envelope.
    bad = list(recs[2])
    e = bad[env]
    k = len(e) // 2
    bad[env] = e[:k] + ('0' if e[k] != '0' else '1') + e[k + 1:]
    text = ''.join(','.join('"%s"' % c.replace('"', '""') for c in r) + '\r\n'
                   for r in [recs[0], recs[1], bad] + recs[3:])
    rc, out, err = vawgctl(ctx, ['decrypt-export'] + keys_args(ctx),
                           data=BOM + text.encode('utf-8'))
    assert rc == 2, ('decrypt-export with one tampered envelope: expected '
                     'exit 2 (some rows did not open), got %d: %s'
                     % (rc, err[:200]))
    out_recs = parse_strict(out)
    status = [x[-1] for x in out_recs[1:]]
    ctx.figure('tampered_rows_reported', '%d of 1' % sum(
        1 for s in status if s != 'ok'))
    assert status[1] != 'ok' and all(s == 'ok' for i, s in enumerate(status)
                                     if i != 1), (
        'decrypt-export status column %r: expected only the tampered row '
        'not ok' % status)
    form = ctx.form('referral')
    head = out_recs[0]
    leaked = [head[i] for i, c in enumerate(out_recs[2])
              if form.field(head[i]) is not None and
              form.field(head[i]).sensitive and c != '']
    assert not leaked, ('the tampered row shows sensitive cells %s: it must '
                        'show nothing it could not open' % leaked)
    # Wrong passphrase: a message, non-zero, nothing on stdout.
    wrong = os.path.join(ctx.stack.var, 'it-wrong-passphrase')
    with open(wrong, 'w') as f:
        f.write('not the passphrase at all\n')
    os.chmod(wrong, 0o600)
    cases = [
        ('decrypt-export', ['decrypt-export'] + keys_args(ctx, wrong), sealed),
        ('export', ['export', '--form', 'referral', '--from', frm, '--to', to,
                    '--db', owner_db(ctx)] + keys_args(ctx, wrong), None),
    ]
    for what, args, data in cases:
        rc, out, err = vawgctl(ctx, args, data=data)
        assert rc > 0, 'vawgctl %s with a wrong passphrase exited %d' % (
            what, rc)
        assert 'passphrase' in err.lower(), ('vawgctl %s with a wrong '
                                             'passphrase says %r' % (what,
                                                                     err))
        assert out == b'', 'vawgctl %s with a wrong passphrase wrote %d ' \
            'bytes to stdout' % (what, len(out))
    # A decrypted export is not a sealed one: a clear message.
    rc, out, err = vawgctl(ctx, ['export', '--form', 'referral', '--from', frm,
                                 '--to', to, '--db', owner_db(ctx)] +
                           keys_args(ctx))
    assert rc == 0, 'vawgctl export (decrypting) exited %d: %s' % (rc, err)
    rc2, out2, err2 = vawgctl(ctx, ['decrypt-export'] + keys_args(ctx),
                              data=out)
    assert rc2 == 1 and 'not a sealed export' in err2, (
        'decrypt-export of a decrypted export: exit %d, %r' % (rc2, err2))


# ---------------------------------------------------------------------------
# Purge (threat 17): exactly the expired rows go, and it is audited
# ---------------------------------------------------------------------------

def test_admin_purge_expired_rows(ctx):
    sent = ensure_submissions(ctx)
    by_form = {}
    for ref, a in sorted(sent.items()):
        by_form.setdefault(a.form.name, []).append(ref)
    expire = by_form['consultation'][:2] + by_form['referral'][:1]
    recent = by_form['consultation'][2]         # 10 days old: kept
    keep_refs = set(ctx.stack.psql('SELECT reference FROM vawg.submission;')
                    .split()) - set(expire)
    saved = ctx.stack.psql("SELECT json_object_agg(name, retention_days) "
                           "FROM vawg.form;")
    try:
        ctx.stack.psql(
            "UPDATE vawg.form SET retention_days = 30;"
            "UPDATE vawg.submission SET created_at = now() - interval "
            "'400 days' WHERE reference IN (%s);"
            "UPDATE vawg.submission SET created_at = now() - interval "
            "'10 days' WHERE reference = '%s';" % (
                ','.join("'%s'" % r for r in expire), recent))
        before = audit_max(ctx)
        n0 = ctx.row_count()
        rc, out, err = vawgctl(ctx, ['purge', '--dry-run', '--db',
                                     owner_db(ctx)])
        text = out.decode('utf-8', 'replace')
        assert rc == 0, 'vawgctl purge --dry-run exited %d: %s' % (rc, err)
        assert 'would purge consultation: 2 rows' in text and \
            'would purge referral: 1 rows' in text, (
                'purge --dry-run printed %r' % text)
        assert ctx.row_count() == n0, 'purge --dry-run removed rows'
        assert not audit_rows(ctx, before, 'purge'), \
            'purge --dry-run wrote an audit row'
        rc, out, err = vawgctl(ctx, ['purge', '--db', owner_db(ctx)])
        text = out.decode('utf-8', 'replace')
        assert rc == 0, 'vawgctl purge exited %d: %s' % (rc, err)
        left = set(ctx.stack.psql('SELECT reference FROM vawg.submission;')
                   .split())
        gone = [r for r in expire if r in left]
        lost = sorted(keep_refs - left)
        ctx.figure('purged_rows', n0 - len(left))
        ctx.figure('expired_rows_left', len(gone))
        ctx.figure('unexpired_rows_lost', len(lost))
        assert not gone and not lost, ('after the purge: expired rows still '
                                       'there %s, unexpired rows gone %s'
                                       % (gone, lost))
        aud = {(x['form'], x['rows'], x['actor'])
               for x in audit_rows(ctx, before, 'purge')}
        assert aud == {('consultation', 2, 'vawgctl'),
                       ('referral', 1, 'vawgctl')}, (
            'purge audit rows %r, expected consultation 2 and referral 1'
            % aud)
        rc, out, err = vawgctl(ctx, ['purge', '--db', owner_db(ctx)])
        assert rc == 0 and ctx.row_count() == len(left), \
            'a second purge changed something'
    finally:
        for tok, ref in list(ctx.confirmed.items()):
            if ref in expire:
                del ctx.confirmed[tok]
        for ref in expire:
            sent.pop(ref, None)
        ctx.stack.psql("UPDATE vawg.submission SET created_at = now() WHERE "
                       "reference = '%s';" % recent)
        ctx.stack.psql(
            "UPDATE vawg.form f SET retention_days = (j ->> f.name)::int "
            "FROM (SELECT '%s'::json AS j) x;" % saved.replace("'", "''"))
