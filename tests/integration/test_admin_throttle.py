#!/usr/bin/env python3
"""Guessing at the admin side (issue 3; docs/THREAT-MODEL.md threat 13):
failed sign-ins are throttled per account and per address with a wait
that grows, the password form before an export is throttled the same
way, and a failed sign-in takes as long for an unknown name as for a
known one.

Figures: failed_logins_before_throttle, throttle_first_wait_seconds,
throttle_second_wait_seconds, failed_logins_before_throttle_per_address,
reauth_failures_before_throttle, login_fail_median_ms_known_user and
_unknown_user with their ratio, login_timing_rounds."""

import os
import re
import statistics
import time

import html_checks
from admin_client import FREE_TRIES, Admin, addr, enrol, export_query, \
    fail_until_429, sign_in


def _wait_seconds(resp):
    m = re.search(r'Wait (\d+) seconds?', html_checks.page_text(resp.text))
    return int(m.group(1)) if m else None


def test_admin_login_throttled(ctx):
    acct = enrol(ctx, 'it-throttle')
    a = Admin(ctx, source=addr(ctx, 0, 41))
    failures, first = fail_until_429(
        lambda i: a.try_login(acct.name, 'wrong password', '000000'),
        FREE_TRIES + 5, 'a wrong password')
    ctx.figure('failed_logins_before_throttle', failures)
    assert first is not None, 'no 429 after %d failed sign-ins' % failures
    wait1 = _wait_seconds(first)
    ctx.figure('throttle_first_wait_seconds', wait1)
    assert wait1 and wait1 > 0, 'the 429 page gives no wait ("Wait N ' \
        'seconds"): %s' % html_checks.describe(first)
    assert not first.header_all('Set-Cookie'), \
        'a throttled answer set a cookie'
    # While locked, even the right password and code get no session, from
    # any address: the lock is on the account.
    other = Admin(ctx, source=addr(ctx, 0, 42))
    r = other.try_login(acct.name, acct.password, acct.fresh_code())
    assert r.status == 429 and not r.header_all('Set-Cookie'), (
        'the right password and code for a locked account: expected 429, '
        'got %s' % html_checks.describe(r))
    # Another account from another address is not affected.
    sign_in(ctx, enrol(ctx, 'it-throttle'), source=addr(ctx, 0, 43))
    # The wait grows: after it passes, one more failure locks for longer.
    time.sleep(min(wait1, 20) + 1.1)
    r = a.try_login(acct.name, 'wrong password', '000000')
    assert r.status == 401, 'after the wait, a wrong password: expected ' \
        '401, got %s' % html_checks.describe(r)
    r = a.try_login(acct.name, 'wrong password', '000000')
    wait2 = _wait_seconds(r) if r.status == 429 else None
    ctx.figure('throttle_second_wait_seconds', wait2)
    assert wait2 and wait2 > wait1, ('the wait does not grow: first %s s, '
                                     'then %s (%s)' % (
                                         wait1, wait2,
                                         html_checks.describe(r)))
    # Per address: many names, one address.
    b = Admin(ctx, source=addr(ctx, 0, 44))
    per_addr, r = fail_until_429(
        lambda i: b.try_login('it-nobody-%d' % i, 'wrong', '000000'),
        FREE_TRIES + 5)
    ctx.figure('failed_logins_before_throttle_per_address', per_addr)
    assert r is not None, 'no 429 from one address after %d failures ' \
        'with different names' % per_addr
    assert failures == FREE_TRIES and per_addr == FREE_TRIES, (
        'with %d free tries, sign-in is throttled after %d failures per '
        'account and %d per address; expected 429 from attempt %d on'
        % (FREE_TRIES, failures, per_addr, FREE_TRIES + 1))


def test_admin_reauth_throttled(ctx):
    """The password form before an export is a second place to guess a
    password: it must be throttled like the sign-in, and refuse even the
    right password while the account is locked."""
    acct = enrol(ctx, 'it-reauth-thr')
    a = sign_in(ctx, acct, source=addr(ctx, 0, 46))
    q = export_query('referral')
    failures, locked = fail_until_429(
        lambda i: a.post('/admin/reauth', [('_csrf', a.csrf()), ('query', q),
                                           ('password', 'guess %d' % i)]),
        FREE_TRIES + 3, 're-authentication with a wrong password')
    ctx.figure('reauth_failures_before_throttle', failures if locked else
               'none (%d tried)' % failures)
    r = a.post('/admin/reauth', [('_csrf', a.csrf()), ('query', q),
                                 ('password', acct.password)])
    assert locked is not None and r.status == 429, (
        '%d wrong passwords on /admin/reauth: %s; then the right password '
        'gives %s (Location %r): guessing there is not throttled'
        % (failures, 'a 429' if locked else 'never a 429',
           html_checks.describe(r), r.header('Location')))


def _timing_round(ctx, rnd, pairs):
    """Failed sign-in times (s) for known and unknown users, interleaved:
    each pair from its own address, at most 4 failures per account, so no
    attempt is throttled."""
    known = [enrol(ctx, 'it-timing') for _ in range(3)]
    t_known, t_unknown = [], []
    for i in range(pairs + 1):
        a = Admin(ctx, source=addr(ctx, rnd, i + 1))
        pair = [('k', known[i % len(known)].name),
                ('u', 'it-ghost-%d-%d-%d' % (rnd, i, os.getpid()))]
        if i % 2:
            pair.reverse()
        for kind, user in pair:
            tok = a.login_token()
            r = a.try_login(user, 'not the password', '000000', token=tok)
            assert r.status == 401, 'timing: a failed sign-in as %s: %s' % (
                user, html_checks.describe(r))
            if i == 0:
                continue            # warm-up
            (t_known if kind == 'k' else t_unknown).append(r.elapsed)
    return statistics.median(t_known), statistics.median(t_unknown)


def test_admin_login_timing_unknown_user(ctx):
    # Medians of 10 each.  Other work on the machine (it only ever adds
    # time) can make a round noisy, so up to five rounds are tried; a real
    # difference, such as an unknown name skipping Argon2id, shows in every
    # round.  Each round takes about 3 s.
    ratios = []
    for rnd in range(1, 6):
        mk, mu = _timing_round(ctx, rnd, 10)
        ratios.append(mk / mu)
        if 0.95 <= ratios[-1] <= 1.05:
            break
    ratio = ratios[-1]
    ctx.figure('login_fail_median_ms_known_user', '%.1f' % (mk * 1000))
    ctx.figure('login_fail_median_ms_unknown_user', '%.1f' % (mu * 1000))
    ctx.figure('login_fail_time_ratio_known_unknown', '%.3f' % ratio)
    ctx.figure('login_timing_rounds', '%d (ratios %s)' % (
        len(ratios), ', '.join('%.3f' % x for x in ratios)))
    assert 0.95 <= ratio <= 1.05, ('a failed sign-in takes %.1f ms for a '
                                   'known user and %.1f ms for an unknown '
                                   'one (ratio %.3f; ratios of %d rounds: '
                                   '%s): more than 5%% apart' % (
                                       mk * 1000, mu * 1000, ratio,
                                       len(ratios), ', '.join(
                                           '%.3f' % x for x in ratios)))
