#!/usr/bin/env python3
"""Guessing at the admin side (issue 3, issue 13 item 7;
docs/THREAT-MODEL.md threat 13): failed sign-ins are throttled per
account at an address and per address with a wait that grows, and never
keep the real administrator, at another address, out; parallel tries get
no more than the free ones; an hour's quiet starts the count again; the
password form before an export is throttled the same way, and a failed
sign-in takes as long for an unknown name as for a known one.

Figures: failed_logins_before_throttle, throttle_first_wait_seconds,
throttle_second_wait_seconds, failed_logins_before_throttle_per_address,
signin_elsewhere_while_attacked, attacker_address_after_signin,
throttle_parallel_non429, throttle_parallel_extra_tries,
quiet_hour_typo_then_signin, reauth_failures_before_throttle,
login_fail_median_ms_known_user and _unknown_user with their ratio,
login_timing_rounds."""

import os
import re
import statistics
import threading
import time

import html_checks
from admin_client import FREE_TRIES, Admin, addr, enrol, export_query, \
    fail_until_429, restart_admin, session_cookie, sign_in


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
    # While locked at this address, even the right password and code get
    # no session here (the real administrator elsewhere does:
    # test_admin_lock_spares_other_address).
    r = a.try_login(acct.name, acct.password, acct.fresh_code())
    assert r.status == 429 and not r.header_all('Set-Cookie'), (
        'the right password and code for an account locked at this '
        'address: expected 429, got %s' % html_checks.describe(r))
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


def test_admin_lock_spares_other_address(ctx):
    """An attacker failing at one address, again and again, does not keep
    the administrator out at hers; and her sign-in does not free his."""
    acct = enrol(ctx, 'it-lockout')
    attacker = Admin(ctx, source=addr(ctx, 0, 51))
    failures, locked = fail_until_429(
        lambda i: attacker.try_login(acct.name, 'guess %d' % i, '000000'),
        FREE_TRIES + 3, 'a wrong password')
    assert locked is not None, 'no 429 after %d failed sign-ins from one ' \
        'address' % failures
    for i in range(3):      # he keeps trying while locked
        attacker.try_login(acct.name, 'more %d' % i, '000000')
    her = Admin(ctx, source=addr(ctx, 0, 52))
    code = acct.fresh_code()
    step = int(time.time() // 30)
    r = her.try_login(acct.name, acct.password, code)
    ctx.figure('signin_elsewhere_while_attacked', r.status)
    assert r.status == 303 and session_cookie(r), (
        'the right password and code from another address while an '
        'attacker fails at %s: expected 303 and a session, got %s: one '
        'address can keep an administrator out' % (
            attacker.source, html_checks.describe(r)))
    acct.last_step = max(acct.last_step, step)
    r = attacker.try_login(acct.name, 'after her sign-in', '000000')
    ctx.figure('attacker_address_after_signin', r.status)
    assert r.status == 429 and _wait_seconds(r), (
        'the attacker\'s address after %d failures and her sign-in '
        'elsewhere: expected 429 with a wait, got %s' % (
            failures, html_checks.describe(r)))


def test_admin_throttle_parallel(ctx):
    """20 wrong sign-ins sent at once from one address, each with its own
    form token, against a pool of 8 workers: no more than the free tries
    are verified (answered 401); the rest are 429."""
    acct = enrol(ctx, 'it-parallel')
    src = addr(ctx, 0, 53)
    n = 20
    restart_admin(ctx, VAWG_ADMIN_WORKERS=8)
    try:
        clients = [Admin(ctx, source=src) for _ in range(n)]
        tokens = [c.login_token() for c in clients]
        statuses = [None] * n
        go = threading.Event()

        def attempt(i):
            go.wait()
            try:
                statuses[i] = clients[i].try_login(
                    acct.name, 'parallel %d' % i, '000000',
                    token=tokens[i]).status
            except Exception as e:          # reported below
                statuses[i] = repr(e)

        threads = [threading.Thread(target=attempt, args=(i,))
                   for i in range(n)]
        for t in threads:
            t.start()
        go.set()
        for t in threads:
            t.join(120)
    finally:
        restart_admin(ctx)
    non429 = [x for x in statuses if x != 429]
    ctx.figure('throttle_parallel_non429', '%d of %d' % (len(non429), n))
    ctx.figure('throttle_parallel_extra_tries',
               max(0, len(non429) - FREE_TRIES))
    assert all(x == 401 for x in non429), (
        'parallel wrong sign-ins: expected 401 or 429, got %r' % statuses)
    assert len(non429) <= FREE_TRIES, (
        '%d wrong sign-ins at once from one address: %d were verified '
        '(401), %d more than the %d free tries: parallel workers get extra '
        'guesses' % (n, len(non429), len(non429) - FREE_TRIES, FREE_TRIES))


def test_admin_throttle_quiet_hour(ctx):
    """After an hour with no try, one typo does not lock: the count starts
    again, and so does the lock computed from it."""
    acct = enrol(ctx, 'it-quiet')
    a = Admin(ctx, source=addr(ctx, 0, 54))
    failures, locked = fail_until_429(
        lambda i: a.try_login(acct.name, 'typo %d' % i, '000000'),
        FREE_TRIES + 1, 'a wrong password')
    assert locked is not None, 'no 429 after %d failures' % failures
    # An hour passes: every throttle row this test wrote (the last minute's)
    # is moved back, as the owner.
    ctx.stack.psql("SET ROLE vawg_owner; UPDATE vawg.login_throttle SET "
                   "last_failure_at = last_failure_at - interval '61 "
                   "minutes', locked_until = locked_until - interval '61 "
                   "minutes' WHERE last_failure_at > now() - interval "
                   "'1 minute';")
    r = a.try_login(acct.name, 'one typo', '000000')
    assert r.status == 401, 'after a quiet hour, one typo: expected 401, ' \
        'got %s' % html_checks.describe(r)
    code = acct.fresh_code()
    step = int(time.time() // 30)
    r = a.try_login(acct.name, acct.password, code)
    ctx.figure('quiet_hour_typo_then_signin', r.status)
    assert r.status == 303, ('after a quiet hour and one typo, the right '
                             'password and code: expected 303, got %s: the '
                             'typo locked again' % html_checks.describe(r))
    acct.last_step = max(acct.last_step, step)


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
