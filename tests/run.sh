#!/usr/bin/env bash
# tests/run.sh: everything `make test` runs, from a fresh clone.
#
#   1. build the normal and the sanitizer (ASan + UBSan) binaries
#   2. lint the templates (auto-escape pragma, ctemplate's own checker),
#      and check the tree's own promises (tests/structure.sh: the public
#      binary links no envelope opener, no program includes another's
#      header, every source file documented, size limits)
#   3. unit tests, normal and sanitized
#   4. integration tests through nginx with a throwaway PostgreSQL, against
#      the normal binaries and again against the sanitized ones; any
#      sanitizer report fails the run
#   5. the chaos run (database restarts and worker kills under load)
#   6. real-browser tests in headless Chromium
#   7. each libFuzzer harness for a short, bounded time
#
# Each suite ends with its own "N passed, N failed" line; this script adds
# them up and ends with the total, exiting non-zero on any failure.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

total_pass=0
total_fail=0

# Runs a suite, shows its output, and adds its closing counts.  A suite
# that ends without a count (a crash) counts as one failure.
suite() {
	local name=$1 out rc line p f
	shift
	printf '\n== %s\n' "$name"
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	rm -f "$out"
	if [ -n "$line" ]; then
		p=$(sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	else
		p=0 f=1
	fi
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

# Every template: the pragma first (without it nothing is escaped) and
# ctemplate's own parser.
lint_templates() {
	local t pass=0 fail=0
	for t in templates/*.tpl; do
		if head -n 1 "$t" | grep -q '^{{%AUTOESCAPE context="HTML"}}' &&
		    ctemplate-make_tpl_varnames_h -n -q -t templates \
		    "$(basename "$t")" >/dev/null; then
			pass=$((pass + 1))
		else
			echo "FAIL $t: no AUTOESCAPE pragma or does not parse"
			fail=$((fail + 1))
		fi
		if grep -n ':none' "$t" | grep -v '{{!' >/dev/null; then
			echo "FAIL $t: uses :none"
			fail=$((fail + 1))
		fi
	done
	echo "templates_checked: $((pass + fail))"
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# Sanitizer reports go to files here; the run fails if any appear.
SANLOG=$(mktemp -d /tmp/vawg-san.XXXXXX)
chmod 1777 "$SANLOG"
sanitized() {
	ASAN_OPTIONS="abort_on_error=1:detect_leaks=0:log_path=$SANLOG/asan" \
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$SANLOG/ubsan" \
	    "$@"
}
sanitizer_reports() {
	local n
	n=$(find "$SANLOG" -type f | wc -l)
	echo "sanitizer_reports: $n"
	find "$SANLOG" -type f -exec head -n 30 {} \;
	if [ "$n" = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
	[ "$n" = 0 ]
}

printf '== build\n'
if ! make -s build unit-bin || ! make -s asan >/dev/null; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

suite "template lint" lint_templates
suite "structure" bash tests/structure.sh build
suite "unit tests" build/unit-tests
suite "unit tests (ASan+UBSan)" sanitized build-asan/unit-tests
suite "integration" python3 tests/integration/run.py --bin build
suite "integration (ASan+UBSan)" sanitized python3 tests/integration/run.py --bin build-asan
suite "chaos" python3 tests/chaos/chaos.py --bin build
suite "browser" bash tests/browser/run.sh
suite "fuzz (smoke)" make -s fuzz-smoke
suite "sanitizer reports" sanitizer_reports
rm -rf "$SANLOG"

printf '\n%d passed, %d failed\n' "$total_pass" "$total_fail"
[ "$total_fail" = 0 ]
