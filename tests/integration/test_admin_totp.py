#!/usr/bin/env python3
"""Staff TOTP secrets are stored sealed, not in clear (issue 13, item 10;
docs/THREAT-MODEL.md threat 13).

vawgctl add-admin seals each secret with a key derived from admin.key,
bound to the account's name (lib/totpseal.c), and the database never
holds that key.  So a dump of the database holds no secret an
authenticator app could use; the admin role cannot read a clear one
(migration 009); a sealed secret moved onto another account opens for
neither; and an account still holding a clear secret (from before 009)
cannot sign in until `vawgctl seal-totp` (which conf/stack.sh start runs)
seals it.

Figures: dump_totp_secrets_in_clear (k of N accounts),
admin_role_reads_clear_totp, swapped_sign_ins_refused (k of k),
clear_only_sealed_by_vawgctl."""

import base64
import os
import re

import html_checks
from admin_client import Account, Admin, addr, enrol, read_secret, \
    sign_in, totp

# What add-admin prints: 32 base32 characters, standing alone.
B32_SECRET = re.compile(rb'(?<![A-Za-z0-9+/=])[A-Z2-7]{32}(?![A-Za-z0-9+/=])')


def secret_bytes(acct):
    s = acct.secret.strip().upper()
    return base64.b32decode(s + '=' * (-len(s) % 8))


def totp_columns(ctx):
    """admin_user's columns that can hold a TOTP secret (not the step)."""
    out = ctx.stack.psql(
        "SELECT column_name FROM information_schema.columns WHERE "
        "table_schema = 'vawg' AND table_name = 'admin_user' AND "
        "column_name LIKE 'totp%' AND column_name <> 'totp_last_step' "
        "ORDER BY 1;")
    return out.split()


def admin_log_size(ctx):
    return os.path.getsize(os.path.join(ctx.stack.log_dir, 'admin.log'))


def admin_log_since(ctx, size):
    with open(os.path.join(ctx.stack.log_dir, 'admin.log'), 'rb') as f:
        f.seek(size)
        return f.read().decode('utf-8', 'replace')


def in_clear(blob, acct):
    """Is acct's secret in blob: as base32, as hex, or as raw bytes?"""
    raw = secret_bytes(acct)
    s = acct.secret.strip().upper().encode()
    return (s in blob or s.lower() in blob or raw.hex().encode() in blob
            or raw in blob)


def test_admin_totp_not_in_dump(ctx):
    accts = [enrol(ctx, 'totpdump') for _ in range(3)]
    dev = os.path.join(ctx.stack.var, 'admin-totp')
    if os.path.exists(dev):
        accts.append(Account('admin', '', read_secret(dev)))
    dump = ctx.stack.pg_dump()
    leaked = [a.name for a in accts if in_clear(dump, a)]
    ctx.figure('dump_totp_secrets_in_clear', '%d of %d accounts' % (
        len(leaked), len(accts)))
    # The table as its owner sees it: no secret, and nothing shaped like
    # one (what add-admin prints is 32 base32 characters).
    table = ctx.stack.psql(
        "SELECT coalesce(string_agg(row_to_json(u)::text, E'\\n'), '') "
        "FROM vawg.admin_user u;").encode()
    in_table = [a.name for a in accts if in_clear(table, a)]
    shaped = B32_SECRET.findall(table)
    assert not leaked, 'a pg_dump holds the TOTP secret of %s' % leaked
    assert not in_table and not shaped, (
        'admin_user read by its owner holds TOTP secrets of %s, or text '
        'shaped like one: %r' % (in_table, shaped[:3]))
    # The enrolment's code still signs in.
    sign_in(ctx, accts[0])


def test_admin_totp_admin_role_cannot_read_clear(ctx):
    rc, out, err = ctx.stack.psql_try(
        'SELECT totp_secret FROM vawg.admin_user LIMIT 1;', user='vawg_admin')
    reads = rc == 0
    ctx.figure('admin_role_reads_clear_totp', int(reads))
    assert not reads, 'vawg_admin reads admin_user.totp_secret'
    assert 'permission denied' in err.lower(), err.strip()[:200]
    rc, out, err = ctx.stack.psql_try(
        'SELECT id, username, pwhash, totp_sealed, totp_last_step, '
        'disabled FROM vawg.admin_user LIMIT 1;', user='vawg_admin')
    assert rc == 0, 'vawg_admin cannot read what signing in needs: %s' % (
        err.strip()[:200])


def test_admin_totp_swapped_secrets_refused(ctx):
    a, b = enrol(ctx, 'totpswap'), enrol(ctx, 'totpswap')
    cols = totp_columns(ctx)
    sets = ', '.join('%s = o.%s' % (c, c) for c in cols)
    ctx.stack.psql(
        "UPDATE vawg.admin_user u SET %s FROM vawg.admin_user o WHERE "
        "(u.username, o.username) IN (('%s', '%s'), ('%s', '%s'));" % (
            sets, a.name, b.name, b.name, a.name))
    size = admin_log_size(ctx)
    probs, tries = [], 0
    client = Admin(ctx, source=addr(ctx, 13, 10))
    for who, other in ((a, b), (b, a)):
        # Its own code, and the code of the secret now in its row (what
        # someone who moved their own secret there would type).
        for label, code in (('its own code', totp(who.secret)),
                            ('the other account\'s code',
                             totp(other.secret))):
            tries += 1
            r = client.try_login(who.name, who.password, code)
            if r.status != 401:
                probs.append('%s after the swap, with %s: expected 401, '
                             'got %s' % (who.name, label,
                                         html_checks.describe(r)))
    ctx.figure('swapped_sign_ins_refused', '%d of %d' % (
        tries - len(probs), tries))
    log = admin_log_since(ctx, size)
    if log.count('sealed TOTP secret does not open') < 2:
        probs.append('admin.log does not tell the operator which sealed '
                     'secrets did not open: %r' % log[-400:])
    assert not probs, '; '.join(probs)


def set_clear_only(ctx, acct):
    """Gives acct a new secret, in clear only, as before migration 009."""
    raw = os.urandom(20)
    sets = 'totp_secret = decode(\'%s\', \'hex\')' % raw.hex()
    if 'totp_sealed' in totp_columns(ctx):
        sets += ', totp_sealed = NULL'
    ctx.stack.psql("UPDATE vawg.admin_user SET %s, totp_last_step = 0 "
                   "WHERE username = '%s';" % (sets, acct.name))
    acct.secret = base64.b32encode(raw).decode().rstrip('=')
    acct.last_step = -1


def clear_only_refused(ctx, acct, source):
    """A sign-in with acct's right password and code: 401, and logged."""
    size = admin_log_size(ctx)
    r = Admin(ctx, source=source).try_login(acct.name, acct.password,
                                            totp(acct.secret))
    assert r.status == 401, ('an account with only a clear TOTP secret '
                             'signed in: expected 401, got %s' % (
                                 html_checks.describe(r)))
    log = admin_log_since(ctx, size)
    assert 'no sealed TOTP secret' in log and 'seal-totp' in log, (
        'admin.log does not tell the operator to run seal-totp: %r' % (
            log[-400:]))


def clear_left(ctx):
    return int(ctx.stack.psql('SELECT count(*) FROM vawg.admin_user '
                              'WHERE totp_secret IS NOT NULL;'))


def test_admin_totp_clear_only_until_sealed(ctx):
    acct = enrol(ctx, 'totpclear')
    set_clear_only(ctx, acct)
    clear_only_refused(ctx, acct, addr(ctx, 13, 11))
    rc, out, err = ctx.stack.vawgctl(['seal-totp', '--keys',
                                      ctx.stack.keys_dir, '--db',
                                      ctx.stack.owner_db()])
    assert rc == 0, 'vawgctl seal-totp exited %d: %s' % (rc, err[:300])
    m = re.search(rb'sealed: (\d+)', out)
    ctx.figure('clear_only_sealed_by_vawgctl', int(m.group(1)) if m else -1)
    assert m and int(m.group(1)) >= 1, 'seal-totp said: %r' % out[:200]
    assert clear_left(ctx) == 0, 'a clear TOTP secret is left after ' \
        'seal-totp'
    assert not in_clear(ctx.stack.pg_dump(), acct), 'the secret seal-totp ' \
        'sealed is still in a dump'
    sign_in(ctx, acct)
    # Run again, it finds nothing to do.
    rc, out, err = ctx.stack.vawgctl(['seal-totp', '--keys',
                                      ctx.stack.keys_dir, '--db',
                                      ctx.stack.owner_db()])
    assert rc == 0 and b'sealed: 0' in out, (rc, out[:200], err[:200])


def test_admin_totp_stack_start_seals(ctx):
    acct = enrol(ctx, 'totpstart')
    set_clear_only(ctx, acct)
    clear_only_refused(ctx, acct, addr(ctx, 13, 12))
    # conf/stack.sh start, with everything already running, migrates and
    # seals what is left in clear.
    ctx.stack.checked('start')
    assert clear_left(ctx) == 0, 'stack.sh start left a clear TOTP secret'
    sign_in(ctx, acct)
