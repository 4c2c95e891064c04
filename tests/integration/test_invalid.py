#!/usr/bin/env python3
"""Invalid answers: each must give 422, the form again with an error
summary linking to the bad field, that field's own message, the other
typed values kept (escaped), and no row."""

import time

import forms
import html_checks
import rows
from context import TOKEN_WAIT
from forms import Raw


def _kept(ctx, a, bad):
    """Type a value with markup characters into another text field, so
    the error page must show it back, escaped."""
    f = forms.other_text_field(a.form, bad)
    if f is None:
        return None
    v = forms.new_canary(ctx.canaries) + ' <b>&"\'x'
    a.set(f.name, v)
    return f.name, v


def _run(ctx, cases, figure):
    """cases: (label, answers, bad field names).  Posts each with its own
    token and collects every problem before failing."""
    need = {}
    for _, a, _ in cases:
        need[a.form.name] = need.get(a.form.name, 0) + 1
    toks = {n: ctx.tokens(n, k, wait=False) for n, k in need.items()}
    time.sleep(TOKEN_WAIT)
    fails = []
    for label, a, bad in cases:
        kept = _kept(ctx, a, bad)
        tok = toks[a.form.name].pop()
        before = ctx.max_id()
        r = ctx.post(a.form.name, a.body(tok))
        probs = []
        if r.status != 422:
            probs.append('expected 422 with the form again, got %s'
                         % html_checks.describe(r))
        else:
            probs += html_checks.error_page_problems(r, bad)
            probs += html_checks.header_problems(r, no_store=True)
            ctx.headers_checked += 1
            if kept and not html_checks.shows_escaped(r.text, kept[1]):
                probs.append('the answer typed in %s (%r) is not shown back '
                             'escaped' % kept)
        try:
            rows.expect_no_new_row(ctx, before, label)
        except AssertionError as e:
            probs.append(str(e))
        if probs:
            fails.append('%s: %s' % (label, '; '.join(probs)))
    ctx.figure(figure, '%d of %d' % (len(cases) - len(fails), len(cases)))
    assert not fails, ' || '.join(fails)


def _pick(ctx, what, **kw):
    got = forms.pick_field(ctx.forms(), **kw)
    assert got, 'neither form has %s' % what
    return got


def test_required_field_missing(ctx):
    form, f = _pick(ctx, 'a required question', required=True)
    a = ctx.answers(form.name).drop(f.name)
    _run(ctx, [('%s without required %s' % (form.path, f.name), a, [f.name])],
         'required_missing_rejected')


def test_bad_email(ctx):
    form, f = _pick(ctx, 'an email question', kinds=('email',))
    cases = []
    for v in ('plainaddress', '@example.org', 'two@@example.org'):
        a = ctx.answers(form.name).set(f.name, v)
        cases.append(('%s=%r' % (f.name, v), a, [f.name]))
    _run(ctx, cases, 'bad_email_rejected')


def _by_kind(ctx, kinds, make, what):
    """The cases make(kind, form, field) gives for the first question of
    each kind (in either form); fails when there are none."""
    cases = []
    for kind in kinds:
        got = forms.pick_field(ctx.forms(), kinds=(kind,))
        if got is not None:
            cases += make(kind, *got)
    assert cases, 'neither form has %s' % what
    return cases


def test_text_over_max_length(ctx):
    def make(kind, form, f):
        v = (forms.new_canary(ctx.canaries) + 'y' * f.max_length)
        a = ctx.answers(form.name).set(f.name, v[:f.max_length + 1])
        return [('%s %s of %d characters (max %d)' % (
            kind, f.name, f.max_length + 1, f.max_length), a, [f.name])]
    cases = _by_kind(ctx, ('text', 'textarea'), make, 'a text question')
    _run(ctx, cases, 'over_max_length_rejected')


def test_choice_not_an_option(ctx):
    def make(kind, form, f):
        a = ctx.answers(form.name).set(f.name, 'zz-not-an-option')
        return [('%s %s=zz-not-an-option' % (kind, f.name), a, [f.name])]
    cases = _by_kind(ctx, ('radio', 'select'), make, 'a radio question')
    _run(ctx, cases, 'unknown_option_rejected')


def _encoded_cases(ctx, seqs, kinds, prefix):
    def make(kind, form, f):
        return [('%s %s %s=ab%scd' % (prefix, kind, f.name, s),
                 ctx.answers(form.name).set(f.name, Raw('ab' + s + 'cd')),
                 [f.name]) for s in seqs]
    return _by_kind(ctx, kinds, make, 'a text question')


def test_invalid_utf8(ctx):
    seqs = ('%C3%28', '%ED%A0%80', '%C0%AF', '%F4%90%80%80', '%FF', '%E2%82')
    cases = _encoded_cases(ctx, seqs, ('text',), 'invalid UTF-8 in')
    cases += _encoded_cases(ctx, ('%C3%28',), ('textarea',), 'invalid UTF-8 in')
    _run(ctx, cases, 'invalid_utf8_rejected')


def test_control_characters(ctx):
    cases = _encoded_cases(ctx, ('%01', '%00', '%1B', '%08'), ('text',),
                           'control character in')
    cases += _encoded_cases(ctx, ('%01', '%00'), ('textarea',),
                            'control character in')
    _run(ctx, cases, 'control_chars_rejected')


def test_newline_in_single_line_text(ctx):
    cases = _encoded_cases(ctx, ('%0A', '%0D%0A', '%0D'), ('text',),
                           'line break in')
    _run(ctx, cases, 'newline_in_text_rejected')


def test_two_errors_both_listed(ctx):
    form, em = _pick(ctx, 'an email question', kinds=('email',))
    f = next((x for x in form.fields if x.kind in ('radio', 'select')
              and x.options), None)
    assert f, '%s has no radio question beside its email one' % form.path
    a = ctx.answers(form.name).set(em.name, 'plainaddress')
    a.set(f.name, 'zz-not-an-option')
    _run(ctx, [('%s bad email and bad option' % form.path, a,
                [em.name, f.name])], 'two_errors_listed')
