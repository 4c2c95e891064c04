#!/usr/bin/env bash
# tests/valgrind.sh: `make valgrind`.  The unit tests, then the core
# integration tests (pages, valid and invalid posts, rejections) with both
# pools running under valgrind's memcheck.  valgrind follows the pools'
# forked workers; each process writes its own log, and the run fails on any
# error or any byte definitely lost.  Slow: a separate target, not make test.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null

LOGS=$(mktemp -d /tmp/vawg-vg.XXXXXX)
WRAP=$(mktemp -d /tmp/vawg-vg-bin.XXXXXX)
chmod 1777 "$LOGS"
chmod 755 "$WRAP"
trap 'rm -rf "$WRAP"' EXIT
VG="valgrind --error-exitcode=99 --suppressions=$ROOT/tests/valgrind.supp --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --child-silent-after-fork=no"

# The stack script starts "$VAWG_BIN/<program>": point it at wrappers.
for p in vawg-public vawg-admin; do
	printf '#!/bin/sh\nexec %s --log-file=%s/%s.%%p.log %s/build/%s "$@"\n' \
	    "$VG" "$LOGS" "$p" "$ROOT" "$p" >"$WRAP/$p"
	chmod 755 "$WRAP/$p"
done
ln -s "$ROOT/build/vawgctl" "$WRAP/vawgctl"

fail=0
$VG build/unit-tests >/dev/null 2>"$LOGS/unit.log" || fail=1
grep -E "ERROR SUMMARY|definitely lost" "$LOGS/unit.log"
for k in test_pages test_submit test_invalid test_reject; do
	python3 tests/integration/run.py --bin "$WRAP" -k "$k" | tail -n 1 |
	    grep -q ' 0 failed' || { echo "FAIL integration $k"; fail=1; }
done

errors=0 lost=0
for f in "$LOGS"/*.log; do
	e=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -n 1)
	l=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$f" | tail -n 1 | tr -d ,)
	errors=$((errors + ${e:-0}))
	lost=$((lost + ${l:-0}))
done
echo "valgrind_logs: $(ls "$LOGS" | wc -l)"
echo "valgrind_errors: $errors"
echo "valgrind_definitely_lost_bytes: $lost"
[ "$errors" = 0 ] && [ "$lost" = 0 ] || { fail=1; echo "logs kept in $LOGS"; }
[ "$fail" = 0 ] && rm -rf "$LOGS"
if [ "$fail" = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit "$fail"
