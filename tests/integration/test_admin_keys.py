#!/usr/bin/env python3
"""Key rotation end to end (issue 3; docs/THREAT-MODEL.md threat 17): a refused
rotation changes nothing; `vawgctl rotate` moves the current key into the
keyring and makes a new one; after restarting both pools new rows are
sealed to the new key, and rows sealed under either generation decrypt in
the admin export, in `vawgctl export` and in `vawgctl decrypt`.

The rotation is for the rest of the run: modules after this one seal to
the new key, which `vawgctl decrypt` (what rows.verify_row uses) opens
with service.sec as before."""

import json
import os
import re

import html_checks
import rows
from admin_client import audit_max, audit_rows, enrol, london_range, \
    restart_admin, sign_in, wrong_passphrase
from csv_export import compare_export, db_rows, download, parse_strict
from export_answers import add_submissions, ensure_submissions


def _key_files(ctx):
    out = {}
    for n in ('service.pub', 'service.sec'):
        with open(os.path.join(ctx.stack.keys_dir, n), 'rb') as f:
            out[n] = f.read()
    return out


def _key_ids(ctx, refs):
    return {d['ref']: d['key_id'] for d in db_rows(ctx, refs).values()}


def test_admin_rotate_wrong_passphrase_changes_nothing(ctx):
    wrong = wrong_passphrase(ctx, 'it-wrong-passphrase-rotate',
                             'certainly not the passphrase')
    before = _key_files(ctx)
    aud = audit_max(ctx)
    rc, out, err = ctx.stack.vawgctl(['rotate'] + ctx.stack.keys_args(wrong) +
                                     ['--db', ctx.stack.owner_db()])
    assert rc == 1, 'vawgctl rotate with a wrong passphrase exited %d' % rc
    assert 'unchanged' in err or 'passphrase' in err.lower(), (
        'vawgctl rotate with a wrong passphrase says %r' % err)
    assert _key_files(ctx) == before, ('a refused rotation changed '
                                       'service.pub or service.sec')
    ring = os.path.join(ctx.stack.keys_dir, 'keyring')
    assert not os.path.isdir(ring) or not os.listdir(ring), (
        'a refused rotation put files in keyring/: %s' % os.listdir(ring))
    assert not audit_rows(ctx, aud, 'key-rotate'), \
        'a refused rotation was audited as a rotation'


def test_admin_key_rotation_both_generations_decrypt(ctx):
    old_sent = dict(ensure_submissions(ctx))
    old_ids = set(_key_ids(ctx, list(old_sent)).values())
    assert len(old_ids) == 1, 'rows before the rotation name keys %s' % (
        old_ids)
    old_id = old_ids.pop()
    aud = audit_max(ctx)
    rc, out, err = ctx.stack.vawgctl(['rotate'] + ctx.stack.keys_args() +
                                     ['--db', ctx.stack.owner_db()])
    text = out.decode('utf-8', 'replace')
    assert rc == 0, 'vawgctl rotate exited %d: %s' % (rc, err.strip()[:300])
    m_old = re.search(r'old key id: ([0-9a-f]{16})', text)
    m_new = re.search(r'new key id: ([0-9a-f]{16})', text)
    assert m_old and m_new, 'vawgctl rotate printed %r' % text
    assert m_old.group(1) == old_id and m_new.group(1) != old_id, (
        'rotate says old %s new %s; the rows name %s' % (
            m_old.group(1), m_new.group(1), old_id))
    new_id = m_new.group(1)
    rot = audit_rows(ctx, aud, 'key-rotate')
    assert len(rot) == 1 and rot[0]['detail'] == new_id, (
        'key-rotate audit rows %r' % rot)
    assert os.path.isfile(os.path.join(ctx.stack.keys_dir, 'keyring',
                                       old_id + '.sec')), \
        'the old secret key is not in keys/keyring/'
    ctx.stack.restart('public')
    restart_admin(ctx)
    # New rows are sealed to the new key.
    new_sent = add_submissions(ctx, 2)
    got = _key_ids(ctx, list(new_sent))
    wrong = {r: k for r, k in got.items() if k != new_id}
    assert len(got) == len(new_sent) and not wrong, (
        'rows posted after the rotation name keys %s, expected %s' % (
            sorted(set(got.values())), new_id))
    ids = ctx.stack.psql('SELECT DISTINCT key_id FROM vawg.submission '
                         'ORDER BY 1;').split()
    ctx.figure('key_ids_in_submissions', len(ids))
    assert old_id in ids and new_id in ids, 'key ids stored: %s' % ids
    # The admin pool holds both and decrypts both.
    a = sign_in(ctx, enrol(ctx, 'it-rotate'))
    d = a.get('/admin/')
    words = html_checks.page_text(d.text)
    assert new_id in words and old_id in words, (
        'the dashboard does not list both keys %s and %s' % (old_id, new_id))
    probs = []
    ok_old = ok_new = 0
    sent = ctx.admin_sent
    for name in ('consultation', 'referral'):
        r = download(ctx, a, name)
        recs = parse_strict(r.body)
        p, _, _ = compare_export(ctx, recs, name, sent, 'decrypted')
        probs += p
        bad = [x[0] for x in recs[1:] if x[-1] != 'ok']
        if bad:
            probs.append('%s: rows that did not open: %s' % (name, bad[:5]))
        mine = {x[0] for x in recs[1:] if x[-1] == 'ok'}
        ok_old += sum(1 for ref, s in old_sent.items()
                      if s.form.name == name and ref in mine)
        ok_new += sum(1 for ref, s in new_sent.items()
                      if s.form.name == name and ref in mine)
    ctx.figure('rows_old_key_decrypted', '%d of %d' % (ok_old, len(old_sent)))
    ctx.figure('rows_new_key_decrypted', '%d of %d' % (ok_new, len(new_sent)))
    ctx.figure('rotation_export_mismatches', len(probs))
    assert not probs, '; '.join(probs[:10])
    # The command-line export opens both generations too.
    frm, to = london_range()
    for name in ('consultation', 'referral'):
        rc, out, err = ctx.stack.vawgctl(['export', '--form', name, '--from',
                                          frm, '--to', to, '--db',
                                          ctx.stack.owner_db()] +
                                         ctx.stack.keys_args())
        assert rc == 0 and ', 0 did not open' in err, (
            'vawgctl export of %s after the rotation: exit %d, %r' % (
                name, rc, err.strip()[:200]))
        recs = parse_strict(out)
        p, _, _ = compare_export(ctx, recs, name, sent, 'decrypted')
        assert not p, 'vawgctl export of %s: %s' % (name, '; '.join(p[:5]))
    ctx.admin_rotated = (old_id, new_id)


def test_admin_vawgctl_decrypt_after_rotation(ctx):
    """`vawgctl decrypt` (rows in, answers out) is the other offline
    path: after a rotation it must open rows sealed under the old key as
    well as the new one."""
    ids = getattr(ctx, 'admin_rotated', None)
    assert ids, 'no rotation happened in this run (the rotation test failed)'
    old_id, new_id = ids
    data = json.loads(ctx.stack.psql(
        "SELECT json_agg(x) FROM (SELECT DISTINCT ON (s.key_id) "
        "encode(s.idem_key, 'hex') AS idem, f.name AS form, "
        "encode(s.sealed, 'hex') AS sealed, s.key_id FROM vawg.submission s "
        "JOIN vawg.form_version v ON v.id = s.version_id JOIN vawg.form f "
        "ON f.id = v.form_id WHERE s.key_id IN ('%s', '%s') ORDER BY "
        "s.key_id, s.id) x;" % (old_id, new_id)))
    assert len(data) == 2, 'rows for both keys: %d' % len(data)
    out = rows.decrypt_rows(ctx.stack, data)
    status = {d['key_id']: (o[0], o[1][:80]) for d, o in zip(data, out)}
    ctx.figure('vawgctl_decrypt_after_rotation', '%d of 2' % sum(
        1 for s, _ in status.values() if s == 'ok'))
    assert len(out) == 2 and all(s == 'ok' for s, _ in status.values()), (
        'vawgctl decrypt after a rotation, per key id: %s (new key %s, old '
        'key %s)' % (status, new_id, old_id))
