#!/usr/bin/env python3
"""The submissions the admin tests export: valid answer sets whose free
text is hostile to a spreadsheet, a CSV reader or a database (formula
starters, quotes, line breaks, SQL, markup, scripts of many languages),
each with a fresh canary.  Made once per run (ensure_submissions) and
remembered in ctx.admin_sent, {reference: answers}, for every export
check; a test that removes rows (the purge) takes them out again."""

import html_checks
from forms import CHOICE_KINDS, new_canary

N_PER_FORM = 4              # submissions per form for the export checks

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
POOLS = {'textarea': MULTI, 'text': SINGLE, 'email': EMAILS, 'tel': PHONES}


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
    """A valid answer set for form_name, its sensitive free text hostile."""
    a = ctx.answers(form_name)
    for f in a.form.fields:
        if not f.sensitive or f.kind in CHOICE_KINDS:
            continue
        if f.kind in POOLS:
            a.set(f.name, hostile.value(POOLS[f.kind], f.max_length))
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


def add_submissions(ctx, n):
    """n more hostile submissions to each form, remembered with the rest;
    returns the new ones, {reference: answers}."""
    sent = submit_batch(ctx, n)
    if getattr(ctx, 'admin_sent', None) is None:
        ctx.admin_sent = {}
    ctx.admin_sent.update(sent)
    return sent
