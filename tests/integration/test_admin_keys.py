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
import shutil
import signal
import tempfile
import time

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


# Issue 14 item 6: a rotation is all or nothing, and SIGHUP makes the
# public pool seal to the new key (the pin checked again).

def _fingerprint(ctx):
    rc, out, err = ctx.stack.vawgctl(['fingerprint', '--keys',
                                      ctx.stack.keys_dir])
    text = out.decode('utf-8', 'replace')
    m = re.search(r'key id: ([0-9a-f]{16})\nfingerprint: ([0-9a-f]{64})',
                  text)
    assert rc == 0 and m, 'vawgctl fingerprint: exit %d, %r %r' % (
        rc, text, err)
    return m.group(1), m.group(2)


def _rotate(ctx):
    """A successful rotation: (old key id, new key id, new fingerprint)."""
    rc, out, err = ctx.stack.vawgctl(['rotate'] + ctx.stack.keys_args() +
                                     ['--db', ctx.stack.owner_db()])
    text = out.decode('utf-8', 'replace')
    m = re.search(r'old key id: ([0-9a-f]{16}).*new key id: ([0-9a-f]{16})'
                  r'\nnew fingerprint: ([0-9a-f]{64})', text, re.S)
    assert rc == 0 and m, 'vawgctl rotate: exit %d, %r %r' % (
        rc, text, err.strip()[:300])
    return m.group(1), m.group(2), m.group(3)


def _hup_public(ctx, timeout=30):
    """SIGHUP to the public pool's master; waits until public.log says the
    master reloaded ("forms loaded", after the key), after which it
    signals its workers.  The lines the reload wrote."""
    log = os.path.join(ctx.stack.log_dir, 'public.log')
    after = os.path.getsize(log)
    with open(os.path.join(ctx.stack.var, 'fcgi', 'public.pid')) as f:
        os.kill(int(f.read().strip()), signal.SIGHUP)
    deadline = time.time() + timeout
    while True:
        with open(log, 'rb') as f:
            f.seek(after)
            text = f.read().decode('utf-8', 'replace')
        if 'forms loaded' in text:
            time.sleep(0.5)     # the master's kill() to each worker
            return text
        assert time.time() < deadline, (
            'after SIGHUP public.log never said "forms loaded": %r' % (
                text[-600:]))
        time.sleep(0.2)


def _posted_key_ids(ctx, n):
    """n posts to each form: ({reference: key id}, {reference: answers})."""
    sent = add_submissions(ctx, n)
    return _key_ids(ctx, list(sent)), sent


def _opened(ctx, sent, keys_args):
    """How many of sent's rows vawgctl decrypt opens with keys_args."""
    d = db_rows(ctx, list(sent))
    lines = ''.join('%s\t%s\t%s\n' % (d[r]['idem'], a.form.name,
                                       d[r]['sealed'])
                    for r, a in sent.items() if r in d).encode()
    rc, out, err = ctx.stack.vawgctl(['decrypt'] + keys_args, lines)
    return sum(1 for line in out.decode('utf-8', 'replace').splitlines()
               if line.startswith('ok\t'))


def _open_alone(ctx, sent):
    """How many of sent's rows open with a copy of service.pub and
    service.sec alone (no keyring/)."""
    d = tempfile.mkdtemp(prefix='vawg-pair.')
    try:
        for n in ('service.pub', 'service.sec'):
            shutil.copy(os.path.join(ctx.stack.keys_dir, n), d)
        return _opened(ctx, sent, ['--keys', d, '--passphrase-file',
                                   os.path.join(ctx.stack.keys_dir,
                                                'passphrase')])
    finally:
        shutil.rmtree(d)


def test_admin_rotate_second_move_fails_keeps_pair(ctx):
    """A real failure of the second move (keyring/<id>.pub is a folder
    that is not empty): vawgctl says the key is unchanged, and it is: the
    same pair, byte for byte, which vawgctl decrypt opens and to which
    the public pool, reloaded, still seals."""
    key_id, fp = _fingerprint(ctx)
    before = _key_files(ctx)
    block = os.path.join(ctx.stack.keys_dir, 'keyring', key_id + '.pub')
    os.makedirs(block)
    with open(os.path.join(block, 'x'), 'w') as f:
        f.write('x')
    aud = audit_max(ctx)
    try:
        rc, out, err = ctx.stack.vawgctl(['rotate'] + ctx.stack.keys_args() +
                                         ['--db', ctx.stack.owner_db()])
        after = _key_files(ctx)
        left = os.path.exists(os.path.join(ctx.stack.keys_dir, 'keyring',
                                           key_id + '.sec'))
    finally:
        shutil.rmtree(block)
    intact = after == before and not left
    ctx.figure('failed_rotation_pair_intact', 'yes' if intact else 'no')
    assert rc == 1 and 'the current key is unchanged' in err, (
        'vawgctl rotate with the second move failing: exit %d, %r' % (
            rc, err.strip()[-300:]))
    assert intact, ('after a failed rotation service.pub/service.sec are '
                    '%s, keyring/%s.sec %s' % (
                        'changed or missing' if after != before else 'intact',
                        key_id, 'exists' if left else 'absent'))
    assert not audit_rows(ctx, aud, 'key-rotate'), \
        'a failed rotation was audited as a rotation'
    # The public pool, reloaded, seals to the pair that is still there.
    _hup_public(ctx)
    ids, refs = _posted_key_ids(ctx, 1)
    opened = _open_alone(ctx, refs)
    ctx.figure('rows_after_failed_rotation_opened', '%d of %d' % (
        opened, len(refs)))
    assert set(ids.values()) == {key_id} and opened == len(refs), (
        'after a failed rotation rows name keys %s (current %s); %d of %d '
        'open with service.sec' % (sorted(set(ids.values())), key_id,
                                   opened, len(refs)))


def test_public_reload_seals_to_new_key(ctx):
    """Rotate, SIGHUP the public pool's master, post: every new envelope
    names the new key and opens with the new secret key alone, with no
    restart of the public pool."""
    old_id, new_id, new_fp = _rotate(ctx)
    text = _hup_public(ctx)
    ids, refs = _posted_key_ids(ctx, 2)
    old = [r for r, k in ids.items() if k != new_id]
    ctx.figure('sealed_to_old_key_after_reload', len(old))
    opened = _open_alone(ctx, refs)
    ctx.figure('rows_after_reload_opened_with_new_key', '%d of %d' % (
        opened, len(refs)))
    # The admin pool reads the keyring at start: later tests export.
    restart_admin(ctx)
    assert len(ids) == len(refs) and not old, (
        'after rotation and SIGHUP, %d of %d posts were sealed to a key '
        'other than the new %s: %s' % (len(old), len(refs), new_id,
                                       sorted(set(ids.values()))))
    assert opened == len(refs), ('%d of %d rows posted after the reload '
                                 'open with the new service.sec alone' % (
                                     opened, len(refs)))
    assert 'now sealing to key %s' % new_id in text, (
        'public.log does not say the reload changed the key: %r' % text)


def test_public_reload_pinned_keeps_pinned_key(ctx):
    """With VAWG_KEY_FINGERPRINT pinning the current key, a rotation and
    SIGHUP keep the pool sealing to the pinned key (whose secret is now in
    keyring/), and public.log says so; a restart with the new pin seals
    to the new key."""
    pin_id, pin_fp = _fingerprint(ctx)
    ctx.stack.restart('public', VAWG_KEY_FINGERPRINT=pin_fp)
    try:
        old_id, new_id, new_fp = _rotate(ctx)
        assert old_id == pin_id, 'rotated %s, pinned %s' % (old_id, pin_id)
        text = _hup_public(ctx)
        said = 'is not the pinned %s' % pin_fp in text and \
            'still sealing to key %s' % pin_id in text
        ids, refs = _posted_key_ids(ctx, 1)
        ctx.figure('pinned_reload_kept_pinned_key', '%d of %d' % (
            sum(1 for k in ids.values() if k == pin_id), len(refs)))
        assert said, 'public.log does not name the pin it refused: %r' % (
            text[-400:])
        assert set(ids.values()) == {pin_id}, (
            'a pinned pool, reloaded after a rotation, sealed to %s, not the '
            'pinned %s' % (sorted(set(ids.values())), pin_id))
        # The pinned key's secret is in keyring/: vawgctl still opens them.
        n = _opened(ctx, refs, ctx.stack.keys_args())
        assert n == len(refs), ('%d of %d rows sealed to the pinned key '
                                'after the rotation open' % (n, len(refs)))
        ctx.stack.restart('public', VAWG_KEY_FINGERPRINT=new_fp)
        ids, refs = _posted_key_ids(ctx, 1)
        assert set(ids.values()) == {new_id}, (
            'restarted with the new pin, the pool sealed to %s, not %s' % (
                sorted(set(ids.values())), new_id))
    finally:
        ctx.stack.restart('public')
        restart_admin(ctx)
