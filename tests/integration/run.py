#!/usr/bin/env python3
"""End-to-end tests against the real stack (nginx, the FastCGI pools,
PostgreSQL): start it once in a fresh folder, run every test_* function
of the test modules in a fixed order, stop it, and print

    ok   name             or   FAIL name: what the user would see
    figure: value         (what a test measured)
    N passed, N failed    (last line; exit status 0 only when none failed)

Usage: tests/integration/run.py [--bin DIR] [--keep] [-k TEXT] [--seed N]
"""

import argparse
import os
import random
import signal
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, HERE)

import context      # noqa: E402
import stack as stack_mod   # noqa: E402
from report import Results, finish, on_term, one_line, out, \
    wait_healthy  # noqa: E402

MODULES = ('test_pages', 'test_submit', 'test_invalid', 'test_reject',
           'test_hostile', 'test_closed', 'test_roles', 'test_local_db',
           'test_flood', 'test_dbdown', 'test_spool_replay', 'test_corrections',
           'test_clear_fields',
           'test_admin_signin', 'test_admin_body',
           'test_admin_throttle', 'test_admin_dashboard', 'test_admin_export',
           'test_admin_audit', 'test_admin_integrity', 'test_admin_purge',
           'test_admin_keys', 'test_admin_totp', 'test_admin_roles',
           'test_export_versions', 'test_case_schema',
           'test_local_sockets', 'test_local_logs', 'test_proxy',
           'test_memory_wipe', 'test_retention',
           'test_leaks')
TEST_TIMEOUT = 240          # seconds any one test may take
START_HEALTH_WAIT = 30


class TestTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise TestTimeout('test took longer than %ds' % TEST_TIMEOUT)


def reason(e):
    if isinstance(e, AssertionError):
        return one_line(e) or 'assertion failed'
    where = ''
    for fr in reversed(traceback.extract_tb(e.__traceback__)):
        if fr.filename.startswith(HERE):
            where = ' (at %s:%d)' % (os.path.basename(fr.filename), fr.lineno)
            break
    return one_line('%s: %s%s' % (type(e).__name__, e, where))


def collect(only):
    tests = []
    for name in MODULES:
        mod = __import__(name)
        for fname, fn in vars(mod).items():
            if fname.startswith('test_') and callable(fn) and \
                    getattr(fn, '__module__', None) == name:
                if not only or only in fname or only == name:
                    tests.append((fname, fn))
    return tests


def run_tests(ctx, tests, results):
    for name, fn in tests:
        ctx.figures = []
        signal.alarm(TEST_TIMEOUT)
        try:
            fn(ctx)
            err = None
        except KeyboardInterrupt:
            signal.alarm(0)
            results.fail(name, 'interrupted')
            raise
        except Exception as e:      # a failed test never stops the run
            err = e
        finally:
            signal.alarm(0)
        if err is None:
            results.ok(name)
        else:
            results.fail(name, reason(err))
        for k, v in ctx.figures:
            out('%s: %s' % (k, v))


def start(ctx, st, var, results):
    """Start the stack and wait for it; True when it answers."""
    rc, log = st.script('start')
    with open(os.path.join(var, 'stack-start.out'), 'w') as f:
        f.write(log)
    if rc != 0:
        results.fail('stack_start', 'stack.sh start exited %d: %s'
                     % (rc, one_line('\n'.join(log.splitlines()[-15:]))))
        return False
    last = wait_healthy(ctx.http, START_HEALTH_WAIT)
    if last is not None:
        results.fail('stack_start', '/healthz not 200 within %ds after '
                     'start: %s' % (START_HEALTH_WAIT, last))
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--bin', default=os.path.join(REPO, 'build'),
                    help='folder holding vawg-public and vawgctl '
                         '(default: build in the repository root)')
    ap.add_argument('--keep', action='store_true',
                    help='keep the data folder after the run')
    ap.add_argument('-k', dest='only', default='',
                    help='run only the tests whose name contains this, or '
                    'every test of the module of exactly this name')
    ap.add_argument('--seed', type=int, default=None,
                    help='seed for the random answer choices')
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom() \
        .randrange(1 << 30)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGTERM, on_term)

    results = Results()
    try:
        tests = collect(args.only)
    except Exception as e:
        results.fail('collect', reason(e))
        out('0 passed, 1 failed')
        return 1
    bin_dir = os.path.abspath(args.bin)
    var = stack_mod.make_var_dir()
    st = stack_mod.Stack(REPO, bin_dir, var, stack_mod.free_port())
    ctx = context.Context(st, random.Random(seed))
    out('seed: %d' % seed)
    started = False
    try:
        missing = [b for b in ('vawg-public', 'vawgctl')
                   if not os.access(os.path.join(bin_dir, b), os.X_OK)]
        if missing:
            results.fail('stack_start', 'no %s in %s (build first, or give '
                         '--bin)' % (' or '.join(missing), bin_dir))
        else:
            started = True
            if start(ctx, st, var, results):
                run_tests(ctx, tests, results)
    except KeyboardInterrupt:
        out('interrupted: stopping the stack')
        if results.failed == 0:
            results.failed = 1
    except Exception as e:
        results.fail('runner', reason(e))
    finally:
        status = finish(st, started, args.keep, results)
    return status


if __name__ == '__main__':
    sys.exit(main())
