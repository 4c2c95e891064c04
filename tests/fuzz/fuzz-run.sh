#!/usr/bin/env bash
# tests/fuzz/fuzz-run.sh: builds and runs the libFuzzer harnesses one after
# the other; called by `make fuzz` and `make fuzz-smoke` (tests/fuzz/fuzz.mk),
# which pass FUZZ_MAKE, FUZZ_MK, FUZZ_BUILD, FUZZ_RSS_MB and FUZZ_DIR.
#
#   fuzz-run.sh smoke|long SECONDS NAME...
#
# For each NAME it prints
#
#   ok   fuzz_NAME (... execs in S s, corpus A -> B files)
#   or   FAIL fuzz_NAME: did not build | crashed: <artifact> <first report line>
#   fuzz_NAME_execs: N
#   fuzz_NAME_crashes: N
#
# and at the end "N passed, N failed"; it exits non-zero if any failed.
# The committed seeds in tests/fuzz/corpus/NAME/ are only read: libFuzzer
# works on build-fuzz/run-smoke/NAME/corpus (copied afresh each time) or
# build-fuzz/run-long/NAME/corpus (kept between runs, so it grows, and
# topped up with the seeds) and writes crash files to artifacts/ beside
# it.
set -u

mode=${1:?smoke or long}
secs=${2:?seconds}
shift 2
make_cmd=${FUZZ_MAKE:-make}
mk=${FUZZ_MK:-tests/fuzz/fuzz.mk}
dir=${FUZZ_DIR:-tests/fuzz}
out=${FUZZ_BUILD:-build-fuzz}
rss=${FUZZ_RSS_MB:-2048}
pass=0
fail=0

# Sanitizer settings of our own: a report must reach libFuzzer (which
# saves the input), not a log file some outer run set up.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Reports are symbolised if llvm-symbolizer is around.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && [ -x /usr/bin/llvm-symbolizer-14 ]; then
	export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14
fi

for name in "$@"; do
	bin=$out/fuzz_$name
	run=$out/run-$mode/$name
	mkdir -p "$run"
	if ! $make_cmd --no-print-directory -s -f "$mk" "$bin" \
	    >"$run/build.log" 2>&1; then
		echo "FAIL fuzz_$name: did not build ($run/build.log):"
		tail -n 15 "$run/build.log" | sed 's/^/    /'
		echo "fuzz_${name}_execs: 0"
		echo "fuzz_${name}_crashes: 0"
		fail=$((fail + 1))
		continue
	fi
	if [ "$mode" = smoke ]; then
		rm -rf "$run/corpus"
	fi
	rm -rf "$run/artifacts"
	mkdir -p "$run/corpus" "$run/artifacts"
	if [ -d "$dir/corpus/$name" ]; then
		cp -n "$dir/corpus/$name"/* "$run/corpus/" 2>/dev/null
	fi
	seeds=$(find "$run/corpus" -type f | wc -l)
	dict=()
	if [ -f "$dir/$name.dict" ]; then
		dict=(-dict="$dir/$name.dict")
	fi
	# The outer timeout only catches a harness that hangs outside
	# libFuzzer's own per-input timeout.
	timeout -k 10 $((secs + 120)) "$bin" -max_total_time="$secs" \
	    -rss_limit_mb="$rss" -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="$run/artifacts/" "${dict[@]}" "$run/corpus" \
	    >"$run/fuzz.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' \
	    "$run/fuzz.log" | tail -n 1)
	if [ -z "$execs" ]; then
		# No final stats (killed): the last progress line says "#N".
		execs=$(grep -oE '^#[0-9]+' "$run/fuzz.log" | tail -n 1 | tr -d '#')
	fi
	crashes=$(find "$run/artifacts" -type f \( -name 'crash-*' -o \
	    -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
	if [ "$rc" != 0 ] && [ "$crashes" = 0 ]; then
		crashes=1	# died without saving an input (e.g. timeout(1))
	fi
	after=$(find "$run/corpus" -type f | wc -l)
	if [ "$crashes" = 0 ]; then
		echo "ok   fuzz_$name (${execs:-0} execs in ${secs} s, corpus $seeds -> $after files)"
		pass=$((pass + 1))
	else
		art=$(find "$run/artifacts" -type f | head -n 1)
		echo "FAIL fuzz_$name: crashed (exit $rc), input saved as ${art:-nothing}; log $run/fuzz.log:"
		grep -m 1 -E 'ERROR: |runtime error|check failed|SUMMARY' \
		    "$run/fuzz.log" | sed 's/^/    /'
		echo "    reproduce: $bin ${art:-<input>}"
		fail=$((fail + 1))
	fi
	echo "fuzz_${name}_execs: ${execs:-0}"
	echo "fuzz_${name}_crashes: $crashes"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
