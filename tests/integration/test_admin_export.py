#!/usr/bin/env python3
"""The streamed CSV export (issue 3; docs/THREAT-MODEL.md threats 6, 8,
15 and 18): decrypted by the admin pool, with every formula cell
neutralised and every hostile answer as posted; its date range in whole
London days; refused parameters; the export sealed when the pool holds
no secret key, and opened offline by `vawgctl decrypt-export`, which
reports a tampered row and a wrong passphrase clearly.  Every export is
audited.

Figures: export_rows_<form>, export_cells_checked,
formula_cells_neutralised (k of k), formula_cells_in_export,
export_mismatches, nginx_temp_files_after_export, export_bad_params_400,
sealed_export_canary_hits, sealed_rows_decrypted_offline,
sealed_round_trip_mismatches, tampered_rows_reported."""

import os

import html_checks
import rows
from admin_client import audit_max, audit_rows, enrol, london_range, \
    restart_admin, sign_in, wrong_passphrase
from csv_export import BIDI, BOM, bidi_shown, compare_export, download, \
    export_count, formula_cells, parse_strict
from export_answers import ensure_submissions, submit
from forms import new_canary


def test_admin_export_decrypted(ctx):
    sent = ensure_submissions(ctx)
    a = sign_in(ctx, enrol(ctx, 'it-export'))
    frm, to = london_range()
    probs = []
    neut = starters = formulas = cells = 0
    for name in ('consultation', 'referral'):
        before = audit_max(ctx)
        r = download(ctx, a, name)
        recs = parse_strict(r.body)
        cells += sum(len(x) for x in recs)
        f = formula_cells(recs)
        formulas += len(f)
        if f:
            probs.append('%s: %d cells would run as formulas, first %r'
                         % (name, len(f), f[0]))
        want_rows = export_count(ctx, name, frm, to)
        if len(recs) - 1 != want_rows:
            probs.append('%s: %d data rows, the database holds %d in the '
                         'range' % (name, len(recs) - 1, want_rows))
        p, k, s = compare_export(ctx, recs, name, sent, 'decrypted')
        probs += p
        neut += k
        starters += s
        aud = audit_rows(ctx, before, 'export')
        if len(aud) != 1 or aud[0]['actor'] != a.name or \
                aud[0]['form'] != name or aud[0]['from'] != frm or \
                aud[0]['to'] != to or aud[0]['rows'] != len(recs) - 1:
            probs.append('%s: audit rows %r, expected one export by %s of '
                         '%s %s..%s with %d rows' % (
                             name, aud, a.name, name, frm, to,
                             len(recs) - 1))
        ctx.figure('export_rows_%s' % name, len(recs) - 1)
    mismatches = len([p for p in probs if 'cell' in p])
    ctx.figure('export_cells_checked', cells)
    ctx.figure('formula_cells_neutralised', '%d of %d' % (neut, starters))
    ctx.figure('formula_cells_in_export', formulas)
    ctx.figure('export_mismatches', mismatches)
    assert starters > 0, 'no submitted value started with a formula starter'
    # Nothing was buffered to nginx's temporary files.
    tmp = os.path.join(ctx.stack.nginx_dir, 'tmp')
    left = [os.path.join(d, n) for d, _, ns in os.walk(tmp) for n in ns]
    ctx.figure('nginx_temp_files_after_export', len(left))
    probs += ['nginx kept a temporary file %s' % x for x in left]
    # The dashboard lists the download.
    d = a.get('/admin/')
    if a.name not in d.text:
        probs.append('the dashboard does not list the export by %s'
                     % a.name)
    assert not probs, '; '.join(probs[:12])


def test_admin_export_range_is_london_days(ctx):
    """from and to are whole days in London, both included: a row stored
    at 23:30 UTC on 30 June (00:30 on 1 July in London, summer time) is
    in 1 July's export and not in 30 June's."""
    sent = ensure_submissions(ctx)
    ref = sorted(r for r, a in sent.items() if a.form.name == 'referral')[0]
    was = ctx.stack.psql("SELECT created_at FROM vawg.submission WHERE "
                         "reference = '%s';" % ref)
    a = sign_in(ctx, enrol(ctx, 'it-range'))
    try:
        ctx.stack.psql("UPDATE vawg.submission SET created_at = "
                       "'2025-06-30 23:30:00+00' WHERE reference = '%s';"
                       % ref)
        got = {}
        for day in ('2025-06-30', '2025-07-01'):
            recs = parse_strict(download(ctx, a, 'referral', day, day).body)
            got[day] = [x for x in recs[1:] if x[0] == ref]
        assert not got['2025-06-30'] and len(got['2025-07-01']) == 1 and \
            got['2025-07-01'][0][1] == '2025-07-01 00:30:00', (
                'a row stored at 2025-06-30 23:30 UTC: in the 30 June export '
                '%d times, in the 1 July export as %r' % (
                    len(got['2025-06-30']),
                    [x[:2] for x in got['2025-07-01']]))
    finally:
        ctx.stack.psql("UPDATE vawg.submission SET created_at = '%s' WHERE "
                       "reference = '%s';" % (was, ref))
    # A range with no rows: the header alone, and audited with 0 rows.
    before = audit_max(ctx)
    recs = parse_strict(download(ctx, a, 'consultation', '2000-01-01',
                                 '2000-01-31').body)
    assert len(recs) == 1, 'an export of January 2000 has %d data rows' % (
        len(recs) - 1)
    aud = audit_rows(ctx, before, 'export')
    assert len(aud) == 1 and aud[0]['rows'] == 0, (
        'the empty export is audited as %r' % aud)


def test_admin_export_bad_params_400(ctx):
    a = sign_in(ctx, enrol(ctx, 'it-badparam'))
    frm, to = london_range()
    bad = [
        'from=%s&to=%s&format=csv' % (frm, to),
        'form=nosuchform&from=%s&to=%s' % (frm, to),
        'form=consultation&to=%s' % to,
        'form=consultation&from=%s' % frm,
        'form=consultation&from=2024-02-30&to=%s' % to,
        'form=consultation&from=2023-02-29&to=%s' % to,
        'form=consultation&from=2024-13-01&to=%s' % to,
        'form=consultation&from=24-01-01&to=%s' % to,
        'form=consultation&from=%s&to=%s' % (to, frm),
        'form=consultation&from=%s&to=%s&format=xlsx' % (frm, to),
        'form=consultation&from=%s&to=%s&format=CSV' % (frm, to),
        'form=consultation&from=%s&to=%s&extra=1' % (frm, to),
        'form=consultation&form=referral&from=%s&to=%s' % (frm, to),
        'form=consultation&from=%s&to=%s&%%zz=1' % (frm, to),
        'form=consultation%%00&from=%s&to=%s' % (frm, to),
        "form=consultation'--&from=%s&to=%s" % (frm, to),
        '',
    ]
    before = audit_max(ctx)
    ok, probs = 0, []
    tok = a.csrf()
    for q in bad:
        body = ((q + '&') if q else '') + '_csrf=' + tok
        r = a.post('/admin/export', body.encode())
        ct = (r.header('Content-Type') or '').lower()
        if r.status == 400 and ct.startswith('text/html') and \
                'no-store' in (r.header('Cache-Control') or ''):
            ok += 1
        else:
            probs.append('?%s: %s (%s)' % (q, html_checks.describe(r), ct))
    ctx.figure('export_bad_params_400', '%d of %d' % (ok, len(bad)))
    n = len(audit_rows(ctx, before, 'export'))
    assert n == 0, '%d export audit rows written for refused exports' % n
    assert not probs, '; '.join(probs)


def test_admin_sealed_mode_round_trip(ctx):
    sent = ensure_submissions(ctx)
    restart_admin(ctx, VAWG_ADMIN_MODE='sealed')
    try:
        a = sign_in(ctx, enrol(ctx, 'it-sealed'))
        d = a.get('/admin/')
        assert 'holds no secret key' in html_checks.page_text(d.text), \
            'the dashboard in sealed mode does not say it holds no key'
        probs = []
        decrypted = mism = hits = 0
        for name in ('consultation', 'referral'):
            before = audit_max(ctx)
            r = download(ctx, a, name)
            cd = r.header('Content-Disposition') or ''
            if '-sealed.csv' not in cd:
                probs.append('%s: sealed export named %r' % (name, cd))
            h = rows.canaries_in(r.body, ctx.canaries)
            hits += len(h)
            recs = parse_strict(r.body)
            p, _, _ = compare_export(ctx, recs, name, sent, 'sealed')
            probs += p
            aud = audit_rows(ctx, before, 'export')
            if len(aud) != 1 or aud[0]['detail'] != 'sealed':
                probs.append('%s: audit rows %r, expected one sealed '
                             'export' % (name, aud))
            rc, out, err = ctx.stack.vawgctl(
                ['decrypt-export'] + ctx.stack.keys_args(), data=r.body)
            if rc != 0:
                probs.append('vawgctl decrypt-export of the %s export '
                             'exited %d: %s' % (name, rc, err.strip()[:200]))
                continue
            recs2 = parse_strict(out)
            if formula_cells(recs2):
                probs.append('%s: decrypt-export wrote formula cells %r'
                             % (name, formula_cells(recs2)[:2]))
            p, _, _ = compare_export(ctx, recs2, name, sent, 'offline')
            mism += len([x for x in p if 'cell' in x])
            probs += p
            if len(recs2) != len(recs):
                probs.append('%s: decrypt-export wrote %d records for %d'
                             % (name, len(recs2), len(recs)))
            decrypted += sum(1 for x in recs2[1:] if x[-1] == 'ok')
        ctx.figure('sealed_export_canary_hits', hits)
        ctx.figure('sealed_rows_decrypted_offline', decrypted)
        ctx.figure('sealed_round_trip_mismatches', mism)
        if hits:
            probs.append('the sealed export holds %d canaries in clear' % hits)
        assert not probs, '; '.join(probs[:12])
    finally:
        restart_admin(ctx)
    # Decrypting again once the pool is back in its usual mode.
    a = sign_in(ctx, enrol(ctx, 'it-sealed'))
    r = download(ctx, a, 'referral')
    recs = parse_strict(r.body)
    assert recs[0][-1] == 'Decryption', 'after leaving sealed mode the ' \
        'export is not decrypted (last column %r)' % recs[0][-1]


def test_admin_decrypt_export_damage_and_wrong_passphrase(ctx):
    """vawgctl: a tampered envelope is one clear error row; a wrong
    passphrase is a clear message; no crash and no partial output."""
    ensure_submissions(ctx)
    frm, to = london_range()
    rc, sealed, err = ctx.stack.vawgctl(['export', '--sealed', '--form',
                                         'referral', '--from', frm, '--to',
                                         to, '--db', ctx.stack.owner_db()])
    assert rc == 0, 'vawgctl export --sealed exited %d: %s' % (rc, err[:200])
    recs = parse_strict(sealed)
    assert len(recs) > 2, 'the sealed CLI export has %d rows' % (len(recs) - 1)
    env = recs[0].index('envelope')
    # Flip one hex digit in the middle of the second row's envelope.
    bad = list(recs[2])
    e = bad[env]
    k = len(e) // 2
    bad[env] = e[:k] + ('0' if e[k] != '0' else '1') + e[k + 1:]
    end = ['# end of export: %d rows' % (len(recs) - 1)] + \
        [''] * (len(recs[0]) - 1)
    text = ''.join(','.join('"%s"' % c.replace('"', '""') for c in r) + '\r\n'
                   for r in [recs[0], recs[1], bad] + recs[3:] + [end])
    rc, out, err = ctx.stack.vawgctl(['decrypt-export'] +
                                     ctx.stack.keys_args(),
                                     data=BOM + text.encode('utf-8'))
    assert rc == 2, ('decrypt-export with one tampered envelope: expected '
                     'exit 2 (some rows did not open), got %d: %s'
                     % (rc, err[:200]))
    out_recs = parse_strict(out)
    status = [x[-1] for x in out_recs[1:]]
    ctx.figure('tampered_rows_reported', '%d of 1' % sum(
        1 for s in status if s != 'ok'))
    assert status[1] != 'ok' and all(s == 'ok' for i, s in enumerate(status)
                                     if i != 1), (
        'decrypt-export status column %r: expected only the tampered row '
        'not ok' % status)
    form = ctx.form('referral')
    head = out_recs[0]
    leaked = [head[i] for i, c in enumerate(out_recs[2])
              if form.field(head[i]) is not None and
              form.field(head[i]).sensitive and c != '']
    assert not leaked, ('the tampered row shows sensitive cells %s: it must '
                        'show nothing it could not open' % leaked)
    # Wrong passphrase: a message, non-zero, nothing on stdout.
    wrong = wrong_passphrase(ctx, 'it-wrong-passphrase',
                             'not the passphrase at all')
    cases = [
        ('decrypt-export', ['decrypt-export'] + ctx.stack.keys_args(wrong),
         sealed),
        ('export', ['export', '--form', 'referral', '--from', frm, '--to', to,
                    '--db', ctx.stack.owner_db()] +
         ctx.stack.keys_args(wrong), None),
    ]
    for what, args, data in cases:
        rc, out, err = ctx.stack.vawgctl(args, data=data)
        assert rc > 0, 'vawgctl %s with a wrong passphrase exited %d' % (
            what, rc)
        assert 'passphrase' in err.lower(), ('vawgctl %s with a wrong '
                                             'passphrase says %r' % (what,
                                                                     err))
        assert out == b'', 'vawgctl %s with a wrong passphrase wrote %d ' \
            'bytes to stdout' % (what, len(out))
    # A decrypted export is not a sealed one: a clear message.
    rc, out, err = ctx.stack.vawgctl(['export', '--form', 'referral',
                                      '--from', frm, '--to', to, '--db',
                                      ctx.stack.owner_db()] +
                                     ctx.stack.keys_args())
    assert rc == 0, 'vawgctl export (decrypting) exited %d: %s' % (rc, err)
    rc2, out2, err2 = ctx.stack.vawgctl(['decrypt-export'] +
                                        ctx.stack.keys_args(), data=out)
    assert rc2 == 1 and 'not a sealed export' in err2, (
        'decrypt-export of a decrypted export: exit %d, %r' % (rc2, err2))


def test_admin_export_bidi_controls_shown(ctx):
    """A text answer holding all twelve bidirectional controls (issue 14
    item 9), first, inside and last, comes out of the admin export and of
    `vawgctl export` with each as the visible text [U+XXXX], and no
    control anywhere in either file.  The answer joins the run's export
    set, so later comparisons (test_admin_keys' exports after a rotation)
    check it too."""
    sent = ensure_submissions(ctx)
    a = ctx.answers('consultation')
    value = ('\u202e%s invoice \u202efdp.exe\u202c call \u2067\u0661\u0662'
             '\u2069 \u200e\u200f\u061c \u202a\u202b\u202d \u2066\u2068'
             % new_canary(ctx.canaries, 16))
    field = next(f for f in a.form.fields
                 if f.sensitive and f.kind == 'textarea'
                 and f.max_length >= len(value))
    a.set(field.name, value)
    ref = submit(ctx, a, ctx.tokens('consultation', 1)[0])
    sent[ref] = a
    want = bidi_shown(value)
    admin = sign_in(ctx, enrol(ctx, 'it-export-bidi'))
    frm, to = london_range()
    bodies = {'admin': download(ctx, admin, 'consultation').body}
    rc, out, err = ctx.stack.vawgctl(['export', '--form', 'consultation',
                                      '--from', frm, '--to', to, '--db',
                                      ctx.stack.owner_db()] +
                                     ctx.stack.keys_args())
    assert rc == 0, 'vawgctl export: exit %d, %s' % (rc, err.strip()[:200])
    bodies['vawgctl'] = out
    shown = left = 0
    probs = []
    for what, body in bodies.items():
        text = body.decode('utf-8')
        left += sum(text.count(c) for c in BIDI)
        recs = parse_strict(body)
        col = 3 + [f.name for f in a.form.fields].index(field.name)
        row = [r for r in recs[1:] if r[0] == ref]
        if len(row) == 1 and row[0][col] == want:
            shown += 1
        else:
            probs.append('%s export: the cell reads %r, expected %r' % (
                what, row[0][col][:160] if row else None, want[:160]))
    ctx.figure('bidi_controls_in_export', left)
    ctx.figure('bidi_cells_shown_as_markers', '%d of 2' % shown)
    assert left == 0 and not probs, '%d controls left; %s' % (
        left, '; '.join(probs))
