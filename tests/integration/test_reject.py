#!/usr/bin/env python3
"""Requests the service must refuse outright: malformed encoding,
unknown or repeated fields, the honeypot (400); missing, tampered or
foreign tokens (403); wrong content types (415); oversized bodies (413);
and malformed framing sent over a raw socket.  None may store a row or
give a 5xx."""

import time

import forms
import html_checks
import rows
from context import TOKEN_WAIT
from forms import Raw
from http_client import FORM_CT, chunked, raw_request


ANY_4XX = tuple(range(400, 500))


def _want_text(want):
    if want == ANY_4XX:
        return 'a 4xx refusal'
    if isinstance(want, tuple):
        return ' or '.join(str(w) for w in want)
    return str(want)


def _check(ctx, label, r, want, before, html_page=True):
    """Problems with answer r to a request that must be refused."""
    probs = []
    ok = r.status in want if isinstance(want, tuple) else r.status == want
    if not ok:
        probs.append('expected %s, got %s' % (_want_text(want),
                                              html_checks.describe(r)))
    elif html_page and r.status is not None:
        probs += html_checks.header_problems(r)
        ctx.headers_checked += 1
    try:
        rows.expect_no_new_row(ctx, before, label)
    except AssertionError as e:
        probs.append(str(e))
    return ['%s: %s' % (label, '; '.join(probs))] if probs else []


def _post_cases(ctx, cases, want, figure):
    """cases: (label, form name, body function of a token)."""
    need = {}
    for _, name, _ in cases:
        need[name] = need.get(name, 0) + 1
    toks = {n: ctx.tokens(n, k, wait=False) for n, k in need.items()}
    time.sleep(TOKEN_WAIT)
    fails = []
    for label, name, body in cases:
        before = ctx.max_id()
        r = ctx.post(name, body(toks[name].pop()))
        fails += _check(ctx, label, r, want, before)
    ctx.figure(figure, '%d of %d' % (len(cases) - len(fails), len(cases)))
    assert not fails, ' || '.join(fails)


def _text(ctx):
    got = forms.pick_field(ctx.forms(), kinds=('text',))
    assert got, 'neither form has a text question'
    return got


def test_malformed_percent_encoding_400(ctx):
    form, f = _text(ctx)
    cases = []
    for raw in ('ab%zz', 'ab%4', 'ab%', '%G1'):
        a = ctx.answers(form.name).drop(f.name)
        a.extra.append((f.name, Raw(raw)))     # last, so %4 ends the body
        cases.append(('%s=%s' % (f.name, raw), form.name,
                      lambda t, a=a: a.body(t)))
    a = ctx.answers(form.name)
    cases.append(('a field name with %zz', form.name,
                  lambda t, a=a: a.body(t) + b'&a%zz=1'))
    _post_cases(ctx, cases, 400, 'malformed_encoding_refused')


def test_unknown_or_repeated_field_400(ctx):
    form, f = _text(ctx)
    got = forms.pick_field(ctx.forms(), kinds=('radio',))
    assert got, 'neither form has a radio question'
    rform, radio = got
    cases = []
    a = ctx.answers(form.name)
    a.extra.append(('zz_unknown', 'x'))
    cases.append(('unknown field zz_unknown', form.name,
                  lambda t, a=a: a.body(t)))
    a = ctx.answers(rform.name).set(radio.name, radio.options[0].value)
    a.extra.append((radio.name, radio.options[-1].value))
    cases.append(('radio %s sent twice' % radio.name, rform.name,
                  lambda t, a=a: a.body(t)))
    a = ctx.answers(form.name)
    a.extra.append((f.name, 'second value'))
    cases.append(('text %s sent twice' % f.name, form.name,
                  lambda t, a=a: a.body(t)))
    a = ctx.answers(form.name)
    cases.append(('_token sent twice', form.name,
                  lambda t, a=a: a.body(t) + b'&_token=' + t.encode()))
    _post_cases(ctx, cases, 400, 'unknown_or_repeated_refused')


def _both_forms(ctx, variants):
    """Cases for each form: one valid answer set per form, sent as each
    (what, body function of the answers and a token) of variants says."""
    cases = []
    for name in ('consultation', 'referral'):
        a = ctx.answers(name)
        for what, body in variants:
            cases.append(('%s %s' % (name, what), name,
                          lambda t, a=a, body=body: body(a, t)))
    return cases


def test_honeypot_filled_400(ctx):
    cases = _both_forms(ctx, [
        ('with _homepage filled',
         lambda a, t: a.body(t, honeypot='http://spam.example/'))])
    _post_cases(ctx, cases, 400, 'honeypot_refused')


def test_bad_token_403(ctx):
    cases = _both_forms(ctx, [
        ('without _token', lambda a, t: a.body(None)),
        ('with a tampered token', lambda a, t: a.body(forms.tamper(t))),
        ('with an empty token', lambda a, t: a.body(''))])
    _post_cases(ctx, cases, 403, 'bad_token_refused')


def test_consultation_token_on_referral_403(ctx):
    tok, = ctx.tokens('consultation')
    a = ctx.answers('referral')
    before = ctx.max_id()
    r = ctx.post('referral', a.body(tok))
    fails = _check(ctx, 'consultation token posted to /referral', r, 403,
                   before)
    assert not fails, fails[0]


def test_wrong_content_type_415(ctx):
    tok, = ctx.tokens('consultation')
    body = ctx.answers('consultation').body(tok)
    fails = []
    types = ('application/json', 'multipart/form-data; boundary=xyz',
             'text/plain', 'application/x-www-form-urlencodedx', None)
    for ct in types:
        before = ctx.max_id()
        r = ctx.post('consultation', body, content_type=ct)
        fails += _check(ctx, 'Content-Type %r' % ct, r, 415, before)
    ctx.figure('wrong_type_refused', '%d of %d' % (len(types) - len(fails),
                                                  len(types)))
    assert not fails, ' || '.join(fails)


def _big_body(tok, text_name, size):
    head = forms.encode_pairs([('_token', tok), (text_name, '')])
    return head + b'a' * max(0, size - len(head))


def test_body_too_large_413(ctx):
    form, f = _text(ctx)
    tok, = ctx.tokens(form.name)
    limit = ctx.stack.body_max
    fails = []
    for size, want in ((limit + 1, 413), (10 * limit, 413),
                       (limit, (400, 422))):
        body = _big_body(tok, f.name, size)
        before = ctx.max_id()
        req = raw_request('POST', form.path, ctx.stack.port,
                          [('Content-Type', FORM_CT)], body)
        r = ctx.http.raw(req, timeout=30)
        fails += _check(ctx, 'body of %d bytes (limit %d)' % (size, limit),
                        r, want, before, html_page=False)
    body = _big_body(tok, f.name, limit + 1)
    before = ctx.max_id()
    req = raw_request('POST', form.path, ctx.stack.port,
                      [('Content-Type', FORM_CT),
                       ('Transfer-Encoding', 'chunked')], chunked(body, 8192),
                      content_length=False)
    r = ctx.http.raw(req, timeout=30)
    fails += _check(ctx, 'chunked body of %d bytes' % (limit + 1), r, 413,
                    before, html_page=False)
    assert not fails, ' || '.join(fails)


def test_malformed_framing(ctx):
    form, f = _text(ctx)
    tok, = ctx.tokens(form.name)
    port = ctx.stack.port
    ct = ('Content-Type', FORM_CT)
    body = ctx.answers(form.name).body(tok)
    rest = ctx.answers(form.name).drop(f.name).body(tok)
    any4 = ANY_4XX
    cases = [
        ('Content-Length: -1', raw_request(
            'POST', form.path, port, [ct, ('Content-Length', '-1')], body,
            content_length=False), (400,)),
        ('two different Content-Length headers', raw_request(
            'POST', form.path, port, [ct, ('Content-Length', '5'),
                                      ('Content-Length', '7')], body,
            content_length=False), (400,)),
        ('Content-Length 5, longer body', raw_request(
            'POST', form.path, port, [ct, ('Content-Length', '5')], body,
            content_length=False), any4),
        ('small chunked body without a token', raw_request(
            'POST', form.path, port, [ct, ('Transfer-Encoding', 'chunked')],
            chunked(b'_homepage=', 4), content_length=False), any4),
        ('raw 0xFF byte in a value', raw_request(
            'POST', form.path, port, [ct],
            rest + b'&' + f.name.encode() + b'=ab\xffcd'), (400, 422)),
        ('raw NUL byte in a value', raw_request(
            'POST', form.path, port, [ct],
            rest + b'&' + f.name.encode() + b'=ab\x00cd'), (400, 422)),
    ]
    fails = []
    for label, req, want in cases:
        before = ctx.max_id()
        r = ctx.http.raw(req, timeout=15)
        fails += _check(ctx, label, r, want, before, html_page=False)
    # A body shorter than its Content-Length, then the client stops
    # sending: no answer, or a 4xx, but quickly and never a 5xx.
    before = ctx.max_id()
    req = raw_request('POST', form.path, port, [ct, ('Content-Length', '1000')],
                      b'_homepage=', content_length=False)
    r = ctx.http.raw(req, timeout=20, half_close=True)
    if r.status is not None:
        fails += _check(ctx, 'short body, then half-close', r, any4, before,
                        html_page=False)
    h = ctx.http.get('/healthz')
    if h.status != 200:
        fails.append('after malformed requests /healthz says %s'
                     % html_checks.describe(h))
    ctx.figure('malformed_framing_refused', '%d of %d' % (
        len(cases) + 1 - len(fails), len(cases) + 1))
    assert not fails, ' || '.join(fails)


def test_413_page_headers(ctx):
    form, f = _text(ctx)
    req = raw_request('POST', form.path, ctx.stack.port,
                      [('Content-Type', FORM_CT)],
                      _big_body('x', f.name, ctx.stack.body_max + 1))
    r = ctx.http.raw(req, timeout=30)
    assert r.status == 413, 'oversized body: expected 413, got %s' % (
        html_checks.describe(r))
    ctx.check_headers(r, '413 page')
