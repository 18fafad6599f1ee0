#!/bin/bash
# Host test: imswatch on this machine's own kernel, whatever the machine is. The
# expectations are derived from the machine, not written down from one: what the hook table
# (include/imswatch_hooks.h) asks for, what /proc/kallsyms, the kernel's BTF (bpftool), the
# kprobe PMU and tracefs offer, and the signals the platform engine lists. It asserts that
# imswatch's answers are consistent with those (tests/host/consistency.jq): a hook whose
# symbol is absent is blind and says why, a tracepoint the kernel has attaches, attached +
# blind is the table, blind[], coverage and the "blind:" line follow from what attached, Q1
# follows from its signals. Each rule is also run once against a record broken on purpose,
# so a rule that cannot fail fails. Needs root for the watch checks; the others run anyway.
#
# Runs outside the repository too (the VM bench's hosttest scenario copies it with
# consistency.jq into a guest): IMSWATCH names the binary, IMSWATCH_HOOK_TABLE a hook table
# already read through the preprocessor (tests/host/hook-table) where there is no compiler.
set -u
HOST_DIR=$(cd "$(dirname "$0")" && pwd)
cd "$HOST_DIR/../.." || exit 1
BIN=${IMSWATCH:-./imswatch} # IMSWATCH: another build to check (relative to the repository)
# IMSWATCH_ATTACH: auto (default), fentry or kprobe, passed to every watch run as --attach
ATTACH=()
[ -n "${IMSWATCH_ATTACH:-}" ] && ATTACH=(--attach "$IMSWATCH_ATTACH")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && sed 's/^/# /' "$2" | head -20; }
check() { local name=$1; shift; if "$@" >/dev/null; then ok "$name"; else not_ok "$name"; fi; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# seconds since the epoch with a fraction (busybox date, as in the VM bench's guests, has no %N)
now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }

# --- bad input: one message on stderr, exit 2, nothing written to --output --------------
bad_input() {
	local name=$1; shift
	rm -f "$TMP/out"
	"$BIN" "$@" --output "$TMP/out" >"$TMP/stdout" 2>"$TMP/stderr"
	local rc=$?
	if [ $rc -eq 2 ] && [ ! -e "$TMP/out" ] && [ ! -s "$TMP/stdout" ] &&
		[ "$(wc -l <"$TMP/stderr")" -eq 1 ] && grep -q "$name" "$TMP/stderr"; then
		ok "bad input rejected: $*"
	else
		not_ok "bad input rejected: $* (rc=$rc)" "$TMP/stderr"
	fi
}
printf '1 0 0 0 0 0\nthis is not cpuid\n' >"$TMP/bad.cpuid"
bad_input "unknown option" --bogus
bad_input "xml" platform --format xml
bad_input "/nonexistent" platform --sysroot /nonexistent/root
bad_input "bad.cpuid:2" platform --cpuid-file "$TMP/bad.cpuid"
bad_input "nope" platform --cpuid-file "$TMP/nope"

# --- the hook table and what this machine offers, read without imswatch --------------
# the table, through the C preprocessor (tests/host/hook-table): the same rows the binary
# was built from; or the one IMSWATCH_HOOK_TABLE names, made by that script elsewhere
if [ -n "${IMSWATCH_HOOK_TABLE:-}" ]; then
	table_from="pre-generated: $IMSWATCH_HOOK_TABLE"
	cp "$IMSWATCH_HOOK_TABLE" "$TMP/table.json" 2>"$TMP/cpp.err"
else
	table_from="the preprocessor"
	"$HOST_DIR/hook-table" "$HOST_DIR/../../include" >"$TMP/table.json" 2>"$TMP/cpp.err"
fi
check "the hook table reads ($table_from, $(jq '.hooks | length' "$TMP/table.json" 2>/dev/null) hooks)" \
	jq -e '(.hooks | length) > 0 and (.groups | length) > 0 and all(.hooks[]; .name and (.groups | length) > 0)' "$TMP/table.json"
NHOOKS=$(jq '.hooks | length' "$TMP/table.json" 2>/dev/null || echo 0)

# BTF: functions and tracepoint typedefs of vmlinux and loaded modules (null: no bpftool)
: >"$TMP/btf.txt"
have_btf=false
if command -v bpftool >/dev/null && [ -r /sys/kernel/btf/vmlinux ]; then
	have_btf=true
	for f in /sys/kernel/btf/*; do
		if [ "$f" = /sys/kernel/btf/vmlinux ]; then
			bpftool btf dump file "$f"
		else
			bpftool btf dump file "$f" base /sys/kernel/btf/vmlinux
		fi 2>/dev/null | grep -oE "^\[[0-9]+\] (FUNC|TYPEDEF) '[^']+'" | sed -E "s/^[^ ]+ //"
	done | sort -u >"$TMP/btf.txt"
	tracing=$(bpftool -j feature probe kernel 2>/dev/null | jq '.program_types.have_tracing_prog_type' 2>/dev/null)
fi
[ -n "${tracing:-}" ] || tracing=null
kprobes=false
for f in /sys/bus/event_source/devices/kprobe/type /sys/kernel/tracing/kprobe_events \
	/sys/kernel/debug/tracing/kprobe_events; do
	[ -e "$f" ] && kprobes=true
done
tracefs=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -d "$d/events" ] && tracefs=$d && break
done
kallsyms_of() { # exact, clone (only "sym.isra.0" and the like) or absent
	if grep -qE "^[0-9a-f]+ [a-zA-Z] $1(	|$)" /proc/kallsyms; then echo exact
	elif grep -qE "^[0-9a-f]+ [a-zA-Z] $1\." /proc/kallsyms; then echo clone
	else echo absent; fi
}
{
	echo "{\"tracing\": $tracing, \"kprobes\": $kprobes, \"sym\": {"
	sep=
	for sym in $(jq -r '.hooks[] | select(.raw_tp == null) | .name' "$TMP/table.json"); do
		btf=null
		$have_btf && { grep -qxF "FUNC '$sym'" "$TMP/btf.txt" && btf=true || btf=false; }
		printf '%s"%s": {"btf": %s, "kallsyms": "%s"}\n' "$sep" "$sym" "$btf" "$(kallsyms_of "$sym")"
		sep=,
	done
	echo "}, \"tp\": {"
	sep=
	for tp in $(jq -r '.hooks[] | select(.raw_tp != null) | .name' "$TMP/table.json"); do
		name=${tp#*:} has=null
		$have_btf && { grep -qxF "TYPEDEF 'btf_trace_$name'" "$TMP/btf.txt" && has=true || has=false; }
		[ -n "$tracefs" ] && { [ -d "$tracefs/events/${tp%%:*}/$name" ] && has=true || has=false; }
		printf '%s"%s": %s\n' "$sep" "$name" "$has"
		sep=,
	done
	echo "}}"
} >"$TMP/facts.json"
check "this machine's facts read ($(jq -c '{tracing, kprobes, btf: ([.sym[].btf] | map(select(.)) | length), tracepoints: ([.tp[]] | map(select(.)) | length)}' "$TMP/facts.json" 2>/dev/null))" \
	jq -e '.sym and .tp' "$TMP/facts.json"
echo "# facts: $(jq -c . "$TMP/facts.json")"
cpuinfo_hv=false
grep -qw hypervisor /proc/cpuinfo && cpuinfo_hv=true

# rule NAME FILTER FILE [ERRFILE]: the consistency rule FILTER (tests/host/consistency.jq)
# over the records in FILE finds no violation
rule() {
	local name=$1 filter=$2 file=$3 errf=${4:-/dev/null}
	if jq -s -L "$HOST_DIR" --argjson table "$(cat "$TMP/table.json")" \
		--argjson facts "$(cat "$TMP/facts.json")" --arg attach "${IMSWATCH_ATTACH:-auto}" --rawfile err "$errf" \
		--argjson cpuinfo_hv "$cpuinfo_hv" \
		"include \"consistency\"; $filter" "$file" >"$TMP/violations" 2>&1 &&
		jq -e 'length == 0' "$TMP/violations" >/dev/null 2>&1; then
		ok "$name"
	else
		jq -r '.[]?' "$TMP/violations" 2>/dev/null >"$TMP/violations.txt" || cp "$TMP/violations" "$TMP/violations.txt"
		[ -s "$TMP/violations.txt" ] || cp "$TMP/violations" "$TMP/violations.txt"
		not_ok "$name" "$TMP/violations.txt"
	fi
}
# rule_catches NAME FILTER FILE JQ-EDIT: the rule finds a violation once the records are
# broken by JQ-EDIT (so the rule can fail at all)
rule_catches() {
	local name=$1 filter=$2 file=$3 edit=$4
	jq -c "$edit" "$file" >"$TMP/broken.json"
	if jq -s -L "$HOST_DIR" --argjson table "$(cat "$TMP/table.json")" \
		--argjson facts "$(cat "$TMP/facts.json")" --arg attach "${IMSWATCH_ATTACH:-auto}" --rawfile err /dev/null \
		--argjson cpuinfo_hv "$cpuinfo_hv" \
		"include \"consistency\"; $filter | length > 0" "$TMP/broken.json" 2>/dev/null | grep -qx true; then
		ok "a broken record fails the rule: $name"
	else
		not_ok "a broken record fails the rule: $name"
	fi
}

# --- platform: the verdicts follow from the signals, with or without root ----------------
"$BIN" platform --format json >"$TMP/plat-root.json" 2>"$TMP/plat-root.err"
rule "platform: Q1, Q2 and the seed follow from the signals listed ($(jq -r '.platform.q1.verdict + ", " + (.platform.q1.hypervisor // "no hypervisor named")' "$TMP/plat-root.json"))" \
	'.[0].platform | rule_platform($cpuinfo_hv)' "$TMP/plat-root.json"
rule_catches "Q1 against its signals" '.[0].platform | rule_platform($cpuinfo_hv)' "$TMP/plat-root.json" \
	'.platform.q1.verdict |= (if . == "definitely-guest" then "probably-host" else "definitely-guest" end)'
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	cp "$BIN" "$TMP/imswatch" && chmod 755 "$TMP" "$TMP/imswatch"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/imswatch" platform --format json \
		>"$TMP/plat.json" 2>"$TMP/plat.err"
	check "platform works without root" jq -e '.type == "platform" and
		(.platform.seed.probably_on_bare_metal | type == "boolean")' "$TMP/plat.json"
	if [ -d /sys/firmware/acpi/tables ] && ! setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c 'cat /sys/firmware/acpi/tables/* >/dev/null 2>&1'; then
		check "without root: the ACPI tables this machine has are reported unknown, not clean" \
			jq -e '.platform.unknown | index("acpi tables") != null' "$TMP/plat.json"
	else
		skip "without root: ACPI tables unknown" "no ACPI tables, or readable without root"
	fi
	rule "without root: the verdicts still follow from the signals listed ($(jq -r .platform.q1.verdict "$TMP/plat.json"))" \
		'.[0].platform | rule_platform($cpuinfo_hv)' "$TMP/plat.json"
	# a strong guest signal that needs no privilege (CPUID, /proc/cpuinfo) decides alone
	check "without root: a strong CPU-side guest signal still makes Q1 definitely-guest" \
		jq -e '([.platform.signals[] | select((.source == "cpuid" or .source == "cpuinfo") and
			.indicates == "guest" and .strength == "strong")] | length == 0)
			or .platform.q1.verdict == "definitely-guest"' "$TMP/plat.json"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/imswatch" watch "${ATTACH[@]}" --format json \
		--duration 1 >"$TMP/noroot.json" 2>"$TMP/noroot.err"
	rc=$?
	check "watch without root exits 3 (cannot watch here: a supervisor does not retry)" test $rc -eq 3
	check "watch without root still prints the platform verdict and says what is missing" \
		jq -e 'select(.type == "status") | .bpf_problem != null and
		(.platform.seed.probably_on_bare_metal | type == "boolean") and
		([.hooks[] | select(.attached)] | length == 0)' "$TMP/noroot.json"
	check "watch without root names the problem on stderr" grep -qi "refused\|permi" "$TMP/noroot.err"
else
	skip "platform without root" "needs root and setpriv to drop privileges"
fi

# --- watch as root on this kernel -----------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	skip "watch on the host kernel" "not root"
	echo "1..$n"
	exit $fail
fi
# --duration counts from the status record (written once the hooks are loaded): the time
# to load, which a slow machine stretches, is timed apart and reported
start=$(now)
"$BIN" "${ATTACH[@]}" --format json --duration 2 >"$TMP/watch.json" 2>"$TMP/watch.err" &
pid=$!
while [ ! -s "$TMP/watch.json" ] && kill -0 $pid 2>/dev/null; do sleep 0.05; done
up=$(now)
wait $pid
rc=$?
end=$(now)
took=$(awk -v s="$start" -v u="$up" -v e="$end" 'BEGIN { printf "up in %.1f s, then %.1f s", u - s, e - u }')
check "watch exits 0 at --duration" test $rc -eq 0
check "watch stops near --duration (2 s) after its status record ($took)" \
	awk -v u="$up" -v e="$end" 'BEGIN { exit !(e - u < 6) }'
check "every line is one JSON object" jq -e -s 'length > 1 and all(type == "object")' "$TMP/watch.json"
check "first record is status, last is summary" \
	test "$(head -1 "$TMP/watch.json" | jq -r .type)/$(tail -1 "$TMP/watch.json" | jq -r .type)" = status/summary
check "every record has a type and a timestamp" \
	jq -e -s 'length > 1 and all(has("type") and (.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")))' "$TMP/watch.json"
status() { head -1 "$TMP/watch.json" | jq -e "$1" >/dev/null; }
echo "# attached${ATTACH[*]:+ (${ATTACH[*]})}: $(head -1 "$TMP/watch.json" | jq -c '[.hooks[] | select(.attached) | .name + "/" + .mode]')"
rule "status: Q1, Q2 and the seed follow from the signals listed" \
	'status.platform | rule_platform($cpuinfo_hv)' "$TMP/watch.json"
check "the kernel's BPF view is read, or unreadable with the reason" \
	status '[.platform.signals[] | select(.source == "kernel")] | length >= 1 and
	all(.state == "present" or (.state == "unreadable" and (.note | length > 0)))'
rule "status and summary list the $NHOOKS hooks of the table, attached + blind = $NHOOKS, each blind one with a reason" \
	rule_counts "$TMP/watch.json"
rule "function hooks attach only through what this machine offers, and say why not" \
	rule_functions "$TMP/watch.json"
rule "every tracepoint the kernel has attaches; a missing one says so" rule_tracepoints "$TMP/watch.json"
rule "blind[] names what no attached hook reveals" rule_blind "$TMP/watch.json"
rule "summary coverage per group follows from the hooks attached ($(tail -1 "$TMP/watch.json" | jq -c .coverage))" \
	rule_coverage "$TMP/watch.json"
rule "a blind group is said in one 'imswatch: blind:' line on stderr and in status.blind_summary" \
	'rule_blind_line($err)' "$TMP/watch.json" "$TMP/watch.err"
rule_catches "hook count" rule_counts "$TMP/watch.json" 'if .type == "status" then .hooks |= .[1:] else . end'
rule_catches "function hook reasons" rule_functions "$TMP/watch.json" \
	'if .type == "status" then .hooks |= map(if .attached then . else .reason = "blind for no reason given" end) else . end'
rule_catches "coverage" rule_coverage "$TMP/watch.json" \
	'if .type == "summary" then .coverage |= map_values(if . == "blind" then "full" else "blind" end) else . end'
rule_catches "blind[]" rule_blind "$TMP/watch.json" 'if .type == "status" then .blind |= .[1:] + ["x"] else . end'

# one machine's answers, kept as a fixture: compared only on that machine (same kernel
# release and hypervisor), where they also catch a change the rules above allow
fx=$HOST_DIR/this-machine.json
jq -s '{kernel: $k, hypervisor: .[0].platform.q1.hypervisor, q1: .[0].platform.q1.verdict,
	q2: .[0].platform.q2.verdict, attached: [.[0].hooks[] | select(.attached) | .name + "/" + .mode],
	coverage: .[-1].coverage}' --arg k "$(uname -r)" "$TMP/watch.json" >"$TMP/answers.json"
if [ -n "${IMSWATCH_ATTACH:-}" ] && [ "$IMSWATCH_ATTACH" != auto ]; then
	skip "this machine's answers match its fixture" "the fixture holds --attach auto's answers, this run is --attach $IMSWATCH_ATTACH"
elif jq -e --slurpfile a "$TMP/answers.json" '.kernel == $a[0].kernel and .hypervisor == $a[0].hypervisor' "$fx" >/dev/null; then
	if jq -e --slurpfile a "$TMP/answers.json" '. == $a[0]' "$fx" >/dev/null; then
		ok "this machine's answers match its fixture ($fx)"
	else
		diff <(jq -S . "$fx") <(jq -S . "$TMP/answers.json") >"$TMP/fx.diff"
		not_ok "this machine's answers match its fixture ($fx)" "$TMP/fx.diff"
	fi
else
	skip "this machine's answers match its fixture" "not the machine of $fx ($(jq -r '.kernel + ", " + (.hypervisor // "-")' "$fx"))"
fi

# a tracepoint made to fail to load (test-only fault injection) must be caught as blind
tp=$(jq -r '.hooks[] | select(.raw_tp != null) | .name' "$TMP/table.json" | head -1)
if [ -n "$tp" ] && jq -e --arg tp "${tp#*:}" '.tp[$tp] == true' "$TMP/facts.json" >/dev/null; then
	IMSWATCH_TEST_FAIL_HOOKS=$tp "$BIN" "${ATTACH[@]}" --format json --duration 0.5 >"$TMP/tpfail.json" 2>/dev/null
	if jq -s -L "$HOST_DIR" --argjson table "$(cat "$TMP/table.json")" \
		--argjson facts "$(cat "$TMP/facts.json")" --arg attach "${IMSWATCH_ATTACH:-auto}" \
		'include "consistency"; rule_tracepoints | length > 0' "$TMP/tpfail.json" | grep -qx true; then
		ok "a tracepoint the kernel has but imswatch failed to load fails the tracepoint rule ($tp)"
	else
		not_ok "a tracepoint the kernel has but imswatch failed to load fails the tracepoint rule ($tp)"
	fi
else
	skip "a failed tracepoint is caught" "this kernel has no tracepoint of the table"
fi

# --require: a group is met unless wholly blind, a hook when attached; unmet exits 3 at once
for g in $(jq -r '.groups[].name' "$TMP/table.json"); do
	want=0
	tail -1 "$TMP/watch.json" | jq -e --arg g "$g" '.coverage[$g] == "blind"' >/dev/null && want=3
	"$BIN" "${ATTACH[@]}" --format json --duration 0.3 --require "$g" >"$TMP/req.json" 2>"$TMP/req.err"
	rc=$?
	if [ $rc -eq $want ] && { [ $want -eq 0 ] || grep -q "error: --require: $g: no hook attached" "$TMP/req.err"; }; then
		ok "--require $g exits $want ($(tail -1 "$TMP/watch.json" | jq -r --arg g "$g" '.coverage[$g]'))"
	else
		not_ok "--require $g exits $want, got $rc" "$TMP/req.err"
	fi
done
blind_hook=$(head -1 "$TMP/watch.json" | jq -r 'first(.hooks[] | select(.attached | not) | .name) // empty')
seen_hook=$(head -1 "$TMP/watch.json" | jq -r 'first(.hooks[] | select(.attached) | .name) // empty')
if [ -n "$blind_hook" ]; then
	"$BIN" "${ATTACH[@]}" --format json --duration 0.3 --require "$seen_hook,$blind_hook" >"$TMP/req.json" 2>"$TMP/req.err"
	rc=$?
	check "--require $blind_hook (blind) exits 3, names it, and watches nothing (status only)" \
		bash -c "[ $rc -eq 3 ] && grep -q '$blind_hook: not attached' '$TMP/req.err' &&
			jq -e -s 'length == 1 and .[0].type == \"status\"' '$TMP/req.json'"
else
	skip "--require of a blind hook" "every hook attached on this machine"
fi
[ -n "$seen_hook" ] && check "--require $seen_hook (attached) watches and exits 0" \
	bash -c "'$BIN' ${ATTACH[*]} --format json --duration 0.3 --require '$seen_hook' 2>/dev/null"

# text mode: the blind line right under the status header
"$BIN" "${ATTACH[@]}" --duration 1 >"$TMP/watch.txt" 2>"$TMP/watch.err"
check "text mode: status header and summary" \
	bash -c "head -1 '$TMP/watch.txt' | grep -q ' status: imswatch ' && grep -q ' summary: ' '$TMP/watch.txt'"
if head -1 "$TMP/watch.json" | jq -e '.blind_summary' >/dev/null; then
	check "text mode: the blind line is the first line under the status header" \
		bash -c "sed -n 2p '$TMP/watch.txt' | grep -q '^  Blind: *no '"
fi
# no --duration: only the reader leaving can end this run (timeout says 124 if it did not);
# timed from the moment the reader left, not from the start (loading is the machine's speed)
start=$(now)
timeout 20 "$BIN" "${ATTACH[@]}" --format json 2>"$TMP/pipe.err" | { head -1 >"$TMP/head.json"; now >"$TMP/left"; }
rcs=("${PIPESTATUS[@]}")
end=$(now)
left=$(cat "$TMP/left")
check "a closed pipe ends the run cleanly (imswatch | head -1, exit ${rcs[0]}, not timed out)" \
	test "${rcs[0]}" -eq 0
check "the run ends as soon as the reader leaves, even with no events (< 3 s; $(awk -v s="$start" -v l="$left" -v e="$end" 'BEGIN { printf "up in %.1f s, gone %.1f s after the reader", l - s, e - l }'))" \
	awk -v l="$left" -v e="$end" 'BEGIN { exit !(e - l < 3) }'
check "head got the status record" jq -e '.type == "status"' "$TMP/head.json"
if grep -qi "poll failed\|broken pipe\|error" "$TMP/pipe.err"; then
	not_ok "a reader leaving is not reported as an error on stderr" "$TMP/pipe.err"
else
	ok "a reader leaving is not reported as an error on stderr"
fi
# once the run is up (its status record written: start-up is the machine's speed; a signal
# before that, during the platform reading, ends imswatch by the default action)
check "SIGTERM ends the run with a summary" bash -c "
	'$BIN' ${ATTACH[*]} --format json >'$TMP/term.json' 2>/dev/null & pid=\$!
	for i in \$(seq 200); do [ -s '$TMP/term.json' ] && break; sleep 0.1; done
	sleep 0.5; kill -TERM \$pid; wait \$pid; rc=\$?
	[ \$rc -eq 0 ] && tail -1 '$TMP/term.json' | jq -e '.type == \"summary\"' >/dev/null"

echo "1..$n"
exit $fail
