#!/usr/bin/env python3
"""The crafted requests of test_hostile.py, built from the form
definitions (docs/THREAT-MODEL.md threats 10, 11 and 16; issue 4,
promise 3): XSS and SQL injection strings in every field; Unicode edge
cases; overlong, surrogate and truncated UTF-8; NUL and other control
characters; huge field counts and repeated fields; values at
max_length-1, max_length and max_length+1 code points in one- to
four-byte characters; bodies at the size limit -1, 0, +1 and 10 times;
chunked bodies; lying, missing, negative and malformed Content-Length;
wrong methods and content types; bad tokens; the honeypot; hostile GETs;
and the slow requests run in threads beside the rest.

Each case carries the statuses it may get: from the contract's model
(contract.py) for the posts it models, or written beside the case.  A
Builder hands out tokens: one shared per form for posts that must be
refused, a fresh one for each post that may be stored.  Nothing here
sends a request."""

import time
from urllib.parse import quote, quote_plus

import html_checks
from context import TOKEN_WAIT
from contract import expect, max_fields
from forms import tamper
from http_client import FORM_CT, chunked, dechunk, raw_request, with_xff

# ---------------------------------------------------------------------------
# Hostile strings

XSS_SQL = (
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(document.domain)>",
    '</textarea><script>alert("t")</script>',
    '<a href="javascript:alert(1)">x</a>',
    'javascript:alert(1)//',
    '<iframe src=//evil.example/></iframe>',
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    '<style>*{display:none}</style><b>bold',
    '{{TITLE}}{{%AUTOESCAPE context="JAVASCRIPT"}}{{>X}}',
    '${7*7} #{7*7} <%= 7*7 %> {{7*7}}',
    '&lt;script&gt; &amp;amp; &#60;b&#62; &quot;',
    "' OR '1'='1",
    "'; DROP TABLE vawg.submission; --",
    '" OR ""="',
    '1; SELECT pg_sleep(10); --',
    "admin'--",
    "Robert'); DROP TABLE students;--",
    "' UNION SELECT reference, sealed FROM vawg.submission --",
    "\\'; COPY vawg.submission TO '/tmp/x'; --",
    '$$; SELECT 1; $$ $tag$ x $tag$',
    "E'\\\\x00' \\x3cscript\\x3e %00 %27",
    "x'OR'1'='1@example.org",
    '\u2028<script>\u2029alert(1)',
)
# The subset put into every single field of both forms, one at a time.
PER_FIELD = (0, 1, 3, 9, 12, 13, 19, 22)

UNICODE = (
    ('rtl override', 'abc\u202edcba\u202c fin'),
    ('bidi marks', '\u200f\u05e9\u05dc\u05d5\u05dd\u200e ok \u2067x\u2069'),
    ('zero width', 'a\u200bb\u200cc\u200dd\u2060e\ufeff'),
    ('combining', 'e\u0301\u0301\u0301 Z\u0335\u0336\u0337\u0338'),
    ('emoji', '\U0001F600 \U0001F469\u200d\U0001F469\u200d\U0001F467 '
              '\U0001F1EC\U0001F1E7 \u2764\ufe0f'),
    ('max code point', '\U0010FFFF'),
    ('noncharacters', '\ufffe\uffff\ufdd0\ufdef\U0001FFFE\U0010FFFE'),
    ('private use', '\ue000\uf8ff\U000F0000'),
    ('line separators', 'a\u2028b\u2029c\u0085'),  # NEL is C1: refused
    ('nbsp at the ends', '\u00a0x\u3000'),
    ('bom first', '\ufeffhello'),
    ('fullwidth markup', '\uff1cscript\uff1e\uff41'),
    ('cjk', '\u4e2d\u6587 \u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4'),
    ('arabic', '\u0645\u0631\u062d\u0628\u0627'),
    ('homoglyph', 'p\u0430ypal'),
    ('astral letters', '\U0001D573\U0001D58A\U0001D591'),
    ('replacement char', '\ufffd\ufffd'),
    ('tab inside', 'a\tb'),
    ('c1 csi', 'x\u009b31m'),
    ('del', 'a\x7fb'),
    ('escape sequence', '\x1b[2J\x1b]0;t\x07'),
    ('backspaces', 'abc\x08\x08\x08xyz'),
)

# Ill-formed UTF-8, as %XX.
BAD_UTF8 = ('%C0%AF', '%C0%80', '%C1%BF', '%E0%80%AF', '%E0%9F%BF',
            '%F0%80%80%AF', '%F0%8F%BF%BF', '%ED%A0%80', '%ED%BF%BF',
            '%ED%A0%BD%ED%B8%80', '%F4%90%80%80', '%F5%80%80%80',
            '%F8%88%80%80%80',
            '%FE', '%FF', '%80', '%BF', '%C2', '%E2%82', '%F0%9F%98',
            '%C3%28', '%E2%28%A1', 'ok%C3')

MALFORMED_PCT = ('%', '%4', '%zz', '%%', '%G0', '%-1', '%+1', '% 20', '%%41',
                 'a%', 'a%0')


# ---------------------------------------------------------------------------
# Cases


class Case:
    """One crafted request.  kind: post (well-formed HTTP, body given),
    raw (bytes as they go on the wire), get."""

    def __init__(self, label, kind, form=None, body=b'', want=None,
                 ctype=FORM_CT, raw=None, path=None, method='POST',
                 token=None, outcome=None, timeout=15, half_close=False,
                 head=False, markers=()):
        self.label = label
        self.kind = kind
        self.form = form
        self.body = body
        self.want = want            # tuple of acceptable statuses
        self.ctype = ctype
        self.raw = raw
        self.path = path or (form.path if form else '/')
        self.method = method
        self.token = token          # a fresh token, if it may be stored
        self.outcome = outcome      # from expect(), for posts it models
        self.timeout = timeout
        self.half_close = half_close
        self.head = head
        self.markers = markers      # strings that must never show raw


def _enc(v):
    """A value for the body: str is form-encoded, bytes go in as they are."""
    if isinstance(v, bytes):
        return v
    return quote_plus(v, safe='').encode('ascii')


def _body(pairs):
    return b'&'.join(_enc(k) + b'=' + _enc(v) for k, v in pairs)


def _markers(*values):
    out = []
    for v in values:
        if isinstance(v, str) and any(c in v for c in '<>"') and len(v) > 3:
            out.append(v)
    return tuple(out)


class Builder:
    """Collects cases; hands out tokens: one shared per form for posts
    that must be refused, a fresh one for each post that may be stored."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.forms = [ctx.form('consultation'), ctx.form('referral')]
        self.cases = []
        self.need = {f.name: 0 for f in self.forms}
        self.shared = {}
        self.fresh = {f.name: [] for f in self.forms}
        self.good = {f.name: set() for f in self.forms}
        self._base = {}

    def other(self, form):
        return self.forms[1] if form is self.forms[0] else self.forms[0]

    def base(self, form, full=False):
        """Valid answers as an ordered list of (name, value) pairs; made
        once per form (so the canaries in them are few) and copied."""
        key = (form.name, full)
        if key not in self._base:
            a = self.ctx.answers(form.name, optional=full)
            out = []
            for f in form.fields:
                v = a.values.get(f.name)
                if v is None:
                    continue
                out += [(f.name, x) for x in
                        (v if isinstance(v, list) else [v])]
            self._base[key] = out
        return list(self._base[key])

    @staticmethod
    def replace(pairs, name, values):
        """pairs with every value of name replaced by values (in place of
        the first, or at the end)."""
        out, done = [], False
        for k, v in pairs:
            if k == name:
                if not done:
                    out += [(name, x) for x in values]
                    done = True
                continue
            out.append((k, v))
        if not done:
            out += [(name, x) for x in values]
        return out

    def post(self, label, form, pairs, token='auto', extra=b'',
             honeypot='', ctype=FORM_CT, want=None, markers=()):
        """A POST of pairs (after _token and _homepage) to form.  token:
        'fresh' (may be stored), 'shared' (must be refused), 'auto' (fresh
        if the model says the post is stored), None (no _token pair) or a
        literal value (str/bytes).  extra is appended to the body as it
        is.  The expected status comes from the model unless want is
        given."""
        case = Case(label, 'post', form, ctype=ctype)
        head = []
        if token == 'auto':
            probe = _body([('_token', 'PROBE'), ('_homepage', honeypot or '')]
                          + list(pairs)) + extra
            token = 'fresh' if expect(form, probe, {b'PROBE'}).status == \
                200 else 'shared'
        if token == 'fresh':
            case.token = ('fresh', form.name, self.need[form.name])
            self.need[form.name] += 1
            head.append(('_token', case.token))
        elif token == 'shared':
            head.append(('_token', ('shared', form.name)))
        elif token is not None:
            head.append(('_token', token))
        if honeypot is not None:
            head.append(('_homepage', honeypot))
        case.pairs = head + list(pairs)
        case.extra = extra
        case.want = want
        case.markers = markers or _markers(*[v for _, v in pairs])
        self.cases.append(case)
        return case

    def raw(self, label, form, req, want, timeout=15, half_close=False,
            token=None, head=False):
        case = Case(label, 'raw', form, raw=req, want=want, timeout=timeout,
                    half_close=half_close, head=head)
        if token == 'fresh':
            case.token = ('fresh', form.name, self.need[form.name])
            self.need[form.name] += 1
        self.cases.append(case)
        return case

    def get(self, label, path, want, markers=(), method='GET'):
        case = Case(label, 'get', None, path=path, want=want, method=method,
                    markers=markers)
        self.cases.append(case)
        return case

    # Tokens, fetched once every case is known.

    def fetch_tokens(self):
        for form in self.forms:
            n = self.need[form.name] + 1
            for _ in range(n):
                r = self.ctx.http.get(form.path)
                tok = html_checks.Page(r.text).token
                assert r.status == 200 and tok, (
                    'GET %s for a token: %s' % (form.path,
                                                html_checks.describe(r)))
                self.fresh[form.name].append(tok)
            self.shared[form.name] = self.fresh[form.name].pop()
            self.good[form.name] = set(t.encode() for t in
                                       self.fresh[form.name])
            self.good[form.name].add(self.shared[form.name].encode())
        time.sleep(TOKEN_WAIT)

    def token_text(self, t):
        if isinstance(t, tuple) and t[0] == 'fresh':
            return self.fresh[t[1]][t[2]]
        if isinstance(t, tuple) and t[0] == 'shared':
            return self.shared[t[1]]
        return t

    def raw_outcome(self, form, req):
        """The model's outcome for the body inside raw request bytes."""
        head, _, body = req.partition(b'\r\n\r\n')
        if b'transfer-encoding: chunked' in head.lower():
            body = dechunk(body)
        return expect(form, body, self.good[form.name])

    def finish(self, case):
        """Resolves tokens and the expected outcome of a case."""
        if case.token is not None:
            case.token = self.token_text(case.token)
        if case.kind != 'post':
            if case.kind == 'raw' and callable(case.raw):
                case.raw = case.raw(case.token)
            if case.kind == 'raw' and case.token is not None and \
                    case.raw is not None:
                case.outcome = self.raw_outcome(case.form, case.raw)
            return
        pairs = [(k, self.token_text(v)) for k, v in case.pairs]
        case.body = _body(pairs) + case.extra
        if case.ctype is not None and \
                case.ctype.split(';')[0].strip().lower() == FORM_CT:
            case.outcome = expect(case.form, case.body,
                                   self.good[case.form.name])
        if case.want is None:
            assert case.outcome is not None, case.label
            case.want = (case.outcome.status,)


def _text_fields(form, kinds=('text', 'textarea')):
    return [f for f in form.fields if f.kind in kinds]


def _first(form, kind):
    return next((f for f in form.fields if f.kind == kind and
                 (kind not in ('radio', 'select', 'checkboxes') or
                  f.options)), None)


# ---------------------------------------------------------------------------
# What is sent to each form


def _injections(b, form):
    """XSS and SQL injection strings in every field, one at a time, in every
    free-text field at once (stored, then checked), and in every field at
    once (the 422 page shows each typed one back, escaped)."""
    # XSS and SQL injection: in every field, one at a time ...
    for f in form.fields:
        for i in PER_FIELD:
            s = XSS_SQL[i]
            b.post('%s: %r in %s (%s)' % (form.name, s[:24], f.name,
                                          f.kind),
                   form, b.replace(b.base(form), f.name, [s]))
    # ... in every free-text field at once (stored, then checked) ...
    for s in XSS_SQL:
        pairs = b.base(form)
        for f in _text_fields(form):
            pairs = b.replace(pairs, f.name, [s])
        b.post('%s: %r in every text field' % (form.name, s[:24]),
               form, pairs)
    # ... and in every field at once, so the 422 page shows each
    # typed one back, escaped.
    for s in XSS_SQL[:12]:
        pairs = []
        for f in form.fields:
            pairs.append((f.name, s))
        b.post('%s: %r in every field' % (form.name, s[:24]), form,
               pairs)


def _unicode(b, form):
    """Unicode edge cases in every free-text field, and odd email addresses."""
    for what, s in UNICODE:
        pairs = b.base(form)
        for f in _text_fields(form):
            pairs = b.replace(pairs, f.name, [s])
        b.post('%s: %s in every text field' % (form.name, what), form,
               pairs)
    em = _first(form, 'email')
    if em is not None:
        for v in ('\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a',
                  'a.b+tag@xn--bcher-kva.example',
                  "o'brien@example.org", 'a@b', '@example.org',
                  'a@@b.org', 'a b@c.org', 'a<b>@c.org', 'a@.org',
                  'a@b.', 'a@b.org\u202e'):
            b.post('%s: email %r' % (form.name, v), form,
                   b.replace(b.base(form), em.name, [v]))


def _bad_utf8(b, form):
    """Ill-formed UTF-8 in a field of every kind, in a name, in the honeypot
    and in the token."""
    for kind in ('text', 'textarea', 'email', 'tel', 'date', 'radio',
                 'select', 'checkboxes'):
        f = _first(form, kind)
        if f is None:
            continue
        for seq in BAD_UTF8:
            b.post('%s: %s in %s (%s)' % (form.name, seq, f.name, kind),
                   form, b.replace(b.base(form), f.name,
                                   [b'ab' + seq.encode() + b'cd']))
    t = _first(form, 'text')
    for seq in (b'\xc0\xaf', b'\xed\xa0\x80', b'\xff', b'\xe2\x82',
                b'\x80abc', b'\xf4\x90\x80\x80'):
        b.post('%s: raw bytes %r in %s' % (form.name, seq, t.name), form,
               b.replace(b.base(form), t.name, [b'x' + seq]))
    b.post('%s: invalid UTF-8 in a field name' % form.name, form,
           b.base(form) + [(b'na%C0%AFme', 'x')])
    b.post('%s: invalid UTF-8 in the honeypot' % form.name, form,
           b.base(form), honeypot=b'%FF')
    b.post('%s: invalid UTF-8 in the token' % form.name, form,
           b.base(form), token=b'%C0%AF')


def _nuls(b, form):
    """NUL, in every kind of field, in names, in the token."""
    t = _first(form, 'text')
    for kind in ('text', 'textarea', 'email', 'tel', 'date', 'radio',
                 'select', 'checkboxes'):
        f = _first(form, kind)
        if f is not None:
            b.post('%s: %%00 in %s (%s)' % (form.name, f.name, kind),
                   form, b.replace(b.base(form), f.name, [b'a%00b']))
    b.post('%s: raw NUL byte in %s' % (form.name, t.name), form,
           b.replace(b.base(form), t.name, [b'a\x00b']))
    b.post('%s: %%00 alone in %s' % (form.name, t.name), form,
           b.replace(b.base(form), t.name, [b'%00']))
    b.post('%s: NUL in a field name' % form.name, form,
           b.base(form) + [((t.name + '%00').encode(), 'x')])
    b.post('%s: _token%%00 as a name' % form.name, form,
           b.base(form) + [(b'_token%00', 'x')], token='shared')
    b.post('%s: NUL after the token' % form.name, form, b.base(form),
           token=('nulafter', form.name))


def _controls(b, form):
    """Every C0 and C1 control (and DEL) in a one-line text field; TAB,
    CR and LF in both kinds."""
    t = _first(form, 'text')
    for c in list(range(1, 32)) + [0x7f, 0x80, 0x85, 0x9b, 0x9f]:
        v = ('a%cb' % c).encode('utf-8')
        b.post('%s: U+%04X in %s' % (form.name, c, t.name), form,
               b.replace(b.base(form), t.name, [quote(v).encode()]))
    ta = _first(form, 'textarea')
    for v in ('a\rb', 'a\r\nb', 'a\n\n\nb', 'a\tb', '\r\n\r\n',
              ' \t x \t ', 'x\r'):
        for f in (t, ta):
            b.post('%s: %r in %s (%s)' % (form.name, v, f.name, f.kind),
                   form, b.replace(b.base(form), f.name, [v]))


def _field_counts(b, form):
    """Field counts: at the limit, one over, far over."""
    mx = max_fields(form)
    full = b.base(form, full=True)
    for f in form.fields:
        if f.kind == 'checkboxes':
            full = b.replace(full, f.name, [o.value for o in f.options])
    b.post('%s: every field and option (%d pairs, the limit)'
           % (form.name, mx), form, full)
    b.post('%s: %d pairs (one over)' % (form.name, mx + 1), form, full,
           extra=b'&zz=1')
    for n in (2 * mx, 1000, 10000, 100000):
        b.post('%s: %d extra pairs' % (form.name, n), form, b.base(form),
               extra=b'&a=1' * n)
    b.post('%s: 100000 names without values' % form.name, form,
           b.base(form), extra=b'&x' * 100000)
    b.post('%s: 300000 empty pairs around valid answers' % form.name,
           form, b.base(form), extra=b'&' * 300000)
    b.post('%s: 1000 unknown names' % form.name, form, b.base(form),
           extra=b''.join(b'&u%d=1' % i for i in range(1000)))


def _repeated_fields(b, form):
    """Every field twice; a checkbox option twice; the token twice."""
    for f in form.fields:
        if f.kind == 'checkboxes':
            vals = [o.value for o in f.options]
            b.post('%s: %s, an option twice' % (form.name, f.name), form,
                   b.replace(b.base(form), f.name, [vals[0], vals[0]]))
            b.post('%s: %s, every option and one more' % (form.name,
                                                         f.name),
                   form, b.replace(b.base(form), f.name,
                                   vals + [vals[0]]))
            continue
        base = b.base(form, full=True)
        v = next((x for k, x in base if k == f.name), None)
        if v is None:
            continue
        b.post('%s: %s twice, same value' % (form.name, f.name), form,
               b.replace(base, f.name, [v, v]))
        b.post('%s: %s twice, empty then value' % (form.name, f.name),
               form, b.replace(base, f.name, ['', v]))
    b.post('%s: _token twice' % form.name, form, b.base(form),
           token='shared', extra=b'&_token=x')


def _lengths(b, form):
    """Lengths, in code points: max-1, max, max+1 in characters of one to
    four bytes, combining pairs, and with white space around."""
    for f in _text_fields(form):
        m = f.max_length
        for ch, tag in (('x', 'ascii'), ('\u00e9', '2-byte'),
                        ('\u4e2d', '3-byte'), ('\U0001F600', '4-byte')):
            for n in ((m - 1, m, m + 1) if tag in ('ascii', '4-byte')
                      else (m, m + 1)):
                if n < 1:
                    continue
                b.post('%s: %s of %d %s code points (max %d)'
                       % (form.name, f.name, n, tag, m), form,
                       b.replace(b.base(form), f.name, [ch * n]))
        pair = 'e\u0301'
        for n in (m, m + 1):
            v = (pair * (n // 2)) + ('x' if n % 2 else '')
            b.post('%s: %s of %d code points as e+U+0301 (max %d)'
                   % (form.name, f.name, n, m), form,
                   b.replace(b.base(form), f.name, [v]))
        b.post('%s: %s of %d code points inside white space'
               % (form.name, f.name, m), form,
               b.replace(b.base(form), f.name,
                         ['  \t' + 'y' * m + ' \r\n']))
        if f.kind == 'textarea' and m >= 3:
            k = (m - 1) // 2
            v = 'x' + '\r\nx' * k
            b.post('%s: %s, CRLF lines, %d code points once normalised'
                   % (form.name, f.name, 1 + 2 * k), form,
                   b.replace(b.base(form), f.name, [v]))
    for f in _text_fields(form, ('email',)):
        for n in (f.max_length, f.max_length + 1):
            v = 'a' * max(1, n - len('@example.org')) + '@example.org'
            b.post('%s: %s of %d characters (max %d)' % (
                form.name, f.name, len(v), f.max_length), form,
                b.replace(b.base(form), f.name, [v]))
    for f in _text_fields(form, ('tel',)):
        for n in (f.max_length, f.max_length + 1):
            v = '020 7946 0018'
            v = v[:3] + ' ' * max(0, n - len(v)) + v[3:]
            b.post('%s: %s of %d characters (max %d)' % (
                form.name, f.name, len(v), f.max_length), form,
                b.replace(b.base(form), f.name, [v]))


def _content_types(b, form):
    """Content types: refused (415) unless urlencoded."""
    for ctype, ok in (('application/json', False),
                      ('multipart/form-data; boundary=xyz', False),
                      ('text/plain', False), (None, False),
                      ('application/x-www-form-urlencodedx', False),
                      ('application/x-www-form-urlencoded, text/plain',
                       False),
                      ('x-www-form-urlencoded', False),
                      ('text/html; application/x-www-form-urlencoded',
                       False),
                      ('application/x-www-form-urlencoded; charset=utf-8',
                       True),
                      ('APPLICATION/X-WWW-FORM-URLENCODED', True),
                      ('application/x-www-form-urlencoded ; charset=x',
                       True)):
        b.post('%s: Content-Type %r' % (form.name, ctype), form,
               b.base(form), token='fresh' if ok else 'shared',
               ctype=ctype, want=None if ok else (415,))


def _tokens(b, form):
    """Missing, empty, tampered, foreign and malformed tokens; a token only
    in the query string."""
    port = b.ctx.stack.port
    ct = ('Content-Type', FORM_CT)
    other = b.other(form)
    for label, tok in (('missing', None), ('empty', ''),
                       ('tampered', ('tamper', form.name)),
                       ("the other form's", ('shared', other.name)),
                       ('not base64', '!!!!'),
                       ('200 characters', 'A' * 200),
                       ('with a space after', ('space', form.name)),
                       ('XSS', '<script>alert(1)</script>'),
                       ('SQL', "' OR 1=1 --"),
                       ('standard base64', ('std', form.name))):
        b.post('%s: %s token' % (form.name, label), form, b.base(form),
               token=tok)
    b.raw('%s: token only in the query string' % form.name, form,
          lambda tok, form=form: raw_request(
              'POST', form.path + '?_token=' + tok, port, [ct],
              _body([('_homepage', '')] + b.base(form))),
          (403,), token='fresh')


def _honeypot(b, form):
    """The honeypot filled in."""
    for v in ('x', ' ', 'http://spam.example/',
              '<script>alert(1)</script>', b'%00'):
        b.post('%s: honeypot %r' % (form.name, v), form, b.base(form),
               honeypot=v, token='shared')


def _unknown_names(b, form):
    """Names the form does not have, and a name without "="."""
    t = _first(form, 'text')
    ta = _first(form, 'textarea')
    for name in ('zz', '<script>alert(1)</script>', "x' OR '1'='1",
                 t.name.upper(), t.name + ' ', ' ' + t.name,
                 t.name + '[]', '_token2', '', '_homepage_',
                 'e\u0301' + t.name, '\u202e' + t.name):
        b.post('%s: unknown field %r' % (form.name, name), form,
               b.base(form) + [(name, 'x')], token='shared')
    b.post('%s: %s without "="' % (form.name, ta.name), form,
           b.replace(b.base(form), ta.name, []), extra=b'&' +
           ta.name.encode())


def _percent(b, form):
    """Percent-encoding: malformed (400), and decoded exactly once."""
    t = _first(form, 'text')
    for bad in MALFORMED_PCT:
        b.post('%s: %r in %s' % (form.name, bad, t.name), form,
               b.replace(b.base(form), t.name, [bad.encode()]),
               token='shared')
        b.post('%s: %r in a name' % (form.name, bad), form,
               b.base(form) + [(('n' + bad).encode(), 'x')],
               token='shared')
    for raw in (b'a+b%2Bc', b'%253Cscript%253E', b'%2525', b'%c3%a9%C3%A9',
                b'%26amp%3B%3D', b'100%25+sure'):
        b.post('%s: %r decoded once in %s' % (form.name, raw, t.name),
               form, b.replace(b.base(form), t.name, [raw]))


def _methods(b, form):
    """Methods other than POST, and POST spelt in lower case."""
    port = b.ctx.stack.port
    ct = ('Content-Type', FORM_CT)
    for m in ('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'FOO',
              'TRACE', 'CONNECT'):
        b.raw('%s: method %s' % (form.name, m), form,
              raw_request(m, form.path, port, [ct],
                          b'_homepage=' if m not in ('TRACE', 'CONNECT')
                          else b'',
                          content_length=m not in ('TRACE', 'CONNECT')),
              (405,))
    b.raw('%s: method post (lower case)' % form.name, form,
          raw_request('post', form.path, port, [ct], b'_homepage='),
          (400,))
    b.raw('%s: GET with a body' % form.name, form,
          raw_request('GET', form.path, port, [ct], b'_homepage=x'),
          (200,))
    b.raw('%s: HEAD' % form.name, form,
          raw_request('HEAD', form.path, port, [], b'',
                      content_length=False), (200,), head=True)


# ---------------------------------------------------------------------------
# What is sent to other routes, and framing


def _other_routes(b):
    """POST to the read-only routes and to a form that does not exist."""
    port = b.ctx.stack.port
    ct = ('Content-Type', FORM_CT)
    for path in ('/', '/healthz', '/safety', '/exit'):
        b.raw('POST %s' % path, None,
              raw_request('POST', path, port, [ct], b'_homepage='), (405,))
    b.raw('POST /no-such-form', None,
          raw_request('POST', '/no-such-form', port, [ct], b'_homepage='),
          (404,))


def _signed(b, form, tok):
    """A valid body for form, signed with token tok."""
    return _body([('_token', tok), ('_homepage', '')] + b.base(form))


def _sizes(b):
    """Bodies at the size limit -1, 0, +1 and 10 times, plain and
    chunked, and a length announced past the limit."""
    port = b.ctx.stack.port
    limit = b.ctx.stack.body_max
    ct = ('Content-Type', FORM_CT)
    te = ('Transfer-Encoding', 'chunked')
    for form in b.forms:
        for size, want in ((limit - 1, (200,)), (limit, (200,))):
            b.raw('%s: body of %d bytes (limit %d)' % (form.name, size, limit),
                  form, lambda tok, size=size, form=form:
                  raw_request('POST', form.path, port, [ct],
                              _pad(_signed(b, form, tok), size)),
                  want, timeout=30, token='fresh')
    form = b.forms[0]
    valid = lambda tok: _signed(b, form, tok)   # noqa: E731
    shared = lambda tok: _signed(b, form, b.shared[form.name])  # noqa: E731
    for size in (limit + 1, 10 * limit):
        b.raw('body of %d bytes (limit %d)' % (size, limit), form,
              lambda tok, size=size: raw_request(
                  'POST', form.path, port, [ct], _pad(shared(tok), size)),
              (413,), timeout=30)
    b.raw('chunked body of %d bytes (limit)' % limit, form,
          lambda tok: raw_request(
              'POST', form.path, port, [ct, te],
              chunked(_pad(valid(tok), limit), 8192), content_length=False),
          (200, 411), timeout=30, token='fresh')
    b.raw('chunked body of %d bytes' % (limit + 1), form,
          lambda tok: raw_request(
              'POST', form.path, port, [ct, te],
              chunked(_pad(shared(tok), limit + 1), 8192),
              content_length=False), (413,), timeout=30)
    b.raw('chunked body in 1-byte chunks', form,
          lambda tok: raw_request(
              'POST', form.path, port, [ct, te], chunked(valid(tok), 1),
              content_length=False),
          (200, 411), timeout=30, token='fresh')
    b.raw('chunked, with extensions and a trailer', form,
          lambda tok: raw_request(
              'POST', form.path, port, [ct, te], _chunk_ext(valid(tok)),
              content_length=False),
          (200, 411, 400), token='fresh')
    b.raw('Content-Length %d announced, nothing sent' % (limit + 1), form,
          lambda tok: raw_request(
              'POST', form.path, port, [ct, ('Content-Length',
                                             str(limit + 1))], b'',
              content_length=False), (413,))


# Content-Length headers that lie or do not parse: (label, headers,
# statuses); 'SAME' stands for the body's real length.
LENGTHS = (
    ('Content-Length 5, longer body', [('Content-Length', '5')], (403,)),
    ('Content-Length 0, with a body', [('Content-Length', '0')], (403,)),
    ('no Content-Length, no Transfer-Encoding', [], (411,)),
    ('Content-Length -1', [('Content-Length', '-1')], (400,)),
    ('Content-Length -0', [('Content-Length', '-0')], (400,)),
    ('Content-Length abc', [('Content-Length', 'abc')], (400,)),
    ('Content-Length +10', [('Content-Length', '+10')], (400,)),
    ('Content-Length 1e3', [('Content-Length', '1e3')], (400,)),
    ('Content-Length 0x10', [('Content-Length', '0x10')], (400,)),
    ('Content-Length 5.0', [('Content-Length', '5.0')], (400,)),
    ('Content-Length of 30 digits', [('Content-Length', '9' * 30)],
     (400,)),
    ('Content-Length 2^63', [('Content-Length', str(2 ** 63))], (400,)),
    ('Content-Length 2^63-1', [('Content-Length', str(2 ** 63 - 1))],
     (413,)),
    ('two different Content-Length', [('Content-Length', '5'),
                                      ('Content-Length', '7')], (400,)),
    ('two equal Content-Length', [('Content-Length', 'SAME'),
                                  ('Content-Length', 'SAME')], (400,)),
    ('Content-Length and chunked', [('Content-Length', '5'),
                                    ('Transfer-Encoding', 'chunked')],
     (400,)),
)


def _framing(b):
    """Lying and malformed lengths, bad chunk sizes, a short body then a
    half-close, HTTP/1.0 without a length, Expect: 100-continue."""
    port = b.ctx.stack.port
    ct = ('Content-Type', FORM_CT)
    te = ('Transfer-Encoding', 'chunked')
    form = b.forms[0]
    valid = lambda tok: _signed(b, form, tok)   # noqa: E731
    shared = lambda tok: _signed(b, form, b.shared[form.name])  # noqa: E731
    for label, headers, want in LENGTHS:
        b.raw(label, form, lambda tok, headers=headers: _framed(
            form, port, shared(tok), headers), want)
    for label, chunks, want in (
            ('invalid chunk size', b'zz\r\nabc\r\n0\r\n\r\n', (400,)),
            ('chunk size overflowing 64 bits',
             b'fffffffffffffffffff\r\nabc\r\n0\r\n\r\n', (400, 413)),
            ('negative chunk size', b'-5\r\nabcde\r\n0\r\n\r\n', (400,))):
        b.raw(label, form, lambda tok, chunks=chunks: raw_request(
            'POST', form.path, port, [ct, te], chunks, content_length=False),
            want)
    b.raw('short body, then half-close', form, lambda tok: raw_request(
        'POST', form.path, port, [ct, ('Content-Length', '1000')],
        b'_homepage=', content_length=False), (None, 400),
        half_close=True, timeout=20)
    b.raw('HTTP/1.0 POST without Content-Length', form, lambda tok: (
        b'POST ' + form.path.encode() + b' HTTP/1.0\r\nContent-Type: ' +
        FORM_CT.encode() + b'\r\n\r\n' + shared(tok)), (411,))
    b.raw('Expect: 100-continue', form, lambda tok: raw_request(
        'POST', form.path, port, [ct, ('Expect', '100-continue')],
        valid(tok)), (200,), token='fresh')


def _gets(b):
    """GETs with hostile paths and queries: never reflected."""
    consult, referral = b.forms
    x = '<script>alert(1)</script>'
    b.get('GET a form with a hostile query', consult.path + '?q=' +
          quote(x) + '&_token=' + quote("' OR 1=1"), (200,), markers=(x,))
    b.get('GET a hostile path', '/' + quote(x), (404,), markers=(x,))
    b.get('GET an overlong-UTF-8 path', '/%C0%AF' + referral.name, (404,))
    b.get('GET a path with NUL', '/' + referral.name + '%00', (400,))
    b.get('GET above the root', '/../../etc/passwd', (400,))
    b.get('GET a 9000-byte query', consult.path + '?' + 'a' * 9000, (414,))


PER_FORM = (_injections, _unicode, _bad_utf8, _nuls, _controls,
            _field_counts, _repeated_fields, _lengths, _content_types,
            _tokens, _honeypot, _unknown_names, _percent, _methods)


def build_cases(b):
    """Every case but the slow ones, in the order they are sent."""
    for form in b.forms:
        for add in PER_FORM:
            add(b, form)
    _other_routes(b)
    _sizes(b)
    _framing(b)
    _gets(b)


def _pad(body, size):
    """body padded with empty pairs ('&') to exactly size bytes."""
    assert len(body) <= size, (len(body), size)
    return body + b'&' * (size - len(body))


def _chunk_ext(body):
    out = bytearray()
    for i in range(0, len(body), 50):
        piece = body[i:i + 50]
        out += b'%x;name="v";x=1\r\n' % len(piece) + piece + b'\r\n'
    return bytes(out) + b'0\r\nX-Trailer: yes\r\n\r\n'


def _framed(form, port, body, headers):
    hs = [('Content-Type', FORM_CT)]
    hs += [(k, str(len(body)) if v == 'SAME' else v) for k, v in headers]
    return raw_request('POST', form.path, port, hs, body,
                       content_length=False)


# ---------------------------------------------------------------------------
# The slow requests, sent in threads by test_hostile.py


def slow_cases(b):
    """(case, pause) for the slow requests: half a body, a pause, the
    rest; headers a line at a time; a body and headers that stall past
    nginx's timeouts.  The cases are made through the builder, so they get
    tokens like the rest, and taken out of b.cases."""
    out = []
    for form in b.forms:
        c = b.raw('%s: half a body, 2 s pause, the rest' % form.name, form,
                  None, (200,), token='fresh')
        out.append((c, 'halves', 2.0))
    form = b.forms[0]
    c = b.raw('headers one line at a time over 3 s', form, None, (200,),
              token='fresh')
    out.append((c, 'lines', 0.6))
    c = b.raw('body stalls past client_body_timeout', form, None,
              (None, 408))
    out.append((c, 'stall', 0))
    c = b.raw('headers stall past client_header_timeout', form, None,
              (None, 408))
    out.append((c, 'stall-headers', 0))
    b.cases = [x for x in b.cases if x not in [o[0] for o in out]]
    for case, how, _ in out:
        case.base = b.base(case.form)
        case.how = how
    return [(case, pause) for case, _, pause in out]


def slow_pieces(b, case):
    """The bytes of a slow case, in the pieces it is sent in; sets the
    case's expected outcome when it may be stored."""
    body = _body([('_token', case.token or b.shared[case.form.name]),
                  ('_homepage', '')] + case.base)
    req = raw_request('POST', case.form.path, b.ctx.stack.port,
                      [('Content-Type', FORM_CT)], body)
    if case.how == 'halves':
        cut = len(req) - len(body) // 2
        pieces = [req[:cut], req[cut:]]
    elif case.how == 'lines':
        lines = req.split(b'\r\n')
        pieces = [x + b'\r\n' for x in lines[:-1]] + [lines[-1]]
    elif case.how == 'stall':
        pieces = [req[:-5]]
    else:
        pieces = [with_xff(req.split(b'\r\n')[0] + b'\r\nHost: x\r\n')]
    if case.token is not None:
        case.outcome = b.raw_outcome(case.form, b''.join(pieces))
    return pieces


def special_token(b, v):
    """Token values that depend on a real token: tampered, followed by a
    NUL or a space, or in the standard base64 alphabet."""
    if not (isinstance(v, tuple) and v[0] in ('tamper', 'nulafter', 'space',
                                              'std')):
        return v
    tok = b.shared[v[1]]
    if v[0] == 'tamper':
        return tamper(tok)
    if v[0] == 'nulafter':
        return quote(tok).encode() + b'%00'
    if v[0] == 'space':
        return tok + ' '
    std = tok.replace('-', '+').replace('_', '/')
    return std if std != tok else tok + '+'


def prepare(b):
    """Builds every case, fetches the tokens, and resolves each case's
    body and expected statuses.  Returns the slow ones, (case, pause)."""
    build_cases(b)
    slow = slow_cases(b)
    b.fetch_tokens()
    for case in b.cases:
        if case.kind == 'post':
            case.pairs = [(k, special_token(b, v)) for k, v in case.pairs]
        b.finish(case)
    for case, _ in slow:
        b.finish(case)
    return slow
