#!/bin/bash
# Host test: the sinks beside stdout. --output appends and survives logrotate (rename, then
# SIGHUP: the following records go to a new file, none lost); a full disk (/dev/full, a
# 64 KiB tmpfs) is reported once on stderr and counted in the summary, and a file never
# holds half a record; --metrics writes a file promtool accepts, atomically; --journal
# sends every record to a real systemd-journald (a private one, in a mount namespace with
# its own /run, so the host's journal is never touched), read back with journalctl and
# matched field by field against the JSON record; that watch runs with every sink at once in
# its sandbox (seccomp, no capabilities) through a SIGHUP and metrics updates. Bad input:
# one stderr line, exit 2, nothing created. The watch, tmpfs and journald checks need
# root; without it they skip.
#
# Events: this test never touches the machine's devices (no unbind, rebind or reset). The
# watch runs write the records a watch writes anyway (status, the start-up snapshot's
# device/irq-domain/finding/audit-summary records, lost, summary) and whatever events this
# machine makes by itself; --fold on hand-built events is in tests/unit/test_sinks.c, and on
# real events (a guest rebinding its own device) in the VM bench's live scenario.
# shellcheck source=tap.bash
source "$(dirname "$0")/tap.bash"
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
root=false
[ "$(id -u)" -eq 0 ] && root=true

# --- bad input: one line on stderr, exit 2, no --output file, no metrics file ---------
bad_input() {
	local name=$1; shift
	rm -f "$TMP/out" "$TMP/m.prom"*
	"$BIN" "$@" --output "$TMP/out" >"$TMP/stdout" 2>"$TMP/stderr"
	local rc=$?
	if [ $rc -eq 2 ] && [ ! -e "$TMP/out" ] && [ ! -s "$TMP/stdout" ] &&
		[ -z "$(ls "$TMP"/m.prom* 2>/dev/null)" ] &&
		[ "$(wc -l <"$TMP/stderr")" -eq 1 ] && grep -q -- "$name" "$TMP/stderr"; then
		ok "bad input rejected: $*"
	else
		not_ok "bad input rejected: $* (rc=$rc)" "$TMP/stderr"
	fi
}
bad_input "/nonexistent" platform --metrics /nonexistent/dir/m.prom
bad_input "--metrics-interval" platform --metrics-interval 5
bad_input "--metrics-interval" watch --metrics "$TMP/m.prom" --metrics-interval 0.5
bad_input "--fold" watch --fold 0
bad_input "--fold" watch --fold -3
bad_input "--fold" platform --fold 10
bad_input "--metrics" cpuid --metrics "$TMP/m.prom"
bad_input "--pin" watch --fold 10 --pin /sys/fs/bpf/imswatch-never-made
if [ ! -S /run/systemd/journal/socket ]; then
	bad_input "journald" platform --journal
else
	skip "--journal without journald is refused" "a journald runs here"
fi

# --- --output appends: an audit log keeps what earlier runs wrote ---------------------
echo "an earlier line" >"$TMP/log"
"$BIN" platform --format json --output "$TMP/log" 2>"$TMP/err" &&
	"$BIN" platform --format json --output "$TMP/log" 2>>"$TMP/err"
if [ "$(head -1 "$TMP/log")" = "an earlier line" ] && [ "$(wc -l <"$TMP/log")" -eq 3 ] &&
	tail -2 "$TMP/log" | jq -e -s 'length == 2 and all(.[]; .type == "platform")' >/dev/null; then
	ok "--output appends: the earlier line and both records are there"
else
	not_ok "--output appends: the earlier line and both records are there" "$TMP/log"
fi

# --- /dev/full: reported once, exit 2, counted ---------------------------------------
"$BIN" platform --output /dev/full 2>"$TMP/full.err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$TMP/full.err")" -eq 1 ] &&
	grep -q "No space left on device" "$TMP/full.err"; then
	ok "platform --output /dev/full: exit 2, one line"
else
	not_ok "platform --output /dev/full: exit 2, one line (rc=$rc)" "$TMP/full.err"
fi

# --- metrics: promtool accepts the file, and it says what the record says ---------------
if command -v promtool >/dev/null; then
	"$BIN" platform --format json --metrics "$TMP/p.prom" >"$TMP/p.json" 2>"$TMP/err"
	if promtool check metrics <"$TMP/p.prom" >"$TMP/promtool.out" 2>&1; then
		ok "promtool check metrics accepts the platform metrics"
	else
		not_ok "promtool check metrics accepts the platform metrics" "$TMP/promtool.out"
	fi
	q1=$(jq -r .platform.q1.verdict "$TMP/p.json")
	q2=$(jq -r .platform.q2.verdict "$TMP/p.json")
	if grep -qx "imswatch_platform_verdict{question=\"q1\",verdict=\"$q1\"} 1" "$TMP/p.prom" &&
		grep -qx "imswatch_platform_verdict{question=\"q2\",verdict=\"$q2\"} 1" "$TMP/p.prom" &&
		[ "$(grep -c '^imswatch_platform_verdict{.*} 1$' "$TMP/p.prom")" -eq 2 ] &&
		grep -qx "imswatch_build_info{version=\"$(jq -r .version "$TMP/p.json")\",record_format=\"$(jq -r .format_version "$TMP/p.json")\"} 1" "$TMP/p.prom"; then
		ok "metrics: the verdicts (q1 $q1, q2 $q2) and build info of the record, one verdict each"
	else
		not_ok "metrics: the verdicts (q1 $q1, q2 $q2) and build info of the record" "$TMP/p.prom"
	fi
	# one host info series, its labels the record's host object (what was read of it)
	want=$(jq -r '.host // {} | [(.name // empty | "host=\"\(.)\""),
		(.machine_id // empty | "machine_id=\"\(.)\""), (.boot_id // empty | "boot_id=\"\(.)\"")] |
		if length > 0 then "imswatch_host_info{\(join(","))} 1" else "" end' "$TMP/p.json")
	if [ -n "$want" ] && grep -qxF "$want" "$TMP/p.prom" &&
		[ "$(grep -c '^imswatch_host_info' "$TMP/p.prom")" -eq 1 ]; then
		ok "metrics: imswatch_host_info names the record's host ($want)"
	elif [ -z "$want" ] && ! grep -q '^imswatch_host_info' "$TMP/p.prom"; then
		ok "metrics: no imswatch_host_info, as the record has no host object"
	else
		not_ok "metrics: imswatch_host_info names the record's host ($want)" "$TMP/p.prom"
	fi
	# promtool must be able to fail: a broken copy is refused
	sed 's/^imswatch_build_info{/imswatch_build_info{bad-label=/' "$TMP/p.prom" >"$TMP/bad.prom"
	if ! promtool check metrics <"$TMP/bad.prom" >/dev/null 2>&1; then
		ok "promtool refuses a broken copy (the check can fail)"
	else
		not_ok "promtool refuses a broken copy (the check can fail)"
	fi
else
	skip "promtool checks" "no promtool (Debian package prometheus; make deps installs it)"
fi

if ! $root; then
	skip "watch, logrotate, tmpfs and journald checks" "not root"
	echo "1..$n"
	exit $fail
fi

wait_for() { # FILE: until it is not empty (the status record is out), 30 s at most
	local i
	for i in $(seq 1 300); do [ -s "$1" ] && return 0; sleep 0.1; done
	return 1
}
events_in() { jq -s '[.[] | select(.type == "event" or .type == "alert") | (.folded.count // 1)] | add // 0' "$@"; }

# records of the snapshot, by type, and the counts its audit-summary gives
snapshot_consistent() { # FILE...: the snapshot's records as many as its audit-summary says
	jq -e -s '[.[] | select(.snapshot == true)] as $s | [$s[] | select(.type == "audit-summary")] as $a |
		($a | length) == 1 and
		([$s[] | select(.type == "device")] | length) == $a[0].devices and
		([$s[] | select(.type == "irq-domain")] | length) == $a[0].irq_domains and
		([$s[] | select(.type == "finding")] | length) == ([$a[0].findings[]] | add)' "$@" >/dev/null
}

# --- logrotate: rename, SIGHUP, the following records in a new file, none lost ----------
# Before the SIGHUP the status and the snapshot are out; after it, the summary (and any
# lost record or event): each record in exactly one of the two files.
rm -f "$TMP/rot.json" "$TMP/rot.json.1"
"$BIN" watch --format json --output "$TMP/rot.json" 2>"$TMP/rot.err" &
pid=$!
wait_for "$TMP/rot.json"
for _ in $(seq 1 300); do grep -q '"audit-summary"' "$TMP/rot.json" && break; sleep 0.1; done
mv "$TMP/rot.json" "$TMP/rot.json.1"
kill -HUP $pid
for _ in $(seq 1 50); do [ -e "$TMP/rot.json" ] && break; sleep 0.1; done
sleep 0.3
kill -0 $pid 2>/dev/null
alive=$?
kill -TERM $pid
wait $pid
rc=$?
if [ $rc -eq 0 ] && [ $alive -eq 0 ] && [ -e "$TMP/rot.json" ] &&
	head -1 "$TMP/rot.json.1" | jq -e '.type == "status"' >/dev/null &&
	tail -1 "$TMP/rot.json" | jq -e '.type == "summary"' >/dev/null &&
	cat "$TMP/rot.json.1" "$TMP/rot.json" | jq -e -s 'all(.[]; .type)' >/dev/null; then
	ok "SIGHUP after a rename: status in the renamed file, summary in a new one, the run goes on (exit 0)"
else
	not_ok "SIGHUP after a rename: status in the renamed file, summary in a new one (rc=$rc)" "$TMP/rot.err"
fi
seen=$(cat "$TMP/rot.json.1" "$TMP/rot.json" | events_in)
summed=$(tail -1 "$TMP/rot.json" | jq '[.events[]] | add')
nsnap=$(jq -s '[.[] | select(.snapshot == true)] | length' "$TMP/rot.json.1")
if [ "$seen" = "$summed" ] && snapshot_consistent "$TMP/rot.json.1" &&
	[ "$(jq -s '[.[] | select(.type == "status" or .type == "summary")] | length' "$TMP/rot.json.1" "$TMP/rot.json")" -eq 2 ] &&
	[ "$(jq -s '[.[] | select(.snapshot == true)] | length' "$TMP/rot.json")" -eq 0 ]; then
	ok "none lost or doubled across the reopen: status + $nsnap snapshot records before, summary after, $seen events = the summary's $summed"
else
	not_ok "none lost or doubled across the reopen: $nsnap snapshot records, $seen events vs the summary's $summed" "$TMP/rot.err"
fi

# --- --fold: every event counted once, folded or not ----------------------------------------
# Whatever events this machine makes by itself during the run (usually none): the summary's
# events = unfolded records + folded counts, its folded block = the folded records.
"$BIN" watch --format json --fold 30 --duration 2 --output "$TMP/fold.json" 2>"$TMP/fold.err"
rc=$?
if [ $rc -eq 0 ] && jq -e -s '
	.[-1] as $sum | [.[] | select(.type == "event" or .type == "alert")] as $ev |
	$sum.type == "summary" and ($sum.folded | type) == "object" and
	([$ev[] | .folded.count // 1] | add // 0) == ([$sum.events[]] | add) and
	([$ev[] | select(.folded) | .folded.count] | add // 0) == $sum.folded.events and
	([$ev[] | select(.folded)] | length) == $sum.folded.records and
	all($ev[] | select(.folded); .folded.count >= 1 and .folded.first_ts <= .folded.last_ts and .ts == .folded.last_ts)' \
	"$TMP/fold.json" >/dev/null; then
	nrec=$(jq -s '[.[] | select(.type == "event" or .type == "alert")] | length' "$TMP/fold.json")
	nev=$(tail -1 "$TMP/fold.json" | jq '[.events[]] | add')
	ok "--fold 30: $nev events of this machine in $nrec records, each counted once (folding of real repeats: the VM bench's live scenario)"
else
	not_ok "--fold 30: records + folded counts = the summary's events (rc=$rc)" "$TMP/fold.err"
fi

# --- a full disk: a 64 KiB tmpfs, in a mount namespace of its own ------------------------
# The status record does not fit in what is left: it is written whole or not at all (the
# part that fitted is taken back), the error is said once, and once the disk has room again
# the summary lands and counts what was not written.
cat >"$TMP/fulldisk.sh" <<INNER
mount -t tmpfs -o size=64k tmpfs "$TMP/small" || exit 77
dd if=/dev/zero of="$TMP/small/filler" bs=1k count=60 2>/dev/null
"$BIN" watch --format json --output "$TMP/small/log.json" 2>"$TMP/small.err" &
pid=\$!
# room again only once the status record has failed (a loaded machine starts slowly)
for i in \$(seq 1 300); do grep -q "No space left" "$TMP/small.err" && break; sleep 0.1; done
rm -f "$TMP/small/filler"
sleep 0.5
kill -TERM \$pid
wait \$pid
echo \$? >"$TMP/small.rc"
cp "$TMP/small/log.json" "$TMP/small.json" 2>/dev/null
umount "$TMP/small"
INNER
mkdir -p "$TMP/small"
if unshare -m --propagation private bash "$TMP/fulldisk.sh"; then
	rc=$(cat "$TMP/small.rc")
	if [ "$rc" = 2 ] && [ "$(grep -c -v '^imswatch: blind: ' "$TMP/small.err")" -eq 1 ] &&
		grep -q "No space left on device" "$TMP/small.err" &&
		jq -e -s 'all(.[]; .type) and .[-1].type == "summary" and .[-1].write_errors.output >= 1 and
			all(.[]; .type != "status")' "$TMP/small.json" >/dev/null; then
		ok "64 KiB tmpfs full: said once, exit 2, no half record, the summary counts $(tail -1 "$TMP/small.json" | jq .write_errors.output) record(s) not written"
	else
		not_ok "64 KiB tmpfs full: said once, exit 2, no half record, counted (rc=$rc)" "$TMP/small.err"
		head -c 300 "$TMP/small.json" | sed 's/^/# /'
	fi
else
	skip "64 KiB tmpfs full" "cannot mount a tmpfs in a private mount namespace here"
fi

# --- metrics during a watch: updated every interval, atomically, promtool accepts it -------
if command -v promtool >/dev/null; then
	"$BIN" watch --format json --metrics "$TMP/w.prom" --metrics-interval 1 >"$TMP/w.json" 2>"$TMP/w.err" &
	pid=$!
	# the first update comes from the loop, after the start-up snapshot: wait for the file
	wait_for "$TMP/w.json"
	wait_for "$TMP/w.prom"
	first=$(grep '^imswatch_last_update_timestamp_seconds' "$TMP/w.prom" 2>/dev/null)
	sleep 1.5
	second=$(grep '^imswatch_last_update_timestamp_seconds' "$TMP/w.prom" 2>/dev/null)
	kill -TERM $pid
	wait $pid
	if [ -n "$first" ] && [ "$first" != "$second" ] && promtool check metrics <"$TMP/w.prom" >"$TMP/promtool.out" 2>&1 &&
		[ -z "$(ls "$TMP"/w.prom.tmp.* 2>/dev/null)" ]; then
		ok "watch --metrics: written at start and again a second later, no temporary file left, promtool accepts it"
	else
		not_ok "watch --metrics: updated every interval, promtool accepts it ($first / $second)" "$TMP/promtool.out"
	fi
	# the hooks of the status record, and the events of the summary, in the final file
	want=$(head -1 "$TMP/w.json" | jq -r '.hooks[] | "imswatch_hook_attached{hook=\"\(.name)\"} \(if .attached then 1 else 0 end)"' | sort)
	got=$(grep '^imswatch_hook_attached{' "$TMP/w.prom" | sort)
	ev=$(tail -1 "$TMP/w.json" | jq '[.events[]] | add')
	mev=$(awk '/^imswatch_events_total\{/ { s += $2 } END { print s + 0 }' "$TMP/w.prom")
	if [ -n "$want" ] && [ "$want" = "$got" ] && [ "$ev" = "$mev" ]; then
		ok "metrics at exit: hooks attached as in the status record, $mev events as in the summary"
	else
		not_ok "metrics at exit: hooks attached as in the status record, events $mev vs summary $ev"
	fi
else
	skip "watch --metrics" "no promtool"
fi

# --- journald: a private systemd-journald, read back with journalctl -------------------
JOURNALD=/lib/systemd/systemd-journald
if [ -x "$JOURNALD" ] && command -v journalctl >/dev/null; then
	cat >"$TMP/journal.sh" <<INNER
# its own /run: journald's socket and its volatile journal in /run/log/journal
mount -t tmpfs tmpfs /run || exit 77
mkdir -p /run/systemd/journal /run/log/journal
$JOURNALD &
jpid=\$!
for i in \$(seq 1 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
"$BIN" platform --journal >"$TMP/j.platform.stdout" 2>"$TMP/j.err"
echo \$? >"$TMP/j.platform.rc"
"$BIN" platform --journal --format json >"$TMP/j.platform.json" 2>>"$TMP/j.err"
# every sink at once, in the sandbox: journald, metrics every second, --output renamed and
# reopened on SIGHUP; the loop must not be killed by its seccomp filter (SIGSYS)
"$BIN" watch --journal --format json --metrics "$TMP/j.prom" --metrics-interval 1 \
	--output "$TMP/j.watch.json" >"$TMP/j.watch.stdout" 2>>"$TMP/j.err" &
wpid=\$!
for i in \$(seq 1 300); do grep -q '"audit-summary"' "$TMP/j.watch.json" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
grep -E '^(Seccomp|CapEff):' /proc/\$wpid/status >"$TMP/j.sandbox"
grep '^imswatch_last_update_timestamp_seconds' "$TMP/j.prom" >"$TMP/j.prom.first" 2>/dev/null
mv "$TMP/j.watch.json" "$TMP/j.watch.json.1"
kill -HUP \$wpid
for i in \$(seq 1 50); do [ -e "$TMP/j.watch.json" ] && break; sleep 0.1; done
sleep 2.2
grep '^imswatch_last_update_timestamp_seconds' "$TMP/j.prom" >"$TMP/j.prom.second" 2>/dev/null
kill -0 \$wpid 2>/dev/null && echo alive >"$TMP/j.alive"
kill -TERM \$wpid
wait \$wpid
echo \$? >"$TMP/j.watch.rc"
sleep 0.5
journalctl -D /run/log/journal -o json --all --no-pager SYSLOG_IDENTIFIER=imswatch >"$TMP/j.entries" 2>>"$TMP/j.err"
kill \$jpid
wait \$jpid 2>/dev/null
exit 0
INNER
	if unshare -m --propagation private bash "$TMP/journal.sh"; then
		if [ "$(cat "$TMP/j.platform.rc")" = 0 ] && [ ! -s "$TMP/j.platform.stdout" ]; then
			ok "platform --journal: exit 0, nothing on stdout (the journal alone)"
		else
			not_ok "platform --journal: exit 0, nothing on stdout" "$TMP/j.err"
		fi
		# the second platform entry is the one whose JSON went to stdout too
		jq -c -s '[.[] | select(.IMSWATCH_RECORD == "platform")][1]' "$TMP/j.entries" >"$TMP/j.p"
		if jq -e --slurpfile rec "$TMP/j.platform.json" '
			($rec[0]) as $r | (.IMSWATCH_JSON | fromjson) as $j |
			$j == $r and .PRIORITY == "6" and .SYSLOG_IDENTIFIER == "imswatch" and
			.IMSWATCH_Q1 == $r.platform.q1.verdict and .IMSWATCH_Q2 == $r.platform.q2.verdict and
			.IMSWATCH_SEED == (if $r.platform.seed.probably_on_bare_metal then "probably-bare-metal" else "not-bare-metal" end) and
			.IMSWATCH_IMS_GATE == $r.platform.q2.ims_gate and
			.IMSWATCH_FORMAT_VERSION == ($r.format_version | tostring) and
			.IMSWATCH_TS == $r.ts and
			(.IMSWATCH_HYPERVISOR // "") == $r.platform.q1.hypervisor and
			.MESSAGE == "platform: imswatch \($r.version) (record format \($r.format_version))"' "$TMP/j.p" >/dev/null; then
			ok "platform --journal --format json: one entry whose every field matches the record on stdout"
		else
			not_ok "platform --journal --format json: one entry whose every field matches the record" "$TMP/j.err"
			head -c 600 "$TMP/j.p" | sed 's/^/# /'
		fi
		# the record's host object names the machine journald's own trusted fields name
		# (journald writes the ids as 32 hex digits, without the boot id's dashes)
		if jq -e '(.IMSWATCH_JSON | fromjson | .host) as $h | $h != null and
			($h.name // ._HOSTNAME) == ._HOSTNAME and
			($h.machine_id // ._MACHINE_ID) == ._MACHINE_ID and
			(($h.boot_id // ._BOOT_ID) | gsub("-"; "")) == ._BOOT_ID' "$TMP/j.p" >/dev/null; then
			ok "platform --journal: the record's host object matches _HOSTNAME, _MACHINE_ID, _BOOT_ID"
		else
			not_ok "platform --journal: the record's host object matches journald's own fields" "$TMP/j.p"
		fi
		if [ "$(cat "$TMP/j.watch.rc")" = 0 ] && [ -e "$TMP/j.alive" ] &&
			grep -qx 'Seccomp:[[:space:]]*2' "$TMP/j.sandbox" &&
			grep -qx 'CapEff:[[:space:]]*0000000000000000' "$TMP/j.sandbox" &&
			[ -s "$TMP/j.prom.first" ] && [ -s "$TMP/j.prom.second" ] &&
			! cmp -s "$TMP/j.prom.first" "$TMP/j.prom.second" &&
			[ -z "$(ls "$TMP"/j.prom.tmp.* 2>/dev/null)" ] &&
			tail -1 "$TMP/j.watch.json" | jq -e '.type == "summary"' >/dev/null; then
			ok "watch --journal --metrics --output sandboxed (Seccomp 2, no capabilities): metrics rewritten, SIGHUP reopens, still running, exit 0"
		else
			not_ok "watch --journal --metrics --output sandboxed: alive after SIGHUP and metrics updates, exit $(cat "$TMP/j.watch.rc")" "$TMP/j.err"
			sed 's/^/# /' "$TMP/j.sandbox" "$TMP/j.prom.first" "$TMP/j.prom.second" 2>/dev/null
		fi
		types=$(jq -r -s '[.[] | select(._PID != null) | .IMSWATCH_RECORD] | join(" ")' "$TMP/j.entries")
		if [ "$(cat "$TMP/j.watch.rc")" = 0 ] && [ ! -s "$TMP/j.watch.stdout" ] &&
			jq -e -s '[.[] | select(.IMSWATCH_RECORD == "status")] | length == 1' "$TMP/j.entries" >/dev/null &&
			jq -e -s '[.[] | select(.IMSWATCH_RECORD == "summary")] | length == 1' "$TMP/j.entries" >/dev/null; then
			ok "watch --journal --output: a status and a summary entry, nothing on stdout"
		else
			not_ok "watch --journal --output: a status and a summary entry ($types)" "$TMP/j.err"
		fi
		# with --output as well, both get every record: the same JSON, in the same order
		cat "$TMP/j.watch.json.1" "$TMP/j.watch.json" >"$TMP/j.watch.all" 2>/dev/null
		if [ -s "$TMP/j.watch.all" ] && [ "$(jq -c -s '[.[] | select(.IMSWATCH_RECORD != "platform") | .IMSWATCH_JSON | fromjson]' "$TMP/j.entries")" = \
			"$(jq -c -s . "$TMP/j.watch.all")" ]; then
			ok "watch --journal --output: every record of both files is a journal entry with the same JSON ($(wc -l <"$TMP/j.watch.all") records)"
		else
			not_ok "watch --journal --output: every record of the file is a journal entry with the same JSON" "$TMP/j.err"
		fi
		# every event entry: its fields are its JSON's, and the summary counts them all
		if jq -e -s '
			[.[] | select(.IMSWATCH_RECORD == "event" or .IMSWATCH_RECORD == "alert")] as $ev |
			([.[] | select(.IMSWATCH_RECORD == "summary")][0].IMSWATCH_JSON | fromjson) as $sum |
			($ev | length) == ([$sum.events[]] | add) and
			all($ev[]; (.IMSWATCH_JSON | fromjson) as $j |
				.IMSWATCH_RULE == $j.rule and .IMSWATCH_SEVERITY == $j.severity and
				.IMSWATCH_KIND == $j.kind and .IMSWATCH_HOOK == $j.hook and
				(.IMSWATCH_BDF // null) == ($j.device.bdf // null) and
				(.IMSWATCH_DRIVER // "") == $j.driver and
				.PRIORITY == ({"info": "6", "warning": "4", "critical": "2"}[$j.severity]) and
				.IMSWATCH_RECORD == $j.type and .IMSWATCH_TS == $j.ts)' "$TMP/j.entries" >/dev/null; then
			nev=$(jq -s '[.[] | select(.IMSWATCH_RECORD == "event" or .IMSWATCH_RECORD == "alert")] | length' "$TMP/j.entries")
			ok "watch --journal: $nev event entries, each field as its JSON, as many as the summary counts"
		else
			not_ok "watch --journal: event entries match their JSON and the summary" "$TMP/j.err"
		fi
		# the snapshot's entries: their fields are their JSON's, PRIORITY by severity
		if jq -e -s '
			[.[] | select(.IMSWATCH_SNAPSHOT == "true")] as $s |
			($s | length) > 0 and
			all($s[]; (.IMSWATCH_JSON | fromjson) as $j | $j.snapshot == true and .IMSWATCH_RECORD == $j.type) and
			all($s[] | select(.IMSWATCH_RECORD == "device"); (.IMSWATCH_JSON | fromjson) as $j |
				.IMSWATCH_BDF == $j.bdf and (.IMSWATCH_DRIVER // null) == $j.driver) and
			all($s[] | select(.IMSWATCH_RECORD == "finding"); (.IMSWATCH_JSON | fromjson) as $j |
				.IMSWATCH_RULE == $j.rule and .IMSWATCH_SEVERITY == $j.severity and
				.PRIORITY == ({"info": "6", "notice": "5", "warning": "4", "critical": "2"}[$j.severity]))' \
			"$TMP/j.entries" >/dev/null; then
			ok "watch --journal: the start-up snapshot's $(jq -s '[.[] | select(.IMSWATCH_SNAPSHOT == "true")] | length' "$TMP/j.entries") entries carry their JSON's fields"
		else
			not_ok "watch --journal: the start-up snapshot's entries carry their JSON's fields" "$TMP/j.err"
		fi
	else
		skip "journald checks" "cannot start a private journald here (unshare/mount refused)"
	fi
else
	skip "journald checks" "no $JOURNALD or journalctl (Debian package systemd)"
fi

echo "1..$n"
exit $fail
