# shellcheck shell=sh
# restart: watch --pin keeps recording while the loader is down, and a restart delivers
# what accumulated, without loss or duplicates. imswatch runs with --pin and a 16 KiB ring
# buffer (~70 records) while the edu device is unbound from and bound to edu_msi
# RESTART_BINDS times (each bind: a probe, an MSI enablement, a per-device domain on 6.2+
# and vector tracepoints). The loader is killed with SIGKILL after RESTART_KILL_AT binds,
# stays down for RESTART_DOWN more (more records than the ring holds, so some are lost and
# must be counted), then a second `watch --pin` with the same directory takes over and the
# burst finishes. Produced = the binds that happened (edu_msi's probe line in dmesg, and
# the script's own count: they must agree); delivered = probe (and MSI) events of both
# runs together, deduplicated by kernel time, cpu and hook; lost = the BPF side's per-hook
# counters in the second run's summary (kept in the pinned map across the restart).
# Asserted: delivered + lost == produced, and at most one record delivered twice (the one
# a SIGKILL can catch between its write and the ring buffer's consumer position).
# Both loops are also checked for least privilege: no capabilities, seccomp filter mode.

RESTART_BINDS=${RESTART_BINDS:-120}
RESTART_KILL_AT=${RESTART_KILL_AT:-40}
RESTART_DOWN=${RESTART_DOWN:-30}
PIN=/sys/fs/bpf/imswatch
R1=/tmp/restart1.jsonl
R2=/tmp/restart2.jsonl

EDU=$(pci_find $EDU_ID | head -n1)
check "boot-time edu device present ($EDU)" [ -n "$EDU" ]
check "bpffs mounted on /sys/fs/bpf" grep -q ' /sys/fs/bpf bpf ' /proc/mounts
check "insmod edu_msi binds $EDU" sh -c ". /imsw/lib.sh; load edu_msi && wait_for 10 pci_bound_to $EDU edu_msi"
echo "$EDU" >/sys/bus/pci/drivers/edu_msi/unbind 2>/dev/null

# sandboxed PID: CapEff and CapPrm all zero, Seccomp 2 (filter)
sandboxed() {
	[ -r "/proc/$1/status" ] || return 1
	_s=$(grep -E '^(CapEff|CapPrm|Seccomp):' "/proc/$1/status" | tr -s '\t ' ' ')
	diag "pid $1: $(echo "$_s" | tr '\n' ' ')"
	echo "$_s" | grep -q '^CapEff: 0000000000000000$' &&
		echo "$_s" | grep -q '^CapPrm: 0000000000000000$' &&
		echo "$_s" | grep -q '^Seccomp: 2$'
}

# the loop runs (and has entered the sandbox) once the start-up snapshot is written
run_started() { [ -s "$1" ] && grep -q '"type":"audit-summary"' "$1"; }
burst_at() { [ "$(cat /tmp/burst.count 2>/dev/null || echo 0)" -ge "$1" ]; }

if ! have_imswatch; then
	tap_skip "restart without loss" "$(imsw_skip_reason)"
	return 0 2>/dev/null || exit 0
fi

rm -f "$R1" "$R2" /tmp/burst.count /tmp/burst.done /tmp/burst.ok
"$IMSW_BIN" detach --pin "$PIN" 2>/dev/null
DMESG0=$(dmesg | grep -c 'edu_msi: id ')

"$IMSW_BIN" watch --format json --pin "$PIN" --ringbuf-kb 16 --output "$R1" 2>/tmp/restart1.err &
P1=$!
check "run 1: watch --pin $PIN is up (start-up snapshot written)" wait_for 60 run_started "$R1"
check "run 1: the loop holds no capabilities and runs under seccomp" wait_for 30 sandboxed "$P1"
check "run 1: links and maps pinned in $PIN" sh -c "ls $PIN/info $PIN/events $PIN/counters && ls $PIN | grep -q '^link_'"

# the burst, in the background; /tmp/burst.ok counts binds that took
(
	i=0 ok=0
	while [ $i -lt "$RESTART_BINDS" ]; do
		echo "$EDU" >/sys/bus/pci/drivers/edu_msi/bind 2>/dev/null
		[ -e "/sys/bus/pci/drivers/edu_msi/$EDU" ] && ok=$((ok + 1))
		echo "$EDU" >/sys/bus/pci/drivers/edu_msi/unbind 2>/dev/null
		i=$((i + 1))
		echo $i >/tmp/burst.count
		echo $ok >/tmp/burst.ok
	done
	touch /tmp/burst.done
) &
BURST=$!

wait_for 120 burst_at "$RESTART_KILL_AT"
kill -KILL "$P1" 2>/dev/null
wait "$P1" 2>/dev/null
diag "run 1 killed (SIGKILL) after $(cat /tmp/burst.count) binds"
check "pins survive the killed loader" [ -e "$PIN/info" ]
wait_for 120 burst_at $((RESTART_KILL_AT + RESTART_DOWN))
diag "loader down for $(($(cat /tmp/burst.count) - RESTART_KILL_AT)) binds"

"$IMSW_BIN" watch --format json --pin "$PIN" --ringbuf-kb 16 --output "$R2" 2>/tmp/restart2.err &
P2=$!
check "run 2: watch --pin $PIN is up (start-up snapshot written)" wait_for 60 run_started "$R2"
check "run 2: the loop holds no capabilities and runs under seccomp" wait_for 30 sandboxed "$P2"
wait_for 300 test -e /tmp/burst.done
wait "$BURST" 2>/dev/null
check "the burst finished ($(cat /tmp/burst.count) of $RESTART_BINDS binds)" test -e /tmp/burst.done
sleep 2 # the last records drained, a lost record written if there were new losses
kill -TERM "$P2" 2>/dev/null
_t=50
while kill -0 "$P2" 2>/dev/null && [ $_t -gt 0 ]; do sleep 0.2; _t=$((_t - 1)); done
wait "$P2"
RC2=$?
check "run 2 exited 0 on SIGTERM (was $RC2)" [ "$RC2" = 0 ]
for f in /tmp/restart1.err /tmp/restart2.err; do
	[ -s "$f" ] && { diag "$f:"; sed 's/^/#   /' "$f" | tail -n 8; }
done

PRODUCED=$(($(dmesg | grep -c 'edu_msi: id ') - DMESG0))
OK=$(cat /tmp/burst.ok)
check "produced: edu_msi probed $PRODUCED times (dmesg), the script saw $OK binds take" [ "$PRODUCED" = "$OK" ]

IMSW_OUT=/tmp/restart-all.jsonl
# run 1 may end in a torn line (SIGKILL): only whole JSON lines count
cat "$R1" "$R2" | jq -c -R 'fromjson? // empty' >"$IMSW_OUT"
TORN=$(($(cat "$R1" "$R2" | wc -l) - $(wc -l <"$IMSW_OUT")))
jcheck "run 2 took the pins over (status pin.taken_over)" \
	'[.[] | select(.type == "status")] | last | .pin.taken_over == true'
# kind probe (local_pci_probe/pci_device_probe) and msi (pci_alloc_irq_vectors_affinity)
count() { jval "[ev | select(.kind == \"$1\" and bdf_is(\$b))] | length" --arg b "$EDU"; }
ucount() { jval "[ev | select(.kind == \"$1\" and bdf_is(\$b)) | [.mono_ns, .context.cpu, .hook]] | unique | length" --arg b "$EDU"; }
lostof() { jval "[.[] | select(.type == \"summary\")] | last | [.hooks[] | select(.name == \"$1\" or .name == \"$2\") | .lost] | add"; }
RAW_P=$(count probe)
DEL_P=$(ucount probe)
LOST_P=$(lostof local_pci_probe pci_device_probe)
RAW_M=$(count msi)
DEL_M=$(ucount msi)
LOST_M=$(lostof pci_alloc_irq_vectors_affinity pci_alloc_irq_vectors_affinity)
DRAINED=$(jval '[.[] | select(.type == "summary")] | last | .pin.drained_before_restart')
LOST_ALL=$(jval '[.[] | select(.type == "summary")] | last | .records_lost')
diag "produced $PRODUCED probes; delivered $DEL_P (raw $RAW_P), lost $LOST_P"
diag "produced $PRODUCED MSI enablements; delivered $DEL_M (raw $RAW_M), lost $LOST_M"
diag "records drained from before the restart: $DRAINED; records lost in all: $LOST_ALL; torn lines: $TORN"
check "probe: delivered + lost == produced ($DEL_P + $LOST_P == $PRODUCED)" [ $((DEL_P + LOST_P)) = "$PRODUCED" ]
check "msi: delivered + lost == produced ($DEL_M + $LOST_M == $PRODUCED)" [ $((DEL_M + LOST_M)) = "$PRODUCED" ]
check "at most one record delivered twice across the kill (probe $((RAW_P - DEL_P)), msi $((RAW_M - DEL_M)))" \
	[ $((RAW_P - DEL_P + RAW_M - DEL_M)) -le 1 ]
check "records produced while the loader was down were drained after the restart ($DRAINED)" \
	[ "${DRAINED:-0}" -gt 0 ]
jcheck "hits = delivered + lost for the probe hook, across both runs" \
	'(.[] | select(.type == "summary") | .hooks[] | select(.attached) | select(.name == "local_pci_probe" or .name == "pci_device_probe")) as $h
	 | ([ev | select(.hook == $h.name) | [.mono_ns, .context.cpu]] | unique | length) + $h.lost == $h.hits'
jcheck "losses are reported after the takeover (a lost record in run 2) when there were any" \
	'([.[] | select(.type == "summary")] | last | .records_lost) as $l
	 | $l == 0 or ([.[] | select(.type == "lost")] | last | .total) == $l'
row "restart produced=$PRODUCED delivered=$DEL_P lost=$LOST_P dup=$((RAW_P - DEL_P)) drained=$DRAINED"
check "detach --pin removes the pins" sh -c "$IMSW_BIN detach --pin $PIN 2>/tmp/detach.err && [ ! -e $PIN ]"
diag "$(cat /tmp/detach.err)"
imsw_dump restart
true
