#!/usr/bin/env bash
# tests/browser/run.sh: the real-browser tests (issue 5), from a fresh clone.
#
#   1. Debian's chromium (installed if missing; never a downloaded browser)
#   2. node_modules from the committed package-lock.json (npm ci when it is
#      missing or older than the lock file)
#   3. the stack's Debian packages (conf/stack.sh deps) and the binaries
#      (make build): nothing to do when they are there and up to date
#   4. a throwaway stack (conf/stack.sh) in a fresh folder on free ports,
#      "Leave this site" pointed at a neutral page the tests serve
#   5. node tests/browser/run.mjs, then the stack is stopped, whatever
#      happened
#
# Ends with one line "N passed, N failed"; exits non-zero on any failure.
# Environment: VAWG_BR_KEEP=1 keeps the data folder; VAWG_UPDATE_DOC_SCREENSHOTS=1
# copies the README's screenshots into docs/screenshots/.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

RUN_LIMIT=480		# seconds for run.mjs (it keeps its own budget below this)
extra_fail=0
summary_file=$(mktemp)

finish() {
	local p=0 f=1 line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$summary_file" | tail -n 1)
	if [ -n "$line" ]; then
		p=${line%% passed*}
		f=${line#*passed, }
		f=${f%% failed*}
	fi
	f=$((f + extra_fail))
	rm -f "$summary_file"
	echo "$p passed, $f failed"
	[ "$f" = 0 ]
	exit $?
}

setup_fail() {
	echo "FAIL setup: $*"
	echo "0 passed, 0 failed" >"$summary_file"
	extra_fail=1
	finish
}

# 1. Chromium from Debian.
if ! [ -x /usr/bin/chromium ]; then
	echo "installing chromium (Debian package)"
	export DEBIAN_FRONTEND=noninteractive
	{ timeout 300 apt-get update -qq &&
	    timeout 600 apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; } ||
	    setup_fail "apt-get install chromium failed"
fi

# 2. Node 20 or later (playwright-core needs it) and the pinned packages.
command -v node >/dev/null || setup_fail "node is not installed (Node.js 20 or later is needed)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
    setup_fail "node $(node --version) is too old: playwright-core needs 20 or later"
stamp=node_modules/.vawg-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if ! [ -d node_modules/playwright-core ] || ! [ -d node_modules/axe-core ] ||
    [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	echo "npm ci (node_modules missing or older than package-lock.json)"
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 300 npm ci --no-audit --no-fund --ignore-scripts >/dev/null ||
	    setup_fail "npm ci failed"
	echo "$want" >"$stamp"
fi

# 3. The binaries (and the Debian packages they and the stack need).
build_log=$(mktemp)
if ! timeout 900 bash conf/stack.sh deps >"$build_log" 2>&1; then
	tail -n 15 "$build_log"
	rm -f "$build_log"
	setup_fail "conf/stack.sh deps failed"
fi
if ! timeout 600 make -s build >"$build_log" 2>&1; then
	tail -n 15 "$build_log"
	rm -f "$build_log"
	setup_fail "make build failed"
fi
rm -f "$build_log"


# 4. The stack.
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
VAWG_VAR=$(mktemp -d /tmp/vawg-br.XXXX)
chmod 755 "$VAWG_VAR"
VAWG_PORT=$(free_port)
neutral_port=$(free_port)
while [ "$neutral_port" = "$VAWG_PORT" ]; do neutral_port=$(free_port); done
export VAWG_VAR VAWG_PORT
export VAWG_BIN=$ROOT/build
export VAWG_MIN_FILL_SECONDS=1 VAWG_TOKEN_MAX_AGE=3600
export VAWG_POST_RATE=100r/s VAWG_POST_BURST=200 VAWG_WORKERS=2
export VAWG_EXIT_URL=http://127.0.0.1:$neutral_port/neutral
for k in PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS; do unset "$k"; done

stopped=0	# from here on, stop_stack stops this run's own stack (VAWG_VAR)
stop_stack() {
	[ "$stopped" = 1 ] && return 0
	stopped=1
	if ! timeout 120 bash conf/stack.sh stop >"$VAWG_VAR/stack-stop.out" 2>&1; then
		echo "FAIL stack_stop: $(tail -n 3 "$VAWG_VAR/stack-stop.out" | tr '\n' ' ')"
		extra_fail=$((extra_fail + 1))
	fi
}
on_signal() {
	echo "interrupted: stopping the stack"
	extra_fail=$((extra_fail + 1))
	stop_stack
	finish
}
trap on_signal INT TERM
trap stop_stack EXIT

if ! timeout 180 bash conf/stack.sh start >"$VAWG_VAR/stack-start.out" 2>&1; then
	echo "FAIL stack_start: $(tail -n 5 "$VAWG_VAR/stack-start.out" | tr '\n' ' ')"
	stop_stack
	echo "kept: $VAWG_VAR"
	echo "0 passed, 0 failed" >"$summary_file"
	extra_fail=$((extra_fail + 1))
	finish
fi

# 5. The tests.  The summary line is held back and printed once, last,
# with any failure to stop the stack added.
timeout -k 10 "$RUN_LIMIT" node tests/browser/run.mjs "$@" 2>&1 |
    tee "$summary_file" | grep -Ev '^[0-9]+ passed, [0-9]+ failed$'
rc=${PIPESTATUS[0]}
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "FAIL run.mjs: stopped after ${RUN_LIMIT}s"
	extra_fail=$((extra_fail + 1))
elif [ "$rc" != 0 ] && ! grep -Eq '^[0-9]+ passed, [1-9][0-9]* failed$' "$summary_file"; then
	echo "FAIL run.mjs: exited $rc"
	extra_fail=$((extra_fail + 1))
fi
stop_stack
if [ "${VAWG_BR_KEEP:-}" = 1 ] || [ "$rc" != 0 ] || [ "$extra_fail" != 0 ]; then
	echo "kept: $VAWG_VAR"
else
	rm -rf "$VAWG_VAR"
fi
finish
