#!/bin/bash
# Run libFuzzer targets: tests/fuzz/run.sh SECONDS TARGET... (make fuzz, make fuzz-smoke).
# Each target starts from its seed corpus in tests/fuzz/corpus/<target>/ (kept in the tree;
# regression inputs for fixed crashes live there too) and writes what it finds to
# .output/fuzz/corpus/<target>/, crashes to .output/fuzz/artifacts/ and its log to
# .output/fuzz/<target>.log. FUZZ_FLAGS adds libFuzzer options (e.g. "-fork=1
# -ignore_crashes=1" to go on past a known crash). Speaks TAP: one test per target, with
# its runs, coverage and wall time; fails when any target fails.
set -u
cd "$(dirname "$0")/../.."
secs=$1
shift
OUT=.output/fuzz
mkdir -p "$OUT/artifacts"
n=0
fail=0
for t in "$@"; do
	n=$((n + 1))
	if [ ! -x "$OUT/fuzz_$t" ]; then
		echo "not ok $n - fuzz $t: $OUT/fuzz_$t not built (make fuzz-build)"
		fail=1
		continue
	fi
	mkdir -p "$OUT/corpus/$t" "tests/fuzz/corpus/$t"
	log=$OUT/$t.log
	t0=$(date +%s.%N)
	nice -n 10 "$OUT/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len=4096 -print_final_stats=1 ${FUZZ_FLAGS:-} \
		-artifact_prefix="$OUT/artifacts/$t-" "$OUT/corpus/$t" "tests/fuzz/corpus/$t" \
		>"$log" 2>&1
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
	line=$(printf 'fuzz %s: rc=%d runs=%s %s wall=%.1fs' "$t" "$rc" "${runs:-?}" \
		"${cov:-cov: ?}" "$(echo "$t1 - $t0" | bc)")
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $line"
	else
		echo "not ok $n - $line"
		fail=1
		grep -a -m1 -E -A6 'FUZZ CHECK FAILED|ERROR: (Address|Leak|Undefined)Sanitizer|runtime error' "$log" |
			cut -c1-200 | cat -v | sed "s/^/# /"
		grep -a -m1 'Test unit written' "$log" | sed 's/^/# /'
	fi
done
echo "1..$n"
exit $fail
