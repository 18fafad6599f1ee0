#!/bin/bash
# watch --pin and the sandbox on this machine (tracepoint hooks only here): the running
# loop holds no capabilities and runs under a seccomp filter (/proc/<pid>/status), and
# --no-sandbox keeps both; --pin pins links and maps, a second reader is refused, the pins
# survive SIGKILL and a clean exit, the next run takes them over, a directory pinned by
# another build (wrong object hash) or left half-pinned is refused with a clear error, and
# detach removes everything. Needs root and BPF; bpftool for the refused cases.
# shellcheck source=tap.bash
source "$(dirname "$0")/tap.bash"
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

if [ "$(id -u)" != 0 ] || ! grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
	skip "pin and sandbox" "needs root and bpffs on /sys/fs/bpf"
	echo "1..$n"
	exit 0
fi
D=/sys/fs/bpf/imsw-hosttest-$$
trap 'rm -rf "$TMP"; "$BIN" detach --pin "$D" 2>/dev/null; rm -rf "$D" "$D-x" "$D-y"' EXIT

# started PID FILE: wait (20 s at most) until the loop runs: the start-up snapshot (its
# audit-summary record) is the last thing written before the loop enters the sandbox
started() {
	local i
	for i in $(seq 1 200); do
		grep -q '"type":"audit-summary"' "$2" 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
field() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$2/status"; }
# sandboxed PID: wait (5 s at most) for the seccomp filter the loop installs right after
# the snapshot; fails if it never comes
sandboxed() {
	local i
	for i in $(seq 1 50); do
		[ "$(field Seccomp "$1")" = 2 ] && return 0
		sleep 0.1
	done
	return 1
}
# stop PID: SIGTERM, wait; the exit code in rc
stop() { kill -TERM "$1"; wait "$1"; rc=$?; }

# --- the sandbox ---------------------------------------------------------------------------
"$BIN" watch --format json -o "$TMP/s.jsonl" 2>"$TMP/s.err" &
P=$!
if started $P "$TMP/s.jsonl"; then
	sandboxed $P
	st="CapEff $(field CapEff $P) CapPrm $(field CapPrm $P) CapBnd $(field CapBnd $P) Seccomp $(field Seccomp $P) NoNewPrivs $(field NoNewPrivs $P)"
	if [ "$st" = "CapEff 0000000000000000 CapPrm 0000000000000000 CapBnd 0000000000000000 Seccomp 2 NoNewPrivs 1" ]; then
		ok "the watch loop holds no capability and runs under a seccomp filter ($st)"
	else
		not_ok "the watch loop holds no capability and runs under a seccomp filter ($st)"
	fi
	stop $P
	if [ "$rc" = 0 ] && grep -q '"type":"summary"' "$TMP/s.jsonl"; then
		ok "sandboxed: SIGTERM still ends it with a summary, exit 0"
	else
		not_ok "sandboxed: SIGTERM still ends it with a summary, exit 0 (rc $rc)" "$TMP/s.err"
	fi
else
	not_ok "watch started" "$TMP/s.err"
	kill -9 $P 2>/dev/null
fi
"$BIN" watch --no-sandbox --format json -o "$TMP/n.jsonl" 2>"$TMP/n.err" &
P=$!
if started $P "$TMP/n.jsonl"; then
	if [ "$(field CapEff $P)" != 0000000000000000 ] && [ "$(field Seccomp $P)" = 0 ]; then
		ok "--no-sandbox keeps the capabilities, no seccomp filter"
	else
		not_ok "--no-sandbox keeps the capabilities, no seccomp filter (CapEff $(field CapEff $P), Seccomp $(field Seccomp $P))"
	fi
	stop $P
else
	not_ok "watch --no-sandbox started" "$TMP/n.err"
	kill -9 $P 2>/dev/null
fi

# --- pin, refuse a second reader, survive SIGKILL, take over, detach ----------------------
"$BIN" watch --pin "$D" --format json -o "$TMP/p1.jsonl" 2>"$TMP/p1.err" &
P=$!
if started $P "$TMP/p1.jsonl" && [ -e "$D/info" ] && [ -e "$D/events" ] && [ -e "$D/counters" ] &&
	ls "$D" | grep -q '^link_'; then
	ok "watch --pin pins the info map, ring buffer, counters and links ($(ls "$D" | wc -l) pins)"
else
	not_ok "watch --pin pins the info map, ring buffer, counters and links" "$TMP/p1.err"
fi
"$BIN" watch --pin "$D" --format json -o "$TMP/p2.jsonl" 2>"$TMP/p2.err"
rc=$?
if [ $rc = 2 ] && grep -q "in use by another running imswatch" "$TMP/p2.err"; then
	ok "a second watch on the same pins is refused (exit 2, in use)"
else
	not_ok "a second watch on the same pins is refused (exit 2, in use; got $rc)" "$TMP/p2.err"
fi
kill -KILL $P
wait $P 2>/dev/null
if [ -e "$D/info" ] && ls "$D" | grep -q '^link_'; then
	ok "the pins survive a loader killed with SIGKILL"
else
	not_ok "the pins survive a loader killed with SIGKILL"
fi
"$BIN" watch --pin "$D" --format json -o "$TMP/p3.jsonl" 2>"$TMP/p3.err" &
P=$!
if started $P "$TMP/p3.jsonl" &&
	grep '"type":"status"' "$TMP/p3.jsonl" | grep -q '"pin":{"dir":"'"$D"'","taken_over":true' &&
	grep -q "took over" "$TMP/p3.err"; then
	ok "the next watch --pin takes the pins over (status pin.taken_over, stderr says so)"
else
	not_ok "the next watch --pin takes the pins over" "$TMP/p3.err"
fi
if sandboxed $P && [ "$(field CapEff $P)" = 0000000000000000 ]; then
	ok "the taken-over loop is sandboxed too"
else
	not_ok "the taken-over loop is sandboxed too (CapEff $(field CapEff $P), Seccomp $(field Seccomp $P))"
fi
stop $P
if [ "$rc" = 0 ] && grep '"type":"summary"' "$TMP/p3.jsonl" | grep -q '"drained_before_restart":' &&
	[ -e "$D/info" ]; then
	ok "a clean stop keeps the pins; the summary says what was drained from before the restart"
else
	not_ok "a clean stop keeps the pins; the summary says what was drained (rc $rc)" "$TMP/p3.err"
fi
"$BIN" detach --pin "$D" 2>"$TMP/d.err"
rc=$?
if [ $rc = 0 ] && [ ! -e "$D" ] && grep -q "link(s) and 4 map(s) removed" "$TMP/d.err"; then
	ok "detach --pin removes the links and maps and the directory ($(cat "$TMP/d.err"))"
else
	not_ok "detach --pin removes the links and maps and the directory (rc $rc)" "$TMP/d.err"
fi

# --- refused: another build's pins, a half-pinned directory -------------------------------
if command -v bpftool >/dev/null; then
	mkdir "$D-x"
	# struct pin_info: magic "imswpn01", ABI 2, the table sizes, ring buffer 4 KiB, an
	# object hash no build has (1)
	bpftool map create "$D-x/info" type array key 4 value 72 entries 1 name imsw_info &&
		bpftool map update pinned "$D-x/info" key 0 0 0 0 value \
			0x69 0x6d 0x73 0x77 0x70 0x6e 0x30 0x31 2 0 0 0 11 0 0 0 5 0 0 0 4 0 0 0 \
			1 0 0 0 0 0 0 0 $(printf '0 %.0s' $(seq 1 40))
	"$BIN" watch --pin "$D-x" --format json -o "$TMP/x.jsonl" 2>"$TMP/x.err"
	rc=$?
	if [ $rc = 2 ] && grep -q "another imswatch build's pins" "$TMP/x.err" &&
		grep -q "object 0000000000000001" "$TMP/x.err"; then
		ok "pins of another build (object hash differs) are refused, exit 2, with both hashes"
	else
		not_ok "pins of another build (object hash differs) are refused, exit 2 (got $rc)" "$TMP/x.err"
	fi
	mkdir "$D-y"
	bpftool map create "$D-y/events" type ringbuf key 0 value 0 entries 4096 name events
	"$BIN" watch --pin "$D-y" --format json -o "$TMP/y.jsonl" 2>"$TMP/y.err"
	rc=$?
	if [ $rc = 2 ] && grep -q "no info map" "$TMP/y.err"; then
		ok "a half-pinned directory (no info map) is refused, exit 2"
	else
		not_ok "a half-pinned directory (no info map) is refused, exit 2 (got $rc)" "$TMP/y.err"
	fi
	if "$BIN" detach --pin "$D-x" 2>/dev/null && "$BIN" detach --pin "$D-y" 2>/dev/null &&
		[ ! -e "$D-x" ] && [ ! -e "$D-y" ]; then
		ok "detach removes refused pins too"
	else
		not_ok "detach removes refused pins too"
	fi
else
	skip "refused pins" "no bpftool"
fi
"$BIN" detach 2>"$TMP/u.err"
if [ $? = 2 ] && grep -q "detach needs --pin" "$TMP/u.err"; then
	ok "detach without --pin is a usage error"
else
	not_ok "detach without --pin is a usage error" "$TMP/u.err"
fi

echo "1..$n"
exit $fail
