#!/usr/bin/env python3
"""No answer or secret left in a pool's memory once its request is done
(issue 13 item 9; docs/THREAT-MODEL.md, "What is wiped, and what is
not").  An answer she typed is shown back on a 422 page; an administrator
signs in, opens the dashboard and downloads an export of submissions
holding canaries.  Then, with both pools idle, every writable mapping of
every vawg-public and vawg-admin process of this stack is read as root
through /proc/PID/maps and /proc/PID/mem, and the canaries are counted:
the answer echoed on the 422 page, the answers in the export, the
administrator's password and the session cookie's value.  Freed memory
is still mapped, so a copy freed without a wipe is found.

Mappings larger than MAX_MAPPING (the sanitizer build's shadow memory,
which holds no bytes of the program's own) are not read; their count is
a figure.

Figures: memory_processes_scanned, memory_bytes_scanned,
memory_mappings_skipped, memory_canaries_sought, memory_canaries_found
(k of N processes scanned), one memory_hit_* line per canary kind
found."""

import os
import re
import time

import forms
import html_checks
from admin_client import enrol, sign_in
from csv_export import download
from export_answers import ensure_submissions

MAX_MAPPING = 1 << 30       # bytes; larger ones are a sanitizer's shadow
CHUNK = 1 << 20
IDLE_WAIT = 10.0            # seconds for every worker to be back in accept
# accept, accept4, wait4, poll, select, nanosleep, clock_nanosleep, pause,
# rt_sigsuspend: what an idle master, worker or replayer waits in.
IDLE_CALLS = {43, 288, 61, 7, 23, 35, 230, 34, 130, 232, 281}
MAPS_LINE = re.compile(r'^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$')


def _pool_pids(ctx):
    """{pid: program} for every process running this stack's binaries."""
    want = {os.path.realpath(os.path.join(ctx.stack.bin, n)): n
            for n in ('vawg-public', 'vawg-admin')}
    out = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            exe = os.path.realpath(os.readlink('/proc/%s/exe' % d))
        except OSError:
            continue
        exe = exe[:-len(' (deleted)')] if exe.endswith(' (deleted)') else exe
        if exe in want:
            out[int(d)] = want[exe]
    return out


def _syscall(pid):
    try:
        with open('/proc/%d/syscall' % pid) as f:
            first = f.read().split()
    except OSError:
        return None
    return int(first[0]) if first and first[0].lstrip('-').isdigit() \
        else None


def _wait_idle(pids):
    """Waits until no process is inside a request (each is blocked in
    one of IDLE_CALLS); the processes still busy at the end."""
    end = time.time() + IDLE_WAIT
    while True:
        busy = [p for p in pids if _syscall(p) not in IDLE_CALLS]
        if not busy or time.time() > end:
            return busy
        time.sleep(0.1)


def _mappings(pid):
    with open('/proc/%d/maps' % pid) as f:
        for line in f:
            m = MAPS_LINE.match(line.rstrip('\n'))
            if m and 'w' in m.group(3) and 'r' in m.group(3) and \
                    m.group(4) not in ('[vsyscall]', '[vvar]'):
                yield (int(m.group(1), 16), int(m.group(2), 16),
                       m.group(4) or '[anon]')


def _read_ranges(fd, lo, hi):
    """The readable bytes of [lo, hi), in pieces (a page that cannot be
    read is skipped)."""
    at = lo
    while at < hi:
        n = min(CHUNK, hi - at)
        try:
            yield os.pread(fd, n, at)
        except OSError:
            pass
        at += n


def _scan(pid, prog, needles, seen, where):
    """Counts each needle in pid's writable memory into seen, and where
    it lay into where; returns (bytes read, mappings skipped)."""
    got = skipped = 0
    longest = max(len(n) for n in needles)
    fd = os.open('/proc/%d/mem' % pid, os.O_RDONLY)
    try:
        for lo, hi, name in _mappings(pid):
            if hi - lo > MAX_MAPPING:
                skipped += 1
                continue
            tail = b''
            for piece in _read_ranges(fd, lo, hi):
                data = tail + piece
                got += len(piece)
                for needle, kind in needles.items():
                    k = data.count(needle)
                    if k:
                        seen[kind] = seen.get(kind, 0) + k
                        at = '%s %s %s' % (kind, prog,
                                           os.path.basename(name))
                        where[at] = where.get(at, 0) + k
                # An occurrence across two pieces is seen once, whole.
                tail = piece[-(longest - 1):] if longest > 1 else b''
                for needle in needles:
                    if needle in tail:
                        tail = b''
    finally:
        os.close(fd)
    return got, skipped


def _echo_on_422(ctx):
    """An answer with a canary, shown back on a 422 page; the canary."""
    form, f = forms.pick_field(ctx.forms(), required=True,
                               order=('referral', 'consultation'))
    other = forms.other_text_field(form, [f.name])
    assert other is not None, '%s has no second text question' % form.name
    canary = forms.new_canary(ctx.canaries)
    a = ctx.answers(form.name).drop(f.name).set(other.name, canary)
    tok = ctx.tokens(form.name)[0]
    r = ctx.post(form.name, a.body(tok))
    assert r.status == 422 and canary in r.text, (
        'posting %s without %s: expected 422 showing the typed answer back, '
        'got %s' % (form.path, f.name, html_checks.describe(r)))
    return canary


def _admin_round(ctx):
    """Sign-in, dashboard, export; (password, cookie value, canaries
    seen in the export)."""
    sent = ensure_submissions(ctx)
    acct = enrol(ctx, 'it-wipe')
    a = sign_in(ctx, acct)
    d = a.get('/admin/')
    assert d.status == 200, 'the dashboard: %s' % html_checks.describe(d)
    body = download(ctx, a, 'referral').body
    wanted = {c for ans in sent.values() if ans.form.name == 'referral'
              for c in ctx.canaries if c in repr(ans.values)}
    shown = {c for c in wanted if c.encode('ascii') in body}
    assert shown, 'the referral export shows none of the canaries sent'
    return acct.password, a.cookie.split('=', 1)[1], shown


def test_memory_wiped_after_requests(ctx):
    echoed = _echo_on_422(ctx)
    password, cookie, exported = _admin_round(ctx)
    needles = {echoed.encode('ascii'): 'answer_on_422',
               password.encode('utf-8'): 'admin_password',
               cookie.encode('ascii'): 'session_cookie'}
    for c in exported:
        needles[c.encode('ascii')] = 'exported_answer'
    pids = _pool_pids(ctx)
    assert pids, 'no vawg-public or vawg-admin process found'
    busy = _wait_idle(pids)
    assert not busy, 'processes still in a request after %.0f s: %s' % (
        IDLE_WAIT, busy)
    seen, where = {}, {}
    total = skipped = 0
    holding = 0
    for pid in sorted(pids):
        before = sum(seen.values())
        got, sk = _scan(pid, pids[pid], needles, seen, where)
        total += got
        skipped += sk
        holding += sum(seen.values()) > before
    ctx.figure('memory_processes_scanned', len(pids))
    ctx.figure('memory_bytes_scanned', total)
    ctx.figure('memory_mappings_skipped', skipped)
    ctx.figure('memory_canaries_sought', len(needles))
    for kind in sorted(seen):
        ctx.figure('memory_hit_%s' % kind, seen[kind])
    found = sum(seen.values())
    ctx.figure('memory_canaries_found', '%d of %d processes scanned'
               % (found, len(pids)))
    assert total > 0, 'no memory could be read'
    assert not found, ('%d copies of answers or secrets left in the memory '
                       'of %d of %d pool processes: %s' % (
                           found, holding, len(pids),
                           ', '.join('%s: %d' % x for x in
                                     sorted(where.items()))))
