#!/usr/bin/env python3
"""The logs and the health check, read as another account on the same
machine would (issue 13, items 4 and 5).

The logs are the operator's: var/log root:adm 0750, every file 0640 to the
group adm (postgres.log owned by postgres), so `nobody`, the public pool's
account and the admin pool's cannot read one.  The public pool writes no
line for a post it stored or spooled.  nginx writes no client address,
even when an upstream pool is gone (it used to, at `crit` and `error`,
with the request line).  /healthz says "up" or "down" and nothing more;
`vawgctl status` tells the operator the rest.

Figures: log_files_0640, logs_unreadable, log_lines_per_stored_post,
named_lines_per_spooled_post, request_lines_per_spooled_post,
upstream_error_statuses, nginx_error_client_lines, status_lines."""

import grp
import os
import pwd
import re
import signal
import socket
import stat
import subprocess
import time

import html_checks
import http_client
import rows
from test_dbdown import _back_up, _database_down, _post_down

LOG_OWNERS = {'postgres.log': 'postgres'}   # every other log: root
LOG_GROUP = 'adm'
OTHERS = ('nobody', 'vawgweb', 'vawgadmin')
REPLAY_WAIT = 15
POOL_STOP_WAIT = 10
# A line a request caused carries its nginx request id: "req=<hex>: ".
REQ_LINE = re.compile(rb' req=[0-9a-fA-F]+: ')


def _log_files(ctx):
    d = ctx.stack.log_dir
    return sorted(os.path.join(d, n) for n in os.listdir(d)
                  if os.path.isfile(os.path.join(d, n)))


def _owner(st):
    return pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name


def test_log_files_private_to_adm(ctx):
    d = ctx.stack.log_dir
    st = os.stat(d)
    probs = []
    if stat.S_IMODE(st.st_mode) != 0o750 or _owner(st) != ('root', LOG_GROUP):
        probs.append('%s is %s:%s %o, expected root:%s 750' % (
            d, *_owner(st), stat.S_IMODE(st.st_mode), LOG_GROUP))
    files = _log_files(ctx)
    names = {os.path.basename(p) for p in files}
    for want in ('postgres.log', 'public.log', 'admin.log', 'nginx-error.log',
                 'nginx-access.log'):
        if want not in names:
            probs.append('no %s in %s' % (want, d))
    good = 0
    for path in files:
        name = os.path.basename(path)
        st = os.stat(path)
        want = (LOG_OWNERS.get(name, 'root'), LOG_GROUP)
        mode = stat.S_IMODE(st.st_mode)
        if mode == 0o640 and _owner(st) == want:
            good += 1
        else:
            probs.append('%s is %s:%s %o, expected %s:%s 640' % (
                name, *_owner(st), mode, *want))
    ctx.figure('log_files_0640', '%d of %d' % (good, len(files)))
    assert not probs, '; '.join(probs)


def _reads(account, path):
    """Whether account can read path (a file) or list it (a folder)."""
    cmd = ['ls', path] if os.path.isdir(path) else ['head', '-c', '1', path]
    p = subprocess.run(['runuser', '-u', account, '--'] + cmd,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=20)
    return p.returncode == 0


def test_logs_unreadable_by_other_accounts(ctx):
    targets = [ctx.stack.log_dir] + _log_files(ctx)
    read = []
    tries = 0
    for account in OTHERS:
        for path in targets:
            tries += 1
            if _reads(account, path):
                read.append('%s reads %s' % (account, path))
    ctx.figure('logs_unreadable', '%d of %d' % (tries - len(read), tries))
    assert tries > len(OTHERS), 'no log files to try'
    assert not read, '; '.join(read[:10])


def _log_size(ctx):
    return os.path.getsize(os.path.join(ctx.stack.log_dir, 'public.log'))


def _log_since(ctx, offset):
    with open(os.path.join(ctx.stack.log_dir, 'public.log'), 'rb') as f:
        f.seek(offset)
        return f.read().splitlines()


def _wait_replayed(ctx, before, n):
    """The n rows of posts spooled since row id before, once stored."""
    t0 = time.monotonic()
    new = []
    while time.monotonic() - t0 < REPLAY_WAIT:
        new = rows.new_rows(ctx, before)
        if len(new) >= n and not ctx.stack.spool_records():
            break
        time.sleep(0.25)
    assert len(new) == n, ('%d posts spooled: %d rows %ss after the '
                           'database came back' % (n, len(new), REPLAY_WAIT))
    return new


def test_no_log_line_per_submission(ctx):
    """No line in public.log for a post stored, nor one spooled: a
    timestamped line per referral is the trail of who wrote when."""
    n = 3
    start = _log_size(ctx)
    for name in ('consultation', 'referral', 'referral'):
        tok, = ctx.tokens(name)
        rows.submit_valid(ctx, ctx.answers(name), tok)
    time.sleep(0.5)
    stored = _log_since(ctx, start)
    ctx.figure('log_lines_per_stored_post', '%d for %d posts'
               % (len(stored), n))
    assert not stored, ('%d posts stored, public.log gained %d lines: %r'
                        % (n, len(stored), stored[:3]))

    # A worker says at most twice that the database went away (its open
    # connection lost, then the reconnect refused), whatever it is asked
    # after: so more posts than twice the workers, and a line per post
    # would show as more lines than that.
    workers = int(ctx.stack.env().get('VAWG_WORKERS', '4'))
    sent = []
    for i in range(2 * workers + 2):
        name = ('consultation', 'referral')[i % 2]
        tok, = ctx.tokens(name)
        sent.append((name, ctx.answers(name), tok))
    before = ctx.max_id()
    with _database_down(ctx):
        time.sleep(1.5)         # the replayer's first "unreachable" passes
        start = _log_size(ctx)
        shown = {}
        for name, answers, tok in sent:
            p, _ = _post_down(ctx, name, answers, tok)
            ref = html_checks.find_reference(p.text)
            assert p.status == 200 and ref, (
                'post to /%s while the database is down: expected the '
                'confirmation, got %s' % (name, html_checks.describe(p)))
            shown[tok] = ref
        spooled = _log_since(ctx, start)
    _back_up(ctx)
    for row in _wait_replayed(ctx, before, len(sent)):
        for tok, ref in shown.items():
            if row['reference'] == ref:
                ctx.confirmed[tok] = ref
    words = [b'spool', b'submission'] + \
        [name.encode() for name, _, _ in sent] + \
        [ref.encode() for ref in shown.values()]
    named = [x for x in spooled if any(w in x.lower() for w in words)]
    by_request = [x for x in spooled if REQ_LINE.search(x)]
    ctx.figure('named_lines_per_spooled_post', '%d for %d posts'
               % (len(named), len(sent)))
    # lib/store.c tells of the outage once per worker, never per post.
    ctx.figure('request_lines_per_spooled_post', '%d for %d posts'
               % (len(by_request), len(sent)))
    assert len(by_request) <= 2 * workers < len(sent), (
        '%d posts spooled, public.log gained %d lines with a request id '
        '(at most two per worker, %d workers): %r'
        % (len(sent), len(by_request), workers, by_request[:3]))
    assert not named, ('%d posts spooled, public.log names them: %r'
                       % (len(sent), named[:3]))


def _pool_pid(ctx):
    with open(os.path.join(ctx.stack.var, 'fcgi', 'public.pid')) as f:
        return int(f.read().strip())


def _stop_public_pool(ctx):
    pid = _pool_pid(ctx)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + POOL_STOP_WAIT
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError('the public pool (pid %d) did not stop within %ds'
                         % (pid, POOL_STOP_WAIT))


def _provoke(ctx, statuses):
    """Requests nginx cannot pass on: a page, a post to /referral (which
    had its own error log), and a static file that is not there."""
    for method, path, want in (('GET', '/', 502), ('POST', '/referral', 502),
                               ('GET', '/static/no-such-file.css', 404)):
        if method == 'GET':
            r = ctx.http.get(path)
        else:
            r = ctx.http.post_form(path, 'x=1')
        statuses.append(str(r.status))
        assert r.status == want, ('%s %s with the public pool down: expected '
                                  '%d, got %s' % (method, path, want,
                                                  r.status))


def test_nginx_upstream_error_names_no_client(ctx):
    """Stops the public pool and removes its socket (no socket: nginx
    logged that at `crit`), then leaves a socket no one listens on
    (refused: `error`); nginx answers 502, and its error log names no
    client."""
    sock_path = os.path.join(ctx.stack.var, 'fcgi', 'public.sock')
    err_log = os.path.join(ctx.stack.log_dir, 'nginx-error.log')
    statuses = []
    ctx.allow_5xx = True
    try:
        _stop_public_pool(ctx)
        # The pool, no longer root, may leave its socket behind.
        if os.path.exists(sock_path):
            os.unlink(sock_path)
        _provoke(ctx, statuses)
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(sock_path)        # bound, never listening: refused
        dead.close()
        os.chmod(sock_path, 0o666)
        _provoke(ctx, statuses)
    finally:
        try:
            os.unlink(sock_path)
        except OSError:
            pass
        ctx.allow_5xx = False
        ctx.stack.restart('public')
    r = ctx.http.get('/healthz')
    assert r.status == 200, 'the public pool did not come back: %s' % r.status
    with open(err_log, 'rb') as f:
        lines = f.read().splitlines()
    marks = (b'client:', b'127.0.0.1', http_client.FAKE_XFF.encode())
    bad = [x for x in lines if any(m in x for m in marks)]
    ctx.figure('upstream_error_statuses', ' '.join(statuses))
    ctx.figure('nginx_error_client_lines', '%d of %d' % (len(bad),
                                                         len(lines)))
    assert not bad, 'nginx-error.log names a client: %r' % bad[:2]


def test_healthz_up_or_down_only_status_tells(ctx):
    """/healthz says "up" and nothing more; `vawgctl status` run by the
    operator has the database, the spool, failed/ and the key."""
    r = ctx.http.get('/healthz')
    assert r.status == 200 and r.text == 'up\n', (
        'GET /healthz: expected 200 "up" and nothing more, got %s %r'
        % (r.status, r.text[:80]))
    rc, lines, err = ctx.stack.status()
    want = {'database': 'reachable', 'spool': '0', 'failed': '0'}
    got = {k: lines.get(k) for k in want}
    ctx.figure('status_lines', ' '.join(sorted(lines)))
    assert rc == 0 and got == want, (
        'vawgctl status: expected exit 0 and %r, got %d %r (%s)'
        % (want, rc, lines, err.strip()[-200:]))
    assert lines.get('key id') and lines.get('fingerprint'), (
        'vawgctl status names no key: %r' % lines)
