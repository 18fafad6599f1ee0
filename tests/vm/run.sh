#!/usr/bin/env bash
# Real-kernel test bench for imswatch: boots Debian's 6.1 (bookworm), 6.12
# (bookworm-backports) and 7.x (trixie-backports, pinned in lib/kernel.sh) cloud kernels,
# and the IMS test kernel (tests/kernel/: Debian's 6.12
# source with the 6.2-6.9 IMS API restored), under QEMU (TCG) with a busybox initramfs
# holding imswatch and the test modules of tests/kmod, runs scripted scenarios in the guest
# and prints their results as one TAP stream on stdout (for prove). Diagnostics go to stderr.
#
#   tests/vm/run.sh [--kernel 6.1|6.12|7|ims|all|ABI] [--scenario NAME|all] [--imswatch PATH]
#                   [--jobs N] [--only REGEX] [--list]
#
# Scenarios: smoke (the bench itself, no imswatch), live, modes, ims, lost, restart, matrix, peers,
# hosttest (tests/host/watch.sh in the guest), cloaked on 6.1, 6.12 and 7; lockdown
# (lockdown=integrity and =confidentiality) on 6.12 and 7; systemd (the package under systemd
# as PID 1) on 6.12; ims-real on the IMS test kernel; audit (imswatch audit, and the capture
# of tests/fixtures/audit-*) on all. The kernel-compatibility table goes to compat.md.
# --kernel ABI (any Debian cloud kernel the archive has, e.g. 7.3-cloud-amd64 from
# experimental) runs the canary: smoke and live on that one kernel.
# Downloads are cached in ${IMSWATCH_VM_CACHE:-$HOME/.cache/imswatch-vm}; logs, guest
# consoles and the JSON records of every run land in .output/vm/ (matrix.md too).
# See tests/vm/README.md.
set -euo pipefail
# a run that dies before its plan says so in TAP (Bail out!), not only in its exit status
trap 'rc=$?; [[ $rc -eq 0 || -n ${CLEAN_EXIT:-} ]] || echo "Bail out! tests/vm/run.sh stopped unexpectedly (status $rc)"' EXIT

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/kernel.sh
source "$VM_DIR/lib/kernel.sh"
# shellcheck source=lib/buildroot.sh
source "$VM_DIR/lib/buildroot.sh"
# shellcheck source=lib/kmod.sh
source "$VM_DIR/lib/kmod.sh"
# shellcheck source=lib/sdroot.sh
source "$VM_DIR/lib/sdroot.sh"
# shellcheck source=lib/sdguest.sh
source "$VM_DIR/lib/sdguest.sh"
# shellcheck source=lib/initramfs.sh
source "$VM_DIR/lib/initramfs.sh"
# shellcheck source=lib/qemu.sh
source "$VM_DIR/lib/qemu.sh"

ALL_SCENARIOS="smoke live modes ims lost restart matrix peers hosttest cloaked lockdown systemd ims-real audit"
# scenarios that need the IMS test kernel; the others run on Debian's stock kernels
IMS_KERNEL_SCENARIOS="ims-real"
# scenarios that run on every kernel
ANY_KERNEL_SCENARIOS="audit"
KERNELS=all
SCENARIO=all
IMSWATCH_ARG=$REPO_DIR/.output/imswatch.static
JOBS=${IMSWATCH_VM_JOBS:-$(nproc)}
LIST=
ONLY= # boots whose id matches this extended regular expression, when set

usage() {
	sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

while [[ $# -gt 0 ]]; do
	case $1 in
	--kernel) KERNELS=${2:?--kernel needs 6.1, 6.12, 7, ims, all or a kernel ABI}; shift 2 ;;
	--kernel=*) KERNELS=${1#*=}; shift ;;
	--scenario) SCENARIO=${2:?--scenario needs a name}; shift 2 ;;
	--scenario=*) SCENARIO=${1#*=}; shift ;;
	--imswatch) IMSWATCH_ARG=${2:?--imswatch needs a path}; shift 2 ;;
	--imswatch=*) IMSWATCH_ARG=${1#*=}; shift ;;
	-j | --jobs) JOBS=${2:?--jobs needs a number}; shift 2 ;;
	--jobs=*) JOBS=${1#*=}; shift ;;
	--only) ONLY=${2:?--only needs a regular expression}; shift 2 ;;
	--only=*) ONLY=${1#*=}; shift ;;
	--list) LIST=1; shift ;;
	-h | --help) usage 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
	esac
done

CANARY=
case $KERNELS in
all) SERIES="6.1 6.12 7 ims" ;;
6.1 | 6.12 | 7 | ims) SERIES=$KERNELS ;;
[0-9]*-cloud-amd64)
	# the canary: one exact kernel, the scenarios that prove attach and delivery
	SERIES=$KERNELS CANARY=1
	[[ $SCENARIO != all ]] || SCENARIO=smoke,live
	;;
*) die "--kernel must be 6.1, 6.12, 7, ims, all or a Debian cloud kernel ABI such as 7.3-cloud-amd64 (not '$KERNELS')" ;;
esac
if [[ $SCENARIO == all ]]; then
	SCENARIOS=$ALL_SCENARIOS
else
	for s in ${SCENARIO//,/ }; do
		[[ " $ALL_SCENARIOS " == *" $s "* ]] || die "unknown scenario '$s' (known: $ALL_SCENARIOS)"
	done
	SCENARIOS=${SCENARIO//,/ }
fi
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive number"
wants() { [[ " $SCENARIOS " == *" $1 "* ]]; }
# for_kernel SERIES SCENARIO: whether SCENARIO runs on that kernel
for_kernel() {
	[[ " $ANY_KERNEL_SCENARIOS " == *" $2 "* ]] && return 0
	if [[ " $IMS_KERNEL_SCENARIOS " == *" $2 "* ]]; then [[ $1 == ims ]]; else [[ $1 != ims ]]; fi
}
# only the kernels some wanted scenario runs on are prepared
s_keep=""
for s in $SERIES; do
	for sc in $SCENARIOS; do
		if for_kernel "$s" "$sc"; then
			s_keep+=" $s"
			break
		fi
	done
done
SERIES=${s_keep# }
[[ -n $SERIES ]] || die "no kernel in '--kernel $KERNELS' runs the scenarios '$SCENARIOS'"
# --- the boots --------------------------------------------------------------------------
# IMS test kernel cells: the IOMMU (none, VT-d Caching Mode off/on, VT-d without
# remapping, AMD) crossed with the seed's inputs where they change the finding (hypervisor
# bit and DMI honest; bit hidden; bit hidden and DMI spoofed: the seed's FAIL cell with
# vtdcm0), each under both attach modes (one boot runs both).
IMS_IOMMUS="none vtdcm0 vtdcm1 vtdnoir amd"
IMS_SEEDS="hv-on,dmi-qemu hv-off,dmi-qemu hv-off,dmi-dell"

# One line per boot: ID|GUEST SCENARIOS|KERNEL ARGS|QEMU PROFILE|TIMEOUT. Matrix and peers
# share their 8 cells (one boot per cell runs both).
plan_boots() {
	local series=$1 hv dmi cm sc="" iommu seed attach
	# audit: a VT-d with remapping, Caching Mode off (IR-) and on (vIR-), on every kernel
	if wants audit; then
		local pfx=iommu-cm-
		[[ $series == ims ]] && pfx=ims-audit:vtdcm
		echo "audit-vtdcm0|audit|imsw.cell=iommu-vtdcm0|${pfx}$([[ $series == ims ]] && echo 0 || echo off)|300"
		echo "audit-vtdcm1|audit|imsw.cell=iommu-vtdcm1|${pfx}$([[ $series == ims ]] && echo 1 || echo on)|300"
	fi
	if [[ $series == ims ]]; then
		wants ims-real || return 0
		# both attach modes run one after the other in each boot (imsw.attach=both)
		for iommu in $IMS_IOMMUS; do
			for seed in $IMS_SEEDS; do
				hv=${seed%%,*} dmi=${seed#*,}
				echo "ims-$iommu-$hv-$dmi|ims-real|imsw.cell=iommu-$iommu,$seed imsw.attach=both|ims:$iommu:${hv#hv-}:${dmi#dmi-}|300"
			done
		done
		return 0
	fi
	wants smoke && echo "smoke|smoke||plain|300"
	wants live && echo "live|live|imsw.attach=auto|plain|300"
	if wants modes; then
		echo "modes-fentry|live|imsw.attach=fentry|plain|300"
		echo "modes-kprobe|live|imsw.attach=kprobe|plain|300"
	fi
	wants ims && echo "ims|ims||iommu-cm-off|300"
	wants lost && echo "lost|lost||plain|300"
	wants restart && echo "restart|restart||plain|420"
	# Secure Boot's lockdown modes, on the kernels whose fentry programs read through BTF
	# (6.2+: bpf_rdonly_cast); 6.1's would need bpf_probe_read_kernel, which confidentiality
	# removes
	# the packaged unit under systemd as PID 1 (a Debian 12 root from an initramfs)
	if wants systemd && [[ $series == 6.12 ]]; then
		echo "systemd|systemd|rdinit=/sbin/init systemd.show_status=0|plain|600"
	fi
	if wants lockdown && [[ $series != 6.1 ]]; then
		echo "lockdown-integrity|lockdown|lockdown=integrity|plain|300"
		echo "lockdown-confidentiality|lockdown|lockdown=confidentiality|plain|300"
	fi
	# tests/host/watch.sh, twice (attach auto and kprobe), runs imswatch a dozen times each
	wants hosttest && echo "hosttest|hosttest||plain|1200"
	if wants cloaked; then
		for m in pc q35; do
			for c in qemu64 skylake; do
				echo "cloaked-$m-$c|cloaked|imsw.cell=machine-$m,cpu-$c|cloak:$m:$c|300"
			done
		done
	fi
	wants matrix && sc=matrix
	wants peers && sc=${sc:+$sc,}peers
	if [[ -n $sc ]]; then
		for hv in on off; do
			for dmi in qemu dell; do
				for cm in on off; do
					echo "cell-hv-$hv-dmi-$dmi-cm-$cm|$sc|imsw.cell=hv-$hv,dmi-$dmi,cm-$cm|cell:$hv:$dmi:$cm|300"
				done
			done
		done
	fi
}

# cloak_args MACHINE CPU RUNDIR: a guest as cloaked as QEMU allows under TCG (scenario
# cloaked): no default devices (so no virtio), a serial console and one emulated e1000 with
# no backend; CPUID hypervisor bit hidden; a Dell PowerEdge R740 in SMBIOS (type 0 from a
# file, "virtual machine" bit clear; made-up serials, UUID and asset tags that the capture
# must drop) and in the ACPI OEM ids. cx16 off as everywhere (lib/qemu.sh).
cloak_args() {
	local machine=$1 cpu=$2 rd=$3
	case $cpu in
	qemu64) cpu="qemu64,-cx16,hypervisor=off" ;;
	skylake) cpu="Skylake-Server,-cx16,hypervisor=off,model-id=Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz" ;;
	esac
	smbios_type0 "$rd/smbios-type0.bin"
	printf '%s\n' -nodefaults -serial stdio -machine "$machine,x-oem-id=DELL,x-oem-table-id=PE_SC3" \
		-cpu "$cpu" -device e1000 \
		-smbios "file=$rd/smbios-type0.bin" \
		-smbios "type=1,manufacturer=Dell Inc.,product=PowerEdge R740,version=Not Specified,serial=CLK7R40,uuid=4c4c4544-0043-4c10-804b-c3c04f523430,sku=SKU=NotProvided;ModelName=PowerEdge R740,family=PowerEdge" \
		-smbios "type=2,manufacturer=Dell Inc.,product=06WXJT,version=A03,serial=.CLK7R40.CNFCP0099Z0042.,asset=Not Specified" \
		-smbios "type=3,manufacturer=Dell Inc.,version=Not Specified,serial=CLK7R40,asset=ASSET-CLK-0042,sku=Not Specified" \
		-smbios "type=4,sock_pfx=CPU,manufacturer=Intel,version=Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz,serial=SN-CPU-CLK7R40,asset=AT-CPU-0042,part=PN-CPU-0042,max-speed=4000,current-speed=2100"
}

# qemu_args PROFILE RUNDIR: the machine for a boot (printed one argument per line)
qemu_args() {
	local profile=$1 rd=$2 machine=q35 cpu=$VM_CPU hv dmi cm iommu
	local -a a=()
	case $profile in
	ims:*)
		IFS=: read -r _ iommu hv dmi <<<"$profile"
		case $iommu in
		none) ;;
		vtdcm0 | vtdcm1)
			machine+=",kernel-irqchip=split"
			a+=(-device "intel-iommu,intremap=on,caching-mode=$([[ $iommu == vtdcm1 ]] && echo on || echo off)")
			;;
		vtdnoir) a+=(-device "intel-iommu,intremap=off") ;;
		amd)
			machine+=",kernel-irqchip=split"
			a+=(-device "amd-iommu,intremap=on")
			# the AMD IOMMU driver refuses to start without CMPXCHG16B ("The
			# CMPXCHG16B feature is required"), so this cell keeps cx16 and with it
			# the rare TCG slab corruption lib/qemu.sh describes: a crashed boot is
			# retried once and reported
			cpu=${cpu//,-cx16/}
			;;
		esac
		[[ $hv == off ]] && cpu+=",-hypervisor"
		if [[ $dmi == dell ]]; then
			machine+=",x-oem-id=DELL,x-oem-table-id=PE_SC3"
			mapfile -t -O "${#a[@]}" a < <(dell_smbios_args "$rd")
		fi
		# only the IMS host device: this kernel has no NVMe driver
		printf '%s\n' -machine "$machine" -cpu "$cpu" -vga none -nic none "${a[@]}" -device edu
		return 0
		;;
	cloak:*)
		IFS=: read -r _ machine cpu <<<"$profile"
		cloak_args "$machine" "$cpu" "$rd"
		return 0
		;;
	ims-audit:*)
		# the IMS kernel's audit guests: two edu devices (IMS, MSI) and two PCIe root ports
		# (pcieport) under a VT-d with remapping; Caching Mode off (vtdcm0) or on (vtdcm1)
		machine+=",kernel-irqchip=split"
		printf '%s\n' -machine "$machine" -cpu "$cpu" -vga none -nic none \
			-device "intel-iommu,intremap=on,caching-mode=$([[ ${profile#ims-audit:} == vtdcm1 ]] && echo on || echo off)" \
			-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1 \
			-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2 \
			-device edu -device edu
		return 0
		;;
	plain) ;;
	iommu-cm-*)
		machine+=",kernel-irqchip=split"
		a+=(-device "intel-iommu,intremap=on,caching-mode=${profile#iommu-cm-}")
		;;
	cell:*)
		IFS=: read -r _ hv dmi cm <<<"$profile"
		machine+=",kernel-irqchip=split"
		a+=(-device "intel-iommu,intremap=on,caching-mode=$cm")
		[[ $hv == off ]] && cpu+=",-hypervisor"
		if [[ $dmi == dell ]]; then
			machine+=",x-oem-id=DELL,x-oem-table-id=PE_SC3"
			mapfile -t -O "${#a[@]}" a < <(dell_smbios_args "$rd")
		fi
		;;
	esac
	truncate -s 4M "$rd/nvme0.img" "$rd/nvme1.img"
	printf '%s\n' -machine "$machine" -cpu "$cpu" -vga none -nic none "${a[@]}" \
		-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1 \
		-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2 \
		-drive "if=none,id=nvd0,file=$rd/nvme0.img,format=raw" \
		-device nvme,serial=imsw0,drive=nvd0 \
		-drive "if=none,id=hpdrive,file=$rd/nvme1.img,format=raw" \
		-device edu
}

# run_boot SERIES ID SCENARIOS APPEND PROFILE TIMEOUT: one boot (retried once when the
# guest crashes or loses its end marker). Leaves in its directory: emit (TAP lines without
# numbers, and comments), rows (matrix data) and done.
run_boot() {
	local series=$1 id=$2 scen=$3 append=$4 profile=$5 to=$6
	local rd=$OUT_DIR/logs/$series-$id label="$series $id" attempt verdict rc t0 t1 boots=0
	local -a qa
	rm -rf "$rd"
	mkdir -p "$rd"
	t0=$(now_ms)
	mapfile -t qa < <(qemu_args "$profile" "$rd")
	for attempt in 1 2; do
		boots=$attempt
		t1=$(now_ms)
		rc=0
		vm_boot "$rd" "$to" "imsw.scenarios=$scen imsw.duration=$((to - 30)) $append" "${qa[@]}" || rc=$?
		verdict=$(vm_verdict "$rd" "$rc")
		echo "$attempt $(secs_since "$t1") $verdict" >>"$rd/attempts"
		[[ $verdict == ok ]] && break
		cp "$rd/console.log" "$rd/console.attempt$attempt.log"
		{
			echo "# $label: attempt $attempt failed after $(secs_since "$t1") s: $verdict"
			tr -d '\r' <"$rd/console.log" | grep -E -A 12 "$CRASH_RE" | head -n 25 | sed 's/^/#   | /'
			if [[ $attempt == 1 ]]; then
				echo "# $label: RETRYING once (console of attempt 1: $rd/console.attempt1.log)"
			fi
		} >>"$rd/emit.pre"
	done
	tr -d '\r' <"$rd/console.log" >"$rd/console.txt"
	# TAP points of the final attempt, prefixed with the boot's label (and the scenario when
	# one boot runs several); @@JSON and @@ROW lines are saved to files
	awk -v label="$label" -v multi="$([[ $scen == *,* ]] && echo 1 || true)" -v series="$series" -v id="$id" -v rd="$rd" '
		/^@@SCENARIO / { sc = $2; pre = multi ? label " " sc : label; next }
		/^@@SCENARIO-END/ { rc = $3; sub(/^rc=/, "", rc)
			if (rc != "0" && !nfail[sc]) print "not ok - " pre ": scenario script " sc " ended with status " rc
			sc = ""; next }
		/^@@JSON / { f = rd "/" $2 ".jsonl"; sub(/^@@JSON [^ ]+ /, ""); print > f; next }
		/^@@ROW / { sub(/^@@ROW /, ""); print "kernel=" series " boot=" id " " $0 > (rd "/rows"); next }
		/^@@CAPTURE / { sub(/^@@CAPTURE /, ""); print > (rd "/capture.b64"); next }
		sc == "" { next }
		/^(not )?ok([ \t]|$)/ {
			st = ($1 == "not") ? "not ok" : "ok"; if (st == "not ok") nfail[sc]++
			sub(/^(not )?ok[ \t]*[0-9]*[ \t]*(- )?/, "")
			print st " - " pre ": " $0; next }
		/^# / { print "# " pre ": " substr($0, 3) }
	' "$rd/console.txt" >"$rd/emit.tap"
	{
		[[ -f $rd/emit.pre ]] && cat "$rd/emit.pre"
		cat "$rd/emit.tap"
		if [[ $verdict == ok ]]; then
			echo "ok - $label: guest booted, ran [$scen] and powered off$([[ $boots == 1 ]] || echo " (after a retry)")"
		else
			echo "not ok - $label: guest run unusable twice: $verdict"
		fi
		grep -h -E '^WARNING: |^------------\[ cut here' "$rd/console.txt" | head -n 3 | sed "s/^/# $label: kernel warning: /" || true
		echo "# $label: wall time $(secs_since "$t0") s ($boots boot$([[ $boots == 1 ]] || echo s); $(cut -d' ' -f2 "$rd/attempts" | tr '\n' ' ' | sed 's/ $//;s/ / s, /g') s)"
		if [[ $verdict != ok ]] || grep -q '^not ok' "$rd/emit.tap"; then
			echo "# $label: last 60 lines of the guest console ($rd/console.txt):"
			grep -v -E '^@@(JSON|ROW) ' "$rd/console.txt" | tail -n 60 | sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/^/#   | /'
		fi
	} >"$rd/emit"
	if [[ -s $rd/capture.b64 ]]; then
		rm -rf "$OUT_DIR/fixtures/$series-$id"
		mkdir -p "$OUT_DIR/fixtures/$series-$id"
		base64 -d "$rd/capture.b64" | tar -C "$OUT_DIR/fixtures/$series-$id" -xzf - 2>/dev/null ||
			echo "# $label: the platform capture did not unpack" >>"$rd/emit"
	fi
	touch "$rd/done"
}

# --- preparation ------------------------------------------------------------------------
for tool in qemu-system-x86_64 busybox cpio gzip apt-get apt-cache dpkg dpkg-deb make gcc pahole timeout tail; do
	command -v "$tool" >/dev/null || die "missing tool: $tool (apt-get install qemu-system-x86 busybox-static cpio make gcc dwarves)"
done
# Under make test / make vmtest (IMSWATCH_VM_REQUIRE_IMSWATCH=1) a bench whose imswatch
# checks would all be skipped is a failure, not a pass.
require_imswatch() {
	[[ -n ${IMSWATCH_VM_REQUIRE_IMSWATCH:-} ]] || return 0
	CLEAN_EXIT=1
	echo "Bail out! $1 (IMSWATCH_VM_REQUIRE_IMSWATCH is set: every imswatch check would be skipped)"
	exit 2
}
if ! command -v jq >/dev/null; then
	require_imswatch "no jq on this machine (apt-get install jq)"
	log "warning: no jq on this machine: imswatch checks will be skipped (apt-get install jq)"
fi

IMSWATCH_BIN=
if [[ -n $IMSWATCH_ARG && -x $IMSWATCH_ARG ]]; then
	IMSWATCH_BIN=$(readlink -f "$IMSWATCH_ARG")
	file "$IMSWATCH_BIN" 2>/dev/null | grep -q 'statically linked' ||
		log "warning: $IMSWATCH_BIN is not statically linked: copying its libraries too"
else
	require_imswatch "no imswatch binary at '$IMSWATCH_ARG' (make static)"
	log "no imswatch binary at '$IMSWATCH_ARG' (make static): imswatch checks will be skipped"
fi

mkdir -p "$OUT_DIR/logs" "$CACHE_DIR"
# Two harnesses writing one output directory would read each other's results.
exec 9>"$OUT_DIR/.lock"
if ! flock -n 9; then
	CLEAN_EXIT=1
	echo "Bail out! another run is using $OUT_DIR (set IMSWATCH_VM_OUT to run beside it)"
	exit 2
fi
T_START=$(now_ms)
echo "TAP version 13"
[[ -n $IMSWATCH_BIN ]] && echo "# imswatch: $IMSWATCH_BIN" || echo "# imswatch: none (checks that need it are skipped)"

declare -A K_VER K_IMAGE K_INITRD K_KMOD K_PKG K_SDINITRD
N=0
FAILED=0
emit() { # emit LINE: number TAP points as they are printed
	local line=$1
	case $line in
	'ok - '* | 'not ok - '*)
		N=$((N + 1))
		[[ $line == not* ]] && FAILED=$((FAILED + 1))
		echo "${line%% - *} $N - ${line#* - }"
		;;
	*) echo "$line" ;;
	esac
}

for s in $SERIES; do
	t=$(now_ms)
	if [[ $s == ims ]]; then
		if ! ims_kernel_prepare; then
			emit "not ok - kernel ims: the IMS test kernel builds (tests/kernel/build.sh)"
			CLEAN_EXIT=1
			echo "Bail out! cannot build the IMS test kernel (see the messages above)"
			exit 1
		fi
	elif ! kernel_prepare "$s"; then
		emit "not ok - kernel $s: no Debian $s cloud kernel could be fetched or found in the cache ($CACHE_DIR)"
		CLEAN_EXIT=1
		echo "Bail out! cannot get a $s kernel (network? mirror $(debian_mirror)?)"
		exit 1
	fi
	t_k=$(now_ms)
	if [[ $s == ims ]] && ! kmod_build_ims; then
		emit "not ok - kernel ims: edu_ims_real builds against the IMS test kernel $KVER"
		CLEAN_EXIT=1
		echo "Bail out! test modules do not build for the IMS test kernel"
		exit 1
	elif [[ $s != ims ]] && ! kmod_build; then
		emit "not ok - kernel $s: tests/kmod builds against $KVER (log: $KMOD_DIR/build.log)"
		CLEAN_EXIT=1
		echo "Bail out! test modules do not build for $KVER"
		exit 1
	fi
	KPREP_TIMES+="test modules $KMOD_STATE in $(secs_since "$t_k") s; "
	t_k=$(now_ms)
	initramfs_build
	KPREP_TIMES+="initramfs in $(secs_since "$t_k") s"
	if wants systemd && [[ $s == 6.12 ]] && [[ -z $LIST ]]; then
		t_k=$(now_ms)
		if ! sdguest_build; then
			emit "not ok - kernel $s: the systemd guest's root is built (lib/sdguest.sh; see the messages above)"
			CLEAN_EXIT=1
			echo "Bail out! cannot build the systemd guest"
			exit 1
		fi
		K_SDINITRD[$s]=$SD_INITRD
		KPREP_TIMES+="; systemd guest (root $SDROOT_STATE, package installed, $(du -m "$SD_INITRD" | cut -f1) MB initramfs) in $(secs_since "$t_k") s"
	fi
	K_VER[$s]=$KVER K_IMAGE[$s]=$KIMAGE K_INITRD[$s]=$INITRD K_KMOD[$s]=$KMOD_DIR K_PKG[$s]=$KPKGVER
	echo "# kernel $s: $KVER (package $KPKGVER), modules and initramfs ready in $(secs_since "$t") s (${KPREP_TIMES:-cached})"
	[[ -z ${KPIN_NOTE:-} ]] || echo "# kernel $s: warning: $KPIN_NOTE"
done

if [[ -n $LIST ]]; then
	for s in $SERIES; do plan_boots "$s" | sed "s/^/$s /"; done
	exit 0
fi

# --- the runs (up to $JOBS guests at a time, results printed in plan order) -------------
declare -a B_SERIES B_LINE B_DIR
for s in $SERIES; do
	while IFS= read -r line; do
		[[ -z $ONLY ]] || [[ ${line%%|*} =~ $ONLY ]] || continue
		B_SERIES+=("$s")
		B_LINE+=("$line")
		B_DIR+=("$OUT_DIR/logs/$s-${line%%|*}")
	done < <(plan_boots "$s")
done
for d in "${B_DIR[@]}"; do rm -f "$d/done"; done

launched=0
printed=0
total=${#B_LINE[@]}
declare -A PIDS
while [[ $printed -lt $total ]]; do
	while [[ $launched -lt $total && $(jobs -rp | wc -l) -lt $JOBS ]]; do
		s=${B_SERIES[$launched]}
		IFS='|' read -r id scen append profile to <<<"${B_LINE[$launched]}"
		(
			KVER=${K_VER[$s]} KIMAGE=${K_IMAGE[$s]} INITRD=${K_INITRD[$s]}
			# the systemd guest boots its own root, which needs more memory than busybox
			[[ $scen != systemd ]] || { INITRD=${K_SDINITRD[$s]} VM_MEM=2048; }
			run_boot "$s" "$id" "$scen" "$append" "$profile" "$to" || {
				mkdir -p "${B_DIR[$launched]}"
				echo "not ok - $s $id: harness error" >"${B_DIR[$launched]}/emit"
				touch "${B_DIR[$launched]}/done"
			}
		) </dev/null &
		PIDS[$launched]=$!
		launched=$((launched + 1))
	done
	# Only a guest this run launched can be done: a stale done file (another harness
	# writing the same output directory) must not be read as this run's result.
	if [[ $printed -lt $launched && -f ${B_DIR[$printed]}/done ]]; then
		wait "${PIDS[$printed]}" 2>/dev/null || true
		while IFS= read -r line; do emit "$line"; done <"${B_DIR[$printed]}/emit"
		printed=$((printed + 1))
	else
		sleep 0.5
	fi
done

# --- the matrix table -------------------------------------------------------------------
if wants matrix || wants peers; then
	# shellcheck source=lib/matrix.sh
	source "$VM_DIR/lib/matrix.sh"
	matrix_table "$OUT_DIR/matrix.md" "${B_DIR[@]}" && echo "# matrix table: $OUT_DIR/matrix.md"
fi
if wants ims-real; then
	# shellcheck source=lib/matrix.sh
	source "$VM_DIR/lib/matrix.sh"
	ims_table "$OUT_DIR/ims-matrix.md" "${B_DIR[@]}" && {
		echo "# IMS test kernel cells ($OUT_DIR/ims-matrix.md):"
		sed 's/^/#   /' "$OUT_DIR/ims-matrix.md"
	}
fi

# --- the kernel-compatibility table (from this run's own results) -----------------------
# shellcheck source=lib/compat.sh
source "$VM_DIR/lib/compat.sh"
compat_args=()
for s in $SERIES; do compat_args+=("$s|${K_VER[$s]}|${K_PKG[$s]}"); done
compat_table "$OUT_DIR/compat.md" "${compat_args[@]}" &&
	echo "# kernel-compatibility table: $OUT_DIR/compat.md (README: bash tests/vm/lib/compat.sh --readme README.md $OUT_DIR/compat.md)"

echo "1..$N"
echo "# $((N - FAILED)) passed, $FAILED failed; total wall time $(secs_since "$T_START") s"
CLEAN_EXIT=1
[[ $FAILED -eq 0 ]]
