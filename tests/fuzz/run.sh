#!/bin/bash
# Run libFuzzer targets: tests/fuzz/run.sh SECONDS TARGET... (make fuzz, make fuzz-smoke).
# Each target starts from its seed corpus in tests/fuzz/corpus/<target>/ (kept in the tree;
# regression inputs for fixed crashes live there too) and writes what it finds to
# .output/fuzz/corpus/<target>/ and crashes to .output/fuzz/artifacts/. FUZZ_FLAGS adds
# libFuzzer options (e.g. "-fork=1 -ignore_crashes=1" to go on past a known crash). Prints one line per
# target (runs, seconds, coverage) and fails when any target fails.
set -u
cd "$(dirname "$0")/../.."
secs=$1
shift
OUT=.output/fuzz
mkdir -p "$OUT/artifacts"
fail=0
for t in "$@"; do
	mkdir -p "$OUT/corpus/$t" "tests/fuzz/corpus/$t"
	log=$OUT/$t.log
	t0=$(date +%s.%N)
	nice -n 10 "$OUT/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=4096 -print_final_stats=1 ${FUZZ_FLAGS:-} -artifact_prefix="$OUT/artifacts/$t-" \
		"$OUT/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 | tr -d ' ')
	cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -1)
	# -fork mode prints no final stats: its last status line has the run count and crashes
	forkline=$(grep -a -E '^#[0-9]+: cov:' "$log" | tail -1)
	if [ -z "$runs" ] && [ -n "$forkline" ]; then
		runs=$(echo "$forkline" | sed -E 's/^#([0-9]+):.*/\1/')
		cov="$cov $(echo "$forkline" | grep -o 'oom/timeout/crash: [0-9/]*')"
	fi
	printf 'fuzz %-8s rc=%d runs=%s %s wall=%.1fs\n' "$t" "$rc" "${runs:-?}" "${cov:-cov: ?}" \
		"$(echo "$t1 - $t0" | bc)"
	if [ "$rc" -ne 0 ]; then
		fail=1
		grep -a -E -A12 'FUZZ CHECK FAILED|ERROR: (Address|Leak|Undefined)Sanitizer|runtime error|deadly signal|Test unit written' "$log" | head -40
	fi
done
exit $fail
