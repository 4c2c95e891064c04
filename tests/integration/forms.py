#!/usr/bin/env python3
"""Form definitions read from the database, and valid (or deliberately
broken) answer sets built from them.  Nothing here knows the questions:
a migration that changes a form changes what these helpers post."""

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from urllib.parse import quote_plus

HOSTILE = ('<script>alert(1)</script> \' OR 1=1; -- "quotes" '
           '\u00e9 \u4e2d\u6587 \U0001F600')
TEL = '020 7946 0018'
DATE = '2024-02-29'
CHOICE_KINDS = ('radio', 'checkboxes', 'select')
SINGLE_LINE_KINDS = ('text', 'email', 'tel', 'date')


@dataclass
class Option:
    value: str
    label: str = ''
    notice: str = ''


@dataclass
class Field:
    name: str
    kind: str
    required: bool = False
    max_length: int = 200
    sensitive: bool = True
    options: list = field(default_factory=list)

    def option(self, value):
        for o in self.options:
            if o.value == value:
                return o
        return None


@dataclass
class Form:
    name: str
    version_id: int
    fields: list

    @property
    def path(self):
        return '/' + self.name

    def field(self, name):
        for f in self.fields:
            if f.name == name:
                return f
        return None


FORMS_SQL = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         'forms.sql')


def parse_forms(text):
    """Forms by name from the JSON forms.sql prints."""
    forms = {}
    for fd in json.loads(text):
        fields = [Field(d['name'], d['kind'], bool(d['required']),
                        int(d['max_length']), bool(d['sensitive']),
                        [Option(o['value'], o['label'], o['notice'] or '')
                         for o in d['options']])
                  for d in fd['fields']]
        forms[fd['name']] = Form(fd['name'], int(fd['version_id']), fields)
    return forms


def load_forms(stack):
    with open(FORMS_SQL) as f:
        return parse_forms(stack.psql(f.read()))


class Raw:
    """A value put into the body exactly as given (already encoded)."""

    def __init__(self, data):
        self.data = data if isinstance(data, bytes) else data.encode('latin-1')

    def __repr__(self):
        return 'Raw(%r)' % self.data


def encode_pairs(pairs):
    """urlencoded body bytes; Raw values go in untouched."""
    parts = []
    for k, v in pairs:
        key = k.data if isinstance(k, Raw) else quote_plus(k).encode('ascii')
        if isinstance(v, Raw):
            val = v.data
        else:
            val = quote_plus(v, safe='').encode('ascii')
        parts.append(key + b'=' + val)
    return b'&'.join(parts)


def new_canary(sink, length=22):
    """CANARY + random hex (length chars in all, at least 12), noted in
    sink so the leak tests can look for it everywhere."""
    length = max(12, length)
    c = 'CANARY' + secrets.token_hex(length).upper()[:length - 6]
    sink.add(c)
    return c


def normalise(kind, value):
    """What the service stores for a value sent (form.c): in a textarea
    CR LF and a lone CR as LF, then ASCII white space trimmed."""
    if kind == 'textarea':
        value = value.replace('\r\n', '\n').replace('\r', '\n')
    return value.strip(' \t\r\n')


def valid_value(f, rng, sink):
    """One valid value (str) or, for checkboxes, a list of values."""
    if f.kind in ('radio', 'select'):
        return rng.choice(f.options).value
    if f.kind == 'checkboxes':
        k = min(len(f.options), rng.choice((1, 2)))
        return [o.value for o in rng.sample(f.options, k)]
    if f.kind == 'email':
        local = 'c' + secrets.token_hex(8)
        sink.add(local)
        v = local + '@example.org'
        return v if len(v) <= f.max_length else None
    if f.kind == 'tel':
        return TEL if len(TEL) <= f.max_length else None
    if f.kind == 'date':
        return DATE
    if f.kind == 'textarea' and f.max_length >= 12:
        c = new_canary(sink, min(22, f.max_length))
        v = c + '\n' + HOSTILE
        return v if len(v.encode('utf-8')) <= f.max_length else c
    if f.max_length < 12:
        return 'x' * f.max_length
    return new_canary(sink, min(22, f.max_length))


class Answers:
    """An answer set for a form: what is posted, and what the row should
    hold afterwards (sealed pairs and plain JSON)."""

    def __init__(self, form):
        self.form = form
        self.values = {}        # name -> str, list or Raw, in field order
        self.extra = []         # (name, value) appended as sent

    def set(self, name, value):
        self.values[name] = value
        return self

    def drop(self, name):
        self.values.pop(name, None)
        return self

    def pairs(self):
        out = []
        for f in self.form.fields:
            if f.name not in self.values:
                continue
            v = self.values[f.name]
            if isinstance(v, list):
                out.extend((f.name, x) for x in v)
            else:
                out.append((f.name, v))
        return out + list(self.extra)

    def body(self, token=None, honeypot=''):
        """The body: _token (unless None), _homepage (unless None), then
        the answers."""
        head = []
        if token is not None:
            head.append(('_token', token))
        if honeypot is not None:
            head.append(('_homepage', honeypot))
        return encode_pairs(head + self.pairs())

    def expected_sealed(self):
        """Sorted (name, value) pairs the sealed box should decrypt to."""
        out = []
        for f in self.form.fields:
            v = self.values.get(f.name)
            if v is None or not f.sensitive:
                continue
            for x in (v if isinstance(v, list) else [v]):
                x = normalise(f.kind, x)
                if x != '':
                    out.append((f.name, x))
        return sorted(out)

    def expected_plain(self):
        """The plain JSON object the row should hold."""
        out = {}
        for f in self.form.fields:
            v = self.values.get(f.name)
            if v is None or f.sensitive:
                continue
            if f.kind == 'checkboxes':
                out[f.name] = sorted(v if isinstance(v, list) else [v])
            else:
                out[f.name] = v
        return out


def build_answers(form, rng, sink, optional=True):
    """A valid answer set: every required field, and every optional one
    when optional is true."""
    a = Answers(form)
    for f in form.fields:
        if not f.required and not optional:
            continue
        v = valid_value(f, rng, sink)
        if v is not None:
            a.set(f.name, v)
    return a


def pick_field(forms, kinds=None, required=None, exclude=(), order=None):
    """The first (form, field) matching, looking at forms in order
    (consultation first).  None when no form has one."""
    for name in order or ('consultation', 'referral'):
        form = forms.get(name)
        if form is None:
            continue
        for f in form.fields:
            if kinds and f.kind not in kinds:
                continue
            if required is not None and f.required != required:
                continue
            if f.name in exclude:
                continue
            if f.kind in CHOICE_KINDS and not f.options:
                continue
            return form, f
    return None


def when_field(form):
    """The referral's "when did it happen" question: named when, or
    failing that the first whose name starts with when."""
    f = form.field('when')
    if f is None:
        f = next((x for x in form.fields if x.name.startswith('when')), None)
    return f


def other_text_field(form, exclude):
    """A text or textarea field of form other than those in exclude, for
    checking that typed values are kept on an error page."""
    for kind in ('text', 'textarea'):
        for f in form.fields:
            if f.kind == kind and f.name not in exclude and f.max_length >= 40:
                return f
    return None


def tamper(token):
    """token with one character in the middle changed to another of the
    same alphabet, so only the authenticator can tell."""
    if not token:
        return 'x'
    i = len(token) // 2
    c = token[i]
    if c.isdigit():
        r = '7' if c != '7' else '3'
    elif c.isupper():
        r = 'Q' if c != 'Q' else 'R'
    elif c.islower():
        r = 'q' if c != 'q' else 'r'
    else:
        r = 'A'
    return token[:i] + r + token[i + 1:]


def token_idem(token):
    """The idempotency key (hex) inside a form token: version(1) | form
    id(4) | issued(8) | nonce(16) | MAC, base64url without padding."""
    raw = base64.urlsafe_b64decode(token + '=' * (-len(token) % 4))
    return raw[13:29].hex()
