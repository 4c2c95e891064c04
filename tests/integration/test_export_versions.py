#!/usr/bin/env python3
"""Exports across form versions, and exports that must not lie (issue 14
items 7 and 8; docs/THREAT-MODEL.md threats 9 and 21).

A form of its own, it-versions, gets three versions after the admin pool
started (only the public pool is restarted to serve each): v1 seals the
choice "colour", v2 answers it in plain, v3 seals it again and renames
"phone" to "telephone".  Answers posted under each version must come out
of the admin export and of `vawgctl export` cell for cell, each row read
by its own version, blank only where its version did not ask.  Then: the
trailer's count; an export cut halfway (its database backend terminated
while the client reads slowly) is seen by the client as failed and its
audit row holds the rows that went; GET and HEAD are refused and not
audited; a POST without the CSRF token is refused.

Figures: export_rows_missing, export_cells_blank, export_cells_wrong,
export_versions_in_file, export_cut_rows_received,
export_cut_rows_audited, export_cut_complete_looking,
export_get_head_refused."""

import re
import socket
import time

import html_checks
from admin_client import audit_max, audit_rows, enrol, export_query, \
    london_range, sign_in
from csv_export import download, export_body, parse_strict
from forms import encode_pairs

FORM = 'it-versions'
COLOURS = {'red': 'Red, as asked in v%d', 'blue': 'Blue, as asked in v%d'}
AREAS = {'north': 'North (v%d)', 'south': 'South (v%d)'}
# Per version: (name, kind, sealed) in order; "colour" and "area" are
# choices with the options above, the rest free text.
VERSIONS = {
    1: [('colour', 'radio', True), ('phone', 'tel', True),
        ('area', 'select', False)],
    2: [('colour', 'radio', False), ('phone', 'tel', True),
        ('area', 'select', False)],
    3: [('colour', 'radio', True), ('telephone', 'tel', True),
        ('area', 'select', False)],
}
PER_VERSION = 2
BULK = 3000                 # rows of 10 kB for the cut-off export
BULK_REF = 'BULK-RWS2'


def _sql_version(v):
    fields = VERSIONS[v]
    out = ["INSERT INTO vawg.form_version (form_id, version) SELECT id, %d "
           "FROM vawg.form WHERE name = '%s';" % (v, FORM)]
    ver = ("(SELECT v.id FROM vawg.form_version v JOIN vawg.form f ON "
           "f.id = v.form_id WHERE f.name = '%s' AND v.version = %d)"
           % (FORM, v))
    for pos, (name, kind, sealed) in enumerate(fields, 1):
        out.append("INSERT INTO vawg.form_field (version_id, position, name, "
                   "kind, label, required, max_length, sensitive) VALUES "
                   "(%s, %d, '%s', '%s', '%s in v%d', true, 40, %s);"
                   % (ver, pos, name, kind, name.capitalize(), v,
                      'true' if sealed else 'false'))
        opts = COLOURS if name == 'colour' else AREAS if name == 'area' \
            else {}
        for k, (val, label) in enumerate(sorted(opts.items()), 1):
            out.append("INSERT INTO vawg.form_option (version_id, "
                       "field_name, position, value, label) VALUES (%s, "
                       "'%s', %d, '%s', '%s');" % (ver, name, k, val,
                                                   label % v))
    return '\n'.join(out)


def _label(name, v):
    return '%s in v%d' % (name.capitalize(), v)


def _post_under(ctx, v, n):
    """n posts to the form's version v; {reference: (v, answers)}."""
    sent = {}
    for i in range(n):
        r = ctx.http.get('/' + FORM)
        assert r.status == 200, 'GET /%s (version %d): %s' % (
            FORM, v, html_checks.describe(r))
        tok = html_checks.Page(r.text).token
        assert tok, 'the %s page has no _token' % FORM
        time.sleep(1.2)
        ans = {}
        for name, kind, _ in VERSIONS[v]:
            if name == 'colour':
                ans[name] = ('red', 'blue')[i % 2]
            elif name == 'area':
                ans[name] = ('south', 'north')[i % 2]
            else:
                ans[name] = '020 7946 %04d' % (100 * v + i)
        body = encode_pairs([('_token', tok), ('_homepage', '')] +
                            sorted(ans.items()))
        r = ctx.post(FORM, body)
        ref = html_checks.find_reference(r.text)
        assert r.status == 200 and ref, 'posting to %s v%d: %s' % (
            FORM, v, html_checks.describe(r))
        ctx.confirmed[tok] = ref
        sent[ref] = (v, ans)
    return sent


def _make_versions(ctx):
    """The form and its three versions, each answered PER_VERSION times;
    {reference: (version, answers)}, made once per run."""
    if getattr(ctx, 'versions_sent', None) is not None:
        return ctx.versions_sent
    assert not getattr(ctx, 'versions_tried', False), \
        'making the %s versions failed in an earlier test' % FORM
    ctx.versions_tried = True
    ctx.stack.psql("INSERT INTO vawg.form (name, title, summary) VALUES "
                   "('%s', 'Versions test', 'A form with three versions');"
                   % FORM)
    sent = {}
    for v in (1, 2, 3):
        ctx.stack.psql(_sql_version(v))
        ctx.stack.restart('public')     # the admin pool is left as it was
        sent.update(_post_under(ctx, v, PER_VERSION))
    ctx.versions_sent = sent
    return sent


def _want_cell(name, v, ans):
    """The cell a decrypted export must show for field name in a row of
    version v answered ans: the option's label as v asked it, the text as
    sent, blank only where v had no such field."""
    if name not in ans:
        return ''
    val = ans[name]
    if name == 'colour':
        return COLOURS[val] % v
    if name == 'area':
        return AREAS[val] % v
    return val


def _check_rows(recs, sent, what):
    """(rows missing, cells blank, problems) of a decrypted export."""
    head = recs[0]
    names = ['colour', 'phone', 'area', 'telephone']
    want_head = ['Reference', 'Submitted (London time)', 'Form version'] + \
        [_label(n, 2 if n == 'phone' else 3) for n in names] + ['Decryption']
    probs = []
    if head != want_head:
        probs.append('%s: header %r, expected %r' % (what, head, want_head))
        return len(sent), 0, probs
    by_ref = {r[0]: r for r in recs[1:]}
    missing = blank = 0
    for ref, (v, ans) in sorted(sent.items()):
        row = by_ref.get(ref)
        if row is None:
            missing += 1
            probs.append('%s: %s (v%d) is not in the export' % (what, ref, v))
            continue
        if row[2] != str(v) or row[-1] != 'ok':
            probs.append('%s: %s version %r status %r, expected %d ok' % (
                what, ref, row[2], row[-1], v))
        for k, n in enumerate(names):
            got, want = row[3 + k], _want_cell(n, v, ans)
            if got == '' and want != '':
                blank += 1
            if got != want:
                probs.append('%s: %s (v%d) %s is %r, expected %r' % (
                    what, ref, v, n, got, want))
    return missing, blank, probs


def test_export_reads_each_row_by_its_version(ctx):
    sent = _make_versions(ctx)
    a = sign_in(ctx, enrol(ctx, 'it-versions'))
    frm, to = london_range()
    recs = parse_strict(download(ctx, a, FORM).body)
    missing, blank, probs = _check_rows(recs, sent, 'the admin export')
    rc, out, err = ctx.stack.vawgctl(['export', '--form', FORM, '--from', frm,
                                      '--to', to, '--db',
                                      ctx.stack.owner_db()] +
                                     ctx.stack.keys_args())
    if rc != 0:
        probs.append('vawgctl export exited %d: %s' % (rc, err[:200]))
    else:
        m2, b2, p2 = _check_rows(parse_strict(out), sent, 'vawgctl export')
        missing += m2
        blank += b2
        probs += p2
    ctx.figure('export_versions_in_file', len({r[2] for r in recs[1:]}))
    ctx.figure('export_rows_missing', missing)
    ctx.figure('export_cells_blank', blank)
    ctx.figure('export_cells_wrong', len(probs))
    assert not probs, '; '.join(probs[:8])


def test_export_refuses_get_head_and_no_token(ctx):
    _make_versions(ctx)
    a = sign_in(ctx, enrol(ctx, 'it-versions-get'))
    q = export_query(FORM)
    before = audit_max(ctx)
    probs = []
    refused = 0
    for method in ('GET', 'HEAD'):
        r = a.http.request(method, '/admin/export?' + q,
                           headers=a._headers())
        allow = r.header('Allow') or ''
        if r.status == 405 and allow.replace(' ', '') == 'POST':
            refused += 1
        else:
            probs.append('%s /admin/export: %s (Allow %r), expected 405 '
                         'with Allow: POST' % (method,
                                               html_checks.describe(r),
                                               allow))
    ctx.figure('export_get_head_refused', '%d of 2' % refused)
    for label, body in (('no _csrf', q),
                        ('a wrong _csrf', q + '&_csrf=' + 'A' * 43)):
        r = a.post('/admin/export', body)
        if r.status != 403 or r.body.startswith(b'\xef\xbb\xbf'):
            probs.append('POST /admin/export with %s: %s, expected 403' % (
                label, html_checks.describe(r)))
    aud = audit_rows(ctx, before, 'export')
    if aud:
        probs.append('refused exports wrote audit rows %r' % aud)
    assert not probs, '; '.join(probs)


def _bulk_rows(ctx, n):
    """n rows of 10 kB each in the form's newest version, after the rest
    (their envelopes belong to another row: they say so, and do not
    open)."""
    ctx.stack.psql(
        "INSERT INTO vawg.submission (version_id, idem_key, reference, "
        "plain, sealed, key_id) SELECT s.version_id, decode(md5(g::text || "
        "'bulk'), 'hex'), '%s', jsonb_build_object('area', repeat('x', "
        "10000)), s.sealed, s.key_id FROM generate_series(1, %d) g, (SELECT "
        "* FROM vawg.submission s JOIN vawg.form_version v ON v.id = "
        "s.version_id JOIN vawg.form f ON f.id = v.form_id WHERE f.name = "
        "'%s' ORDER BY s.id DESC LIMIT 1) s;" % (BULK_REF, n, FORM))


def _slow_export(ctx, a, terminate):
    """POSTs the export on a socket with a small receive buffer, reads a
    little, lets the pipes fill, calls terminate(), then reads the rest.
    Returns (head text, body bytes dechunked, complete) where complete
    says the chunked body ended with its last chunk."""
    body = export_body(a, FORM)
    req = ('POST /admin/export HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s\r\n'
           'Content-Type: application/x-www-form-urlencoded\r\n'
           'Content-Length: %d\r\nX-Forwarded-For: 192.0.2.1\r\n'
           'Connection: close\r\n\r\n' % (a.cookie, len(body))).encode() + \
        body
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(120)
    s.connect(('127.0.0.1', ctx.stack.port))
    data = b''
    try:
        s.sendall(req)
        while len(data) < 65536:
            b = s.recv(4096)
            if not b:
                break
            data += b
        time.sleep(3)           # the worker blocks on a full pipe
        terminate()
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
            time.sleep(0.001)
    except (ConnectionResetError, socket.timeout):
        pass
    finally:
        s.close()
    head, _, raw = data.partition(b'\r\n\r\n')
    out, pos, complete = bytearray(), 0, False
    while True:
        eol = raw.find(b'\r\n', pos)
        if eol < 0:
            break
        size = int(raw[pos:eol].split(b';')[0] or b'0', 16)
        if size == 0:
            complete = raw[eol:eol + 4] == b'\r\n\r\n'
            break
        out += raw[eol + 2:eol + 2 + size]
        pos = eol + 2 + size + 2
        if pos > len(raw):
            break
    return head.decode('latin-1'), bytes(out), complete


def test_export_cut_halfway_is_seen_and_audited(ctx):
    sent = _make_versions(ctx)
    a = sign_in(ctx, enrol(ctx, 'it-versions-cut'))
    _bulk_rows(ctx, BULK)
    killed = []

    def terminate():
        killed.append(ctx.stack.psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE usename = 'vawg_admin' AND state = 'active' AND query "
            "LIKE 'SELECT s.version_id%';"))
    try:
        before = audit_max(ctx)
        head, body, complete = _slow_export(ctx, a, terminate)
        aud = audit_rows(ctx, before, 'export')
    finally:
        ctx.stack.psql("DELETE FROM vawg.submission WHERE reference = '%s';"
                       % BULK_REF)
    total = len(sent) + BULK
    assert head.startswith('HTTP/1.1 200') and 'chunked' in head.lower(), (
        'the slow export began %r' % head[:200])
    assert killed == ['1'], 'terminated %r export backends, not 1' % killed
    text = body.decode('utf-8', 'replace')
    got = max(text.count('\r\n') - 1, 0)
    trailer = re.search(r'# end of export: \d+ rows', text)
    ctx.figure('export_cut_rows_received', got)
    ctx.figure('export_cut_complete_looking', int(complete))
    assert not complete and not trailer, (
        'an export cut after %d of %d rows looks whole to the client '
        '(last chunk %s, trailer %s)' % (got, total, complete, bool(trailer)))
    assert len(aud) == 2 and aud[0]['rows'] == total, (
        'audit rows of the cut export %r: expected one of %d rows before it '
        'and one after with the rows sent' % (aud, total))
    ctx.figure('export_cut_rows_audited', aud[1]['rows'])
    assert got <= aud[1]['rows'] < total and 'cut short' in \
        aud[1]['detail'], ('the cut export: client received %d rows, audit '
                          'says %r of %d' % (got, aud[1], total))
    # The pool is not left broken: the next export is whole.
    recs = parse_strict(download(ctx, a, FORM).body)
    assert len(recs) - 1 == len(sent), 'after the cut, an export holds %d ' \
        'rows, expected %d' % (len(recs) - 1, len(sent))
