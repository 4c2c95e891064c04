#!/usr/bin/env python3
"""The public forms' contract, as a model: what a POST of a given
urlencoded body to a form must give (docs/THREAT-MODEL.md threats 10, 11
and 16).  400 for encoding, field count, an unknown or repeated field,
the honeypot; 403 for a missing or forged token; 422 for field errors;
200 for a valid set, with what the row must then hold (plain answers and
sealed pairs) and, for a 422, what the page must show back.

Written from the contract, not from the C code, so that the hostile
suite (test_hostile.py) compares the service with an independent
reading of it.  Pure: no network, no database."""

from forms import CHOICE_KINDS, normalise


def _is_control(ch):
    o = ord(ch)
    return (o < 0x20 and ch not in '\t\n\r') or 0x7f <= o <= 0x9f


def _valid_email(s):
    at = s.find('@')
    if at <= 0 or '@' in s[at + 1:]:
        return False
    if any(c in s for c in ' \t,;<>()[]\\"'):
        return False
    dot = s.rfind('.', at + 1)
    return dot > at + 1 and dot != len(s) - 1


def _valid_tel(s):
    digits = 0
    for c in s:
        if c in '0123456789':
            digits += 1
        elif c not in ' +-()':
            return False
    return 7 <= digits <= 15


def _valid_date(s):
    b = s.encode('utf-8')
    if len(b) != 10 or b[4:5] != b'-' or b[7:8] != b'-':
        return False
    if not all(48 <= b[i] <= 57 for i in range(10) if i not in (4, 7)):
        return False
    y, m, d = int(b[:4]), int(b[5:7]), int(b[8:])
    mdays = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not (1900 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= mdays[m - 1]):
        return False
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    return not (m == 2 and d == 29 and not leap)


def _value_ok(f, s):
    """check_value() of the contract, for a trimmed, non-empty value."""
    if f.kind in CHOICE_KINDS:
        return f.option(s) is not None
    if len(s) > f.max_length:
        return False
    if f.kind != 'textarea' and ('\r' in s or '\n' in s):
        return False
    if f.kind == 'email':
        return _valid_email(s)
    if f.kind == 'tel':
        return _valid_tel(s)
    if f.kind == 'date':
        return _valid_date(s)
    return True


def _pct_decode(b):
    """'+' and %XX decoded once; None when a '%' lacks two hex digits."""
    out = bytearray()
    i = 0
    while i < len(b):
        c = b[i]
        if c == 0x2b:
            out.append(0x20)
            i += 1
        elif c == 0x25:
            h = b[i + 1:i + 3]
            if len(h) < 2 or not all(x in b'0123456789abcdefABCDEF'
                                     for x in h):
                return None
            out.append(int(h, 16))
            i += 3
        else:
            out.append(c)
            i += 1
    return bytes(out)


def max_fields(form):
    """The most pairs a body may hold: one per field (one per option of
    a checkbox question), _token and _homepage."""
    return 2 + sum(len(f.options) if f.kind == 'checkboxes' else 1
                   for f in form.fields)


class Outcome:
    """What the contract says a POST of a body must give."""

    def __init__(self, status, why, plain=None, sealed=None, shown=None):
        self.status = status
        self.why = why
        self.plain = plain          # dict, for 200
        self.sealed = sealed        # [(name bytes, value bytes)], for 200
        self.shown = shown or []    # [(field, value)] a 422 page shows back


def _pairs_by_field(form, body, good_tokens):
    """The values sent for each field of form, {name: [bytes]}, or the
    Outcome that refuses the body before any field is looked at."""
    segs = [s for s in body.split(b'&') if s]
    if len(segs) > max_fields(form):
        return Outcome(400, 'more pairs than the form has fields')
    pairs = []
    for s in segs:
        n, eq, v = s.partition(b'=')
        n, v = _pct_decode(n), (_pct_decode(v) if eq else b'')
        if n is None or v is None:
            return Outcome(400, 'malformed percent-encoding')
        pairs.append((n, v))
    toks = [v for n, v in pairs if n == b'_token']
    if not toks:
        return Outcome(403, 'no token')
    if len(toks) > 1:
        return Outcome(400, 'token repeated')
    if toks[0] not in good_tokens:
        return Outcome(403, 'token not ours')
    byname = {f.name.encode('utf-8'): f for f in form.fields}
    sent = {f.name: [] for f in form.fields}
    for n, v in pairs:
        if n == b'_token':
            continue
        if n == b'_homepage':
            if v:
                return Outcome(400, 'honeypot filled')
            continue
        f = byname.get(n)
        if f is None:
            return Outcome(400, 'unknown field %r' % n[:40])
        cap = len(f.options) if f.kind == 'checkboxes' else 1
        if len(sent[f.name]) >= cap:
            return Outcome(400, 'field %s repeated' % f.name)
        sent[f.name].append(v)
    return sent


def _field_values(f, values):
    """(bad, kept) for the values sent for field f: whether any is
    refused, and the distinct non-empty ones as the service keeps them."""
    bad, kept = False, []
    for v in values:
        try:
            s = v.decode('utf-8')
        except UnicodeDecodeError:
            bad = True
            continue
        if any(_is_control(c) or c == '\0' for c in s):
            bad = True
            continue
        s = normalise(f.kind, s)
        if not s or s in kept:
            continue
        if not bad and not _value_ok(f, s):
            bad = True
        kept.append(s)
    if not bad and f.required and not kept:
        bad = True
    return bad, kept


def expect(form, body, good_tokens):
    """The status and effects of POSTing body (urlencoded bytes) to form,
    when good_tokens are the token strings minted for it."""
    sent = _pairs_by_field(form, body, good_tokens)
    if isinstance(sent, Outcome):
        return sent
    errors, plain, sealed, shown = [], {}, [], []
    for f in form.fields:
        bad, kept = _field_values(f, sent[f.name])
        if bad:
            errors.append(f.name)
        if f.kind not in CHOICE_KINDS:
            shown += [(f.name, s) for s in kept[:1]]
        if not kept:
            continue
        if f.sensitive:
            sealed += [(f.name.encode('utf-8'), s.encode('utf-8'))
                       for s in kept]
        else:
            plain[f.name] = kept if f.kind == 'checkboxes' else kept[0]
    if errors:
        return Outcome(422, 'field errors: %s' % ', '.join(errors),
                       shown=shown)
    return Outcome(200, 'valid', plain, sealed)
