# shellcheck shell=bash
# Boot one guest under QEMU (TCG), feed its monitor, and read its console.
#
# The guest asks for monitor commands by printing "@@MON <hmp command>" on the console;
# a follower of the console log types them into HMP, which QEMU reads from a named pipe
# pair (-chardev pipe): that needs no socat or nc -U on the host.

VM_MEM=${IMSWATCH_VM_MEM:-768}
# qemu64 without CMPXCHG16B: with cx16 the kernels (6.12 most) use cmpxchg16b for SLUB's
# per-cpu freelists, and QEMU 7.2's TCG corrupts that now and then (double faults and
# general protection faults in kmem_cache_alloc: 7 of 31 6.12 boots here, 0 of 15 without
# it). -cpu max is worse (testing.md). Override with IMSWATCH_VM_CPU.
VM_CPU=${IMSWATCH_VM_CPU:-qemu64,-cx16}
# Console lines that mean the guest kernel died or is dying: the run is retried once.
CRASH_RE='Kernel panic|Oops: |BUG: |general protection fault|double fault|kernel BUG at|soft lockup|blocked for more than|Unable to handle kernel'

# vm_boot RUNDIR TIMEOUT APPEND QEMU_ARGS...: console in RUNDIR/console.log; returns QEMU's
# status (124 on timeout)
vm_boot() {
	local rd=$1 to=$2 append=$3 qpid catpid fwpid rc
	shift 3
	rm -f "$rd"/mon.in "$rd"/mon.out "$rd"/console.log "$rd"/monitor.log "$rd"/qemu.err
	mkfifo "$rd/mon.in" "$rd/mon.out"
	cat "$rd/mon.out" >"$rd/monitor.log" 2>/dev/null &
	catpid=$!
	timeout -k 5 "$to" qemu-system-x86_64 -nographic -no-reboot -m "$VM_MEM" -smp 1 \
		-kernel "$KIMAGE" -initrd "$INITRD" \
		-append "console=ttyS0 panic=-1 oops=panic softlockup_panic=1 loglevel=5 nokaslr rdinit=/init imsw.kver=$KVER $append" \
		-chardev "pipe,id=mon0,path=$rd/mon" -mon chardev=mon0,mode=readline \
		"$@" </dev/null >"$rd/console.log" 2>"$rd/qemu.err" &
	qpid=$!
	(
		exec 3<>"$rd/mon.in"
		tail -n +1 -F -s 0.2 --pid="$qpid" "$rd/console.log" 2>/dev/null | while IFS= read -r line; do
			line=${line%$'\r'}
			case $line in
			'@@MON '*)
				printf '%s\n' "${line#@@MON }" >&3
				printf '[%s] %s\n' "$(date +%T.%3N)" "${line#@@MON }" >>"$rd/monitor.sent"
				;;
			esac
		done
	) &
	fwpid=$!
	wait "$qpid"
	rc=$?
	kill "$catpid" 2>/dev/null
	wait "$fwpid" 2>/dev/null
	wait "$catpid" 2>/dev/null
	rm -f "$rd/mon.in" "$rd/mon.out"
	return "$rc"
}

# vm_verdict RUNDIR QEMU_RC: "ok", or why the run cannot be trusted (crash/timeout/no end)
vm_verdict() {
	local rd=$1 rc=$2 crash
	crash=$(tr -d '\r' <"$rd/console.log" | grep -E -m1 "$CRASH_RE" || true)
	if [[ -n $crash ]]; then
		echo "guest kernel crashed: $crash"
	elif [[ $rc == 124 || $rc == 137 ]]; then
		echo "timed out (no power-off within the time limit)"
	elif ! grep -q '^@@IMSW-END' <(tr -d '\r' <"$rd/console.log"); then
		if grep -q '^@@IMSW-BEGIN' <(tr -d '\r' <"$rd/console.log"); then
			echo "end marker missing (QEMU exit $rc)"
		else
			echo "guest never started its scenarios (QEMU exit $rc: $(head -c 200 "$rd/qemu.err" | tr '\n' ' '))"
		fi
	else
		echo ok
	fi
}

# smbios_type0 FILE: a whole SMBIOS type 0 (BIOS information) structure claiming a Dell BIOS,
# with BIOS characteristics extension byte 2 bit 4 ("virtual machine") clear. QEMU sets
# that bit in every type 0 it builds, also with -smbios type=0,vendor=...; a type 0 passed
# as a file replaces QEMU's own.
smbios_type0() {
	# type 0, length 0x1a, handle 0; strings 1 vendor, 2 version, 3 date; segment 0xe800;
	# characteristics: PCI, upgradeable, shadowing, CD boot, selectable boot, EDD;
	# ext1 = ACPI, USB legacy; ext2 = BIOS boot spec, targeted content, UEFI (no VM bit);
	# BIOS 2.17, no embedded controller
	printf '\x00\x1a\x00\x00\x01\x02\x00\xe8\x03\x00\x80\x98\x09\x00\x00\x00\x00\x00\x03\x0d\x02\x11\xff\xff\x00\x00' >"$1"
	printf 'Dell Inc.\x002.17.1\x0003/05/2024\x00\x00' >>"$1"
}

# dell_smbios_args RUNDIR: the -smbios arguments (one per line) that spoof a Dell server:
# a whole type 0 without the "virtual machine" bit, and types 1-4 with Dell's strings
dell_smbios_args() {
	smbios_type0 "$1/smbios-type0.bin"
	printf '%s\n' -smbios "file=$1/smbios-type0.bin" \
		-smbios "type=1,manufacturer=Dell Inc.,product=PowerEdge R750,version=Not Specified,serial=4XK2Q93,sku=SKU=0B19;ModelName=PowerEdge R750,family=PowerEdge" \
		-smbios "type=2,manufacturer=Dell Inc.,product=0PJ3YV,version=A01,serial=.4XK2Q93.CNFCP0032A0123." \
		-smbios "type=3,manufacturer=Dell Inc.,version=Not Specified,serial=4XK2Q93,asset=Not Specified" \
		-smbios "type=4,manufacturer=Intel(R) Corporation,version=Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"
}
