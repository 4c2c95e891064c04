#!/usr/bin/env python3
"""The CSV exports as the admin tests read them: strictly (RFC 4180 as
the writer promises it: a BOM, every cell quoted, CRLF), the headers of
the answer, and row by row against what was posted and what the database
holds, in the three shapes an export takes: 'decrypted' (the admin pool's
export), 'sealed' (the same with no secret key: envelopes, no answers)
and 'offline' (`vawgctl decrypt-export` of a sealed one).  Reads the
database as its owner; changes nothing."""

import csv
import io
import json
import re

import html_checks
import rows
from admin_client import export_query
from forms import CHOICE_KINDS, normalise

STARTERS = '=+-@\t\r\n\0'
BOM = b'\xef\xbb\xbf'
# The record that ends every whole export (cgi-src/lib/export.h).
TRAILER_RE = re.compile(r'^# end of export: (\d+) rows$')

LABELS_SQL = """
SELECT json_object_agg(f.name, (
  SELECT json_agg(json_build_object('name', ff.name, 'label', ff.label,
    'options', (SELECT coalesce(json_object_agg(o.value, o.label), '{}'::json)
                FROM vawg.form_option o
                WHERE o.version_id = ff.version_id
                  AND o.field_name = ff.name))
    ORDER BY ff.position)
  FROM vawg.form_field ff WHERE ff.version_id = c.version_id))
FROM vawg.form f JOIN vawg.form_current c ON c.form_id = f.id;
"""


def labels(ctx):
    """{form: [{'name', 'label', 'options': {value: label}}]}, read once."""
    if getattr(ctx, 'admin_labels', None) is None:
        ctx.admin_labels = json.loads(ctx.stack.psql(LABELS_SQL))
    return ctx.admin_labels


# Unicode bidirectional controls: each written as the text [U+XXXX].
BIDI = tuple(chr(c) for c in list(range(0x202a, 0x202f)) +
             list(range(0x2066, 0x206a)) + [0x200e, 0x200f, 0x061c])


def bidi_shown(text):
    """text with each bidirectional control as the export shows it."""
    return ''.join('[U+%04X]' % ord(ch) if ch in BIDI else ch
                   for ch in text)


def neutralised(cell):
    """The cell as the export must write it: an apostrophe first before a
    formula starter, and before apostrophes that precede one (so that
    "'=1" stays distinguishable from a neutralised "=1"); every
    bidirectional control as [U+XXXX]."""
    bare = cell.lstrip("'")
    cell = bidi_shown(cell)
    return "'" + cell if bare and bare[0] in STARTERS else cell


def trailer_rows(rec):
    """The rows an end-of-export record announces, or None if rec is not
    one (its first cell '# end of export: N rows', every other empty)."""
    m = TRAILER_RE.match(rec[0]) if rec else None
    if m is None or any(c != '' for c in rec[1:]):
        return None
    return int(m.group(1))


def parse_strict(data, trailer=True):
    """Records of a CSV export, checked strictly: UTF-8 with a BOM, every
    cell quoted, quotes doubled, every record ending in CRLF, and (trailer)
    the last record the end-of-export line, as wide as the header, giving
    the number of data rows; it is checked and left off.  Raises
    AssertionError saying where it is not so."""
    assert data.startswith(BOM), 'the CSV does not start with the UTF-8 ' \
        'byte-order mark (first bytes %r)' % data[:8]
    text = data[len(BOM):].decode('utf-8')
    recs, rec, i, n = [], [], 0, len(text)
    while i < n:
        assert text[i] == '"', 'cell %d of record %d is not quoted (at ' \
            'character %d: %r)' % (len(rec) + 1, len(recs) + 1, i,
                                   text[i:i + 20])
        i += 1
        cell = []
        while True:
            j = text.find('"', i)
            assert j >= 0, 'record %d: a quoted cell never ends' % (
                len(recs) + 1)
            cell.append(text[i:j])
            if text.startswith('""', j):
                cell.append('"')
                i = j + 2
                continue
            i = j + 1
            break
        rec.append(''.join(cell))
        if text.startswith(',', i):
            i += 1
        elif text.startswith('\r\n', i):
            recs.append(rec)
            rec = []
            i += 2
        else:
            raise AssertionError('record %d: after cell %d comes %r, not a '
                                 'comma or CRLF' % (len(recs) + 1, len(rec),
                                                   text[i:i + 10]))
    assert not rec, 'the last record does not end in CRLF'
    # Python's own reader must see exactly the same.
    theirs = list(csv.reader(io.StringIO(text, newline=''), strict=True))
    assert theirs == recs, "Python's csv module reads the export " \
        'differently from the strict reading'
    if not trailer:
        return recs
    n = trailer_rows(recs[-1]) if len(recs) >= 2 else None
    assert n is not None, 'the export does not end with the end-of-export ' \
        'line (last record %r)' % ([c[:40] for c in recs[-1][:3]],)
    assert len(recs[-1]) == len(recs[0]), 'the end-of-export line has %d ' \
        'cells, the header %d' % (len(recs[-1]), len(recs[0]))
    assert n == len(recs) - 2, 'the end-of-export line says %d rows, the ' \
        'file holds %d' % (n, len(recs) - 2)
    assert all(trailer_rows(r) is None for r in recs[1:-1]), \
        'an end-of-export line before the end'
    return recs[:-1]


def formula_cells(recs):
    """Cells a spreadsheet would run: those starting with a starter."""
    return [(i, j, c) for i, r in enumerate(recs) for j, c in enumerate(r)
            if c and c[0] in STARTERS]


def check_csv_response(r, what):
    assert r.status == 200, '%s: expected 200 and a CSV, got %s' % (
        what, html_checks.describe(r))
    ct = (r.header('Content-Type') or '').replace(' ', '').lower()
    assert ct == 'text/csv;charset=utf-8', '%s: Content-Type %r' % (
        what, r.header('Content-Type'))
    cd = r.header('Content-Disposition') or ''
    assert re.match(r'^attachment;\s*filename="[a-z0-9-]+\.csv"$', cd), (
        '%s: Content-Disposition %r, expected an attachment with a plain '
        'file name' % (what, cd))
    cc = ','.join(r.header_all('Cache-Control')).lower()
    assert 'no-store' in [t.strip() for t in cc.split(',')], (
        '%s: Cache-Control %r, expected no-store' % (what, cc))
    assert (r.header('X-Content-Type-Options') or '').lower() == 'nosniff', \
        '%s: no X-Content-Type-Options: nosniff' % what
    assert not r.header_all('Set-Cookie'), '%s sets a cookie' % what


def export_body(admin, form, frm=None, to=None):
    """The body of an export's POST: its fields and the CSRF token."""
    return ('%s&_csrf=%s' % (export_query(form, frm, to),
                             admin.csrf())).encode()


def download(ctx, admin, form, frm=None, to=None):
    """POST /admin/export of form as admin; fails unless it is a CSV."""
    q = export_query(form, frm, to)
    r = admin.post('/admin/export', export_body(admin, form, frm, to),
                   timeout=120)
    check_csv_response(r, 'POST /admin/export ' + q)
    return r


def export_count(ctx, form, frm, to):
    """Rows of form stored from London day frm to day to, both included."""
    return int(ctx.stack.psql(
        "SELECT count(*) FROM vawg.submission s JOIN vawg.form_version v ON "
        "v.id = s.version_id JOIN vawg.form f ON f.id = v.form_id WHERE "
        "f.name = '%s' AND s.created_at >= ('%s'::date::timestamp AT TIME "
        "ZONE 'Europe/London') AND s.created_at < (('%s'::date + 1)::"
        "timestamp AT TIME ZONE 'Europe/London');" % (form, frm, to)))


def db_rows(ctx, refs):
    """DB facts about the rows with these references, by reference."""
    if not refs:
        return {}
    lst = ','.join("'%s'" % r for r in refs if rows.REF_RE.match(r))
    out = ctx.stack.psql(
        "SELECT coalesce(json_agg(json_build_object('ref', s.reference, "
        "'plain', s.plain, 'key_id', s.key_id, 'idem', encode(s.idem_key, "
        "'hex'), 'sealed', encode(s.sealed, 'hex'), 'created', "
        "to_char(s.created_at AT TIME ZONE 'Europe/London', "
        "'YYYY-MM-DD HH24:MI:SS'))), '[]'::json) FROM vawg.submission s "
        "WHERE s.reference IN (%s);" % lst)
    return {d['ref']: d for d in json.loads(out)}


def expected_cells(ctx, answers, db, mode):
    """{field name: cell text} for one submission in an export of this
    mode ('decrypted', 'sealed' or 'offline')."""
    form = answers.form
    labs = {d['name']: d for d in labels(ctx)[form.name]}
    out = {}
    for f in form.fields:
        opts = labs[f.name]['options']
        if not f.sensitive:
            v = db['plain'].get(f.name)
            vals = v if isinstance(v, list) else ([] if v is None else [v])
            cell = '; '.join(opts.get(x, x) for x in vals)
        elif mode == 'sealed':
            cell = ''
        else:
            v = answers.values.get(f.name)
            vals = v if isinstance(v, list) else ([] if v is None else [v])
            vals = [normalise(f.kind, x) for x in vals]
            vals = [x for x in vals if x]
            if mode == 'decrypted' and f.kind in CHOICE_KINDS:
                vals = [opts.get(x, x) for x in vals]
            cell = '; '.join(vals)
        out[f.name] = neutralised(cell)
    return out


def _want_head(labs, mode):
    fixed = ['Reference', 'Submitted (London time)', 'Form version']
    if mode == 'decrypted':
        return fixed + [d['label'] for d in labs] + ['Decryption']
    if mode == 'sealed':
        return fixed + [d['name'] for d in labs] + \
            ['form', 'idem_key', 'envelope']
    return fixed + [d['name'] for d in labs] + ['Decryption']


def _compare_row(ctx, form, ref, a, row, d, mode):
    """Problems, and (neutralised, starters) counts, for one exported row
    against the answers a posted and the database facts d."""
    probs = []
    neut = starters = 0
    if row[1] != d['created'] or row[2] != '1':
        probs.append('%s: time/version %r %r, expected %r 1' % (
            ref, row[1], row[2], d['created']))
    want = expected_cells(ctx, a, d, mode)
    for k, f in enumerate(form.fields):
        cell = row[3 + k]
        if cell != want[f.name]:
            probs.append('%s %s field %s: cell %r, expected %r' % (
                form.name, ref, f.name, cell[:120], want[f.name][:120]))
        raw = a.values.get(f.name)
        if f.sensitive and isinstance(raw, str) and mode != 'sealed' \
                and f.kind not in CHOICE_KINDS:
            raw = normalise(f.kind, raw)
            if raw and raw[0] in STARTERS:
                starters += 1
                neut += cell == "'" + raw
    tail = row[3 + len(form.fields):]
    if mode == 'sealed':
        if tail != [form.name, d['idem'], d['sealed']]:
            probs.append('%s: form/idem_key/envelope cells %r do not '
                         'match the row' % (ref, [t[:40] for t in tail]))
    elif tail != ['ok']:
        probs.append('%s: Decryption cell %r, expected ok' % (ref, tail))
    return probs, neut, starters


def compare_export(ctx, recs, form_name, sent, mode):
    """Problems, and (neutralised, starters) counts, for the rows of sent
    that belong to form_name, in an export's records."""
    form = ctx.form(form_name)
    head = recs[0]
    want_head = _want_head(labels(ctx)[form_name], mode)
    if head != want_head:
        return ['%s %s export header %r, expected %r' % (
            form_name, mode, head, want_head)], 0, 0
    probs = []
    by_ref = {}
    for r in recs[1:]:
        if len(r) != len(head):
            probs.append('a row has %d cells, the header %d' % (len(r),
                                                                len(head)))
            continue
        by_ref.setdefault(r[0], []).append(r)
    mine = {ref: a for ref, a in sent.items() if a.form.name == form_name}
    db = db_rows(ctx, list(mine))
    neut = starters = 0
    for ref, a in sorted(mine.items()):
        got = by_ref.get(ref, [])
        if len(got) != 1:
            probs.append('%s %s appears %d times in the %s export' % (
                form_name, ref, len(got), mode))
            continue
        if db.get(ref) is None:
            probs.append('%s is not in the database' % ref)
            continue
        p, k, s = _compare_row(ctx, form, ref, a, got[0], db[ref], mode)
        probs += p
        neut += k
        starters += s
    return probs, neut, starters
