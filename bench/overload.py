"""bench/overload.py: `bench.py overload`, past saturation.

POSTs at 1x, 2x, 4x (BENCH_OVERLOAD_LEVELS) the service's POST capacity
measured earlier in the same run (post_0's req/s), for
BENCH_OVERLOAD_SECONDS each, with bench/openloop (open loop: request i
leaves at i / rate whatever the answers before it did, and is timed from
then), each POST with its own token, each on a new connection from one of
BENCH_OVERLOAD_ADDRS loopback addresses (127.0.0.2 ...), so nginx's
per-address POST limit is not what is measured.  During each level the
referral page is fetched 20 times a second on the side.

The tokens are minted here with the service's token key, in lib/token.c's
format (version | form id | issued | nonce | HMAC-SHA-512-256): harvesting
hundreds of thousands of them through GET would take minutes and measures
nothing this step is about.  A minted token is first posted once and must
be accepted.

For each level: confirmed per second (200 or 303), the share of POSTs
answered 200/303, 503 (and how many of those carried Retry-After) and
anything else (429, 502, 504, no answer in time, reset, refused, never
sent), p50/p99 of the confirmed ones, rows stored against confirmations,
and confirmed-but-not-stored (a confirmation whose token's nonce is no
row's idempotency key: must be 0).

Standard library only; called by bench.py with bench.py itself as `b`.
"""

import base64
import hashlib
import hmac
import os
import struct
import time

PROBE_PATH = '/referral'
PROBE_RATE = 20
NAMES = {-1: 'timeout', -2: 'reset', -3: 'refused', -4: 'unsent'}


def mint(key, form_id, n, path):
    """n fresh tokens for form_id, one a line, into path."""
    issued = struct.pack('>Q', int(time.time()) - 60)
    head = b'\x01' + struct.pack('>I', form_id) + issued
    nonces = os.urandom(16 * n)
    with open(path, 'w') as f:
        for i in range(n):
            body = head + nonces[16 * i:16 * i + 16]
            mac = hmac.new(key, body, hashlib.sha512).digest()[:32]
            f.write(base64.urlsafe_b64encode(body + mac).rstrip(b'=')
                    .decode() + '\n')


def stored_idems(b, maxid):
    out = b.psql("SELECT encode(idem_key, 'hex') FROM vawg.submission "
                 "WHERE id > %d" % maxid)
    return set(out.split()) if out else set()


def level(b, name, path, body, rate, secs, tool, key, form_id):
    conf = os.environ
    tokfile = os.path.join(b.RUN, name + '.tokens')
    n = int(rate * secs)
    mint(key, form_id, n, tokfile)
    outfile = os.path.join(b.RUN, name + '.requests')
    timeout = int(conf.get('BENCH_OVERLOAD_TIMEOUT', '10'))
    rows0, maxid0 = b.rows_now()
    b.wait_quiet()
    cpu = b.CpuWindow()
    cpu.start()
    out = b.run_logged(name, [
        tool, str(b.PORT), path, '%.1f' % rate, str(secs),
        conf.get('BENCH_OVERLOAD_CONNS', '8192'),
        conf.get('BENCH_OVERLOAD_ADDRS', '200'), str(timeout), body,
        tokfile, outfile, PROBE_PATH, str(PROBE_RATE)],
        timeout=secs + timeout + 60)
    cpu.stop()
    time.sleep(1)       # posts still in a worker finish
    with open(tokfile) as f:
        nonces = [base64.urlsafe_b64decode(t + '=' * (-len(t) % 4))[13:29]
                  .hex() for t in f.read().split()]
    os.remove(tokfile)
    posts, probes = [], []
    with open(outfile) as f:
        for line in f:
            k, i, st, lat, ra = line.split()
            (posts if k == 'p' else probes).append(
                (int(i), int(st), int(lat), int(ra)))
    os.remove(outfile)
    stored = stored_idems(b, maxid0)
    ok = [p for p in posts if p[1] in (200, 303)]
    busy = [p for p in posts if p[1] == 503]
    other = {}
    for p in posts:
        if p[1] not in (200, 303, 503):
            k = NAMES.get(p[1], str(p[1]))
            other[k] = other.get(k, 0) + 1
    not_stored = sum(1 for p in ok if nonces[p[0]] not in stored)
    # Confirmations per second over the time they took to arrive: the
    # offered window, or longer while a queue drained after it.
    span = max([secs] + [p[0] / rate + p[2] / 1e6 for p in ok])
    lat = sorted(p[2] / 1000 for p in ok)
    plat = sorted(p[2] / 1000 for p in probes if p[1] == 200)
    sent = len(posts)
    c = cpu.seconds()
    b.fig(name + '.offered_rps', rate)
    b.fig(name + '.seconds', secs)
    b.fig(name + '.posts', sent)
    b.fig(name + '.confirmed', len(ok))
    b.fig(name + '.confirmed_per_s', len(ok) / span)
    b.fig(name + '.share_2xx', len(ok) / max(1, sent))
    b.fig(name + '.share_503', len(busy) / max(1, sent))
    b.fig(name + '.share_other', sum(other.values()) / max(1, sent))
    b.fig(name + '.n_503', len(busy))
    b.fig(name + '.n_503_retry_after', sum(p[3] for p in busy))
    b.fig(name + '.n_other', sum(other.values()))
    b.fig(name + '.other', ' '.join('%s=%d' % kv for kv in
                                    sorted(other.items())) or 'none')
    b.fig(name + '.p50_ms', b.pct(lat, 50))
    b.fig(name + '.p99_ms', b.pct(lat, 99))
    b.fig(name + '.rows_stored', len(stored))
    b.fig(name + '.confirmed_not_stored', not_stored)
    b.fig(name + '.stored_not_confirmed', len(stored) - (len(ok) -
                                                         not_stored))
    b.fig(name + '.referral_gets', len(probes))
    b.fig(name + '.referral_ok', len(plat))
    b.fig(name + '.referral_p50_ms', b.pct(plat, 50))
    b.fig(name + '.referral_p99_ms', b.pct(plat, 99))
    b.fig(name + '.other_busy_pct', 100.0 * c['other'] /
          (c['wall'] * (os.cpu_count() or 1)))
    b.fig(name + '.other_top', b.top_others(cpu.others()))
    print('  %s: %.0f offered/s, %.0f confirmed/s, 503 %d, other %s, '
          'p99 %.0f ms, not stored %d' % (
              name, rate, len(ok) / span, len(busy),
              sum(other.values()), b.pct(lat, 99), not_stored), flush=True)


def run(b, args):
    """overload PATH BODYFILE OPENLOOP_BINARY CAPACITY_FIGURE"""
    path, body, tool, cap_name = (args[0], os.path.join(b.RUN, args[1]),
                                  args[2], args[3])
    fg = b.read_figures(os.path.join(b.RUN, 'figures.txt'))
    cap = b.num(fg, cap_name + '.rps')
    if cap <= 0:
        b.die('overload: no %s.rps measured' % cap_name)
    secs = int(os.environ.get('BENCH_OVERLOAD_SECONDS', '30'))
    levels = [int(x) for x in os.environ.get('BENCH_OVERLOAD_LEVELS',
                                             '1 2 4').split()]
    with open(os.path.join(b.VAR, 'keys', 'token.key'), 'rb') as f:
        key = f.read()
    form_id = int(b.psql("SELECT id FROM vawg.form WHERE name = '%s'" %
                         path.strip('/')))
    # One minted token, posted once: the pool must accept it.
    probe = os.path.join(b.RUN, 'overload-check.tokens')
    mint(key, form_id, 1, probe)
    with open(probe) as f:
        tok = f.read().strip()
    os.remove(probe)
    with open(body) as f:
        st, _, page = b.req('POST', path, body='_token=%s&_homepage=&%s' % (
            tok, f.read().strip()))
    if st != 200:
        b.die('overload: a minted token was refused (%d)' % st)
    b.fig('overload.capacity_rps', cap)
    b.fig('overload.capacity_from', cap_name)
    b.fig('overload.levels', ' '.join(str(x) for x in levels))
    b.fig('overload.generator', 'bench/openloop.c (open loop, a new '
          'connection per request, %s source addresses)' %
          os.environ.get('BENCH_OVERLOAD_ADDRS', '200'))
    maxid = b.rows_now()[1]
    for m in levels:
        level(b, 'overload_%dx' % m, path, body, cap * m, secs, tool, key,
              form_id)
    # The rows of the flood go: the next steps count and load their own.
    b.psql('DELETE FROM vawg.submission WHERE id > %d' % maxid)
