#!/usr/bin/env python3
"""Hostile input through the real nginx (docs/THREAT-MODEL.md threats 10,
11 and 16; issue 4, promise 3): well over a thousand crafted requests
(hostile_cases.py), each with the status the contract gives it
(contract.py), sent from many source addresses while the slow ones run
in threads beside them, and what must hold afterwards.

Printed and asserted:

    hostile_sent               requests sent (at least 1000)
    hostile_5xx                answers >= 500 (0)
    hostile_crashes            "worker ... killed by signal" or "exited
                               with" lines added to public.log (0)
    rows_from_rejected         rows whose idempotency key belongs to no
                               accepted post (0)
    hostile_status_mismatches  expected status vs observed (0)
    hostile_accepted           posts stored, each checked byte for byte
                               (plain JSON and the decrypted sealed pairs)
    roundtrip_mismatches       accepted posts whose row differs (0)
    unescaped_reflections      hostile markup shown unescaped, or a 422
                               page not showing a typed value back (0)
    temp_files                 files seen under $VAWG_VAR/nginx/tmp while
                               the suite ran and after it (0)

and, for the record, hostile_cases, hostile_statuses, hostile_slow and
hostile_seconds.
"""

import http.client
import os
import re
import socket
import threading
import time
from urllib.parse import unquote_to_bytes

import html_checks
import rows
from forms import token_idem
from hostile_cases import Builder, prepare, slow_pieces
from http_client import note_sent, parse_response, raw_has_xff

MIN_SENT = 1000
SEND_BUDGET = 75            # seconds for the main loop; the module < 90 s
SOURCES = tuple('127.0.4.%d' % i for i in range(1, 121))
CRASH_RE = re.compile(r'worker \d+ (killed by signal|exited with)')
STALL_WAIT = 30             # nginx's client_body_timeout is 15 s


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.fivexx = []
        self.mismatches = []
        self.reflections = []
        self.accepted = []          # (case, response)
        self.statuses = {}

    def add(self, case, resp, err=None):
        status = resp.status if resp is not None else None
        with self.lock:
            self.sent += 1
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status is not None and status >= 500:
                self.fivexx.append('%s: %s' % (case.label, status))
            if status not in case.want:
                what = err or (html_checks.describe(resp) if resp is not None
                               else 'no response')
                why = (' (model: %s)' % case.outcome.why) if case.outcome \
                    else ''
                self.mismatches.append('%s: expected %s%s, got %s' % (
                    case.label, ' or '.join(str(w) for w in case.want), why,
                    what))
            if resp is None:
                return
            text = resp.text
            for m in case.markers:
                if m in text:
                    self.reflections.append('%s: %r shown unescaped'
                                            % (case.label, m[:40]))
            if status == 422 and case.outcome is not None:
                for name, v in case.outcome.shown:
                    if not _shown_back(text, v):
                        self.reflections.append(
                            '%s: the 422 page does not show %s=%r back '
                            '(escaped)' % (case.label, name, v[:40]))
            if status == 200 and case.token is not None:
                self.accepted.append((case, resp))


def _shown_back(text, v):
    """Whether a 422 page shows value v back, escaped.  A line break in
    a one-line field (refused for it) shows as a space: an <input> holds
    one line, and the escaper writes white space in attributes as ' '."""
    if html_checks.shows_escaped(text, v):
        return True
    flat = v.replace('\r', ' ').replace('\n', ' ')
    return flat != v and html_checks.shows_escaped(text, flat)


def _send(ctx, case, src):
    if case.kind == 'post':
        h = {}
        if case.ctype is not None:
            h['Content-Type'] = case.ctype
        return ctx.http.request('POST', case.path, body=case.body, headers=h,
                                timeout=case.timeout, source=src)
    if case.kind == 'get':
        return ctx.http.request(case.method, case.path, timeout=case.timeout,
                                source=src)
    return ctx.http.raw(case.raw, timeout=case.timeout, source=src,
                        half_close=case.half_close, head=case.head)


def _run_one(ctx, tally, case, src):
    try:
        resp = _send(ctx, case, src)
    except (OSError, http.client.HTTPException) as e:
        tally.add(case, None, err='%s: %s' % (type(e).__name__, e))
        return
    tally.add(case, resp)


def _trickle(ctx, tally, case, pieces, pause):
    """Sends pieces on a socket of its own, pause seconds apart, and
    reads the answer until the server closes."""
    t0 = time.monotonic()
    data = b''
    try:
        s = socket.create_connection(
            ('127.0.0.1', ctx.stack.port), timeout=STALL_WAIT + 10,
            source_address=(SOURCES[0], 0))
        try:
            whole = b''.join(pieces)
            has_xff, body = raw_has_xff(whole)
            note_sent('POST', has_xff, body)
            for i, p in enumerate(pieces):
                if i:
                    time.sleep(pause)
                s.sendall(p)
            s.settimeout(STALL_WAIT)
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
    except OSError as e:
        if not data:
            tally.add(case, None, err='%s: %s' % (type(e).__name__, e))
            return
    resp = parse_response(data, head=False)
    resp.elapsed = time.monotonic() - t0
    ctx.http._seen('POST', case.path, resp)
    case.elapsed = resp.elapsed
    tally.add(case, resp)


def _slow(ctx, tally, b, slow):
    """Starts a thread for each slow case, (case, pause): slow but
    complete bodies and headers, and stalls that nginx must cut off.
    Each appends to tally.  Returns the threads."""
    threads = [threading.Thread(target=_trickle, daemon=True,
                                args=(ctx, tally, case, slow_pieces(b, case),
                                      pause))
               for case, pause in slow]
    for t in threads:
        t.start()
    return threads


def _count_crashes(ctx):
    path = os.path.join(ctx.stack.log_dir, 'public.log')
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return sum(1 for line in f if CRASH_RE.search(line))
    except FileNotFoundError:
        return 0


class TempWatch(threading.Thread):
    """Notes every file that appears under nginx's temp folders."""

    def __init__(self, root):
        super().__init__(daemon=True)
        self.root = root
        self.seen = set()
        self.stop = threading.Event()

    def scan(self):
        for d, _, files in os.walk(self.root):
            for f in files:
                self.seen.add(os.path.join(d, f))

    def run(self):
        while not self.stop.is_set():
            self.scan()
            self.stop.wait(0.02)


def _verify_accepted(ctx, tally, before_id):
    """Every accepted post: one row, the reference shown, plain JSON and
    decrypted pairs exactly as the model says.  Returns (problems,
    rows_from_rejected)."""
    new = rows.new_rows(ctx, before_id)
    byidem = {}
    for r in new:
        byidem.setdefault(r['idem'], []).append(r)
    probs = []
    ok_idems = set()
    pending, pending_rows = [], []
    for case, resp in tally.accepted:
        idem = token_idem(case.token)
        got = byidem.get(idem, [])
        if idem in ok_idems:
            continue
        ok_idems.add(idem)
        ref = html_checks.find_reference(resp.text)
        if ref:
            ctx.confirmed[case.token] = ref     # test_leaks counts them
        else:
            probs.append('%s: the confirmation shows no reference'
                         % case.label)
        if len(got) != 1:
            probs.append('%s: %d rows for its token' % (case.label, len(got)))
            continue
        row = got[0]
        if ref != row['reference']:
            probs.append('%s: page shows reference %s, row has %s'
                         % (case.label, ref, row['reference']))
        if case.outcome is None:
            continue        # raw framing: stored is all we can say here
        if row['plain'] != case.outcome.plain:
            probs.append('%s: plain answers %r, expected %r'
                         % (case.label, row['plain'], case.outcome.plain))
        pending.append(case)
        pending_rows.append(row)
    if pending_rows:
        out = rows.decrypt_rows(ctx.stack, pending_rows, timeout=120)
        if len(out) != len(pending_rows):
            probs.append('vawgctl decrypt gave %d lines for %d rows'
                         % (len(out), len(pending_rows)))
        for case, (status, rest) in zip(pending, out):
            if status != 'ok':
                probs.append('%s: row does not decrypt: %s' % (case.label,
                                                               rest))
                continue
            got = []
            for part in rest.split('&') if rest else []:
                k, _, v = part.partition('=')
                got.append((unquote_to_bytes(k), unquote_to_bytes(v)))
            if got != case.outcome.sealed:
                probs.append('%s: sealed answers %r, expected %r' % (
                    case.label, got[:6], case.outcome.sealed[:6]))
    stray = [r for r in new if r['idem'] not in ok_idems]
    return probs, len(stray)


class Sending:
    """The main loop's and the slow threads' outcome."""

    def __init__(self, ctx):
        self.tally = Tally()
        self.crashes_before = _count_crashes(ctx)
        self.before_id = ctx.max_id()
        self.count_before = ctx.row_count()
        self.watch = TempWatch(os.path.join(ctx.stack.nginx_dir, 'tmp'))
        self.unsent = 0
        self.slow_alive = 0
        self.health = None


def _send_all(ctx, b, slow, t_start):
    """Sends every case, the slow ones in threads, within SEND_BUDGET,
    watching nginx's temp folders throughout."""
    run = Sending(ctx)
    body_tmp = os.path.join(run.watch.root, 'body')
    assert not os.path.isdir(body_tmp) or \
        os.access(body_tmp, os.R_OK | os.X_OK), (
            'cannot look into %s (nginx keeps it private): run as root'
            % body_tmp)
    run.watch.start()
    threads = _slow(ctx, run.tally, b, slow)
    deadline = t_start + SEND_BUDGET
    for i, case in enumerate(b.cases):
        if time.monotonic() > deadline:
            run.unsent = len(b.cases) - i
            break
        _run_one(ctx, run.tally, case, SOURCES[i % len(SOURCES)])
    for t in threads:
        t.join(max(1, t_start + SEND_BUDGET + 10 - time.monotonic()))
    run.slow_alive = sum(t.is_alive() for t in threads)
    run.health = ctx.http.get('/healthz')
    run.watch.stop.set()
    run.watch.join(5)
    run.watch.scan()
    return run


def _failures(run, crashes, stray, count_after, probs):
    tally = run.tally
    fails = []
    if run.unsent or run.slow_alive:
        fails.append('out of time: %d cases unsent, %d slow requests still '
                     'running after %ds' % (run.unsent, run.slow_alive,
                                            SEND_BUDGET))
    if tally.sent < MIN_SENT:
        fails.append('only %d requests sent (at least %d)' % (tally.sent,
                                                              MIN_SENT))
    if tally.fivexx:
        fails.append('5xx: %s' % '; '.join(tally.fivexx[:5]))
    if crashes:
        fails.append('%d worker crash lines in public.log' % crashes)
    if stray:
        fails.append('%d rows stored by requests that were refused' % stray)
    if count_after - run.count_before != len(tally.accepted) - \
            _repeats(tally.accepted):
        fails.append('row count went from %d to %d for %d accepted posts'
                     % (run.count_before, count_after, len(tally.accepted)))
    if tally.mismatches:
        fails.append('%d status mismatches: %s' % (
            len(tally.mismatches), ' || '.join(tally.mismatches[:8])))
    if probs:
        fails.append('%d stored answers differ: %s' % (
            len(probs), ' || '.join(probs[:5])))
    if tally.reflections:
        fails.append('%d escaping problems: %s' % (
            len(tally.reflections), ' || '.join(tally.reflections[:5])))
    if run.watch.seen:
        fails.append('request bodies reached the disk: %s'
                     % sorted(run.watch.seen)[:5])
    if run.health.status != 200:
        fails.append('after the hostile run /healthz says %s'
                     % html_checks.describe(run.health))
    return fails


def test_hostile_inputs(ctx):
    t_start = time.monotonic()
    b = Builder(ctx)
    slow = prepare(b)
    ctx.figure('hostile_cases', len(b.cases) + len(slow))
    run = _send_all(ctx, b, slow, t_start)
    tally = run.tally

    crashes = _count_crashes(ctx) - run.crashes_before
    probs, stray = _verify_accepted(ctx, tally, run.before_id)
    count_after = ctx.row_count()

    ctx.figure('hostile_sent', tally.sent)
    ctx.figure('hostile_5xx', len(tally.fivexx))
    ctx.figure('hostile_crashes', crashes)
    ctx.figure('rows_from_rejected', stray)
    ctx.figure('hostile_status_mismatches', len(tally.mismatches))
    ctx.figure('hostile_accepted', len(tally.accepted))
    ctx.figure('roundtrip_mismatches', len(probs))
    ctx.figure('unescaped_reflections', len(tally.reflections))
    ctx.figure('temp_files', len(run.watch.seen))
    ctx.figure('hostile_statuses', ' '.join(
        '%s:%d' % (k, v) for k, v in sorted(tally.statuses.items(),
                                            key=lambda kv: str(kv[0]))))
    slow_times = ['%s %.1fs' % (c.label.split(' past ')[0].split(',')[0],
                                getattr(c, 'elapsed', -1)) for c, _ in slow]
    ctx.figure('hostile_slow', '; '.join(slow_times))
    ctx.figure('hostile_seconds', '%.1f' % (time.monotonic() - t_start))

    fails = _failures(run, crashes, stray, count_after, probs)
    assert not fails, ' | '.join(fails)


def _repeats(accepted):
    seen, n = set(), 0
    for case, _ in accepted:
        if case.token in seen:
            n += 1
        seen.add(case.token)
    return n
