#!/usr/bin/env bash
# bench/run.sh: `make bench`.  Starts a stack of its own (a fresh
# VAWG_VAR under /tmp, its own port, the production nginx configuration
# without TLS), measures it with wrk and pgbench from this machine, over
# loopback only, prints a table and the ratios of issue 6, writes
# bench/results/latest.txt, then stops the stack and removes its folder
# (BENCH_KEEP=1 keeps it).  About eight minutes; every step is bounded.
# Beside the service: a PHP-FPM peer doing the same POST (bench/peer/,
# bench/peer.py) in the same rounds, and POSTs offered past saturation
# (bench/overload.py, bench/openloop.c).
#
# Settings (environment, with defaults):
#   BENCH_QUICK    0      1: a smoke run of a minute or two (1 round of 2 s,
#                           20000 rows, 3 s per overload level); its
#                           figures say that it works, not how fast
#   BENCH_ROUNDS   3      rounds of each side-by-side measurement
#   BENCH_ROUND    5      seconds of each run in a round
#   BENCH_SECONDS  8      length of the single runs (256 connections, referral)
#   BENCH_ROWS     1000000  rows in the table for the "cost as data grows" run
#   BENCH_EXPORT   100000   rows exported (and a tenth of them, to compare)
#   BENCH_TOKENS   90000    tokens fetched for each POST measurement
#   BENCH_QUIET_WAIT 10     seconds each run may wait for the machine to be
#                           quiet (other work under 15 %) before it starts
#   BENCH_OVERLOAD_SECONDS 30   length of each past-saturation level
#   BENCH_OVERLOAD_LEVELS "1 2 4" offered load, in multiples of the POST
#                           capacity measured in this run
#   BENCH_OVERLOAD_ADDRS   200  client addresses (127.0.0.2 ...)
#   BENCH_OVERLOAD_CONNS   8192 connections open at most (the generator's)
#   BENCH_OVERLOAD_TIMEOUT 10   seconds a POST may take before it counts
#                           as unanswered
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_ROUNDS:=1}" "${BENCH_ROUND:=2}" "${BENCH_SECONDS:=2}"
	: "${BENCH_ROWS:=20000}" "${BENCH_EXPORT:=2000}"
	: "${BENCH_OVERLOAD_SECONDS:=3}" "${BENCH_QUIET_WAIT:=2}"
	export BENCH_OVERLOAD_SECONDS BENCH_QUIET_WAIT
fi
ROUNDS=${BENCH_ROUNDS:-3}
ROUND=${BENCH_ROUND:-5}
SECS=${BENCH_SECONDS:-8}
ROWS=${BENCH_ROWS:-1000000}
EXPORT=${BENCH_EXPORT:-100000}
# Enough for ROUNDS x ROUND seconds of posts at 6,000/s, and the warm-up.
TOKENS=${BENCH_TOKENS:-$((ROUNDS * ROUND * 6000))}

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (the stack drops to its own users)"
[ -x build/vawg-public ] && [ -x build/vawg-admin ] || die "not built: make build"

# wrk is a Debian package; pgbench comes with postgresql (stack.sh deps).
bash conf/stack.sh deps
if ! command -v wrk >/dev/null; then
	say "installing wrk"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
command -v pgbench >/dev/null || die "pgbench not found (postgresql-client)"
# The peer: PHP 8.2 from Debian (php-fpm with opcache, pgsql; sodium is
# built in).  policy-rc.d keeps the package from starting the system's own
# php-fpm, as stack.sh does for nginx and PostgreSQL.
if ! ls /usr/sbin/php-fpm* >/dev/null 2>&1 || ! php -m 2>/dev/null | grep -x pgsql >/dev/null; then
	say "installing php8.2-fpm php8.2-pgsql"
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends php8.2-fpm php8.2-pgsql >/dev/null
	rm -f /usr/sbin/policy-rc.d
fi

# A stack of our own: fresh data folder, free port, 4 workers, tokens
# usable at once (the POST run posts them straight after fetching them),
# and nginx's per-address POST limit raised far above what one machine
# can post, so it is not what is measured (it stays in the path).
export VAWG_VAR
VAWG_VAR=$(mktemp -d /tmp/vawg-bench.XXXXXX)
chmod 755 "$VAWG_VAR"
export VAWG_PORT
VAWG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export VAWG_BIN=$ROOT/build VAWG_WORKERS=4 VAWG_MIN_FILL_SECONDS=0
export VAWG_POST_RATE=100000r/s VAWG_POST_BURST=100000
export BENCH_RUN
BENCH_RUN=$ROOT/bench/results/run-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BENCH_RUN"
B="python3 bench/bench.py"

cleanup() {
	local bare
	# The bare responder (bench/bare.c) and its workers, by pid.
	if bare=$(cat "$VAWG_VAR/bench-bare.pid" 2>/dev/null); then
		kill -TERM "$bare" 2>/dev/null || true
		sleep 0.5
		pkill -KILL -P "$bare" 2>/dev/null || true
		kill -KILL "$bare" 2>/dev/null || true
	fi
	# The PHP peer: php-fpm's master stops its children on SIGTERM.
	if bare=$(cat "$VAWG_VAR/bench-peer.pid" 2>/dev/null); then
		kill -TERM "$bare" 2>/dev/null || true
		sleep 0.5
		pkill -KILL -P "$bare" 2>/dev/null || true
		kill -KILL "$bare" 2>/dev/null || true
	fi
	bash conf/stack.sh stop >>"$BENCH_RUN/stack.log" 2>&1 || true
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "kept $VAWG_VAR"
	else
		rm -rf "$VAWG_VAR"
	fi
}
trap cleanup EXIT

say "results in $BENCH_RUN"
$B fig run.started "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
$B fig run.commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
# What is measured is the working tree's build: say if it differs from the
# commit in anything the service is made of.
$B fig run.uncommitted "$(git status --porcelain -- cgi-src sql conf templates static 2>/dev/null |
    awk '{print $2}' | tr '\n' ' ')"
$B fig run.workers "$VAWG_WORKERS"
$B fig run.min_fill "$VAWG_MIN_FILL_SECONDS"
$B fig run.post_rate "$VAWG_POST_RATE"
$B fig run.post_burst "$VAWG_POST_BURST"
$B fig run.rounds "$ROUNDS"
$B fig run.round_seconds "$ROUND"
$B fig run.single_run_seconds "$SECS"
$B machine

say "starting the stack on 127.0.0.1:$VAWG_PORT ($VAWG_VAR); nginx POST limit" \
    "raised to $VAWG_POST_RATE burst $VAWG_POST_BURST so it is not what is measured"
bash conf/stack.sh start >"$BENCH_RUN/stack.log" 2>&1 ||
	{ tail -n 20 "$BENCH_RUN/stack.log" >&2; die "the stack did not start"; }

# The row helper (the service's own sealing code, from build/libvawg.a) and
# the bare FastCGI responder, built into the results folder.
MKROWS=$BENCH_RUN/mkrows
BARE=$BENCH_RUN/bare
CFLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2"
gcc $CFLAGS -Icgi-src/lib bench/mkrows.c build/libvawg.a \
    $(pkg-config --libs libsodium) -o "$MKROWS"
gcc $CFLAGS -Icgi-src/lib bench/bare.c \
    $(pkg-config --cflags --libs fcgi libpq libsodium) -o "$BARE"
OPENLOOP=$BENCH_RUN/openloop
gcc $CFLAGS bench/openloop.c -o "$OPENLOOP"

say "answers: one checked POST, then the table emptied"
$B answers consultation
say "static copy of the consultation page, and the bare FastCGI responder"
$B static-setup "$BARE"
say "the PHP-FPM peer (bench/peer/), and its smoke check: its envelopes open" \
    "with the service's key to the same answers"
$B peer-setup consultation consultation.body

# Warm-up, not recorded: connections, caches, the workers' first pages.
wrk -t2 -c64 -d2s http://127.0.0.1:"$VAWG_PORT"/consultation >/dev/null

# Side by side: each measurement is ROUNDS runs of ROUND seconds, the runs
# of a comparison interleaved (bench.py rounds), so other work on the
# machine falls on both sides of a ratio alike.
say "1-2. pages: static copy (nginx), bare FastCGI responder, GET through the pool"
$B rounds "$ROUNDS" "$ROUND" \
    static_64:get:/bench-static/consultation.html:64 \
    get_bare:get:/bench-bare/consultation:64 \
    get_consultation:get:/consultation:64
say "   at 256 connections, and GET /referral"
$B rounds 1 "$SECS" \
    static_256:get:/bench-static/consultation.html:256 \
    get_consultation_256:get:/consultation:256
say "   GET /referral, and the PHP-FPM peer's (a cached page, a fresh token)"
$B rounds "$ROUNDS" "$ROUND" \
    get_referral:get:/referral:64 \
    get_referral_peer:get:/bench-peer/referral:64
$B mem mem_after_get

say "tokens for the POST runs (fetched from the form, as a browser would)"
$B harvest /consultation "$TOKENS" 60 tokens_0 tokens_1m tokens_peer

say "   warm-up: 2 s of posts to the peer and to the pool, not recorded," \
    "then the table emptied"
$B warm-posts /bench-peer/consultation 2 tokens_peer consultation.body
$B warm-posts /consultation 2 tokens_0 consultation.body
say "3-4. POST /consultation (fresh token each, table empty at the start)," \
    "the PHP-FPM peer's, the bare responder's POST (seal + row)," \
    "pgbench (vawg.submit(), $VAWG_WORKERS clients)"
$B rounds "$ROUNDS" "$ROUND" \
    post_0:post:/consultation:64:tokens_0:consultation.body \
    post_peer:post:/bench-peer/consultation:64:tokens_peer:consultation.body \
    post_bare:postbare:/bench-bare/consultation:64:consultation.body \
    pgbench:pgbench:"$VAWG_WORKERS"
say "   POST latency at half that rate (64 connections pacing themselves)"
$B rounds 1 "$ROUND" \
    post_0_paced:post:/consultation:64:tokens_0:consultation.body:post_0
$B mem mem_after_post

say "5. past saturation: POSTs offered open-loop at ${BENCH_OVERLOAD_LEVELS:-1 2 4}" \
    "x that capacity, ${BENCH_OVERLOAD_SECONDS:-30} s each, from" \
    "${BENCH_OVERLOAD_ADDRS:-200} loopback addresses"
$B overload /consultation consultation.body "$OPENLOOP" post_0

say "6. loading rows up to $ROWS (COPY of sealed rows, generate_series)"
$B load "$ROWS" "$EXPORT" $((EXPORT / 10)) "$MKROWS"
$B rounds "$ROUNDS" "$ROUND" \
    post_1m:post:/consultation:64:tokens_1m:consultation.body

say "7. exports through /admin/export, decrypting (admin pool restarted before each)"
$B signin
bash conf/stack.sh restart-admin >>"$BENCH_RUN/stack.log" 2>&1
$B export export_10k day1 day1
bash conf/stack.sh restart-admin >>"$BENCH_RUN/stack.log" 2>&1
$B export export_100k day1 day2
$B mem mem_end

echo
$B report
