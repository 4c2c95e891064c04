#!/usr/bin/env python3
"""bench/bench.py: the steps of `make bench` (bench/run.sh calls them in
order), Python standard library only.

Each step appends `name: value` lines to $BENCH_RUN/figures.txt; `report`
reads them back, prints the table and the ratios against the targets of
issue 6, and writes bench/results/latest.txt.

The stack is the one bench/run.sh started: $VAWG_VAR, $VAWG_PORT.  Every
request goes to 127.0.0.1; every loop is bounded in count and time.

CPU per request comes from /proc/PID/stat (utime + stime) before and after
a run, summed over a group of processes:

  worker   the public pool's workers (not its master, not the replayer);
           in their runs, the bare responder's or the PHP peer's workers
  admin    the admin pool's workers
  nginx    nginx's worker processes
  pg       every process of the benchmark's PostgreSQL cluster: the
           backends and the WAL writer, checkpointer and the rest
  client   wrk or pgbench (getrusage of children)
  other    the whole machine's busy time (/proc/stat) minus all of the
           above: anything else running on the machine at the time
"""

import base64
import hmac
import http.client
import json
import os
import random
import re
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import threading
import time

VAR = os.environ.get('VAWG_VAR', '')
PORT = int(os.environ.get('VAWG_PORT', '0') or 0)
RUN = os.environ.get('BENCH_RUN', '')
BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
HZ = os.sysconf('SC_CLK_TCK')
PAGE_KIB = os.sysconf('SC_PAGE_SIZE') // 1024
HTTP_TIMEOUT = 60
PSQL_TIMEOUT = 600
QUIET_WAIT = int(os.environ.get('BENCH_QUIET_WAIT', '10'))
QUIET_BUSY_PCT = 15.0
GET_RETRIES = int(os.environ.get('BENCH_RETRIES', '2'))
CHECKPOINT_FIRST = os.environ.get('BENCH_CHECKPOINT', '1') != '0'
DISTURBED_PCT = 10

STATIC_PATH = '/bench-static/consultation.html'
BARE_PATH = '/bench-bare/consultation'

# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def fig(name, value):
    """Appends one figure to this run's figures.txt (and says it)."""
    if isinstance(value, float):
        value = ('%.3f' % value).rstrip('0').rstrip('.') if value else '0'
    line = '%s: %s' % (name, value)
    with open(os.path.join(RUN, 'figures.txt'), 'a') as f:
        f.write(line + '\n')
    print('  ' + line, flush=True)


def read_figures(path):
    out = {}
    with open(path) as f:
        for line in f:
            if ': ' in line:
                k, v = line.rstrip('\n').split(': ', 1)
                out[k] = v
    return out


def die(msg):
    print('bench: ' + msg, file=sys.stderr, flush=True)
    sys.exit(1)


# ---------------------------------------------------------------------------
# PostgreSQL, HTTP
# ---------------------------------------------------------------------------


def psql(sql, user='postgres', timeout=PSQL_TIMEOUT, stdin=None):
    """Runs sql as user on the benchmark's database; returns stdout."""
    env = dict(os.environ, PGOPTIONS='-c client_min_messages=warning')
    cmd = ['psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h',
           os.path.join(VAR, 'run'), '-U', user, '-d', 'vawg']
    if stdin is None:
        p = subprocess.run(cmd, input=sql.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=timeout)
    else:
        p = subprocess.run(cmd + ['-c', sql], stdin=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=timeout)
    if p.returncode != 0:
        die('psql failed: %s' % p.stderr.decode(errors='replace')[:400])
    return p.stdout.decode().strip()


def req(method, path, body=None, headers=None, timeout=HTTP_TIMEOUT):
    """One request to the stack; returns (status, headers, body)."""
    c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=timeout)
    try:
        h = dict(headers or {})
        if body is not None:
            h.setdefault('Content-Type', 'application/x-www-form-urlencoded')
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        c.close()


TOKEN_RE = re.compile(rb'name="_token" value="([A-Za-z0-9_-]+)"')


def page_token(body):
    m = TOKEN_RE.search(body)
    return m.group(1).decode() if m else None


def quote(s):
    from urllib.parse import quote_plus
    return quote_plus(s, safe='')


# ---------------------------------------------------------------------------
# Processes and CPU
# ---------------------------------------------------------------------------


def pidfile(path):
    try:
        with open(path) as f:
            return int(f.readline().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def all_procs():
    """{pid: (ppid, comm, ticks, reaped children's ticks)} for every
    process now."""
    out = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                s = f.read()
        except OSError:
            continue
        # comm may hold spaces: split after its closing parenthesis.
        comm = s[s.index('(') + 1:s.rindex(')')]
        rest = s[s.rindex(')') + 2:].split()
        out[int(d)] = (int(rest[1]), comm, int(rest[11]) + int(rest[12]),
                       int(rest[13]) + int(rest[14]))
    return out


def groups(procs=None):
    """{group: (root pid, [pid, ...])} for the benchmark's own processes.
    The root is the parent that reaps the group's processes, so the CPU of
    one that ends inside a window is still found (its cutime)."""
    procs = procs if procs is not None else all_procs()
    kids = {}
    for pid, v in procs.items():
        kids.setdefault(v[0], []).append(pid)
    pub = pidfile(os.path.join(VAR, 'fcgi', 'public.pid'))
    adm = pidfile(os.path.join(VAR, 'fcgi', 'admin.pid'))
    ngx = pidfile(os.path.join(VAR, 'nginx', 'nginx.pid'))
    pg = pidfile(os.path.join(VAR, 'pgdata', 'postmaster.pid'))
    bare = pidfile(os.path.join(VAR, 'bench-bare.pid'))
    peer = pidfile(os.path.join(VAR, 'bench-peer.pid'))
    return {
        'worker': (pub, [p for p in kids.get(pub, [])
                         if procs[p][1] == 'vawg-public']),
        'replayer': (None, [p for p in kids.get(pub, [])
                            if procs[p][1] != 'vawg-public']),
        'bare': (bare, list(kids.get(bare, []))),
        'peer': (peer, list(kids.get(peer, []))),
        'admin': (adm, list(kids.get(adm, []))),
        'nginx': (ngx, list(kids.get(ngx, []))),
        'pg': (pg, ([pg] if pg in procs else []) + list(kids.get(pg, []))),
    }


def rusage():
    """CPU seconds of this process and its waited-for children (the load
    generator, and bench.py's own sampling)."""
    a = resource.getrusage(resource.RUSAGE_CHILDREN)
    b = resource.getrusage(resource.RUSAGE_SELF)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def machine_ticks():
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


def wait_quiet(limit=QUIET_WAIT, busy_max=QUIET_BUSY_PCT):
    """Waits (at most limit seconds) for one second in which the machine is
    less than busy_max % busy, so a run does not start on top of someone
    else's work.  Returns (seconds waited, busy % of the last second)."""
    t0 = time.monotonic()
    busy = 100.0
    while True:
        a = machine_ticks()
        time.sleep(1)
        b = machine_ticks()
        busy = 100.0 * (b[0] - a[0]) / max(1, b[1] - a[1])
        if busy < busy_max or time.monotonic() - t0 >= limit:
            return time.monotonic() - t0, busy


class CpuWindow:
    """CPU seconds per group between start() and stop()."""

    def start(self):
        self.t0 = time.monotonic()
        self.ru0 = rusage()
        self.p0 = all_procs()
        self.m0 = machine_ticks()

    def stop(self):
        self.m1 = machine_ticks()
        self.p1 = all_procs()
        self.ru1 = rusage()
        self.t1 = time.monotonic()

    def seconds(self):
        """CPU seconds per group, plus client, machine, other and wall.

        A process alive at the end counts for its ticks in the window; one
        that ended inside it (a pgbench backend, a restarted worker) counts
        through its parent's reaped-children ticks, less what it had used
        before the window."""
        g0, g1 = groups(self.p0), groups(self.p1)
        out = {}
        for name in g1:
            root, pids1 = g1[name]
            pids0 = g0[name][1]
            t = 0
            for p in pids1:
                t += self.p1[p][2] - (self.p0[p][2] if p in self.p0 else 0)
            if root is not None and root in self.p0 and root in self.p1:
                t += self.p1[root][3] - self.p0[root][3]
                t -= sum(self.p0[p][2] for p in pids0 if p not in self.p1)
            out[name] = max(0, t) / HZ
        # The bare responder and the PHP peer's workers stand in for the
        # pool's workers in their runs.
        out['worker'] += out.pop('bare') + out.pop('peer')
        out['client'] = self.ru1 - self.ru0
        busy = (self.m1[0] - self.m0[0]) / HZ
        out['machine'] = busy
        known = sum(v for k, v in out.items() if k != 'machine')
        out['other'] = max(0.0, busy - known)
        out['wall'] = self.t1 - self.t0
        return out

    def others(self):
        """CPU seconds of processes outside the benchmark, by name."""
        mine = {os.getpid()}
        for procs in (self.p0, self.p1):
            for root, pids in groups(procs).values():
                mine.update(pids)
                if root:
                    mine.add(root)
        use = {}
        for pid, v in self.p1.items():
            if pid in mine or v[0] == os.getpid():
                continue
            d = v[2] - self.p0.get(pid, (0, '', 0, 0))[2]
            if d > 0:
                use[v[1]] = use.get(v[1], 0) + d / HZ
        return use


def top_others(use, n=3):
    top = sorted(use.items(), key=lambda kv: -kv[1])[:n]
    return ', '.join('%s %.1fs' % kv for kv in top) or 'none'


# ---------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------


def smaps(pid):
    """Fields of /proc/PID/smaps_rollup, in KiB."""
    out = {}
    try:
        with open('/proc/%d/smaps_rollup' % pid) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2] == 'kB':
                    out[parts[0].rstrip(':')] = int(parts[1])
    except OSError:
        pass
    return out


def private_kib(pid):
    s = smaps(pid)
    return (s.get('Private_Clean', 0) + s.get('Private_Dirty', 0) +
            s.get('Private_Hugetlb', 0))


def status_kib(pid, field):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------


def cmd_machine(args):
    """The machine and what else was running on it."""
    model = ''
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    with open('/proc/meminfo') as f:
        mem = int(f.readline().split()[1])
    with open('/proc/loadavg') as f:
        load = f.read().split()[0]
    fig('machine.nproc', os.cpu_count())
    fig('machine.cpu', model)
    fig('machine.mem_gib', '%.1f' % (mem / 1048576))
    fig('machine.kernel', os.uname().release)
    fig('machine.loadavg_1m_before', load)
    for tool, argv in (('wrk', ['wrk', '-v']), ('nginx', ['nginx', '-v']),
                       ('postgres', ['psql', '--version'])):
        try:
            p = subprocess.run(argv, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=10)
            v = p.stdout.decode(errors='replace').strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            v = 'unknown'
        fig('machine.%s_version' % tool, v)


def cmd_static_setup(args):
    """Two references for the page, behind the same nginx: a static copy
    of the rendered consultation page (the same bytes, one token
    included) with the pool's headers, and the bare FastCGI responder
    (bench/bare.c) serving that copy with the pool's headers.  Two
    locations are added to the generated configuration, then a reload.

    static-setup BARE_BINARY"""
    bare_bin = args[0]
    st, _, body = req('GET', '/consultation')
    if st != 200:
        die('GET /consultation: %d' % st)
    d = os.path.join(VAR, 'bench-static')
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    path = os.path.join(d, 'consultation.html')
    with open(path, 'wb') as f:
        f.write(body)
    os.chmod(path, 0o644)
    fig('page.consultation_bytes', len(body))
    st, _, ref = req('GET', '/referral')
    fig('page.referral_bytes', len(ref))

    sock = os.path.join(VAR, 'bench-bare.sock')
    log = open(os.path.join(VAR, 'log', 'bench-bare.log'), 'ab')
    ver, plain, slen = psql("SELECT version_id, plain::text, length(sealed) "
                            "FROM public.bench_sample").split('|')
    p = subprocess.Popen([
        bare_bin, sock, path, os.environ.get('VAWG_WORKERS', '4'), 'vawgweb',
        'host=%s dbname=vawg user=vawg_public' % os.path.join(VAR, 'run'),
        os.path.join(VAR, 'keys', 'service.pub'), ver, plain, slen,
        os.path.join(d, 'confirm.html')], stdin=subprocess.DEVNULL,
        stdout=log, stderr=log, start_new_session=True)
    with open(os.path.join(VAR, 'bench-bare.pid'), 'w') as f:
        f.write('%d\n' % p.pid)
    for _ in range(50):
        if os.path.exists(sock) or p.poll() is not None:
            break
        time.sleep(0.1)
    if p.poll() is not None or not os.path.exists(sock):
        die('the bare responder did not start (log/bench-bare.log)')

    conf = os.path.join(VAR, 'nginx', 'nginx.conf')
    with open(conf) as f:
        text = f.read()
    # The headers the pool sends on a form page, so the static copy
    # carries the same header block as well as the same body.
    headers = ('\t\t\tadd_header Content-Security-Policy "default-src '
               '\'self\'; base-uri \'none\'; form-action \'self\'; '
               'frame-ancestors \'none\'; object-src \'none\'" always;\n'
               '\t\t\tadd_header X-Content-Type-Options nosniff always;\n'
               '\t\t\tadd_header Referrer-Policy no-referrer always;\n'
               '\t\t\tadd_header X-Frame-Options DENY always;\n'
               '\t\t\tadd_header Cross-Origin-Opener-Policy same-origin '
               'always;\n'
               '\t\t\tadd_header Permissions-Policy "camera=(), '
               'microphone=(), geolocation=()" always;\n'
               '\t\t\tadd_header Cache-Control no-store always;\n')
    robots = '\t\t\tadd_header X-Robots-Tag "noindex, nofollow" always;\n'
    # The bare responder's location is the pool's "location /" with
    # another socket.
    m = re.search(r'\t\tlocation / \{\n(.*?)\t\t\}\n', text, re.S)
    anchor = '\t\tlocation /static/ {'
    if not m or anchor not in text:
        die('nginx.conf: no "location /" or "location /static/" found')
    pool_loc = m.group(1)
    bare_loc = re.sub(r'fastcgi_pass [^;]+;', 'fastcgi_pass unix:%s;' % sock,
                      pool_loc)
    if STATIC_PATH not in text:
        text = text.replace(anchor, (
            '\t\tlocation = %s {\n\t\t\talias %s;\n%s%s\t\t}\n\n'
            '\t\tlocation = %s {\n%s\t\t}\n\n' % (
                STATIC_PATH, path, headers, robots, BARE_PATH, bare_loc)) +
            anchor, 1)
        with open(conf, 'w') as f:
            f.write(text)
    nginx_reload()
    for what, url in (('static', STATIC_PATH), ('bare', BARE_PATH)):
        st, hdrs, copy = req('GET', url)
        if st != 200 or copy != body:
            die('the %s copy is not served back byte for byte (%d)' % (
                what, st))
    fig('page.static_and_bare_same_bytes', 'yes')


def nginx_reload():
    """Checks the generated nginx.conf, reloads nginx and waits (bounded)
    until the old workers have left."""
    conf = os.path.join(VAR, 'nginx', 'nginx.conf')
    nd = os.path.join(VAR, 'nginx')
    err = os.path.join(VAR, 'log', 'nginx-error.log')
    old = set(groups()['nginx'][1])
    for argv in (['nginx', '-q', '-t', '-p', nd, '-c', conf, '-e', err],
                 ['nginx', '-p', nd, '-c', conf, '-e', err, '-s', 'reload']):
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        if p.returncode != 0:
            die('%s: %s' % (' '.join(argv), p.stdout.decode()[-300:]))
    # The old workers finish and leave; wait (bounded) for the new ones.
    for _ in range(100):
        now = set(groups()['nginx'][1])
        if now and not (now & old):
            break
        time.sleep(0.1)


def form_fields(form):
    sql = """
    SELECT coalesce(json_agg(json_build_object('name', ff.name, 'kind',
      ff.kind, 'required', ff.required, 'max_length', ff.max_length,
      'sensitive', ff.sensitive, 'options', (SELECT coalesce(json_agg(o.value
        ORDER BY o.position), '[]'::json) FROM vawg.form_option o
        WHERE o.version_id = ff.version_id AND o.field_name = ff.name))
      ORDER BY ff.position), '[]'::json)
    FROM vawg.form f JOIN vawg.form_current c ON c.form_id = f.id
    JOIN vawg.form_field ff ON ff.version_id = c.version_id
    WHERE f.name = '%s'""" % form
    return json.loads(psql(sql))


# Free text of a plausible length: a response of some substance, about
# 1 KB sealed in all across the consultation's questions.
PROSE = ('Schools need to start these conversations earlier, and parents '
         'need help to know what to say and where to find support.')


def answer(f):
    """A valid value (or list of values) for field f."""
    k, opts, n = f['kind'], f['options'], f['max_length']
    if k in ('radio', 'select'):
        return opts[min(1, len(opts) - 1)]
    if k == 'checkboxes':
        return opts[:2]
    if k == 'email':
        return 'respondent@example.org'
    if k == 'tel':
        return '020 7946 0018'
    if k == 'date':
        return '2024-02-29'
    if k == 'textarea':
        return PROSE[:n]
    return ('Bench Respondent ' + f['name'].replace('_', ' '))[:n]


def cmd_answers(args):
    """Writes the POST body (answers only: the token goes in front of it
    per request), the sensitive pairs mkrows seals, and checks the body
    with one real POST, whose row is then removed so the first POST run
    starts from an empty table."""
    form = args[0]
    fields = form_fields(form)
    if not fields:
        die('form %s has no fields' % form)
    parts, pairs = [], []
    for f in fields:
        v = answer(f)
        for x in (v if isinstance(v, list) else [v]):
            parts.append('%s=%s' % (f['name'], quote(x)))
            if f['sensitive']:
                pairs.append('%s\t%s' % (f['name'], x))
    body = '&'.join(parts)
    with open(os.path.join(RUN, form + '.body'), 'w') as f:
        f.write(body + '\n')
    with open(os.path.join(RUN, form + '.pairs'), 'w') as f:
        f.write('\n'.join(pairs) + '\n')
    fig('post.body_bytes', len(body) + len('_token=&_homepage=&') + 86)
    fig('post.sensitive_bytes', sum(len(p.encode()) + 1 for p in pairs))
    st, _, page = req('GET', '/' + form)
    tok = page_token(page)
    if st != 200 or not tok:
        die('GET /%s: %d, token %r' % (form, st, tok))
    st, _, page = req('POST', '/' + form,
                       body='_token=%s&_homepage=&%s' % (tok, body))
    if st != 200:
        die('a valid POST /%s answered %d: %s' % (
            form, st, page.decode(errors='replace')[:300]))
    # The bare responder answers its posts with this page.
    d = os.path.join(VAR, 'bench-static')
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    with open(os.path.join(d, 'confirm.html'), 'wb') as f:
        f.write(page)
    os.chmod(os.path.join(d, 'confirm.html'), 0o644)
    fig('page.confirmation_bytes', len(page))
    row = psql("SELECT length(sealed), length(plain::text) FROM "
               "vawg.submission ORDER BY id DESC LIMIT 1").split('|')
    fig('post.sealed_bytes', row[0])
    fig('post.plain_json_bytes', row[1])
    # Kept for the pgbench script and the generated rows.
    psql("CREATE TABLE IF NOT EXISTS public.bench_sample AS SELECT "
         "version_id, plain, sealed, key_id FROM vawg.submission "
         "ORDER BY id DESC LIMIT 1")
    psql('DELETE FROM vawg.submission')


def parse_wrk(out):
    r = {}
    for tag in ('BENCH', 'TOKENS', 'HARVEST'):
        m = re.search(r'^%s (.*)$' % tag, out, re.M)
        if m:
            for kv in m.group(1).split():
                k, v = kv.split('=')
                r[(tag.lower() + '.' if tag != 'BENCH' else '') + k] = int(v)
    if 'requests' not in r:
        die('wrk printed no BENCH line:\n' + out[-2000:])
    return r


def run_logged(name, argv, env=None, timeout=600):
    """Runs argv, keeps its output in $BENCH_RUN/NAME.out."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env, timeout=timeout)
    out = p.stdout.decode(errors='replace')
    with open(os.path.join(RUN, name + '.out'), 'w') as f:
        f.write(out)
    if p.returncode != 0:
        die('%s exited %d:\n%s' % (argv[0], p.returncode, out[-2000:]))
    return out


def rows_now():
    """(count, max id) of vawg.submission."""
    c, m = psql("SELECT count(*), coalesce(max(id), 0) FROM "
                "vawg.submission").split('|')
    return int(c), int(m)


def wal_now():
    """(records, full-page images, bytes) of WAL written so far."""
    return tuple(int(x) for x in psql(
        'SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal').split('|'))


def access_log_size():
    try:
        return os.path.getsize(os.path.join(VAR, 'log', 'nginx-access.log'))
    except OSError:
        return 0


def access_log_since(offset, method, path):
    """Status counts of method path in nginx's access log past offset."""
    counts = {}
    try:
        with open(os.path.join(VAR, 'log', 'nginx-access.log'), 'rb') as f:
            f.seek(offset)
            want = ('"%s %s"' % (method, path)).encode()
            for line in f:
                if want in line:
                    st = line.split(want, 1)[1].split()[0].decode()
                    counts[st] = counts.get(st, 0) + 1
    except OSError:
        pass
    return counts


def cmd_harvest(args):
    """Tokens for the POST runs: GET the form with wrk and
    bench/harvest.lua until there are WANT per set (or LIMIT seconds
    passed), then deal each thread's tokens out to the sets, so that
    RUN/SET.<thread> is what bench/post.lua's thread <thread> takes.

    harvest PATH WANT LIMIT SET..."""
    path, want, limit, sets = args[0], int(args[1]), int(args[2]), args[3:]
    prefix = os.path.join(RUN, 'harvest')
    per_thread = (want * len(sets) + 1) // 2
    env = dict(os.environ, BENCH_TOKENS=prefix,
               BENCH_WANT_PER_THREAD=str(per_thread))
    # wrk runs for its whole -d even when its threads stopped early: ask
    # for the time the GET rate measured before (at 16 connections, say 60%
    # of it) needs, bounded.
    rate = 0.6 * num(read_figures(os.path.join(RUN, 'figures.txt')),
                     'get_consultation.rps') or 3000
    secs = max(5, min(limit, int(want * len(sets) / rate) + 3))
    out = run_logged('harvest', ['wrk', '-t2', '-c16', '-d%ds' % secs,
                                 '--timeout', '5s', '-s',
                                 os.path.join(BENCH, 'harvest.lua'),
                                 'http://127.0.0.1:%d%s' % (PORT, path)],
                     env=env)
    r = parse_wrk(out)
    if r.get('harvest.bad', 0):
        die('%d form pages without a token' % r['harvest.bad'])
    for t in range(2):
        with open('%s.%d' % (prefix, t)) as f:
            toks = f.read().split()
        k = len(toks) // len(sets)
        for i, name in enumerate(sets):
            with open(os.path.join(RUN, '%s.%d' % (name, t)), 'w') as f:
                f.write('\n'.join(toks[i * k:(i + 1) * k]) + '\n')
        os.remove('%s.%d' % (prefix, t))
    for name in sets:
        n = 0
        for t in range(2):
            with open(os.path.join(RUN, '%s.%d' % (name, t))) as f:
                n += sum(1 for line in f if line.strip())
        fig('%s.tokens' % name, n)
    fig('harvest.seconds', r['duration_us'] / 1e6)


def drop_used_tokens(name, used):
    """Removes the tokens a POST run took (generated requests, answered or
    not) from the front of each thread's file, so the next run of the same
    set starts with fresh ones."""
    for t, n in used.items():
        path = os.path.join(RUN, '%s.%d' % (name, t))
        with open(path) as f:
            toks = f.read().split()
        with open(path, 'w') as f:
            f.write('\n'.join(toks[n:]) + '\n')


def wrk_once(name, path, conns, secs, post=None, delay_ms=0):
    """One wrk run with the CPU window around it; post is (token set, body
    file) for bench/post.lua, delay_ms its pause before each request.
    Returns what it measured."""
    env = dict(os.environ, BENCH_DELAY_MS=str(delay_ms))
    script = os.path.join(BENCH, 'report.lua')
    if post:
        script = os.path.join(BENCH, 'post.lua')
        env['BENCH_TOKENS'] = os.path.join(RUN, post[0]) if post[0] else ''
        env['BENCH_BODY'] = os.path.join(RUN, post[1])
        rows0, maxid0 = rows_now()
        log0 = access_log_size()
        # Every run that writes starts right after a checkpoint, so each
        # pays the same full-page images in the WAL (BENCH_CHECKPOINT=0:
        # wherever the checkpoint cycle happens to be).
        if CHECKPOINT_FIRST:
            psql('CHECKPOINT')
        wal0 = wal_now()
    argv = ['wrk', '-t2', '-c%d' % conns, '-d%ds' % secs, '--timeout', '5s',
            '-s', script, 'http://127.0.0.1:%d%s' % (PORT, path)]
    waited, busy = wait_quiet()
    cpu = CpuWindow()
    cpu.start()
    out = run_logged(name, argv, env=env, timeout=secs + 60)
    cpu.stop()
    r = parse_wrk(out)
    m = {'kind': 'wrk', 'conns': conns, 'requests': r['requests'],
         'ok': r['requests'] - r['non2xx'], 'non2xx': r['non2xx'],
         'socket_errors': r['connect'] + r['read'] + r['write'] +
         r['timeout'], 'seconds': r['duration_us'] / 1e6,
         'p50_ms': r['p50_us'] / 1000, 'p99_ms': r['p99_us'] / 1000,
         'cpu': cpu.seconds(), 'others': cpu.others(), 'waited': waited,
         'busy_before': busy}
    if post:
        # Let the last posts finish before counting rows.
        time.sleep(1)
        log = access_log_since(log0, 'POST', path)
        m.update({
            'wal': [b - a for a, b in zip(wal0, wal_now())],
            'rows_before': rows0,
            'rows_stored': int(psql('SELECT count(*) FROM vawg.submission '
                                    'WHERE id > %d' % maxid0)),
            'nginx_200': log.get('200', 0), 'nginx_499': log.get('499', 0),
            'nginx_other': sum(v for k, v in log.items()
                               if k not in ('200', '499')),
            'tokens_used': r.get('tokens.used', 0),
            'tokens_reused': r.get('tokens.reused', 0)})
        if post[0]:
            drop_used_tokens(post[0], {t: r.get('tokens.used%d' % t, 0)
                                       for t in range(2)})
        else:
            m['tokens_used'] = m['tokens_reused'] = 0
    return m


PGBENCH_SQL = os.path.join(BENCH, 'submit.sql')


def backend_pids():
    """The postmaster's children now (backends and helpers)."""
    pg = pidfile(os.path.join(VAR, 'pgdata', 'postmaster.pid'))
    return {pid for pid, v in all_procs().items() if v[0] == pg}


def pgbench_once(name, clients, secs):
    """pgbench calling vawg.submit() as vawg_public with a row like the
    real ones (the sample's plain JSON and an envelope of the same size),
    prepared, over the same socket, with CLIENTS clients."""
    ver, plain, slen, key = psql(
        "SELECT version_id, plain::text, length(sealed), key_id FROM "
        "public.bench_sample").split('|')
    sealed = '\\x' + os.urandom(int(slen)).hex()
    # pgbench runs as vawgweb, the Unix account PostgreSQL's ident map
    # lets reach vawg_public: its script and logs are in a folder of its
    # own under the data folder, which it can walk down to.
    logdir = os.path.join(VAR, 'bench-' + name + '-log')
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    script = os.path.join(logdir, 'submit.sql')
    shutil.copyfile(PGBENCH_SQL, script)
    shutil.chown(logdir, 'vawgweb')
    shutil.chown(script, 'vawgweb')
    rows0, maxid0 = rows_now()
    if CHECKPOINT_FIRST:
        psql('CHECKPOINT')
    wal0 = wal_now()
    argv = ['runuser', '-u', 'vawgweb', '--',
            'pgbench', '-h', os.path.join(VAR, 'run'), '-U', 'vawg_public',
            '-n', '-M', 'prepared', '-c', str(clients),
            '-j', str(min(clients, 2)), '-T', str(secs),
            '-f', script, '-D', 'version=' + ver, '-D', 'plain=' + plain,
            '-D', 'sealed=' + sealed, '-D', 'key_id=' + key,
            '-l', '--log-prefix', os.path.join(logdir, 'tx'), 'vawg']
    waited, busy = wait_quiet()
    before = backend_pids()
    cpu = CpuWindow()
    cpu.start()
    out = run_logged(name, argv, timeout=secs + 120)
    # Wait (bounded) for pgbench's backends to leave, so their CPU is in
    # the postmaster's reaped-children ticks when the window closes.
    for _ in range(50):
        if not backend_pids() - before:
            break
        time.sleep(0.1)
    cpu.stop()
    n = re.search(r'number of transactions actually processed: (\d+)', out)
    fail = re.search(r'number of failed transactions: (\d+)', out)
    tps = re.search(r'tps = ([\d.]+) \(without initial connection time\)',
                    out)
    if not n or not tps:
        die('pgbench output not understood:\n' + out[-1500:])
    lat = []
    for fn in os.listdir(logdir):
        if not fn.startswith('tx'):
            continue
        with open(os.path.join(logdir, fn)) as f:
            for line in f:
                p = line.split()
                if len(p) >= 3:
                    lat.append(int(p[2]) / 1000)
    shutil.rmtree(logdir, ignore_errors=True)
    lat.sort()
    time.sleep(1)       # the backends' WAL statistics reach pg_stat_wal
    return {'kind': 'pgbench', 'conns': clients,
            'wal': [b - a for a, b in zip(wal0, wal_now())],
            'requests': int(n.group(1)), 'ok': int(n.group(1)),
            'non2xx': int(fail.group(1)) if fail else 0, 'socket_errors': 0,
            'seconds': int(n.group(1)) / float(tps.group(1)),
            'p50_ms': pct(lat, 50), 'p99_ms': pct(lat, 99),
            'cpu': cpu.seconds(), 'others': cpu.others(), 'waited': waited,
            'busy_before': busy, 'rows_before': rows0,
            'rows_stored': int(psql('SELECT count(*) FROM vawg.submission '
                                    'WHERE id > %d' % maxid0)),
            'sealed_bytes': int(slen)}


def pct(sorted_vals, p):
    if not sorted_vals:
        return 0.0
    return sorted_vals[min(len(sorted_vals) - 1,
                           int(len(sorted_vals) * p / 100))]


def record(name, runs):
    """Figures for a measurement made of one or more runs (rounds): req/s,
    p50 and p99 are the medians of the rounds; errors, rows and CPU are
    summed, CPU per request over all rounds' requests."""
    med = statistics.median
    n = sum(m['requests'] for m in runs)
    rps = [m['ok'] / m['seconds'] for m in runs]
    fig('%s.rounds' % name, len(runs))
    fig('%s.%s' % (name, 'clients' if runs[0]['kind'] == 'pgbench' else
                   'connections'), runs[0]['conns'])
    fig('%s.requests' % name, n)
    # Only answers that did their job count: a 502 is not a page served.
    fig('%s.rps' % name, med(rps))
    fig('%s.rps_rounds' % name, ' '.join('%.0f' % x for x in rps))
    fig('%s.p50_ms' % name, med([m['p50_ms'] for m in runs]))
    fig('%s.p99_ms' % name, med([m['p99_ms'] for m in runs]))
    fig('%s.p99_ms_rounds' % name, ' '.join('%.1f' % m['p99_ms']
                                            for m in runs))
    non2xx = sum(m['non2xx'] for m in runs)
    sock = sum(m['socket_errors'] for m in runs)
    fig('%s.errors' % name, non2xx + sock)
    fig('%s.non2xx' % name, non2xx)
    fig('%s.socket_errors' % name, sock)
    cpu = {}
    for m in runs:
        for k, v in m['cpu'].items():
            cpu[k] = cpu.get(k, 0) + v
    for k in ('worker', 'nginx', 'pg', 'admin', 'client', 'other'):
        fig('%s.cpu_%s_us' % (name, k), cpu[k] * 1e6 / n if n else 0.0)
    ncpu = os.cpu_count() or 1
    fig('%s.machine_busy_pct' % name,
        100.0 * cpu['machine'] / (cpu['wall'] * ncpu))
    fig('%s.other_busy_pct' % name, 100.0 * cpu['other'] /
        (cpu['wall'] * ncpu))
    others = {}
    for m in runs:
        for k, v in m['others'].items():
            others[k] = others.get(k, 0) + v
    fig('%s.other_top' % name, top_others(others))
    fig('%s.other_busy_pct_rounds' % name, ' '.join(
        '%.0f' % (100.0 * m['cpu']['other'] / (m['cpu']['wall'] * ncpu))
        for m in runs))
    fig('%s.quiet_wait_s' % name, sum(m['waited'] for m in runs))
    if 'wal' in runs[0]:
        wal = [sum(m['wal'][i] for m in runs) for i in range(3)]
        fig('%s.wal_records_per_req' % name, wal[0] / n if n else 0.0)
        fig('%s.wal_fpi_per_req' % name, wal[1] / n if n else 0.0)
        fig('%s.wal_bytes_per_req' % name, wal[2] / n if n else 0.0)
    if 'rows_stored' in runs[0]:
        fig('%s.rows_before' % name, runs[0]['rows_before'])
        fig('%s.rows_stored' % name, sum(m['rows_stored'] for m in runs))
    if runs[0]['kind'] == 'pgbench':
        fig('%s.sealed_bytes' % name, runs[0]['sealed_bytes'])
        fig('%s.rows_match' % name, 'yes' if all(
            m['rows_stored'] == m['requests'] for m in runs) else 'NO')
    elif 'nginx_200' in runs[0]:
        tot = {k: sum(m[k] for m in runs) for k in (
            'nginx_200', 'nginx_499', 'nginx_other', 'tokens_used',
            'tokens_reused', 'ok')}
        # What wrk read before its stop, and what nginx answered: wrk
        # stops on the clock, so up to one answer per connection was sent
        # but not read, and posts still in flight were cut off (nginx logs
        # 499; the worker still stores the row).
        fig('%s.confirmed_200' % name, tot['ok'])
        fig('%s.nginx_200' % name, tot['nginx_200'])
        fig('%s.cut_at_stop_499' % name, tot['nginx_499'])
        fig('%s.nginx_other' % name, tot['nginx_other'])
        fig('%s.tokens_used' % name, tot['tokens_used'])
        fig('%s.tokens_reused' % name, tot['tokens_reused'])
        # Every confirmation has its row, and no row lacks a post.
        fig('%s.rows_match' % name, 'yes' if all(
            m['rows_stored'] == m['nginx_200'] + m['nginx_499'] and
            m['ok'] <= m['nginx_200'] <= m['ok'] + m['conns'] and
            m['tokens_reused'] == 0 for m in runs) else 'NO')


def cmd_rounds(args):
    """Measurements side by side: ROUNDS rounds, each running every SPEC
    once for SECS seconds, in an order that rotates from round to round,
    so a disturbance on the machine (other work) falls on all of them
    alike.  A SPEC is one of

      NAME:get:PATH:CONNS
      NAME:post:PATH:CONNS:TOKENSET:BODYFILE[:PACE]
      NAME:postbare:PATH:CONNS:BODYFILE   (the bare responder: no tokens)
      NAME:pgbench:CLIENTS

    A GET run that other work disturbed (more than DISTURBED_PCT of the
    machine) is run again, up to GET_RETRIES times, and the least disturbed
    attempt kept; POST runs are not (they would spend tokens and add rows).
    PACE, if given, is another measurement's name: the run posts at half
    the rate that one reached (each connection pausing between requests),
    for the latency at a given rate instead of at saturation.

    rounds ROUNDS SECS SPEC..."""
    rounds, secs = int(args[0]), int(args[1])
    specs = [a.split(':') for a in args[2:]]
    runs = {sp[0]: [] for sp in specs}
    ncpu = os.cpu_count() or 1

    def other_pct(m):
        return 100.0 * m['cpu']['other'] / (m['cpu']['wall'] * ncpu)

    for r in range(rounds):
        k = r % len(specs)
        for sp in specs[k:] + specs[:k]:
            name, kind = sp[0], sp[1]
            tag = '%s.r%d' % (name, r + 1)
            tries = 1 + (GET_RETRIES if kind == 'get' else 0)
            best = None
            for attempt in range(tries):
                if kind == 'get':
                    m = wrk_once(tag, sp[2], int(sp[3]), secs)
                elif kind == 'post':
                    delay = 0
                    if len(sp) > 6:
                        rate = num(read_figures(os.path.join(
                            RUN, 'figures.txt')), sp[6] + '.rps') / 2
                        delay = int(int(sp[3]) * 1000 / max(1, rate))
                        fig('%s.pace_delay_ms' % name, delay)
                    m = wrk_once(tag, sp[2], int(sp[3]), secs,
                                 (sp[4], sp[5]), delay)
                elif kind == 'postbare':
                    m = wrk_once(tag, sp[2], int(sp[3]), secs, ('', sp[4]))
                elif kind == 'pgbench':
                    m = pgbench_once(tag, int(sp[2]), secs)
                else:
                    die('unknown kind %s' % kind)
                print('  %s: %.0f req/s, p99 %.1f ms, errors %d, other %.0f%%'
                      % (tag, m['ok'] / m['seconds'], m['p99_ms'],
                         m['non2xx'] + m['socket_errors'], other_pct(m)),
                      flush=True)
                if best is None or other_pct(m) < other_pct(best):
                    best = m
                if other_pct(m) <= DISTURBED_PCT:
                    break
            runs[name].append(best)
    for sp in specs:
        record(sp[0], runs[sp[0]])


def cmd_mem(args):
    """Each public worker's private memory now, KiB."""
    name = args[0]
    workers = groups()['worker'][1]
    vals = sorted(private_kib(p) for p in workers)
    fig('%s.worker_private_kib' % name, ' '.join(str(v) for v in vals))
    fig('%s.worker_private_max_kib' % name, max(vals) if vals else 0)
    fig('%s.worker_rss_max_kib' % name,
        max(status_kib(p, 'VmRSS') for p in workers))


def cmd_load(args):
    """Loads rows straight into the table (no HTTP), as postgres:

      EXPORT rows made by bench/mkrows (real envelopes, sealed with the
        service's own code, that the admin pool opens), EXPORT_SMALL of
        them on day D and the rest on day D+1;
      the rest up to TOTAL with generate_series: 16-byte idem keys, valid
        references, the real key id and plain JSON, and a copy of a real
        envelope (same size; it would not open for another row, and is
        never exported), on days before D.

    Then VACUUM ANALYZE and a CHECKPOINT, so the next run measures the
    table, not the load's aftermath.

    load TOTAL EXPORT EXPORT_SMALL MKROWS"""
    total, export, small, mkrows = (int(args[0]), int(args[1]), int(args[2]),
                                    args[3])
    t0 = time.monotonic()
    ver, plain, key = psql("SELECT version_id, plain::text, key_id FROM "
                           "public.bench_sample").split('|')
    day1 = psql("SELECT (now() AT TIME ZONE 'Europe/London')::date - 10")
    day2 = psql("SELECT (now() AT TIME ZONE 'Europe/London')::date - 9")
    with open(os.path.join(RUN, 'export-days'), 'w') as f:
        f.write('%s %s\n' % (day1, day2))
    # Two sealing processes (one per core), each feeding its own COPY.
    halves = [(small // 2, (export - small) // 2),
              (small - small // 2, (export - small) - (export - small) // 2)]
    procs = []
    for a, b in halves:
        mk = subprocess.Popen([mkrows, os.path.join(VAR, 'keys',
                                                    'service.pub'),
                               'consultation', ver, plain,
                               os.path.join(RUN, 'consultation.pairs'),
                               '%s:%d' % (day1, a), '%s:%d' % (day2, b)],
                              stdout=subprocess.PIPE)
        cp = subprocess.Popen(
            ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h',
             os.path.join(VAR, 'run'), '-U', 'postgres', '-d', 'vawg', '-c',
             'COPY vawg.submission (version_id, idem_key, reference, '
             'created_at, plain, sealed, key_id) FROM STDIN'],
            stdin=mk.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        mk.stdout.close()
        procs.append((mk, cp))
    for mk, cp in procs:
        _, err = cp.communicate(timeout=PSQL_TIMEOUT)
        if mk.wait(timeout=60) != 0 or cp.returncode != 0:
            die('loading sealed rows failed: %s' % err.decode()[:300])
    t1 = time.monotonic()
    filler = total - export
    psql("""
    INSERT INTO vawg.submission (version_id, idem_key, reference, created_at,
        plain, sealed, key_id)
    SELECT s.version_id, decode(md5('bench-' || i), 'hex'),
        translate(substr(upper(md5('ref-' || i)), 1, 4) || '-' ||
            substr(upper(md5('ref-' || i)), 5, 4), '01', 'YZ'),
        ('%s'::date - 1 - (i %% 300)) + interval '2 hours' +
            (i %% 1000) * interval '72 seconds',
        s.plain, s.sealed, s.key_id
    FROM public.bench_sample s, generate_series(1, %d) i
    """ % (day1, filler))
    t2 = time.monotonic()
    psql('VACUUM (ANALYZE) vawg.submission')
    psql('CHECKPOINT')
    t3 = time.monotonic()
    fig('load.sealed_rows', export)
    fig('load.generated_rows', filler)
    fig('load.rows_now', rows_now()[0])
    fig('load.table_mib', int(psql(
        "SELECT pg_total_relation_size('vawg.submission') / 1048576")))
    fig('load.seconds_sealed_copy', t1 - t0)
    fig('load.seconds_generate_series', t2 - t1)
    fig('load.seconds_vacuum_checkpoint', t3 - t2)


def totp(secret):
    s = secret.strip().upper()
    key = base64.b32decode(s + '=' * (-len(s) % 8))
    mac = hmac.new(key, struct.pack('>Q', int(time.time() // 30)),
                   'sha1').digest()
    o = mac[-1] & 0x0f
    return '%06d' % ((struct.unpack('>I', mac[o:o + 4])[0] & 0x7fffffff) %
                     1000000)


def sign_in():
    """The dev admin's session cookie (kept for the run: a TOTP code
    works once per account)."""
    path = os.path.join(RUN, 'admin-cookie')
    if os.path.exists(path):
        with open(path) as f:
            return f.read().strip()
    with open(os.path.join(VAR, 'admin-password')) as f:
        pw = f.read().strip()
    with open(os.path.join(VAR, 'admin-totp')) as f:
        secret = f.read().strip()
    st, _, page = req('GET', '/admin/login')
    tok = page_token(page)
    if st != 200 or not tok:
        die('GET /admin/login: %d' % st)
    body = '_token=%s&username=admin&password=%s&code=%s' % (
        tok, quote(pw), totp(secret))
    st, hdrs, page = req('POST', '/admin/login', body=body)
    cookie = None
    for k, v in hdrs:
        if k.lower() == 'set-cookie' and v.startswith('vawg_admin='):
            cookie = v.split(';', 1)[0]
    if st != 303 or not cookie:
        die('signing in as admin: %d %s' % (st, page.decode()[:300]))
    with open(path, 'w') as f:
        f.write(cookie + '\n')
    return cookie


def dashboard_csrf(cookie):
    """The session's synchronizer token, from the dashboard's forms."""
    st, _, page = req('GET', '/admin/', headers={'Cookie': cookie})
    m = re.search(rb'name="_csrf" value="([^"]+)"', page)
    if st != 200 or not m:
        die('GET /admin/: %d, no _csrf' % st)
    return m.group(1).decode()


def export_log_line(offset):
    """(rows, not opened) from the admin log's line for the export."""
    with open(os.path.join(VAR, 'log', 'admin.log'), 'rb') as f:
        f.seek(offset)
        text = f.read().decode(errors='replace')
    m = re.findall(r'export of \S+: (\d+) rows, (\d+) not opened', text)
    if not m:
        die('no "export of" line in admin.log:\n' + text[-800:])
    return int(m[-1][0]), int(m[-1][1])


def cmd_signin(args):
    """Signs the dev admin in once, before the admin pool is restarted
    for the exports, so the sign-in's work is in no export's figures."""
    sign_in()
    fig('admin.signed_in', 'yes')


def cmd_export(args):
    """One export through nginx and the admin pool (decrypting), signed in
    as the dev admin.  The pool was just restarted, so its workers' VmHWM
    is this export's peak.  Memory is also sampled every 20 ms while the
    stream runs.

    export NAME DAY_FROM DAY_TO"""
    name, frm, to = args[0], args[1], args[2]
    if frm == 'day1' or to in ('day1', 'day2'):
        with open(os.path.join(RUN, 'export-days')) as f:
            d1, d2 = f.read().split()
        frm = d1
        to = {'day1': d1, 'day2': d2}[to]
    cookie = sign_in()
    csrf = dashboard_csrf(cookie)
    want = int(psql(
        "SELECT count(*) FROM vawg.submission s JOIN vawg.form_version v ON "
        "v.id = s.version_id JOIN vawg.form f ON f.id = v.form_id WHERE "
        "f.name = 'consultation' AND s.created_at >= ('%s'::date::timestamp "
        "AT TIME ZONE 'Europe/London') AND s.created_at < (('%s'::date + 1)"
        "::timestamp AT TIME ZONE 'Europe/London')" % (frm, to)))
    workers = groups()['admin'][1]
    base = {p: status_kib(p, 'VmHWM') for p in workers}
    logoff = os.path.getsize(os.path.join(VAR, 'log', 'admin.log'))
    peak_priv, peak_rss, stop = {}, {}, threading.Event()

    def sample():
        for _ in range(30000):          # 10 minutes at most
            for p in workers:
                peak_priv[p] = max(peak_priv.get(p, 0), private_kib(p))
                peak_rss[p] = max(peak_rss.get(p, 0), status_kib(p, 'VmRSS'))
            if stop.wait(0.02):
                break

    th = threading.Thread(target=sample, daemon=True)
    waited, busy = wait_quiet()
    fig('%s.quiet_wait_s' % name, waited)
    cpu = CpuWindow()
    cpu.start()
    th.start()
    t0 = time.monotonic()
    # curl reads the stream and throws it away: the cheapest client.
    # The export is a POST carrying the session's CSRF token (issue 14).
    p = subprocess.run(
        ['curl', '-sS', '-o', '/dev/null', '--max-time', '300',
         '-H', 'Cookie: ' + cookie, '-w',
         '%{http_code} %{size_download} %{content_type}',
         '--data', 'form=consultation&from=%s&to=%s&format=csv&_csrf=%s'
         % (frm, to, quote(csrf)),
         'http://127.0.0.1:%d/admin/export' % PORT],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=330)
    t1 = time.monotonic()
    stop.set()
    th.join(5)
    cpu.stop()
    w = p.stdout.decode().split(' ', 2)
    if p.returncode != 0 or w[0] != '200' or 'text/csv' not in w[2]:
        die('POST /admin/export: %s %s' % (p.stdout.decode(),
                                           p.stderr.decode()[:300]))
    nbytes = int(w[1])
    time.sleep(0.2)
    rows, failed = export_log_line(logoff)
    c1 = cpu.seconds()
    # The worker that served it is the one that used CPU.
    p1 = all_procs()
    served = max(workers, key=lambda p: p1.get(p, (0, '', 0))[2] -
                 cpu.p0.get(p, (0, '', 0))[2])
    fig('%s.rows_expected' % name, want)
    fig('%s.rows' % name, rows)
    fig('%s.not_opened' % name, failed)
    fig('%s.bytes' % name, nbytes)
    fig('%s.seconds' % name, t1 - t0)
    fig('%s.rows_per_s' % name, rows / (t1 - t0))
    fig('%s.hwm_before_kib' % name, base.get(served, 0))
    fig('%s.peak_hwm_kib' % name, status_kib(served, 'VmHWM'))
    fig('%s.peak_private_kib' % name, peak_priv.get(served, 0))
    fig('%s.peak_rss_sampled_kib' % name, peak_rss.get(served, 0))
    for k in ('admin', 'pg', 'nginx', 'client', 'other'):
        fig('%s.cpu_%s_us_per_row' % (name, k),
            c1[k] * 1e6 / rows if rows else 0.0)
    ncpu = os.cpu_count() or 1
    fig('%s.other_busy_pct' % name, 100.0 * c1['other'] /
        (c1['wall'] * ncpu))
    fig('%s.other_top' % name, top_others(cpu.others()))
    if rows != want or failed:
        die('export %s: %d rows of %d, %d not opened' % (name, rows, want,
                                                         failed))


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

TARGETS = (
    # (name, ratio or figure, op, target, what)
    ('get_over_static', '>=', 0.30, 'GET /consultation / static page (64 c)'),
    ('get_over_bare', '>=', round(1 / 1.1, 3), 'GET /consultation / bare '
     'responder (≤ 10% over it)'),
    ('post_over_pgbench', '>=', 0.42, 'POST / pgbench submit() (same '
     'concurrency)'),
    ('post_worker_cpu_us', '<=', 120, 'worker CPU per POST, µs'),
    ('post_p99_ms', '<=', 20, 'POST p99 at 64 connections, ms'),
    ('post_errors', '<=', 0, 'POST errors (both runs)'),
    ('post_1m_over_post_0', '>=', 0.95, 'POST req/s at 1M rows / at 0 rows'),
    ('worker_private_max_mib', '<=', 2.0, 'private memory per worker, MiB'),
    ('export_peak_mib_100k', '<=', 16.0, 'export peak memory at 100k, MiB'),
    ('export_peak_growth_mib', '<=', 1.0, 'export peak 100k − 10k, MiB '
     '(flat)'),
    ('export_rows_per_s', '>=', 20000, 'export rows/s (100k, decrypting)'),
    ('post_service_over_peer', '>=', 1.5, 'POST req/s service / PHP-FPM peer '
     '(64 c)'),
    ('post_p99_service_over_peer', '<=', 1.0, 'POST p99 service / PHP-FPM '
     'peer'),
    ('overload_2x_confirmed_ratio', '>=', 0.9, 'confirmed/s at 2x offered / '
     'peak'),
    ('overload_4x_confirmed_ratio', '>=', 0.9, 'confirmed/s at 4x offered / '
     'peak'),
    ('overload_non_2xx_503', '<=', 0, 'past saturation: answers not '
     '200/303/503'),
    ('overload_confirmed_not_stored', '<=', 0, 'past saturation: confirmed '
     'but not stored'),
    ('overload_4x_referral_p99_ms', '<=', 100, 'GET /referral p99 during the '
     '4x flood, ms'),
)


def num(fg, k, default=0.0):
    try:
        return float(fg[k])
    except (KeyError, ValueError):
        return default


def cmd_report(args):
    fg = read_figures(os.path.join(RUN, 'figures.txt'))

    def ratio(a, b):
        return num(fg, a + '.rps') / max(1, num(fg, b + '.rps'))

    r = {}
    for key, a, b in (
            ('get_over_static', 'get_consultation', 'static_64'),
            ('get_referral_over_static', 'get_referral', 'static_64'),
            ('get_over_bare', 'get_consultation', 'get_bare'),
            ('bare_over_static', 'get_bare', 'static_64'),
            ('post_over_pgbench', 'post_0', 'pgbench'),
            ('post_over_bare', 'post_0', 'post_bare'),
            ('bare_post_over_pgbench', 'post_bare', 'pgbench'),
            ('post_1m_over_post_0', 'post_1m', 'post_0')):
        r[key] = ratio(a, b)
    r['post_1m_over_post_0_p99'] = (num(fg, 'post_1m.p99_ms') /
                                    max(1e-9, num(fg, 'post_0.p99_ms')))
    r['post_worker_cpu_us'] = max(num(fg, 'post_0.cpu_worker_us'),
                                  num(fg, 'post_1m.cpu_worker_us'))
    r['post_p99_ms'] = max(num(fg, 'post_0.p99_ms'), num(fg, 'post_1m.p99_ms'))
    r['post_errors'] = num(fg, 'post_0.errors') + num(fg, 'post_1m.errors')
    r['worker_private_max_mib'] = max(
        num(fg, 'mem_after_get.worker_private_max_kib'),
        num(fg, 'mem_after_post.worker_private_max_kib'),
        num(fg, 'mem_end.worker_private_max_kib')) / 1024
    r['export_peak_mib_100k'] = num(fg, 'export_100k.peak_hwm_kib') / 1024
    r['export_peak_mib_10k'] = num(fg, 'export_10k.peak_hwm_kib') / 1024
    r['export_peak_growth_mib'] = (r['export_peak_mib_100k'] -
                                   r['export_peak_mib_10k'])
    r['export_rows_per_s'] = num(fg, 'export_100k.rows_per_s')
    r['export_time_ratio_100k_10k'] = (num(fg, 'export_100k.seconds') /
                                       max(1e-9, num(fg, 'export_10k.seconds')))
    r.update(peer_ratios(fg))
    r.update(overload_ratios(fg))

    lines, disturbed = [], []
    w = lines.append
    w('make bench: %s, %s CPUs (%s), %s GiB; load before %s' % (
        fg.get('run.started', '?'), fg.get('machine.nproc', '?'),
        fg.get('machine.cpu', '?'), fg.get('machine.mem_gib', '?'),
        fg.get('machine.loadavg_1m_before', '?')))
    w('build: commit %s%s' % (fg.get('run.commit', '?'), (
        ' + uncommitted changes in ' + fg['run.uncommitted'])
        if fg.get('run.uncommitted', '').strip() else ''))
    w('stack: %s public workers, nginx (production configuration, no TLS), '
      'min fill %s s, POST rate limit %s burst %s (raised so that nginx\'s '
      'limit is not what is measured)' % (
          fg.get('run.workers', '?'), fg.get('run.min_fill', '?'),
          fg.get('run.post_rate', '?'), fg.get('run.post_burst', '?')))
    w('')
    hdr = ('%-30s %5s %9s %8s %8s %6s | %7s %7s %7s %7s %7s | %6s' % (
        'run', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'errors',
        'worker', 'nginx', 'pg', 'client', 'other', 'other'))
    w(hdr)
    w('%-30s %5s %9s %8s %8s %6s | %-39s | %s' % (
        '', '', '(ok)', '', '', '', '    CPU µs per request', 'busy %'))
    w('-' * len(hdr))
    rows = (('static_64', 'static copy (nginx)'),
            ('static_256', 'static copy (nginx)'),
            ('get_bare', 'bare FastCGI responder, copy'),
            ('get_consultation', 'GET /consultation'),
            ('get_consultation_256', 'GET /consultation'),
            ('get_referral', 'GET /referral'),
            ('get_referral_peer', 'PHP-FPM peer GET referral'),
            ('post_bare', 'bare responder POST (seal+row)'),
            ('post_0', 'POST /consultation, 0 rows'),
            ('post_peer', 'PHP-FPM peer POST, same rounds'),
            ('post_0_paced', 'POST, paced at half that rate'),
            ('pgbench', 'pgbench vawg.submit()'),
            ('post_1m', 'POST /consultation, 1M rows'))
    for key, label in rows:
        if key + '.rps' not in fg:
            continue
        conns = fg.get(key + '.connections', fg.get(key + '.clients', ''))
        w('%-30s %5s %9.0f %8.2f %8.2f %6d | %7.0f %7.0f %7.0f %7.0f %7.0f '
          '| %6.1f' % (
              label, conns, num(fg, key + '.rps'), num(fg, key + '.p50_ms'),
              num(fg, key + '.p99_ms'), int(num(fg, key + '.errors')),
              num(fg, key + '.cpu_worker_us'), num(fg, key + '.cpu_nginx_us'),
              num(fg, key + '.cpu_pg_us'), num(fg, key + '.cpu_client_us'),
              num(fg, key + '.cpu_other_us'),
              num(fg, key + '.other_busy_pct')))
        if num(fg, key + '.other_busy_pct') > DISTURBED_PCT:
            disturbed.append('%s (%s)' % (key, fg.get(key + '.other_top')))
    w('')
    w('"other": CPU the machine spent outside the benchmark\'s processes '
      '(kernel threads, anything else running) per request, and as a share '
      'of both cores.')
    if disturbed:
        w('DISTURBED (other > %d%% of the machine): %s' % (
            DISTURBED_PCT, '; '.join(disturbed)))
    w('')
    for key in ('post_bare', 'post_0', 'post_peer', 'post_0_paced',
                'post_1m'):
        if key + '.rows_stored' in fg:
            w('%s: %s rows stored = %s answered 200 by nginx (%s of them '
              'read by wrk before its stop) + %s cut off at the stop (499: '
              'stored, answer never sent); %s other statuses; tokens used %s, '
              'reused %s; rows match: %s (table had %s rows before)' % (
                  key, fg.get(key + '.rows_stored'),
                  fg.get(key + '.nginx_200'), fg.get(key + '.confirmed_200'),
                  fg.get(key + '.cut_at_stop_499'),
                  fg.get(key + '.nginx_other'),
                  fg.get(key + '.tokens_used'),
                  fg.get(key + '.tokens_reused'),
                  fg.get(key + '.rows_match'), fg.get(key + '.rows_before')))
    w('WAL per request (records, full-page images, bytes; each writing run '
      'starts after a CHECKPOINT): ' + '; '.join(
          '%s %.1f, %.2f, %.0f' % (k, num(fg, k + '.wal_records_per_req'),
                                   num(fg, k + '.wal_fpi_per_req'),
                                   num(fg, k + '.wal_bytes_per_req'))
          for k in ('post_0', 'pgbench', 'post_1m')
          if k + '.wal_bytes_per_req' in fg))
    if 'post_0.rps' in fg:
        w('Little\'s law: wrk keeps 64 requests in flight, so the mean '
          'POST latency is 64 / req/s = %.1f ms at 0 rows; p99 <= 20 ms at '
          '64 connections needs more than %.0f req/s even with no spread '
          'at all.  At half the rate (%.0f req/s reached, paced) p50 %.2f '
          'ms, p99 %.2f ms.' % (
              64000 / max(1, num(fg, 'post_0.rps')), 64000 / 20,
              num(fg, 'post_0_paced.rps'), num(fg, 'post_0_paced.p50_ms'),
              num(fg, 'post_0_paced.p99_ms')))
    w('req/s of each round: ' + '; '.join(
        '%s %s' % (k, fg[k + '.rps_rounds']) for k, _ in rows
        if k + '.rps_rounds' in fg and num(fg, k + '.rounds') > 1))
    if 'pgbench.rows_stored' in fg:
        w('pgbench: %s rows stored for %s transactions (match: %s); '
          'envelope %s bytes (real POST: %s)' % (
              fg.get('pgbench.rows_stored'), fg.get('pgbench.requests'),
              fg.get('pgbench.rows_match'), fg.get('pgbench.sealed_bytes'),
              fg.get('post.sealed_bytes')))
    w('public workers\' private memory (KiB): after GET %s; after POST %s; '
      'at the end %s' % (fg.get('mem_after_get.worker_private_kib', '?'),
                         fg.get('mem_after_post.worker_private_kib', '?'),
                         fg.get('mem_end.worker_private_kib', '?')))
    for key in ('export_10k', 'export_100k'):
        if key + '.rows' in fg:
            w('%s: %s rows in %.2f s = %.0f rows/s, %s not opened, %.1f MB; '
              'admin worker VmHWM %.1f MiB (%.1f before), private peak '
              '%.1f MiB; admin CPU %.0f µs/row, pg %.0f µs/row' % (
                  key, fg.get(key + '.rows'), num(fg, key + '.seconds'),
                  num(fg, key + '.rows_per_s'), fg.get(key + '.not_opened'),
                  num(fg, key + '.bytes') / 1e6,
                  num(fg, key + '.peak_hwm_kib') / 1024,
                  num(fg, key + '.hwm_before_kib') / 1024,
                  num(fg, key + '.peak_private_kib') / 1024,
                  num(fg, key + '.cpu_admin_us_per_row'),
                  num(fg, key + '.cpu_pg_us_per_row')))
    w('load: %s rows in the table for post_1m (%s sealed by mkrows, %s by '
      'generate_series), %s MiB' % (
          fg.get('load.rows_now', '?'), fg.get('load.sealed_rows', '?'),
          fg.get('load.generated_rows', '?'), fg.get('load.table_mib', '?')))
    w('')
    w('ratios: GET/static %.3f (referral %.3f; bare responder/static %.3f, '
      'GET/bare %.3f), POST/pgbench %.3f (bare responder POST/pgbench '
      '%.3f, POST/bare %.3f), POST(1M)/POST(0) %.3f (p99 %.2f×), export '
      'time 100k/10k %.2f' % (
          r['get_over_static'], r['get_referral_over_static'],
          r['bare_over_static'], r['get_over_bare'],
          r['post_over_pgbench'], r['bare_post_over_pgbench'],
          r['post_over_bare'], r['post_1m_over_post_0'],
          r['post_1m_over_post_0_p99'], r['export_time_ratio_100k_10k']))
    peer_lines(fg, r, w)
    overload_lines(fg, r, w)
    w('')
    w('%-52s %10s %10s  %s' % ('target', 'measured', 'target', ''))
    met = 0
    for key, op, target, what in TARGETS:
        v = r[key]
        ok = v >= target if op == '>=' else v <= target
        met += ok
        w('%-52s %10.3f %3s %6g  %s' % (what, v, op, target,
                                        'met' if ok else 'MISSED'))
        r['target.' + key] = 'met' if ok else 'missed'
    w('%d of %d targets met' % (met, len(TARGETS)))
    if 'post_bare.rps' in fg:
        w('for comparison, the bare responder (no forms logic): %.0f µs of '
          'worker CPU per POST, %.0f per GET; the pool: %.0f and %.0f' % (
              num(fg, 'post_bare.cpu_worker_us'),
              num(fg, 'get_bare.cpu_worker_us'),
              num(fg, 'post_0.cpu_worker_us'),
              num(fg, 'get_consultation.cpu_worker_us')))
    text = '\n'.join(lines)
    print(text)
    with open(os.path.join(RUN, 'table.txt'), 'w') as f:
        f.write(text + '\n')
    latest = os.path.join(BENCH, 'results', 'latest.txt')
    with open(latest + '.tmp', 'w') as f:
        for k, v in fg.items():
            f.write('%s: %s\n' % (k, v))
        for k, v in r.items():
            f.write('ratio.%s: %s\n' % (k, ('%.4f' % v) if isinstance(
                v, float) else v) if not k.startswith('target.') else
                '%s: %s\n' % (k, v))
    os.replace(latest + '.tmp', latest)
    print('\nfigures: %s' % latest)


CPU_SERVER = ('worker', 'nginx', 'pg')


def peer_ratios(fg):
    """service / PHP-FPM peer, for the POST and the referral's GET, from
    the same interleaved rounds: req/s, p99, CPU per request (worker,
    nginx and PostgreSQL together, and the worker alone)."""
    r = {}
    for key, a, b in (('post', 'post_0', 'post_peer'),
                      ('get_referral', 'get_referral', 'get_referral_peer')):
        if b + '.rps' not in fg:
            r['%s_service_over_peer' % key] = 0.0
            r['%s_p99_service_over_peer' % key] = 0.0
            continue
        r['%s_service_over_peer' % key] = (num(fg, a + '.rps') /
                                           max(1, num(fg, b + '.rps')))
        r['%s_p99_service_over_peer' % key] = (
            num(fg, a + '.p99_ms') / max(1e-9, num(fg, b + '.p99_ms')))
        r['%s_cpu_service_over_peer' % key] = (
            sum(num(fg, '%s.cpu_%s_us' % (a, k)) for k in CPU_SERVER) /
            max(1e-9, sum(num(fg, '%s.cpu_%s_us' % (b, k))
                          for k in CPU_SERVER)))
        r['%s_worker_cpu_service_over_peer' % key] = (
            num(fg, a + '.cpu_worker_us') /
            max(1e-9, num(fg, b + '.cpu_worker_us')))
    return r


def peer_lines(fg, r, w):
    if 'post_peer.rps' not in fg:
        return
    w('')
    w('PHP-FPM peer (bench/peer/: %s; %s), service / peer in the same '
      'rounds:' % (fg.get('peer.php_fpm', '?'), fg.get('peer.settings', '?')))
    for key, what in (('post', 'POST /consultation'),
                      ('get_referral', 'GET /referral')):
        if '%s_cpu_service_over_peer' % key in r:
            w('  %-20s req/s %.2f×, p99 %.2f×, CPU per request (worker + '
              'nginx + pg) %.2f×, worker alone %.2f×' % (
                  what, r['%s_service_over_peer' % key],
                  r['%s_p99_service_over_peer' % key],
                  r['%s_cpu_service_over_peer' % key],
                  r['%s_worker_cpu_service_over_peer' % key]))
    w('  smoke before measuring: peer envelopes open with the service key '
      'to the same answers %s, same plain JSON %s, same envelope length %s, '
      'reference from the nonce %s, same confirmation length %s' % tuple(
          fg.get('peer.smoke.' + k, '?') for k in (
              'answers_open_the_same', 'plain_same', 'envelope_length_same',
              'reference_from_nonce', 'confirmation_length_same')))


def overload_ratios(fg):
    levels = fg.get('overload.levels', '').split()
    peak = max([num(fg, 'overload.capacity_rps')] +
               [num(fg, 'overload_%sx.confirmed_per_s' % m) for m in levels
                if m == '1'])
    r = {'overload_peak_rps': peak}
    for m in ('2', '4'):
        r['overload_%sx_confirmed_ratio' % m] = (
            num(fg, 'overload_%sx.confirmed_per_s' % m) / peak
            if peak and m in levels else 0.0)
    r['overload_non_2xx_503'] = sum(num(fg, 'overload_%sx.n_other' % m)
                                    for m in levels)
    r['overload_confirmed_not_stored'] = sum(
        num(fg, 'overload_%sx.confirmed_not_stored' % m) for m in levels)
    r['overload_4x_referral_p99_ms'] = num(fg, 'overload_4x.referral_p99_ms')
    return r


def overload_lines(fg, r, w):
    levels = fg.get('overload.levels', '').split()
    if not levels:
        return
    w('')
    w('Past saturation: POSTs offered at multiples of the measured POST '
      'capacity (%.0f req/s, %s), %s s each, %s; GET /referral 20/s on the '
      'side' % (num(fg, 'overload.capacity_rps'),
                fg.get('overload.capacity_from', '?'),
                fg.get('overload_%sx.seconds' % levels[0], '?'),
                fg.get('overload.generator', '?')))
    hdr = ('%-6s %9s %9s %7s %7s %7s %8s %8s %9s %9s %6s %9s  %s' % (
        'level', 'offered/s', 'confirm/s', '2xx %', '503 %', 'other %',
        'p50 ms', 'p99 ms', 'confirmed', 'stored', 'lost', 'ref p99', 'other'))
    w(hdr)
    w('-' * len(hdr))
    for m in levels:
        k = 'overload_%sx.' % m
        w('%-6s %9.0f %9.0f %7.1f %7.1f %7.1f %8.1f %8.1f %9d %9d %6d %9.1f'
          '  %s' % (
              m + 'x', num(fg, k + 'offered_rps'),
              num(fg, k + 'confirmed_per_s'), 100 * num(fg, k + 'share_2xx'),
              100 * num(fg, k + 'share_503'),
              100 * num(fg, k + 'share_other'), num(fg, k + 'p50_ms'),
              num(fg, k + 'p99_ms'), int(num(fg, k + 'confirmed')),
              int(num(fg, k + 'rows_stored')),
              int(num(fg, k + 'confirmed_not_stored')),
              num(fg, k + 'referral_p99_ms'), fg.get(k + 'other', '?')))
    w('"lost": confirmed but not stored (must be 0); "stored" may exceed '
      '"confirmed" by posts stored whose answer never reached the client '
      '(it gave up, or was reset); 503s with Retry-After: %s' % ', '.join(
          '%sx %s of %s' % (m, fg.get('overload_%sx.n_503_retry_after' % m),
                            fg.get('overload_%sx.n_503' % m)) for m in levels))
    w('confirmed/s over the peak (%.0f): %s' % (r['overload_peak_rps'], ', '.join(
        '%sx %.2f' % (m, num(fg, 'overload_%sx.confirmed_per_s' % m) /
                      max(1e-9, r['overload_peak_rps'])) for m in levels)))


def cmd_peer_setup(args):
    """peer-setup FORM BODYFILE: the PHP-FPM peer (bench/peer.py)."""
    import peer
    peer.setup(sys.modules[__name__], args)


def cmd_overload(args):
    """overload PATH BODYFILE OPENLOOP CAPACITY (bench/overload.py)."""
    import overload
    overload.run(sys.modules[__name__], args)


def cmd_warm_posts(args):
    """POSTs for SECS seconds, not recorded (new table pages, the workers'
    and backends' first inserts), then empties the table again, so the
    first measured round does not pay for a cold start the others do not.

    warm-posts PATH SECS TOKENSET BODYFILE"""
    path, secs, toks, body = args[0], int(args[1]), args[2], args[3]
    m = wrk_once('warm_posts', path, 64, secs, (toks, body))
    psql('TRUNCATE vawg.submission')
    fig('warm_posts.requests', m['requests'])


def cmd_fig(args):
    """Records one figure given on the command line (run.sh's settings)."""
    fig(args[0], ' '.join(args[1:]))


STEPS = {
    'fig': cmd_fig,
    'warm-posts': cmd_warm_posts,
    'machine': cmd_machine,
    'static-setup': cmd_static_setup,
    'peer-setup': cmd_peer_setup,
    'overload': cmd_overload,
    'answers': cmd_answers,
    'harvest': cmd_harvest,
    'rounds': cmd_rounds,
    'mem': cmd_mem,
    'load': cmd_load,
    'signin': cmd_signin,
    'export': cmd_export,
    'report': cmd_report,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in STEPS:
        die('usage: bench.py %s [args]' % '|'.join(STEPS))
    if not RUN or not os.path.isdir(RUN):
        die('BENCH_RUN is not a folder')
    if sys.argv[1] != 'report' and (not VAR or not PORT):
        die('VAWG_VAR and VAWG_PORT must be set')
    STEPS[sys.argv[1]](sys.argv[2:])


if __name__ == '__main__':
    main()
