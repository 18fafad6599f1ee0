#!/bin/bash
# Host test: imswatch on this machine's own kernel. Proves load, the tracepoint layer,
# the status record, honest hook reporting, clean exit at --duration, and bad-input
# handling. It cannot prove the probe/MSI hooks (no fentry, no kprobes here): the VM bench
# does that. Needs root for the watch checks; the others run anyway.
set -u
cd "$(dirname "$0")/../.."
BIN=${IMSWATCH:-./imswatch}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && sed 's/^/# /' "$2" | head -20; }
check() { local name=$1; shift; if "$@" >/dev/null; then ok "$name"; else not_ok "$name"; fi; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

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

# --- platform without root ------------------------------------------------------------
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	cp "$BIN" "$TMP/imswatch" && chmod 755 "$TMP" "$TMP/imswatch"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/imswatch" platform --format json \
		>"$TMP/plat.json" 2>"$TMP/plat.err"
	check "platform works without root" jq -e '.type == "platform" and
		(.platform.seed.probably_on_bare_metal | type == "boolean")' "$TMP/plat.json"
	check "without root: ACPI tables are reported unknown, not clean" jq -e '
		.platform.unknown | index("acpi tables") != null' "$TMP/plat.json"
	check "without root: Q1 still definitely-guest (CPUID needs no privilege)" jq -e '
		.platform.q1.verdict == "definitely-guest"' "$TMP/plat.json"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/imswatch" watch --format json \
		--duration 1 >"$TMP/noroot.json" 2>"$TMP/noroot.err"
	rc=$?
	check "watch without root exits 2" test $rc -eq 2
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
start=$(date +%s.%N)
"$BIN" --format json --duration 2 >"$TMP/watch.json" 2>"$TMP/watch.err"
rc=$?
end=$(date +%s.%N)
check "watch exits 0 at --duration" test $rc -eq 0
check "watch stops near --duration (2 s)" awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 6) }'
check "every line is one JSON object" jq -e -s 'length > 1 and all(type == "object")' "$TMP/watch.json"
check "first record is status, last is summary" \
	test "$(head -1 "$TMP/watch.json" | jq -r .type)/$(tail -1 "$TMP/watch.json" | jq -r .type)" = status/summary
check "every record has a type and a timestamp" \
	jq -e -s 'length > 1 and all(has("type") and (.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")))' "$TMP/watch.json"
status() { head -1 "$TMP/watch.json" | jq -e "$1" >/dev/null; }
check "seed verdict: not bare metal (this machine is a KVM guest)" \
	status '.platform.seed.probably_on_bare_metal == false'
check "Q1: definitely-guest with KVM named (this machine is a KVM microVM)" \
	status '.platform.q1.verdict == "definitely-guest" and (.platform.q1.hypervisor | test("KVM"))'
check "Q2: a hypervisor owns interrupt remapping here" status '.platform.q2.verdict == "definitely-guest"'
check "the kernel's BPF view is read, or unreadable with the reason" \
	status '[.platform.signals[] | select(.source == "kernel")] | length >= 1 and
	all(.state == "present" or (.state == "unreadable" and (.note | length > 0)))'
check "seed evidence: CPUID hypervisor bit" \
	status '.platform.seed.cpuid_hypervisor_bit == true and
	([.platform.seed.evidence[] | select(.source == "cpuid" and .indicates_vm)] | length >= 1)'
check "status lists all 11 hooks with name, mode, attached, reason" \
	status '[.hooks[] | select(has("name") and has("mode") and has("attached") and has("reason"))] | length == 11'
check "tracepoint layer attached" \
	status '[.hooks[] | select(.mode == "tracepoint" and .attached)] | length == 4'
check "function hooks listed as not attached, each with a reason" \
	status '[.hooks[] | select(.mode != "tracepoint")] | all(.attached == false and (.reason | length > 10))'
check "status says what is blind" status '.blind | index("PCI driver probes") != null'
check "summary counts lost records" jq -e 'select(.type == "summary") | .records_lost == 0 and (.hooks | length == 11)' "$TMP/watch.json"

# text mode and a reader that goes away early
"$BIN" --duration 1 >"$TMP/watch.txt" 2>"$TMP/watch.err"
check "text mode: status header and summary" grep -q " status$" "$TMP/watch.txt"
# no --duration: only the reader leaving can end this run (timeout says 124 if it did not)
start=$(date +%s.%N)
timeout 20 "$BIN" --format json 2>"$TMP/pipe.err" | head -1 >"$TMP/head.json"
rcs=("${PIPESTATUS[@]}")
end=$(date +%s.%N)
check "a closed pipe ends the run cleanly (imswatch | head -1, exit ${rcs[0]}, not timed out)" \
	test "${rcs[0]}" -eq 0
check "the run ends as soon as the reader leaves, even with no events (< 3 s)" \
	awk -v s="$start" -v e="$end" 'BEGIN { exit !(e - s < 3) }'
check "head got the status record" jq -e '.type == "status"' "$TMP/head.json"
if grep -qi "poll failed\|broken pipe\|error" "$TMP/pipe.err"; then
	not_ok "a reader leaving is not reported as an error on stderr" "$TMP/pipe.err"
else
	ok "a reader leaving is not reported as an error on stderr"
fi
check "SIGTERM ends the run with a summary" bash -c "
	'$BIN' --format json >'$TMP/term.json' 2>/dev/null & pid=\$!
	sleep 1; kill -TERM \$pid; wait \$pid; rc=\$?
	[ \$rc -eq 0 ] && tail -1 '$TMP/term.json' | jq -e '.type == \"summary\"' >/dev/null"

echo "1..$n"
exit $fail
