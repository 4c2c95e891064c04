#!/usr/bin/env python3
"""Chaos run (docs/THREAT-MODEL.md threat 12, docs/ARCHITECTURE.md "Nothing lost").

Starts its own stack (nginx, the public pool, a throwaway PostgreSQL) and,
for CHAOS_SECONDS (60 by default), posts valid answers to both forms from
a few threads through nginx, retrying a post (same token) after a 5xx or a
dropped connection as a browser user would, and recording every reference
confirmed.  Meanwhile the database is stopped with `-m immediate` and
started again K times at random moments, and pool workers (and once the
replayer) are killed with SIGKILL.  Then, once the spool has drained, it
checks in the database that

    every confirmed reference is there, once, under its token's key,
    with the reference derived from that key, and decrypts to what was
    posted; no key or reference has two rows; failed/ is empty; no
    canary reached the spool or the logs in clear;

prints figures as `name: value`, one line per check (`ok   name` or
`FAIL name: why`) and ends with `N passed, N failed`; exit status 0 only
when none failed.  Everything is bounded in time and count and stays on
127.0.0.1.

Usage: tests/chaos/chaos.py [--bin DIR] [--seconds N] [--seed N] [--keep]
Environment: CHAOS_SECONDS, CHAOS_THREADS, CHAOS_DB_RESTARTS,
CHAOS_WORKER_KILLS override the defaults.
"""

import argparse
import collections
import hashlib
import os
import re
import random
import signal
import sys
import threading
import time
from urllib.parse import parse_qsl

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration'))

import forms as forms_mod           # noqa: E402
import html_checks                  # noqa: E402
import rows as rows_mod             # noqa: E402
import stack as stack_mod           # noqa: E402
from http_client import Client      # noqa: E402
from report import Results, figure, finish, on_term, out, \
    wait_healthy                    # noqa: E402

FORMS = ('consultation', 'referral')
TOKEN_READY = 1.1       # seconds after its GET before a token may be posted
TOKENS_AHEAD = 6        # tokens each thread keeps fetched ahead
POST_TIMEOUT = 20
RETRY_FOR = 45          # seconds a thread keeps retrying one submission
MAX_ATTEMPTS = 40       # and at most this many posts of it
DRAIN_WAIT = 90         # seconds for the spool to empty after the run
HEALTH_WAIT = 60
PG_TIMEOUT = 120
REF_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ'


def reference_of(idem_hex):
    """token_reference() in Python: the reference a key must show."""
    h = hashlib.blake2b(bytes.fromhex(idem_hex), digest_size=8).digest()
    v = int.from_bytes(h, 'big')
    s = ''
    for i in range(8):
        if i == 4:
            s += '-'
        s += REF_ALPHABET[v % len(REF_ALPHABET)]
        v //= len(REF_ALPHABET)
    return s


class ChaosStack(stack_mod.Stack):
    """The integration suite's stack, with more workers."""

    def __init__(self, *a, workers=4, **kw):
        super().__init__(*a, **kw)
        self.workers = workers

    def env(self):
        e = super().env()
        e['VAWG_WORKERS'] = str(self.workers)
        return e


class Run:
    """What the run saw, shared by its threads under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.submissions = 0        # distinct answer sets (tokens) posted
        self.attempts = 0           # POST requests sent
        self.confirmed = {}         # idem hex -> (form, reference, answers)
        self.unconfirmed = 0        # submissions given up on
        self.statuses = collections.Counter()
        self.conn_errors = 0
        self.other_5xx = 0
        self.honest_503 = 0
        self.bad_refs = []          # confirmations whose reference is wrong
        self.changed_refs = []      # one token, two different references
        self.unexpected = []        # 4xx and the like, with the page's words
        self.db_restarts = 0
        self.db_errors = []
        self.worker_kills = 0
        self.replayer_kills = 0
        self.max_spool = 0
        self.spool_files_scanned = 0
        # Every record name the watcher saw in the spool: the posts that
        # were spooled (the pool writes no log line for one any longer,
        # issue 13 item 5), less any stored again within one 0.2 s sample.
        self.spool_seen = set()
        self.spool_canary_hits = []
        self.canaries = set()

    def note(self, **kw):
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)


# ---- load

def fetch_token(client, form, run):
    """A fresh token for form, or None (a dropped GET is retried)."""
    for _ in range(5):
        if run.stop.is_set():
            return None
        try:
            r = client.get(form.path, timeout=POST_TIMEOUT)
        except OSError:
            time.sleep(0.2)
            continue
        if r.status == 200:
            tok = html_checks.Page(r.text).token
            if tok:
                return tok
        time.sleep(0.2)
    return None


def submit(client, form, token, answers, run, deadline):
    """Posts one answer set until it is confirmed, like a patient user:
    again after a 5xx or a dropped connection, with the same token."""
    idem = forms_mod.token_idem(token)
    first = time.monotonic()
    shown = None
    for attempt in range(MAX_ATTEMPTS):
        if attempt and (time.monotonic() - first > RETRY_FOR or
                        time.monotonic() > deadline + RETRY_FOR):
            break
        run.note(attempts=1)
        try:
            r = client.post_form(form.path, answers.body(token),
                                 timeout=POST_TIMEOUT)
        except OSError:
            run.note(conn_errors=1)
            time.sleep(0.3)
            continue
        with run.lock:
            run.statuses[r.status] += 1
        if r.status == 200:
            ref = html_checks.find_reference(r.text)
            with run.lock:
                if ref is None:
                    run.unexpected.append('200 without a reference: %s'
                                          % html_checks.describe(r))
                    return
                if ref != reference_of(idem):
                    run.bad_refs.append((ref, reference_of(idem)))
                prev = run.confirmed.get(idem)
                if prev is not None and prev[1] != ref:
                    run.changed_refs.append((prev[1], ref))
                run.confirmed[idem] = (form.name, ref, answers)
            shown = ref
            return
        if r.status == 503:
            run.note(honest_503=1)
            time.sleep(0.5)
            continue
        if r.status >= 500:
            run.note(other_5xx=1)
            time.sleep(0.3)
            continue
        if r.status == 429:
            time.sleep(0.5)
            continue
        with run.lock:
            run.unexpected.append(html_checks.describe(r))
        return
    if shown is None:
        run.note(unconfirmed=1)


def load_thread(port, forms, run, seed, deadline):
    rng = random.Random(seed)
    client = Client(port)
    ahead = collections.deque()     # (ready at, form, token)
    while time.monotonic() < deadline and not run.stop.is_set():
        if len(ahead) < TOKENS_AHEAD:
            form = forms[rng.choice(FORMS)]
            tok = fetch_token(client, form, run)
            if tok is not None:
                ahead.append((time.monotonic() + TOKEN_READY, form, tok))
            if not ahead or ahead[0][0] > time.monotonic():
                continue
        ready, form, tok = ahead[0]
        if ready > time.monotonic():
            time.sleep(min(0.2, ready - time.monotonic()))
            continue
        ahead.popleft()
        answers = forms_mod.build_answers(form, rng, run.canaries,
                                          rng.random() < 0.7)
        run.note(submissions=1)
        submit(client, form, tok, answers, run, deadline)


# ---- chaos

def children(master):
    """(pid, comm) of the live children of master, read from /proc."""
    found = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                stat = f.read()
            with open('/proc/%s/comm' % d) as f:
                comm = f.read().strip()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces.
        fields = stat[stat.rfind(')') + 2:].split()
        if len(fields) > 1 and fields[1] == str(master) and \
                fields[0] != 'Z':
            found.append((int(d), comm))
    return found


def kill_one(st, run, rng, replayer):
    try:
        with open(os.path.join(st.var, 'fcgi', 'public.pid')) as f:
            master = int(f.read().strip())
    except (OSError, ValueError):
        return
    want = 'vawg-replayer' if replayer else 'vawg-public'
    pids = [p for p, comm in children(master) if comm == want]
    if not pids:
        return
    pid = rng.choice(pids)
    # Only a child of our own pool's master, checked just before.
    if pid not in [p for p, _ in children(master)]:
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    if replayer:
        run.note(replayer_kills=1)
    else:
        run.note(worker_kills=1)


def db_thread(st, run, times, rng, t0):
    for at in times:
        while time.monotonic() < t0 + at and not run.stop.is_set():
            time.sleep(0.05)
        if run.stop.is_set():
            return
        rc, msg = st.script('pg-stop', 'immediate', timeout=PG_TIMEOUT)
        if rc != 0:
            with run.lock:
                run.db_errors.append('pg-stop immediate: %s'
                                     % msg.strip()[-200:])
        time.sleep(rng.uniform(0.5, 4.0))
        rc, msg = st.script('pg-start', timeout=PG_TIMEOUT)
        if rc != 0:
            with run.lock:
                run.db_errors.append('pg-start: %s' % msg.strip()[-200:])
            continue
        run.note(db_restarts=1)


def kill_thread(st, run, times, rng, t0):
    for i, at in enumerate(times):
        while time.monotonic() < t0 + at and not run.stop.is_set():
            time.sleep(0.05)
        if run.stop.is_set():
            return
        # One of the kills, halfway, takes the replayer instead.
        kill_one(st, run, rng, replayer=(i == len(times) // 2 and
                                         len(times) >= 3))


def spool_records(st, sub=''):
    return st.spool_records(sub, missing_ok=True)


def watch_thread(st, run):
    """Samples the spool: its depth, and every record for canaries."""
    seen = set()
    while not run.stop.is_set():
        recs = spool_records(st)
        with run.lock:
            run.max_spool = max(run.max_spool, len(recs))
            run.spool_seen.update(os.path.basename(p) for p in recs)
        for path in recs:
            if path in seen:
                continue
            try:
                with open(path, 'rb') as f:
                    data = f.read()
            except OSError:
                continue        # replayed meanwhile
            seen.add(path)
            hits = rows_mod.canaries_in(data, list(run.canaries))
            with run.lock:
                run.spool_files_scanned += 1
                run.spool_canary_hits += hits
        time.sleep(0.2)


# ---- after

def replayed_in_log(st):
    """Records the replayer stored, from its passes' totals ("spool pass:
    N stored, ..."): it logs no line per record."""
    try:
        with open(os.path.join(st.log_dir, 'public.log'), 'rb') as f:
            return sum(int(m) for m in
                       re.findall(rb'spool pass: (\d+) stored', f.read()))
    except OSError:
        return 0


def log_canaries(st, canaries):
    hits = []
    for root, _, names in os.walk(st.log_dir):
        for n in names:
            try:
                with open(os.path.join(root, n), 'rb') as f:
                    data = f.read(256 * 1024 * 1024)
            except OSError:
                continue
            hits += ['%s: %s' % (n, c)
                     for c in rows_mod.canaries_in(data, canaries)]
    return hits


def verify(st, run, checks, figure):
    rows = rows_mod.rows_after(st, 0, timeout=300)
    figure('chaos_rows', len(rows))
    by_idem = collections.defaultdict(list)
    by_ref = collections.defaultdict(list)
    for r in rows:
        by_idem[r['idem']].append(r)
        by_ref[r['reference']].append(r)
    dup = sum(len(v) - 1 for v in by_idem.values() if len(v) > 1) + \
        sum(len(v) - 1 for v in by_ref.values() if len(v) > 1)
    lost, wrong = [], []
    for idem, (form, ref, answers) in run.confirmed.items():
        got = by_idem.get(idem)
        if not got:
            lost.append(ref)
            continue
        r = got[0]
        if r['reference'] != ref or r['form'] != form or \
                r['version_id'] != answers.form.version_id:
            wrong.append('%s: row has %s/%s version %s' % (
                ref, r['reference'], r['form'], r['version_id']))
        elif rows_mod.plain_normal(r['plain']) != \
                answers.expected_plain():
            wrong.append('%s: plain answers differ' % ref)
    unconfirmed_rows = sum(1 for i in by_idem if i not in run.confirmed)
    figure('chaos_lost', len(lost))
    figure('chaos_duplicates', dup)
    figure('chaos_rows_not_confirmed', unconfirmed_rows)
    checks('confirmed_references_all_stored', not lost,
           '%d confirmed but not in the database: %s' % (len(lost),
                                                          lost[:10]))
    checks('no_duplicate_rows', dup == 0,
           '%d duplicate rows (same key or same reference)' % dup)
    checks('rows_match_what_was_confirmed', not wrong,
           '%d rows differ from their confirmation: %s' % (len(wrong),
                                                           wrong[:5]))
    t0 = time.monotonic()
    dec = rows_mod.decrypt_rows(st, rows, timeout=600)
    figure('chaos_decrypt_seconds', '%.1f' % (time.monotonic() - t0))
    bad, mismatch = [], []
    for r, (status, rest) in zip(rows, dec):
        if status != 'ok':
            bad.append('%s: %s' % (r['reference'], rest))
            continue
        c = run.confirmed.get(r['idem'])
        if c is not None:
            got = sorted(parse_qsl(rest, keep_blank_values=True))
            if got != c[2].expected_sealed():
                mismatch.append(r['reference'])
    if len(dec) != len(rows):
        bad.append('vawgctl decrypt printed %d lines for %d rows'
                   % (len(dec), len(rows)))
    figure('chaos_rows_decrypted', '%d of %d' % (len(rows) - len(bad),
                                                 len(rows)))
    checks('every_row_decrypts', not bad, '; '.join(bad[:5]))
    checks('sealed_answers_match_what_was_posted', not mismatch,
           '%d rows decrypt to other answers: %s' % (len(mismatch),
                                                     mismatch[:5]))


class Plan:
    """How long the load runs, with how many threads, and how many
    database restarts and worker kills, from the options and the
    environment."""

    def __init__(self):
        ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
        ap.add_argument('--bin', default=os.path.join(REPO, 'build'))
        ap.add_argument('--seconds', type=int,
                        default=int(os.environ.get('CHAOS_SECONDS', '60')))
        ap.add_argument('--seed', type=int, default=None)
        ap.add_argument('--keep', action='store_true')
        args = ap.parse_args()
        self.bin = os.path.abspath(args.bin)
        self.keep = args.keep
        self.seconds = seconds = max(10, min(args.seconds, 24 * 3600))
        self.threads = int(os.environ.get('CHAOS_THREADS', '4'))
        self.restarts = int(os.environ.get('CHAOS_DB_RESTARTS',
                                           str(max(2, seconds // 15))))
        self.kills = int(os.environ.get('CHAOS_WORKER_KILLS',
                                        str(max(3, seconds // 8))))
        self.seed = args.seed if args.seed is not None else \
            random.SystemRandom().randrange(1 << 30)


def start(st, client, check):
    """The stack started and answering, and its forms; None if not."""
    rc, log = st.script('start')
    if rc != 0 or wait_healthy(client, HEALTH_WAIT) is not None:
        check('stack_start', False, 'stack.sh start exited %d: %s' % (
            rc, ' | '.join(log.strip().splitlines()[-8:])))
        return None
    check('stack_start', True)
    forms = forms_mod.load_forms(st)
    missing = [n for n in FORMS if n not in forms]
    if missing:
        check('forms_defined', False, 'no form %s' % missing)
        return None
    return forms


def load(st, forms, run, plan):
    """The load, with the database restarts and the kills at random
    moments of it; the database is up again at the end.  Returns (load
    threads still running, seconds it took, the spool watcher)."""
    rng = random.Random(plan.seed)
    seconds, seed = plan.seconds, plan.seed
    t0 = time.monotonic()
    deadline = t0 + seconds
    # DB restarts and kills at random moments of the load, leaving the
    # last 15% quiet so the tail of the load meets a steady system.
    db_times = sorted(rng.uniform(0.05, 0.85) * seconds
                      for _ in range(plan.restarts))
    kill_times = sorted(rng.uniform(0.05, 0.85) * seconds
                        for _ in range(plan.kills))
    workers = [threading.Thread(target=load_thread, daemon=True,
                                args=(st.port, forms, run,
                                      seed * 31 + i, deadline))
               for i in range(plan.threads)]
    chaos = [threading.Thread(target=db_thread, daemon=True,
                              args=(st, run, db_times,
                                    random.Random(seed + 1), t0)),
             threading.Thread(target=kill_thread, daemon=True,
                              args=(st, run, kill_times,
                                    random.Random(seed + 2), t0))]
    watcher = threading.Thread(target=watch_thread, daemon=True,
                               args=(st, run))
    for t in workers + chaos + [watcher]:
        t.start()
    for t in workers:
        t.join(seconds + RETRY_FOR + 2 * POST_TIMEOUT + 30)
    hung = sum(t.is_alive() for t in workers)
    for t in chaos:
        t.join(PG_TIMEOUT)
    run.stop.set()
    for t in workers + chaos:
        t.join(POST_TIMEOUT + 5)
    # Whatever the chaos left, the database is up for the checks.
    st.script('pg-start', timeout=PG_TIMEOUT)
    return hung, time.monotonic() - t0, watcher


def drain(st, client, watcher):
    """Waits for /healthz and for the spool to empty; returns (healthy,
    records left, seconds waited)."""
    t1 = time.monotonic()
    healthy = wait_healthy(client, HEALTH_WAIT) is None
    left = spool_records(st)
    while left and time.monotonic() - t1 < DRAIN_WAIT:
        time.sleep(0.25)
        left = spool_records(st)
    seconds = time.monotonic() - t1
    watcher.join(5)
    time.sleep(0.5)     # the replayer's last log lines
    return healthy, left, seconds


def run_figures(st, run, load_seconds, drain_seconds):
    figure('chaos_posts', run.submissions)
    figure('chaos_post_requests', run.attempts)
    figure('chaos_confirmed', len(run.confirmed))
    figure('chaos_unconfirmed', run.unconfirmed)
    figure('chaos_db_restarts', run.db_restarts)
    figure('chaos_worker_kills', run.worker_kills)
    figure('chaos_replayer_kills', run.replayer_kills)
    figure('chaos_spooled', len(run.spool_seen))
    figure('chaos_replayed', replayed_in_log(st))
    figure('chaos_spool_max_depth', run.max_spool)
    figure('chaos_spool_files_scanned', run.spool_files_scanned)
    figure('chaos_503', run.honest_503)
    figure('chaos_5xx_other_than_503', run.other_5xx)
    figure('chaos_dropped_connections', run.conn_errors)
    figure('chaos_statuses', ' '.join(
        '%s=%d' % (k, v) for k, v in sorted(run.statuses.items(),
                                            key=lambda x: str(x[0]))))
    figure('chaos_load_seconds', '%.0f' % load_seconds)
    figure('chaos_drain_seconds', '%.1f' % drain_seconds)


def run_checks(st, run, check, plan, hung, healthy, left):
    """One check line for each promise the chaos must not break."""
    check('load_threads_finished', hung == 0,
          '%d load threads still running' % hung)
    check('load_confirmed_posts', len(run.confirmed) >= 10,
          'only %d confirmations in %ds' % (len(run.confirmed),
                                            plan.seconds))
    check('every_post_confirmed_eventually', run.unconfirmed == 0,
          '%d answer sets never confirmed within %ds of retries'
          % (run.unconfirmed, RETRY_FOR))
    check('database_restarted_k_times',
          run.db_restarts == plan.restarts and not run.db_errors,
          '%d of %d restarts; %s' % (run.db_restarts, plan.restarts,
                                      '; '.join(run.db_errors[:3])))
    check('workers_killed', run.worker_kills >= 1,
          'no worker was killed (%d planned)' % plan.kills)
    check('spool_used', len(run.spool_seen) > 0,
          'no post was spooled: the outages met no post')
    check('reference_is_the_tokens', not run.bad_refs,
          '%d confirmations showed another reference than their '
          'token\'s: %s' % (len(run.bad_refs), run.bad_refs[:3]))
    check('same_token_same_reference', not run.changed_refs,
          'a retried post showed another reference: %s'
          % run.changed_refs[:3])
    check('no_unexpected_answers', not run.unexpected,
          '%d: %s' % (len(run.unexpected), run.unexpected[:3]))
    # A SIGKILLed worker can break the one request it holds, no more.
    check('5xx_other_than_503_only_from_kills',
          run.other_5xx <= run.worker_kills,
          '%d 5xx other than 503 for %d worker kills'
          % (run.other_5xx, run.worker_kills))
    check('healthy_after', healthy, '/healthz not 200 after the run')
    check('spool_drained', not left,
          '%d records still spooled %ds after the run'
          % (len(left), DRAIN_WAIT))
    failed_recs = spool_records(st, 'failed')
    figure('chaos_spool_failed', len(failed_recs))
    check('nothing_set_aside', not failed_recs,
          '%d records in spool/failed/' % len(failed_recs))
    check('no_canary_in_spool', not run.spool_canary_hits,
          'canaries in clear in spool files: %s'
          % run.spool_canary_hits[:5])
    hits = log_canaries(st, list(run.canaries))
    check('no_canary_in_logs', not hits, '; '.join(hits[:5]))
    verify(st, run, check, figure)


def main():
    plan = Plan()
    signal.signal(signal.SIGTERM, on_term)
    results = Results()
    out('seed: %d' % plan.seed)
    out('chaos_seconds: %d' % plan.seconds)
    st = ChaosStack(REPO, plan.bin, stack_mod.make_var_dir(),
                    stack_mod.free_port())
    client = Client(st.port)
    run = Run()
    started = False
    try:
        started = True
        forms = start(st, client, results.check)
        if forms is None:
            return 1
        hung, load_seconds, watcher = load(st, forms, run, plan)
        healthy, left, drain_seconds = drain(st, client, watcher)
        run_figures(st, run, load_seconds, drain_seconds)
        run_checks(st, run, results.check, plan, hung, healthy, left)
    except KeyboardInterrupt:
        out('interrupted')
        results.failed += 1
    except Exception as e:      # a broken run is a failure, not a crash
        results.fail('chaos_runner', '%s: %s' % (type(e).__name__, e))
    finally:
        run.stop.set()
        status = finish(st, started, plan.keep, results)
    return status


if __name__ == '__main__':
    sys.exit(main())
