#!/usr/bin/env python3
"""How a run reports and ends, for the integration suite (run.py) and
the chaos run (tests/chaos/chaos.py) alike:

    ok   name             or   FAIL name: why
    figure: value         (what was measured)
    N passed, N failed    (last line)

tests/run.sh and the documents read these lines, so their shapes are
kept here and nowhere else.  Also: waiting for the stack to answer, and
stopping it at the end whatever happened.  Nothing here runs a test."""

import shutil
import signal
import time

STOP_TIMEOUT = 120


def out(line):
    print(line, flush=True)


def one_line(s, limit=4000):
    """s on one line (lines joined with ' | '), cut at limit."""
    s = ' | '.join(x.strip() for x in str(s).splitlines() if x.strip())
    return s if len(s) <= limit else s[:limit] + '...'


def figure(name, value):
    out('%s: %s' % (name, value))


def on_term(signum, frame):
    """SIGTERM as an interruption, so the stack is still stopped."""
    raise KeyboardInterrupt()


class Results:
    """Checks passed and failed, printed as they come."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name):
        self.passed += 1
        out('ok   %s' % name)

    def fail(self, name, why):
        self.failed += 1
        out('FAIL %s: %s' % (name, why))

    def check(self, name, ok, why=''):
        if ok:
            self.ok(name)
        else:
            self.fail(name, why)


def wait_healthy(client, seconds):
    """None once GET /healthz answers 200 within seconds; otherwise what
    it answered last."""
    deadline = time.monotonic() + seconds
    last = 'no answer'
    while time.monotonic() < deadline:
        try:
            r = client.get('/healthz', timeout=3)
            if r.status == 200:
                return None
            last = 'status %s' % r.status
        except OSError as e:
            last = str(e)
        time.sleep(0.25)
    return last


def finish(st, started, keep, results):
    """The end of a run: stop the stack st if it was started, keep its
    folder (when asked, or when anything failed) or remove it, print the
    last line.  Returns the exit status."""
    signal.alarm(0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if started:
        rc, log = st.script('stop', timeout=STOP_TIMEOUT)
        if rc != 0:
            results.fail('stack_stop', 'stack.sh stop exited %d: %s' % (
                rc, one_line('\n'.join(log.splitlines()[-8:]))))
    if keep or results.failed:
        out('kept: %s' % st.var)
    else:
        shutil.rmtree(st.var, ignore_errors=True)
    out('%d passed, %d failed' % (results.passed, results.failed))
    return 0 if results.failed == 0 else 1
