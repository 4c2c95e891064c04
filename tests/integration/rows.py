#!/usr/bin/env python3
"""Submission rows: read them back as the database owner, decrypt them
with vawgctl, and check a row against the answers that were posted.
The chaos run (tests/chaos/chaos.py) reads and decrypts its rows here
too."""

import json
import re
from urllib.parse import parse_qsl

import html_checks

KEY_ID_RE = re.compile(r'^[0-9a-f]{16}$')
REF_RE = re.compile(r'^[A-Z2-9]{4}-[A-Z2-9]{4}$')

ROWS_SQL = """
SELECT coalesce(json_agg(json_build_object(
  'id', s.id, 'idem', encode(s.idem_key, 'hex'), 'form', f.name,
  'sealed', encode(s.sealed, 'hex'), 'reference', s.reference,
  'plain', s.plain, 'key_id', s.key_id, 'version_id', s.version_id)
  ORDER BY s.id), '[]'::json)
FROM vawg.submission s
JOIN vawg.form_version v ON v.id = s.version_id
JOIN vawg.form f ON f.id = v.form_id
WHERE s.id > %d;
"""


def rows_after(stack, after_id, timeout=60):
    """Every row with an id above after_id, oldest first, as dicts."""
    return json.loads(stack.psql(ROWS_SQL % int(after_id), timeout=timeout))


def new_rows(ctx, after_id):
    return rows_after(ctx.stack, after_id)


def decrypt_rows(stack, rows, timeout=60):
    """vawgctl decrypt of rows: one (status, rest) pair per row, where
    rest is the urlencoded answers when status is ok."""
    if not rows:
        return []
    return stack.decrypt(['%s\t%s\t%s' % (r['idem'], r['form'], r['sealed'])
                          for r in rows], timeout=timeout)


def decrypt(ctx, row):
    """The sorted (name, value) pairs sealed in row; fails on an error."""
    out = decrypt_rows(ctx.stack, [row])
    assert len(out) == 1, ('vawgctl decrypt printed %d lines for one row'
                           % len(out))
    status, rest = out[0]
    assert status == 'ok', ('vawgctl cannot decrypt row %s (%s): %s'
                            % (row['id'], row['reference'], rest))
    return sorted(parse_qsl(rest, keep_blank_values=True))


def canaries_in(data, canaries):
    """The canaries found in data (bytes), raw or hex-encoded."""
    low = data.lower()
    hits = []
    for c in canaries:
        b = c.encode('ascii')
        if b in data or b.hex().encode('ascii') in low:
            hits.append(c)
    return hits


def plain_normal(plain):
    """A row's plain answers with checkbox lists sorted."""
    return {k: (sorted(v) if isinstance(v, list) else v)
            for k, v in (plain or {}).items()}


def verify_row(ctx, row, answers, reference, strict_sealed=True):
    """Problems with row against the answers posted and the reference
    shown; [] when it is right."""
    probs = []
    form = answers.form
    if row['form'] != form.name or row['version_id'] != form.version_id:
        probs.append('row answers %s version id %s, expected %s version id %s'
                     % (row['form'], row['version_id'], form.name,
                        form.version_id))
    if row['reference'] != reference:
        probs.append('row reference %s, page showed %s'
                     % (row['reference'], reference))
    if not KEY_ID_RE.match(row['key_id'] or ''):
        probs.append('key_id %r is not 16 hex characters' % row['key_id'])
    sealed = bytes.fromhex(row['sealed'])
    hits = canaries_in(sealed, ctx.canaries) + \
        canaries_in(row['sealed'].encode('ascii'), ctx.canaries)
    plain_txt = json.dumps(row['plain'], ensure_ascii=False).encode('utf-8')
    hits += canaries_in(plain_txt, ctx.canaries)
    if hits:
        probs.append('row %s holds canaries in clear: %s' % (row['id'], hits))
    got_plain = plain_normal(row['plain'])
    want_plain = answers.expected_plain()
    if got_plain != want_plain:
        probs.append('plain is %s, expected %s' % (
            json.dumps(got_plain, sort_keys=True),
            json.dumps(want_plain, sort_keys=True)))
    try:
        got = decrypt(ctx, row)
    except AssertionError as e:
        probs.append(str(e))
        return probs
    want = answers.expected_sealed()
    if not strict_sealed:
        got = [p for p in got if p[1] != '']
    if got != want:
        missing = [p for p in want if p not in got]
        extra = [p for p in got if p not in want]
        probs.append('sealed fields decrypt wrong: missing %r, unexpected %r'
                     % (missing, extra))
    return probs


def submit_valid(ctx, answers, token, strict_sealed=True, timeout=15):
    """Post answers with token, expect the confirmation and exactly one
    new, correct row.  Returns (reference, response, row)."""
    name = answers.form.name
    before = ctx.max_id()
    resp = ctx.post(name, answers.body(token), timeout=timeout)
    assert resp.status == 200, ('posting a valid %s answer set: expected the '
                                'confirmation (200), got %s'
                                % (name, html_checks.describe(resp)))
    ctx.check_headers(resp, 'confirmation page /%s' % name, no_store=True)
    ref = html_checks.find_reference(resp.text)
    assert ref, ('confirmation page /%s shows no reference in '
                 '<strong id="reference">: %s' % (name,
                                                   html_checks.describe(resp)))
    ctx.confirmed[token] = ref
    rows = new_rows(ctx, before)
    assert len(rows) == 1, ('after one confirmed %s post: %d new rows, '
                            'expected 1' % (name, len(rows)))
    probs = verify_row(ctx, rows[0], answers, ref, strict_sealed)
    assert not probs, '%s submission %s: %s' % (name, ref, '; '.join(probs))
    return ref, resp, rows[0]


def expect_no_new_row(ctx, before, what):
    rows = new_rows(ctx, before)
    assert not rows, ('%s stored %d row(s) (references %s); expected none'
                      % (what, len(rows), [r['reference'] for r in rows]))
