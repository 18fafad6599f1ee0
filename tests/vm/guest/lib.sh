# shellcheck shell=sh
# Helpers for guest scenario scripts (busybox ash). TAP goes to stdout = the console;
# tests/vm/run.sh renumbers the points of all scenarios into one stream, so numbers here
# only need to be right within a scenario.

T_N=0
T_FAILED=0
IMSW_BIN=/usr/sbin/imswatch
IMSW_OUT=/tmp/imswatch.jsonl
IMSW_ERR=/tmp/imswatch.err
IMSW_PID=
EDU_ID=1234:11e8
NVME_ID=1b36:0010

diag() { echo "# $*"; }

# TAP_PREFIX, when set, starts every description (e.g. the attach mode of a repeated run)
tap_ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - ${TAP_PREFIX:-}$*"
}

tap_fail() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - ${TAP_PREFIX:-}$*"
}

# tap_skip DESC REASON
tap_skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N - ${TAP_PREFIX:-}$1 # SKIP $2"
}

# check DESC CMD...: one TAP point from a command's exit status
check() {
	_d=$1
	shift
	if "$@"; then tap_ok "$_d"; else tap_fail "$_d"; fi
}

tap_done() {
	echo "# $T_N checks, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds or time runs out
wait_for() {
	_t=$(($1 * 5))
	shift
	while [ "$_t" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		_t=$((_t - 1))
	done
	"$@"
}

# host_mon CMD: ask tests/vm/run.sh to type CMD into the QEMU monitor (HMP)
host_mon() { echo "@@MON $*"; }

# row KEY=VALUE...: one row of data for the host (matrix table)
row() { echo "@@ROW $*"; }

# pci_find VENDOR:DEVICE: the BDFs of all present devices with that id
pci_find() {
	for _p in /sys/bus/pci/devices/*; do
		[ -e "$_p/vendor" ] || continue
		_v=$(cat "$_p/vendor")
		_dv=$(cat "$_p/device")
		[ "${_v#0x}:${_dv#0x}" = "$1" ] && echo "${_p##*/}"
	done
	return 0
}

pci_present() { [ -e "/sys/bus/pci/devices/$1" ]; }
pci_absent() { [ ! -e "/sys/bus/pci/devices/$1" ]; }

# pci_driver BDF: the bound driver's name, or nothing
pci_driver() {
	[ -e "/sys/bus/pci/devices/$1/driver" ] && basename "$(readlink "/sys/bus/pci/devices/$1/driver")"
	return 0
}

pci_bound_to() { [ "$(pci_driver "$1")" = "$2" ]; }
pci_unbound() { [ -z "$(pci_driver "$1")" ]; }

# pci_irqs BDF [msi|msix]: the Linux irq numbers in msi_irqs/ (of that mode)
pci_irqs() {
	for _i in /sys/bus/pci/devices/"$1"/msi_irqs/*; do
		[ -e "$_i" ] || continue
		[ -z "${2:-}" ] || [ "$(cat "$_i")" = "$2" ] || continue
		echo "${_i##*/}"
	done
	return 0
}

has_irqs() { [ -n "$(pci_irqs "$@")" ]; }

# irq_count IRQ: interrupts handled so far (sum over CPUs) per /proc/interrupts
irq_count() {
	awk -v irq="$1:" '$1 == irq { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n; f = 1 } END { if (!f) print -1 }' /proc/interrupts
}

irq_listed() { grep -q "^ *$1:" /proc/interrupts; }

# new_bdf OLD_LIST VENDOR:DEVICE: a device of that id not in OLD_LIST
new_bdf() {
	for _b in $(pci_find "$2"); do
		case " $1 " in *" $_b "*) ;; *) echo "$_b" && return 0 ;; esac
	done
	return 1
}

has_new_bdf() { new_bdf "$@" >/dev/null; }

dmesg_has() { dmesg | grep -q -- "$1"; }

load() {
	insmod "/imsw/kmod/$1.ko" "$2" 2>/tmp/insmod.err || {
		diag "insmod $1 failed: $(cat /tmp/insmod.err)"
		return 1
	}
}

unload() { rmmod "$1" 2>/dev/null; }

# --- imswatch --------------------------------------------------------------------------

have_imswatch() { [ -x "$IMSW_BIN" ] && command -v jq >/dev/null; }

imsw_skip_reason() {
	if [ ! -x "$IMSW_BIN" ]; then echo "no imswatch binary"; else echo "no jq in the guest"; fi
}

# imsw_start [ARGS...]: start the watcher in the background and wait for its status record
imsw_start() {
	have_imswatch || return 0
	rm -f "$IMSW_OUT" "$IMSW_ERR"
	"$IMSW_BIN" watch --format json --duration "$IMSW_DURATION" --output "$IMSW_OUT" "$@" \
		>/dev/null 2>"$IMSW_ERR" &
	IMSW_PID=$!
	_t0=$(date +%s)
	wait_for 60 imsw_has_status
	_rc=$?
	diag "imswatch${*:+ $*} started in $(($(date +%s) - _t0)) s (pid $IMSW_PID)"
	return $_rc
}

imsw_has_status() {
	[ -s "$IMSW_OUT" ] && grep -q '"type" *: *"status"' "$IMSW_OUT"
}

imsw_running() { [ -n "$IMSW_PID" ] && kill -0 "$IMSW_PID" 2>/dev/null; }

# imsw_stop: SIGTERM (a background job of a script starts with SIGINT ignored), then wait (bounded) for it to write its summary and exit
imsw_stop() {
	have_imswatch || return 0
	[ -n "$IMSW_PID" ] || return 1
	kill -TERM "$IMSW_PID" 2>/dev/null
	_t=50
	while imsw_running && [ $_t -gt 0 ]; do
		sleep 0.2
		_t=$((_t - 1))
	done
	if imsw_running; then
		diag "imswatch did not exit 10 s after SIGTERM; killing it"
		kill -KILL "$IMSW_PID" 2>/dev/null
	fi
	wait "$IMSW_PID" 2>/dev/null
	IMSW_RC=$?
	IMSW_PID=
	return 0
}

# imsw_dump LABEL: copy the records to the host log (run.sh saves them as <label>.jsonl)
imsw_dump() {
	have_imswatch || return 0
	[ -f "$IMSW_OUT" ] && sed "s/^/@@JSON $1 /" "$IMSW_OUT"
	if [ -s "$IMSW_ERR" ]; then
		diag "imswatch stderr (last 15 lines):"
		tail -n 15 "$IMSW_ERR" | sed 's/^/#   /'
	fi
	return 0
}

# The jq prelude: helpers for the filters in jcheck.
JQ_DEFS='
def hx: tostring | ascii_downcase | ltrimstr("0x");
def bdf_is($b): (.device.bdf // "") as $d | ($d == $b or ("0000:" + $d) == $b);
def dev_is($b; $v; $d): bdf_is($b) and ((.device.vendor // "") | hx) == $v and ((.device.device // "") | hx) == $d;
def ev: .[] | select(.type == "event" or .type == "alert");
def exists(f): [f] | length > 0;
'

# jcheck DESC FILTER [jq args...]: a TAP point that holds when FILTER (run over the array
# of all records, with JQ_DEFS) is true; skipped when there is no imswatch binary.
jcheck() {
	_d=$1
	_f=$2
	shift 2
	if ! have_imswatch; then
		tap_skip "$_d" "$(imsw_skip_reason)"
		return 0
	fi
	if jq -e -s "$@" "$JQ_DEFS $_f" "$IMSW_OUT" >/dev/null 2>/tmp/jq.err; then
		tap_ok "$_d"
	else
		tap_fail "$_d"
		diag "  jq filter: $(echo "$_f" | tr '\n\t' '  ')"
		[ -s /tmp/jq.err ] && diag "  jq: $(head -c 300 /tmp/jq.err)"
	fi
}

# jval FILTER [jq args...]: print a value out of the records (empty without imswatch)
jval() {
	have_imswatch || return 0
	[ -f "$IMSW_OUT" ] || return 0
	_f=$1
	shift
	jq -r -s "$@" "$JQ_DEFS $_f" "$IMSW_OUT" 2>/dev/null
}

# kernel_at_least MAJOR MINOR
kernel_at_least() {
	_r=$(uname -r)
	_maj=${_r%%.*}
	_min=${_r#*.}
	_min=${_min%%[!0-9]*}
	[ "$_maj" -gt "$1" ] || { [ "$_maj" -eq "$1" ] && [ "$_min" -ge "$2" ]; }
}

# imsw_begin ARGS...: start imswatch as a TAP point (or a skip)
imsw_begin() {
	if have_imswatch; then
		check "imswatch watch --format json $* is up (status record written)" imsw_start "$@"
	else
		tap_skip "imswatch watch --format json $* is up" "$(imsw_skip_reason)"
	fi
}

# imsw_end LABEL: stop imswatch, check its summary and exit status, dump its records
imsw_end() {
	if ! have_imswatch; then
		tap_skip "imswatch wrote a summary and exited 0" "$(imsw_skip_reason)"
		return 0
	fi
	imsw_stop
	jcheck "imswatch wrote a summary record" 'exists(.[] | select(.type == "summary"))'
	check "imswatch exited with status 0 (was ${IMSW_RC:-?})" [ "${IMSW_RC:-1}" = 0 ]
	imsw_dump "$1"
}

# --- platform views (matrix, peers) ---------------------------------------------------

dmi() { cat "/sys/class/dmi/id/$1" 2>/dev/null; }

cpu_hv_flag() { grep -qw hypervisor /proc/cpuinfo; }

# smbios_vm_bit: 1/0 for the SMBIOS type 0 "virtual machine" bit (BIOS characteristics
# extension byte 2, bit 4), "?" when the table is unreadable or type 0 is not first
smbios_vm_bit() {
	_t=/sys/firmware/dmi/tables/DMI
	[ -r $_t ] || { echo "?"; return; }
	set -- $(od -An -tu1 -N 20 $_t)
	if [ "${1:-}" = 0 ] && [ "${2:-0}" -ge 20 ]; then
		echo $(((${20} >> 4) & 1))
	else
		echo "?"
	fi
}

# vtd_caching_mode: 1/0 from dmar0's capability register (bit 7), "-" without VT-d
vtd_caching_mode() {
	_c=$(cat /sys/class/iommu/dmar0/intel-iommu/cap 2>/dev/null) || { echo "-"; return; }
	echo $(((0x$_c >> 7) & 1))
}

interrupt_remapping() { grep -q 'IR-IO-APIC' /proc/interrupts; }

# cpuid_leaf1: "<ECX> <source>": raw CPUID leaf 1 ECX as hex (no 0x), from the CPU, not the
# kernel's flag list: /dev/cpu/0/cpuid (file offset = leaf; one 16-byte read = EAX EBX ECX
# EDX) when the cpuid driver is there, else the "0x00000001 0x0 eax ebx ecx edx" line of
# `imswatch cpuid` (the CPUID instruction itself, in --cpuid-file format). Fails (prints
# nothing) when neither is available.
cpuid_leaf1() {
	if [ -r /dev/cpu/0/cpuid ]; then
		_w=$(dd if=/dev/cpu/0/cpuid bs=16 count=1 skip=1 iflag=skip_bytes 2>/dev/null |
			od -An -tx4 | awk 'NF == 4 { print $3 }')
		[ -n "$_w" ] && { echo "$_w /dev/cpu/0/cpuid"; return 0; }
	fi
	if [ -x "$IMSW_BIN" ]; then
		_w=$("$IMSW_BIN" cpuid 2>/dev/null |
			awk '$1 == "0x00000001" && $2 == "0x0" { sub(/^0x/, "", $5); print $5 }')
		[ -n "$_w" ] && { echo "$_w imswatch-cpuid"; return 0; }
	fi
	return 1
}

# cpuid_hv_bit: raw CPUID leaf 1 ECX[31] is set (unknown counts as clear, as in the seed)
cpuid_hv_bit() {
	_ecx=$(cpuid_leaf1) || return 1
	_ecx=${_ecx%% *}
	[ $(((0x$_ecx >> 31) & 1)) = 1 ]
}

# dmi_trimmed FIELD: the DMI string as imswatch's reader sees it (trailing newline, blanks,
# tabs and CRs trimmed)
dmi_trimmed() {
	_v=$(dmi "$1")
	_cr=$(printf '\r')
	while :; do
		case "$_v" in
		*" " | *"	" | *"$_cr") _v=${_v%?} ;;
		*) break ;;
		esac
	done
	printf '%s' "$_v"
}

# seed_says_vm: the same function as imswatch's C seed (user/platform/platform.c), in shell, as an
# independent reference: raw CPUID leaf 1 ECX[31] set (not /proc/cpuinfo's flag: that is
# the kernel's copy, cpu_hv_flag), or DMI sys_vendor equal to one of the twelve names of the
# RFC that implemented the seed, compared as the kernel's dmi_match() does (whole string,
# case-sensitive; trailing newline and blanks trimmed like imswatch's reader), means "not
# bare metal". No DMI, or no CPUID reading, does not count against bare metal.
seed_says_vm() {
	cpuid_hv_bit && return 0
	case "$(dmi_trimmed sys_vendor)" in
	QEMU | Bochs | KVM | Xen | VMware | VMW | "VMware Inc." | "innotek GmbH" | \
		"Oracle Corporation" | Parallels | BHYVE | "Microsoft Corporation") return 0 ;;
	esac
	return 1
}

# cell_get KEY: a knob of this matrix cell (imsw.cell=hv-on,dmi-qemu,cm-off)
cell_get() { echo ",$IMSW_CELL," | sed -n "s/.*,$1-\([a-z0-9]*\),.*/\1/p"; }

# --- imswatch audit (a one-shot snapshot; its checks skip until the command exists) --------

# audit_supported: the binary has the audit command (its usage lists it)
audit_supported() { have_imswatch && "$IMSW_BIN" --help 2>&1 | grep -q 'imswatch audit'; }

AUDIT_JQ='
def sevrank: {"info": 0, "notice": 1, "warning": 2, "critical": 3}[.] // -1;
def dbdf: (.bdf // .device.bdf // "");
def dev_at($b): dbdf as $x | ($x == $b or ("0000:" + $x) == $b);
def findings: [.[] | select(.type == "finding")];
def highest: findings | map(.severity) | max_by(sevrank) // "none";
'

# ajq FILE FILTER [jq args]: FILTER over the array of FILE's records, with AUDIT_JQ
ajq() {
	_af=$1
	_ff=$2
	shift 2
	jq -e -s "$@" "$AUDIT_JQ $_ff" "$_af" >/dev/null 2>/tmp/jq.err
}

# audit_cell LABEL EXPECT [BDF DRIVER]...: run `imswatch audit --format json` here and now
# and check it against what the guest is. EXPECT: ims (an IMS domain exists on a guest: a
# critical finding and exit 1), clean (MSI/MSI-X only: exit 0, nothing at warning or
# above) or no-ims (no IMS domain: no critical finding; the exit status is reported).
# Each BDF DRIVER pair must have a device record naming that driver. Sets AUDIT_ROW (the
# table's audit column) and AUDIT_OUT (the records, also sent to the host as LABEL.jsonl).
audit_cell() {
	_al=$1
	_ae=$2
	shift 2
	AUDIT_ROW=-
	if ! audit_supported; then
		tap_skip "imswatch audit: $_ae" "no audit command"
		return 0
	fi
	AUDIT_OUT=/tmp/audit-$_al.jsonl
	"$IMSW_BIN" audit --format json >"$AUDIT_OUT" 2>/tmp/audit.err
	AUDIT_RC=$?
	sed "s/^/@@JSON audit-$_al /" "$AUDIT_OUT"
	_hi=$(jq -r -s "$AUDIT_JQ highest" "$AUDIT_OUT" 2>/dev/null)
	_nf=$(jq -r -s "$AUDIT_JQ findings | length" "$AUDIT_OUT" 2>/dev/null)
	AUDIT_ROW="exit $AUDIT_RC, ${_nf:-?} findings, highest ${_hi:-?}"
	[ -s /tmp/audit.err ] && diag "imswatch audit stderr: $(head -c 300 /tmp/audit.err)"
	case $_ae in
	ims)
		check "imswatch audit: the IMS domain on this guest is a critical finding, exit 1 ($AUDIT_ROW)" \
			[ "$AUDIT_RC" = 1 -a "$_hi" = critical ]
		;;
	clean)
		check "imswatch audit: MSI/MSI-X only, exit 0 and nothing at warning or above ($AUDIT_ROW)" \
			ajq "$AUDIT_OUT" '(findings | all(.severity | sevrank < 2)) and $rc == "0"' --arg rc "$AUDIT_RC"
		;;
	no-ims)
		check "imswatch audit: no IMS domain, no critical finding ($AUDIT_ROW)" \
			ajq "$AUDIT_OUT" '(findings | all(.severity != "critical")) and ($rc == "0" or $rc == "1")' --arg rc "$AUDIT_RC"
		;;
	esac
	check "imswatch audit: one platform record first, one audit-summary record last" \
		ajq "$AUDIT_OUT" '.[0].type == "platform" and .[-1].type == "audit-summary"
			and ([.[] | select(.type == "audit-summary")] | length) == 1'
	while [ $# -ge 2 ]; do
		check "imswatch audit: device record for $1 bound to $2" \
			ajq "$AUDIT_OUT" 'any(.[]; .type == "device" and dev_at($b) and ((.driver // .device.driver // "") == $d))' \
			--arg b "$1" --arg d "$2"
		shift 2
	done
}

# audit_replay LABEL ROOT CPUID: the audit of a capture of this guest agrees with the live
# one (same exit status, same findings by severity and rule, same devices). IMSW-AUDIT-BLIND
# findings are left out: they say which watch hooks could attach, from the kernel's BTF,
# kprobes and tracefs, which a capture does not hold
audit_replay() {
	audit_supported || { tap_skip "imswatch audit of the capture = the live audit" "no audit command"; return 0; }
	"$IMSW_BIN" audit --format json --sysroot "$2" --cpuid-file "$3" >/tmp/audit-replay.jsonl 2>/tmp/audit.err
	_rr=$?
	_sum='[(.[] | select(.type == "finding" and .rule != "IMSW-AUDIT-BLIND") | "\(.severity) \(.rule // .id // "")"), (.[] | select(.type == "device") | dbdf)] | sort'
	_live=$(jq -c -s "$AUDIT_JQ $_sum" "$AUDIT_OUT" 2>/dev/null)
	_rep=$(jq -c -s "$AUDIT_JQ $_sum" /tmp/audit-replay.jsonl 2>/dev/null)
	check "imswatch audit --sysroot of the capture = the live audit (exit $_rr / $AUDIT_RC; $_rep)" \
		[ "$_rr" = "$AUDIT_RC" -a -n "$_live" -a "$_live" = "$_rep" ]
}

# send_capture: the tree in /tmp/capture back to the host over the console (run.sh unpacks
# it into .output/vm/fixtures/<kernel>-<boot>/)
send_capture() {
	echo "@@CAPTURE-BEGIN"
	tar -C /tmp/capture -czf - . | base64 | sed 's/^/@@CAPTURE /'
	echo "@@CAPTURE-END"
}
