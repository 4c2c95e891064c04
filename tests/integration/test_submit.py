#!/usr/bin/env python3
"""Valid submissions end to end: the confirmation a user sees, the one
row stored, what it holds in plain and sealed, the notice after a recent
assault, retries with the same token, and the minimum fill time."""

import time

import html_checks
import rows
from forms import HOSTILE, when_field


def test_valid_consultation_all_fields(ctx):
    a = ctx.answers('consultation')
    tok, = ctx.tokens('consultation')
    ref, _, _ = rows.submit_valid(ctx, a, tok)
    assert rows.REF_RE.match(ref), 'reference %r has the wrong shape' % ref


def test_valid_referral_recent_notice(ctx):
    form = ctx.form('referral')
    when = when_field(form)
    assert when is not None, ('referral has no "when" question (fields: %s)'
                              % [f.name for f in form.fields])
    opt = next((o for o in when.options if o.notice), None)
    assert opt is not None, 'no "when" option carries a notice'
    a = ctx.answers('referral').set(when.name, opt.value)
    tok, = ctx.tokens('referral')
    ref, resp, _ = rows.submit_valid(ctx, a, tok)
    assert html_checks.shows_text(resp.text, opt.notice), (
        'referral confirmation %s after choosing "%s": the notice %r is not '
        'shown' % (ref, opt.label, opt.notice))
    others = [o for o in when.options if o.notice and o.value != opt.value]
    for o in others:
        assert not html_checks.shows_text(resp.text, o.notice), (
            'confirmation shows the notice of an option not chosen: %r'
            % o.notice)


def test_required_only_answers(ctx):
    n = 0
    for name in ('consultation', 'referral'):
        a = ctx.answers(name, optional=False)
        tok, = ctx.tokens(name)
        rows.submit_valid(ctx, a, tok, strict_sealed=False)
        n += 1
    ctx.figure('required_only_posts_ok', '%d of 2' % n)


def test_same_token_twice_same_reference(ctx):
    a = ctx.answers('consultation')
    tok, = ctx.tokens('consultation')
    ref, _, _ = rows.submit_valid(ctx, a, tok)
    before = ctx.max_id()
    count = ctx.row_count()
    again = ctx.post('consultation', a.body(tok))
    assert again.status == 200, ('posting the same form again (refresh): '
                                 'expected the confirmation again, got %s'
                                 % html_checks.describe(again))
    ref2 = html_checks.find_reference(again.text)
    assert ref2 == ref, ('posting the same form again showed reference %s, '
                         'the first post showed %s' % (ref2, ref))
    rows.expect_no_new_row(ctx, before, 'posting the same token again')
    assert ctx.row_count() == count, 'row count changed on a repeat post'


def test_too_quick_then_retry(ctx):
    a = ctx.answers('consultation')
    text = next((f for f in a.form.fields if f.kind == 'text'), None)
    # Start just after a second boundary so a whole-second clock in the
    # token cannot make 0.1 s look like 1 s.
    frac = time.time() % 1.0
    if frac > 0.4:
        time.sleep(1.05 - frac)
    tok, = ctx.tokens('consultation', wait=False)
    before = ctx.max_id()
    r = ctx.post('consultation', a.body(tok))
    assert r.status == 422, ('posting 0.1 s after opening the form: '
                             'expected 422 "too quick", got %s'
                             % html_checks.describe(r))
    ctx.check_headers(r, 'too-quick page', no_store=True)
    page = html_checks.Page(r.text)
    assert page.has_error_summary or page.has_form_error, (
        'too-quick page (422) shows no message saying what went wrong: %s'
        % html_checks.describe(r))
    if text is not None:
        v = a.values.get(text.name)
        assert v and html_checks.shows_escaped(r.text, v), (
            'too-quick page lost the answer to %s (%r)' % (text.name, v))
    # The page keeps the same token, so the time already spent counts
    # towards the minimum and a quick correction is not refused again.
    kept = page.token
    assert kept == tok, ('too-quick page should carry the same token, so '
                         'its issue time still counts (got %r)' % kept)
    rows.expect_no_new_row(ctx, before, 'a too-quick post')
    time.sleep(1.2)
    rows.submit_valid(ctx, a, kept)


def test_trim_and_crlf_normalised(ctx):
    a = ctx.answers('consultation')
    form = a.form
    text = next((f for f in form.fields if f.kind == 'text'
                 and f.max_length >= 30), None)
    area = next((f for f in form.fields if f.kind == 'textarea'
                 and f.max_length >= 200), None)
    assert text or area, 'consultation has no text or textarea question'
    if text is not None:
        a.set(text.name, '   ' + a.values.get(text.name, 'x')[:22] + '  ')
    if area is not None:
        c = a.values[area.name].split('\n', 1)[0]
        a.set(area.name, c + '\r\nsecond line\r\n\r\n' + HOSTILE)
    tok, = ctx.tokens('consultation')
    rows.submit_valid(ctx, a, tok)


def test_text_at_max_length_accepted(ctx):
    a = ctx.answers('consultation')
    text = next((f for f in a.form.fields if f.kind == 'text'
                 and f.max_length >= 12), None)
    assert text, 'consultation has no text question'
    c = a.values[text.name]
    a.set(text.name, (c + 'x' * text.max_length)[:text.max_length])
    tok, = ctx.tokens('consultation')
    rows.submit_valid(ctx, a, tok)


def test_all_confirmations_stored(ctx):
    refs = sorted(set(ctx.confirmed.values()))
    ctx.figure('submissions_confirmed', len(ctx.confirmed))
    got = ctx.stack.psql('SELECT reference FROM vawg.submission;').split()
    missing = [r for r in refs if r not in got]
    assert not missing, 'confirmed but not stored: %s' % missing
