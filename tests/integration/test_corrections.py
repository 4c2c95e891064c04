#!/usr/bin/env python3
"""A form token posted again with other answers (issue 14, item 1).

She sends a referral, goes back, corrects her phone number and sends it
again: the page keeps the same token (so does a 422).  The correction must
be stored as a submission of its own, with its own reference shown to her,
linked to the first so a case worker sees both; the same answers again (a
double click, a refresh) stay one row with one reference.  Through the
database, and through the spool while the database is down: both records
kept, both replayed, linked, none left behind.

Figures: corrections_lost (corrected posts whose answers, decrypted with
the test's secret key, are in no stored row: must be 0)."""

import copy
import time

import html_checks
import rows
from test_dbdown import (_back_up, _database_down, _post_down, _records,
                         REPLAY_WAIT)

CORRECTED_PHONE = '020 7946 0999'


def _phone_field(ctx):
    form = ctx.form('referral')
    f = next((f for f in form.fields if f.kind == 'tel'), None)
    assert f is not None, ('the referral has no phone question (fields: %s)'
                           % [f.name for f in form.fields])
    return f


def _pair(ctx):
    """A referral answer set, and the same with the phone corrected."""
    phone = _phone_field(ctx)
    first = ctx.answers('referral')
    first.set(phone.name, '020 7946 0018')
    second = copy.copy(first)
    second.values = dict(first.values)
    second.extra = list(first.extra)
    second.set(phone.name, CORRECTED_PHONE)
    return first, second


def _links(ctx, ids):
    """{id: corrects} for the rows ids."""
    out = ctx.stack.psql(
        'SELECT id, coalesce(corrects, 0) FROM vawg.submission '
        'WHERE id IN (%s) ORDER BY id;' % ','.join(str(int(i)) for i in ids))
    got = {}
    for line in out.splitlines():
        a, b = line.split('|')
        got[int(a)] = int(b)
    return got


def _lost(ctx, corrections, stored):
    """How many of corrections (answers) decrypt from no row of stored."""
    want = [a.expected_sealed() for a in corrections]
    have = []
    for r in stored:
        try:
            have.append(rows.decrypt(ctx, r))
        except AssertionError:
            pass
    return sum(1 for w in want if w not in have)


def _check_pair(ctx, new, first, second, ref1, ref2):
    """Two rows: the first with ref1 and its answers, the second with
    ref2, its answers, linked to the first."""
    assert len(new) == 2, ('a post and its correction (same token, phone '
                           'changed): %d rows, expected 2 (references %s)'
                           % (len(new), [r['reference'] for r in new]))
    a, b = new
    assert ref1 != ref2, ('the correction was confirmed with the first '
                          "post's reference %s" % ref1)
    for row, answers, ref, what in ((a, first, ref1, 'first post'),
                                    (b, second, ref2, 'correction')):
        probs = rows.verify_row(ctx, row, answers, ref)
        assert not probs, '%s %s: %s' % (what, ref, '; '.join(probs))
    links = _links(ctx, [a['id'], b['id']])
    assert links.get(a['id']) == 0 and links.get(b['id']) == a['id'], (
        'the correction row should name the first (corrects = %d), and the '
        'first nothing: got %r' % (a['id'], links))


def test_correction_through_the_database(ctx):
    first, second = _pair(ctx)
    tok, = ctx.tokens('referral')
    before = ctx.max_id()
    ref1, _, _ = rows.submit_valid(ctx, first, tok)
    r = ctx.post('referral', second.body(tok))
    assert r.status == 200, ('the same token with a corrected phone number: '
                             'expected the confirmation, got %s'
                             % html_checks.describe(r))
    ref2 = html_checks.find_reference(r.text)
    assert ref2 and rows.REF_RE.match(ref2), (
        'the correction\'s confirmation shows no reference: %s'
        % html_checks.describe(r))
    new = rows.new_rows(ctx, before)
    lost = _lost(ctx, [second], new)
    ctx.figure('corrections_lost', lost)
    _check_pair(ctx, new, first, second, ref1, ref2)
    assert lost == 0, 'the corrected answers are in no stored row'
    # Two confirmations of one token: test_leaks counts every one.
    ctx.confirmed[tok + '#correction'] = ref2

    # The correction sent again (a refresh), then the first answers
    # again: each its own reference, no new row.
    last = ctx.max_id()
    for answers, ref, what in ((second, ref2, 'the correction'),
                               (first, ref1, 'the first answers')):
        r = ctx.post('referral', answers.body(tok))
        got = html_checks.find_reference(r.text)
        assert r.status == 200 and got == ref, (
            '%s sent again with the same token: expected reference %s, '
            'got %s' % (what, ref, html_checks.describe(r)))
    rows.expect_no_new_row(ctx, last, 'the same answers posted again')
    ctx.figure('same_answers_same_reference', 'yes')


def test_correction_through_the_spool(ctx):
    first, second = _pair(ctx)
    tok, = ctx.tokens('referral')
    before = ctx.max_id()
    shown = []
    with _database_down(ctx):
        for answers in (first, second, second):
            p, took = _post_down(ctx, 'referral', answers, tok)
            assert p.status == 200, (
                'post while the database is down: expected the '
                'confirmation, got %s in %.1fs'
                % (html_checks.describe(p), took))
            shown.append(html_checks.find_reference(p.text))
            time.sleep(0.05)    # arrival order: file times are apart
        assert shown[2] == shown[1], (
            'the correction sent twice while the database is down showed '
            '%s, then %s' % (shown[1], shown[2]))
        recs = _records(ctx)
        ctx.figure('spool_records_post_and_correction', len(recs))
        assert len(recs) == 2, (
            'a post and its correction (same token) while the database is '
            'down: %d spool records, expected 2: %s'
            % (len(recs), [r.rsplit('/', 1)[-1] for r in recs]))
    _back_up(ctx)
    t0 = time.monotonic()
    new = []
    while time.monotonic() - t0 < REPLAY_WAIT:
        new = rows.new_rows(ctx, before)
        if len(new) >= 2 and not _records(ctx):
            break
        time.sleep(0.25)
    lost = _lost(ctx, [second], new)
    ctx.figure('corrections_lost', lost)
    _check_pair(ctx, new, first, second, shown[0], shown[1])
    assert lost == 0, 'the corrected answers are in no stored row'
    left = _records(ctx)
    failed = ctx.stack.spool_records('failed', missing_ok=True)
    assert not left and not failed, (
        'after the replay: %d records still spooled, %d in failed/'
        % (len(left), len(failed)))
    ctx.confirmed[tok] = shown[0]
    ctx.confirmed[tok + '#correction'] = shown[1]
