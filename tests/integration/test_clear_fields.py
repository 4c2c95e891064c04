#!/usr/bin/env python3
"""Which of the referral's answers are kept in clear (issue 14 item 11;
docs/THREAT-MODEL.md, "What each attacker can read or change").

A referral is posted with a distinctive value in every field (a canary
in each free-text field, the longest option value no other question
shares in each choice), once with the database up and once while it is
down.  The spool record's bytes and both stored rows (read as the
database owner) are searched for each field: its name as a JSON key and
its distinctive values.  The fields found must be exactly KEEP_PLAIN,
the referral's current definition must mark exactly those plain, and
the urgent notices on the confirmation must still come from what she
chose.  Then a copy of the referral's first and current versions,
answered under each, must export cell for cell (admin export and
`vawgctl export`): sealing more in a new version loses no answer.

It stops the database, so run.py runs it before the admin tests: an
admin worker whose connection the restart cut answers its next sign-in
503 (the throttle's write is not sent again when its outcome is unknown).

Figures: referral_fields_in_clear, referral_notices_shown,
referral_export_rows_missing, referral_export_cells_wrong."""

import json
import time

import html_checks
import rows
import test_dbdown
from admin_client import enrol, london_range, sign_in
from csv_export import download, neutralised, parse_strict
from forms import Answers, encode_pairs, new_canary, normalise

# The referral's fields stored and spooled in clear, by decision
# (sql/013): none.  Every answer says something about what happened to
# her or how to reach her, and the referral's counts are not an analysis
# (README, "Where data and keys live").  A form change that puts a field
# in clear again must change this list, in review.
KEEP_PLAIN = ()
COPY = 'it-referral'        # the copy of the referral's versions
REPLAY_WAIT = 15


def _option_values(form):
    """{option value: number of fields offering it}."""
    seen = {}
    for f in form.fields:
        for o in f.options:
            seen[o.value] = seen.get(o.value, 0) + 1
    return seen


def _distinctive(ctx, form):
    """(answers, {field: [needle bytes]}): every field answered; choices
    take the option with a notice if any, else the longest values no
    other field offers; each field's needles are its name as a JSON key
    and every value of it long and unique enough to be found only where
    it was written in clear."""
    shared = _option_values(form)
    a = Answers(form)
    needles = {}
    for f in form.fields:
        own = [o for o in f.options if shared[o.value] == 1]
        if f.kind in ('radio', 'select'):
            o = next((o for o in f.options if o.notice), None) or \
                max(own or f.options, key=lambda o: len(o.value))
            vals = [o.value]
        elif f.kind == 'checkboxes':
            pick = sorted(own or f.options, key=lambda o: -len(o.value))[:2]
            vals = [o.value for o in f.options if o in pick]
        elif f.kind == 'email':
            vals = [new_canary(ctx.canaries, 20).lower() + '@example.org']
        elif f.kind == 'tel':
            vals = ['07700 900%03d' % ctx.rng.randrange(1000)]
        else:
            vals = [new_canary(ctx.canaries, min(22, f.max_length))]
        a.set(f.name, vals if f.kind == 'checkboxes' else vals[0])
        needles[f.name] = [('"%s"' % f.name).encode()] + [
            v.encode() for v in vals
            if len(v) >= 6 and (not f.options or shared[v] == 1)]
    return a, needles


def _found(data, needles):
    """The fields any of whose needles is in data (bytes)."""
    return {name for name, ns in needles.items() if any(n in data for n in ns)}


def _row_in_clear(row, needles):
    """Fields of row in clear: keys of its plain answers, and any needle
    in every column but the envelope."""
    clear = dict(row)
    clear.pop('sealed', None)
    text = json.dumps(clear, ensure_ascii=False).encode('utf-8')
    return set(row['plain'] or {}) | _found(text, needles)


def _notices(form, answers, resp):
    """(shown, wanted): the notices of the options she chose, on her
    confirmation page."""
    wanted = shown = 0
    for f in form.fields:
        v = answers.values.get(f.name)
        for x in (v if isinstance(v, list) else [v]):
            o = f.option(x) if f.options else None
            if o is not None and o.notice:
                wanted += 1
                shown += html_checks.shows_text(resp.text, o.notice)
    return shown, wanted


def _spooled(ctx, form, answers, tok):
    """Posts answers while the database is down; (reference, response,
    record bytes)."""
    with test_dbdown._database_down(ctx):
        p, _ = test_dbdown._post_down(ctx, form.name, answers, tok)
        assert p.status == 200, ('a referral posted while the database is '
                                 'down: %s' % html_checks.describe(p))
        ref = html_checks.find_reference(p.text)
        recs = ctx.stack.spool_records()
        assert ref and len(recs) == 1, (
            'a referral confirmed while the database is down: reference %r, '
            '%d spool records, expected 1' % (ref, len(recs)))
        with open(recs[0], 'rb') as f:
            data = f.read()
    test_dbdown._back_up(ctx)
    return ref, p, data


def _replayed(ctx, before, ref):
    deadline = time.monotonic() + REPLAY_WAIT
    while True:
        got = [r for r in rows.new_rows(ctx, before) if r['reference'] == ref]
        if got or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert got, 'the spooled referral %s was not stored within %ds' % (
        ref, REPLAY_WAIT)
    return got[0]


def test_referral_answers_not_in_clear(ctx):
    form = ctx.form('referral')
    defined = sorted(f.name for f in form.fields if not f.sensitive)
    tok_up, tok_down = ctx.tokens('referral', 2)
    up, needles = _distinctive(ctx, form)
    down, needles_down = _distinctive(ctx, form)
    shown = wanted = 0

    ref_up, resp, row_up = rows.submit_valid(ctx, up, tok_up)
    s, w = _notices(form, up, resp)
    shown, wanted = shown + s, wanted + w
    found = _row_in_clear(row_up, needles)

    before = ctx.max_id()
    ref_down, resp, spooled = _spooled(ctx, form, down, tok_down)
    s, w = _notices(form, down, resp)
    shown, wanted = shown + s, wanted + w
    found |= _found(spooled, needles_down)
    row_down = _replayed(ctx, before, ref_down)
    ctx.confirmed[tok_down] = ref_down
    probs = rows.verify_row(ctx, row_down, down, ref_down)
    found |= _row_in_clear(row_down, needles_down)

    ctx.figure('referral_fields_in_clear', '%d of %d' % (len(found),
                                                         len(form.fields)))
    ctx.figure('referral_notices_shown', '%d of %d' % (shown, wanted))
    assert not probs, 'the replayed referral %s: %s' % (ref_down,
                                                       '; '.join(probs))
    assert sorted(found) == sorted(KEEP_PLAIN), (
        'referral fields found in clear in the spool record or the rows: '
        '%s; expected only %s' % (sorted(found), list(KEEP_PLAIN)))
    assert defined == sorted(KEEP_PLAIN), (
        'the referral\'s current version keeps %s plain, expected only %s'
        % (defined, list(KEEP_PLAIN)))
    assert wanted and shown == wanted, (
        'the confirmations showed %d of the %d notices her answers bring'
        % (shown, wanted))


def _copy_sql(src_version, version):
    """SQL giving COPY a version `version` that is the referral's version
    src_version, field for field and option for option."""
    src = ("(SELECT v.id FROM vawg.form_version v JOIN vawg.form f ON "
           "f.id = v.form_id WHERE f.name = 'referral' AND v.version = %d)"
           % src_version)
    dst = ("(SELECT v.id FROM vawg.form_version v JOIN vawg.form f ON "
           "f.id = v.form_id WHERE f.name = '%s' AND v.version = %d)"
           % (COPY, version))
    return (
        "INSERT INTO vawg.form_version (form_id, version) SELECT id, %d "
        "FROM vawg.form WHERE name = '%s';\n"
        "INSERT INTO vawg.form_field (version_id, position, name, kind, "
        "section, label, hint, required, max_length, sensitive) SELECT %s, "
        "position, name, kind, section, label, hint, required, max_length, "
        "sensitive FROM vawg.form_field WHERE version_id = %s;\n"
        "INSERT INTO vawg.form_option (version_id, field_name, position, "
        "value, label, hint, notice) SELECT %s, field_name, position, value, "
        "label, hint, notice FROM vawg.form_option WHERE version_id = %s;"
        % (version, COPY, dst, src, dst, src))


def _post_copy(ctx, form):
    """One post of distinctive answers to COPY; (reference, answers)."""
    r = ctx.http.get('/' + COPY)
    assert r.status == 200, 'GET /%s: %s' % (COPY, html_checks.describe(r))
    tok = html_checks.Page(r.text).token
    time.sleep(1.2)
    a, _ = _distinctive(ctx, form)
    r = ctx.post(COPY, encode_pairs([('_token', tok), ('_homepage', '')] +
                                    a.pairs()))
    ref = html_checks.find_reference(r.text)
    assert r.status == 200 and ref, 'posting to /%s: %s' % (
        COPY, html_checks.describe(r))
    ctx.confirmed[tok] = ref
    return ref, a


def _want_row(form, a):
    """The decrypted export's answer cells for answers a."""
    out = []
    for f in form.fields:
        v = a.values.get(f.name)
        vals = [normalise(f.kind, x) for x in
                (v if isinstance(v, list) else [v])]
        if f.options:
            vals = [f.option(x).label for x in vals]
        out.append(neutralised('; '.join(vals)))
    return out


def _check_export(recs, form, labels, sent, what):
    """(rows missing, problems) of a decrypted export of COPY, whose
    questions are labels."""
    probs = []
    want_head = ['Reference', 'Submitted (London time)', 'Form version'] + \
        labels + ['Decryption']
    if recs[0] != want_head:
        return len(sent), ['%s: header %r, expected %r' % (
            what, recs[0], want_head)]
    by_ref = {r[0]: r for r in recs[1:]}
    missing = 0
    for ref, (v, a) in sorted(sent.items()):
        row = by_ref.get(ref)
        if row is None:
            missing += 1
            probs.append('%s: %s (v%d) is not in the export' % (what, ref, v))
            continue
        want = [str(v)] + _want_row(form, a) + ['ok']
        got = [row[2]] + row[3:]
        for k, (g, w) in enumerate(zip(got, want)):
            if g != w:
                probs.append('%s: %s (v%d) cell %d is %r, expected %r' % (
                    what, ref, v, k, g[:80], w[:80]))
    return missing, probs


def test_referral_export_across_the_sealing(ctx):
    """The referral's first version and its current one, copied to a form
    of the test's own (the public pool restarted for each), answered
    under each and exported: every cell as posted."""
    form = ctx.form('referral')
    current = int(ctx.stack.psql(
        "SELECT c.version FROM vawg.form_current c JOIN vawg.form f ON "
        "f.id = c.form_id WHERE f.name = 'referral';"))
    assert current > 1, ('the referral has one version: no version seals '
                         'what version 1 kept in clear')
    ctx.stack.psql("INSERT INTO vawg.form (name, title, summary) VALUES "
                   "('%s', 'Referral copy', 'The referral, copied');" % COPY)
    sent = {}
    for v, src in ((1, 1), (2, current)):
        ctx.stack.psql(_copy_sql(src, v))
        ctx.stack.restart('public')
        for _ in range(2):
            ref, a = _post_copy(ctx, form)
            sent[ref] = (v, a)
    labels = json.loads(ctx.stack.psql(
        "SELECT json_agg(ff.label ORDER BY ff.position) FROM vawg.form_field "
        "ff JOIN vawg.form_current c ON c.version_id = ff.version_id JOIN "
        "vawg.form f ON f.id = c.form_id WHERE f.name = '%s';" % COPY))
    adm = sign_in(ctx, enrol(ctx, 'it-clear'))
    missing, probs = _check_export(parse_strict(download(ctx, adm,
                                                         COPY).body),
                                   form, labels, sent, 'the admin export')
    frm, to = london_range()
    rc, out, err = ctx.stack.vawgctl(['export', '--form', COPY, '--from',
                                      frm, '--to', to, '--db',
                                      ctx.stack.owner_db()] +
                                     ctx.stack.keys_args())
    if rc != 0:
        probs.append('vawgctl export exited %d: %s' % (rc, err[:200]))
    else:
        m, p = _check_export(parse_strict(out), form, labels, sent,
                             'vawgctl export')
        missing += m
        probs += p
    ctx.figure('referral_export_rows_missing', missing)
    ctx.figure('referral_export_cells_wrong', len(probs))
    assert not probs, '; '.join(probs[:8])
