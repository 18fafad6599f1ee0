#!/bin/bash
# tools/capture-fixture: a capture of this machine replays to the same verdicts as the live
# machine, and a capture never keeps a serial number, UUID, asset tag or MAC (a synthetic
# tree with them in SMBIOS types 1 and 4, in DMI and under a PCI device checks the type 0/4
# extraction, the other kept files and the self-check).
set -u
cd "$(dirname "$0")/../.."
BIN=${IMSWATCH:-./imswatch}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name"; fi; }
verdicts() { jq -c '.platform | [.seed.probably_on_bare_metal, .q1.verdict, .q1.hypervisor, .q2.verdict, .q2.interrupt_remapping, .q2.ims_gate]'; }

IMSWATCH=$BIN tools/capture-fixture "$TMP/me" 2>"$TMP/err"
check "capture of this machine succeeds" test -s "$TMP/me/cpuid"
"$BIN" platform --format json | verdicts >"$TMP/live"
"$BIN" platform --format json --sysroot "$TMP/me/root" --cpuid-file "$TMP/me/cpuid" | verdicts >"$TMP/replay"
# both sides must hold a verdict: two failed runs would compare equal
check "the capture replays to the live verdicts ($(cat "$TMP/live"))" \
	bash -c "grep -Eq 'guest|host|unknown' '$TMP/live' && cmp '$TMP/live' '$TMP/replay'"
check "a second capture into the same place is refused (exit 2)" \
	bash -c "tools/capture-fixture '$TMP/me' 2>/dev/null; test \$? -eq 2"
check "no arguments: usage error, exit 2" bash -c "tools/capture-fixture 2>/dev/null; test \$? -eq 2"

# A synthetic root. SMBIOS: type 1 (a serial and a UUID), type 0, type 4 (serial, asset tag
# and part number among its strings, in mixed order), end marker. Its identifiers must not
# reach the capture; what must reach it is built here a second time, independently.
R=$TMP/fake
mkdir -p "$R/sys/firmware/dmi/tables" "$R/sys/class/dmi/id" "$R/sys/firmware/acpi/tables" \
	"$R/sys/bus/pci/devices/0000:00:03.0/net/eth0" "$R/proc"
SERIAL=4XK2Q93 UUID_HEX=4c4c454400423510805 CPU_SERIAL=SER-A9F3K2 CPU_ASSET=ASSET-7788 CPU_PART=PN-5566
t0() { # type 0, length 0x18; extension byte 2 = 0x0d: "virtual machine" bit (4) clear
	printf '\000\030\000\000\001\002\000\360\003\377'; head -c 8 /dev/zero
	printf '\003\015\000\000\377\377Dell Inc.\0002.1.0\00001/01/2024\000\000'
}
# type 4, SMBIOS 3.0 length 0x30: socket 2, manufacturer 4, processor id 57 06 05 00 ff fb
# eb bf (EAX 0x00050657), version 5, serial 1, asset tag 3, part number 6, 20 cores
# shellcheck disable=SC2059 # the format is one octal escape, built here
byte() { printf "\\$(printf %03o "$1")"; }
t4_head() { # t4_head SOCKET MANUF VERSION SERIAL ASSET PART: the formatted area
	printf '\004\060\000\004'; byte "$1"; printf '\003\263'; byte "$2"
	printf '\127\006\005\000\377\373\353\277'; byte "$3"
	head -c 15 /dev/zero
	byte "$4"; byte "$5"; byte "$6"; printf '\024'
	head -c 12 /dev/zero
}
VERSION="Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz"
{
	printf '\001\033\001\000\001\002\003\004\114\114\105\104\000\102\065\020\200\122\264\300\117\113\063\062\006\000\000'
	printf 'Dell Inc.\000PowerEdge\000x\000%s\000\000' "$SERIAL"
	t0
	t4_head 2 4 5 1 3 6
	printf '%s\000CPU1\000%s\000Intel(R) Corporation\000%s\000%s\000\000' "$CPU_SERIAL" "$CPU_ASSET" "$VERSION" "$CPU_PART"
	printf '\177\004\377\376\000\000'
} >"$R/sys/firmware/dmi/tables/DMI"
{
	t0
	t4_head 1 2 3 0 0 0
	printf 'CPU1\000Intel(R) Corporation\000%s\000\000' "$VERSION"
	printf '\177\004\377\377\000\000'
} >"$TMP/want-DMI"
printf '_SM3_\023\030\003\003\000\001\000\200\001\000\000\000\356\377\007\000\000\000\000' \
	>"$R/sys/firmware/dmi/tables/smbios_entry_point"
echo "$SERIAL" >"$R/sys/class/dmi/id/product_serial"
echo 4c4c4544-0042-3510-8052-b4c04f4b3332 >"$R/sys/class/dmi/id/product_uuid"
echo "Dell Inc." >"$R/sys/class/dmi/id/sys_vendor"
echo 03/05/2024 >"$R/sys/class/dmi/id/bios_date"
echo 23 >"$R/sys/class/dmi/id/chassis_type"
echo 06WXJT >"$R/sys/class/dmi/id/board_name"
# ACPI: a DSDT naming fw_cfg, an SSDT over the 1 MiB cap, a FACP of 276 bytes
{ printf 'DSDT\144\000\000\000\001\000DELL  PE_SC3  \001\000\000\000BXPC\001\000\000\000'; printf 'QEMU0002%56s' ''; } \
	>"$R/sys/firmware/acpi/tables/DSDT"
{ printf 'SSDT'; head -c $((1024 * 1024 + 96)) /dev/urandom; } >"$R/sys/firmware/acpi/tables/SSDT1"
{ printf 'FACP\024\001\000\000\006\000DELL  PE_SC3  \001\000\000\000BXPC\001\000\000\000'; head -c 240 /dev/urandom; } \
	>"$R/sys/firmware/acpi/tables/FACP"
P=$R/sys/bus/pci/devices/0000:00:03.0
printf '0x8086\n' >"$P/vendor"; printf '0x100e\n' >"$P/device"; printf '0x020000\n' >"$P/class"
printf '0x1af4\n' >"$P/subsystem_vendor"; printf '0x1100\n' >"$P/subsystem_device"; printf '0x03\n' >"$P/revision"
echo 52:54:00:12:34:56 >"$P/net/eth0/address"
for c in 0 1; do
	printf 'processor\t: %s\nvendor_id\t: GenuineIntel\nmodel name\t: %s %s\nflags\t\t: fpu sse%s\n\n' \
		"$c" "$VERSION" "$c" "$c"
done >"$R/proc/cpuinfo"

tools/capture-fixture "$TMP/fake-capture" "$R" 2>/dev/null
C=$TMP/fake-capture/root
check "SMBIOS: type 0 whole, type 4 without serial/asset/part (strings renumbered), end marker" \
	cmp "$C/sys/firmware/dmi/tables/DMI" "$TMP/want-DMI"
# walk the kept table: each structure as TYPE:NUMBER-OF-STRINGS, up to the end marker
smbios_walk() {
	od -An -v -tu1 "$1" | tr -s ' ' '\n' | grep -v '^$' | awk '
		{ b[n++] = $1 }
		END { o = 0; while (o + 4 <= n) { t = b[o]; l = b[o + 1]; if (l < 4) { print "short"; exit }
			e = o + l; k = 0
			while (e + 1 < n && (b[e] != 0 || b[e + 1] != 0)) { if (b[e] == 0) k++; e++ }
			if (e > o + l) k++
			printf "%d:%d ", t, k; if (t == 127) break; o = e + 2 }
			if (e + 2 != n) print "trailing" }'
}
check "SMBIOS: the kept table walks as type 0 (3 strings), type 4 (3 strings), end ($(smbios_walk "$C/sys/firmware/dmi/tables/DMI"))" \
	test "$(smbios_walk "$C/sys/firmware/dmi/tables/DMI")" = "0:3 4:3 127:0 "
check "SMBIOS: the entry point is kept as it is" \
	cmp "$C/sys/firmware/dmi/tables/smbios_entry_point" "$R/sys/firmware/dmi/tables/smbios_entry_point"
for v in "$SERIAL" "$CPU_SERIAL" "$CPU_ASSET" "$CPU_PART" 4c4c4544-0042 52:54:00:12:34:56; do
	check "'$v' (serial, UUID, asset tag, part number or MAC) is nowhere in the capture" \
		bash -c "! grep -r -q -F -- '$v' '$TMP/fake-capture'"
done
check "the type 1 UUID's bytes are nowhere in the capture" \
	bash -c "! find '$TMP/fake-capture' -type f -exec od -An -v -tx1 {} + | tr -d ' \n' | grep -q $UUID_HEX"
check "the kept type 0 still answers the virtual-machine bit (clear)" bash -c "
	'$BIN' platform --format json --sysroot '$C' --cpuid-file tests/fixtures/baremetal-dell/cpuid |
	jq -e '.platform.signals[] | select(.key == \"type0.virtual_machine\") | .value == \"0\"'"
check "the kept type 4 still gives the engine its processor id (0x00050657)" bash -c "
	'$BIN' platform --format json --sysroot '$C' --cpuid-file tests/fixtures/baremetal-dell/cpuid |
	jq -e '.platform.signals[] | select(.key == \"type4.processor_id\") | .value | startswith(\"0x00050657/\")'"
check "ACPI: the DSDT is kept whole" cmp "$C/sys/firmware/acpi/tables/DSDT" "$R/sys/firmware/acpi/tables/DSDT"
check "ACPI: an SSDT over 1 MiB keeps its first 1 MiB and is listed in 'truncated'" bash -c "
	test \$(wc -c <'$C/sys/firmware/acpi/tables/SSDT1') -eq 1048576 &&
	cmp -n 1048576 '$C/sys/firmware/acpi/tables/SSDT1' '$R/sys/firmware/acpi/tables/SSDT1' &&
	grep -qx sys/firmware/acpi/tables/SSDT1 '$TMP/fake-capture/truncated'"
check "ACPI: other tables keep their 36-byte header only" bash -c "
	test \$(wc -c <'$C/sys/firmware/acpi/tables/FACP') -eq 36 &&
	cmp -n 36 '$C/sys/firmware/acpi/tables/FACP' '$R/sys/firmware/acpi/tables/FACP'"
pci_same=1
for f in vendor device class subsystem_vendor subsystem_device revision; do
	cmp -s "$C/sys/bus/pci/devices/0000:00:03.0/$f" "$P/$f" || pci_same=0
done
check "PCI: ids, class, subsystem ids and revision kept, nothing else" bash -c "
	test $pci_same = 1 && test \$(ls '$C/sys/bus/pci/devices/0000:00:03.0' | wc -l) -eq 6"
check "cpuinfo: the first vendor_id, model name and flags lines, nothing else" bash -c "
	diff <(grep -m1 ^vendor_id '$R/proc/cpuinfo'; grep -m1 '^model name' '$R/proc/cpuinfo'; grep -m1 ^flags '$R/proc/cpuinfo') '$C/proc/cpuinfo'"
dmi_same=1
for f in bios_date chassis_type board_name sys_vendor; do
	cmp -s "$C/sys/class/dmi/id/$f" "$R/sys/class/dmi/id/$f" || dmi_same=0
done
check "DMI: bios_date, chassis_type, board_name and sys_vendor kept" test $dmi_same = 1
# the guests run it under busybox ash: same capture, byte for byte
if command -v busybox >/dev/null && busybox sh -c true 2>/dev/null; then
	busybox sh tools/capture-fixture "$TMP/fake-ash" "$R" 2>/dev/null
	check "busybox ash makes the same capture as $(readlink -f "$(command -v sh)")" \
		diff -r -x source "$TMP/fake-capture" "$TMP/fake-ash"
else
	ok "busybox ash makes the same capture # SKIP no busybox on this machine"
fi
echo "Dell 4XK2Q93" >"$R/sys/class/dmi/id/sys_vendor"
tools/capture-fixture "$TMP/leak" "$R" 2>"$TMP/leak.err"
rc=$?
check "a serial inside a copied string fails the self-check (exit 2, nothing kept)" \
	bash -c "test $rc -eq 2 && test ! -e '$TMP/leak/root' && grep -q self-check '$TMP/leak.err'"
# --- --audit: interrupts, PCI devices with config space, the IMS/MSI API --------------------
IMSWATCH=$BIN tools/capture-fixture --audit "$TMP/me-audit" 2>/dev/null
A=$TMP/me-audit/root
# the counts move between two reads: compare the rows and their names
check "--audit: /proc/interrupts kept (same rows, same names)" bash -c "
	cmp <(awk '{ print \$1, \$NF }' /proc/interrupts) <(awk '{ print \$1, \$NF }' '$A/proc/interrupts')"
check "--audit: every /sys/kernel/irq entry kept with its chip_name, hwirq, type and actions" bash -c '
	for i in /sys/kernel/irq/*; do n=${i##*/}
		for f in chip_name hwirq type actions; do
			[ ! -e "$i/$f" ] || cmp -s <(cat "$i/$f") "'"$A"'/sys/kernel/irq/$n/$f" || { echo "$n/$f"; exit 1; }
		done
	done'
check "--audit: per PCI device class, subsystem ids and the readable part of config" bash -c '
	for d in /sys/bus/pci/devices/*; do b=${d##*/}; c='"$A"'/sys/bus/pci/devices/$b
		for f in class subsystem_vendor subsystem_device; do cmp -s <(cat "$d/$f") "$c/$f" || exit 1; done
		[ "$(wc -c <"$c/config")" = "$(cat "$d/config" | wc -c)" ] || exit 1
	done'
check "--audit: each bound driver is a link inside the tree naming the driver" bash -c '
	for d in /sys/bus/pci/devices/*; do b=${d##*/}; c='"$A"'/sys/bus/pci/devices/$b
		if [ -L "$d/driver" ]; then
			[ "$(basename "$(readlink "$c/driver")")" = "$(basename "$(readlink "$d/driver")")" ] || exit 1
			case $(readlink -f "$c/driver") in "$(readlink -f '"$A"')"/*) ;; *) exit 1 ;; esac
			[ -d "$c/driver" ] || exit 1
		else
			[ ! -e "$c/driver" ] || exit 1
		fi
	done'
check "--audit: msi_irqs/ names and modes as the machine has them" bash -c '
	for d in /sys/bus/pci/devices/*; do b=${d##*/}; c='"$A"'/sys/bus/pci/devices/$b
		[ -d "$d/msi_irqs" ] || continue
		[ "$(cd "$d/msi_irqs" && grep -r . . | sort)" = "$(cd "$c/msi_irqs" && grep -r . . | sort)" ] || exit 1
	done'
check "--audit: kallsyms reduced to the IMS/MSI API, addresses zeroed" bash -c '
	k='"$A"'/proc/kallsyms
	[ -s "$k" ] && ! grep -qv "^0000000000000000 " "$k" && [ "$(wc -l <"$k")" -le 40 ] &&
	grep -q " pci_alloc_irq_vectors_affinity$\| pci_alloc_irq_vectors_affinity " "$k"'
check "--audit: nothing below a device but the kept files (no net/, no vpd)" bash -c '
	! find '"$A"'/sys/bus/pci/devices -mindepth 2 \( -name net -o -name vpd -o -name address -o -name serial \) | grep -q .'
check "--audit: no MAC address of this machine in the capture" bash -c '
	for a in /sys/class/net/*/address; do m=$(cat "$a"); [ "$m" = 00:00:00:00:00:00 ] && continue
		! grep -r -i -q -F -- "$m" '"$TMP/me-audit"' || exit 1; done'
check "without --audit no audit file is kept" bash -c "[ ! -e '$TMP/me/root/proc/interrupts' ] && [ ! -e '$TMP/me/root/proc/kallsyms' ]"

# a synthetic tree laid out as sysfs is (devices under sys/devices, sys/bus/pci/devices
# holding links): a PF with a VF, a Device Serial Number and a VPD capability, a MAC
S=$TMP/sriov
P=$S/sys/devices/pci0000:17/0000:17:00.0
V=$S/sys/devices/pci0000:17/0000:17:00.1
mkdir -p "$P/msi_irqs" "$P/net/eth7" "$V" "$S/sys/bus/pci/drivers/ice" "$S/sys/module/ice" \
	"$S/sys/bus/pci/drivers/iavf" "$S/sys/bus/pci/devices" "$S/sys/kernel/irq/40" "$S/proc"
ln -s ../../../devices/pci0000:17/0000:17:00.0 "$S/sys/bus/pci/devices/0000:17:00.0"
ln -s ../../../devices/pci0000:17/0000:17:00.1 "$S/sys/bus/pci/devices/0000:17:00.1"
for d in "$P" "$V"; do echo 0x8086 >"$d/vendor"; echo 0x020000 >"$d/class"; done
echo 0x1592 >"$P/device"
echo 0x1889 >"$V/device"
echo 4 >"$P/sriov_totalvfs"
echo 1 >"$P/sriov_numvfs"
echo msix >"$P/msi_irqs/40"
echo 'a0:36:9f:12:34:56' >"$P/net/eth7/address"
echo 'SERIAL-VPD-1' >"$P/vpd"
ln -s ../../../bus/pci/drivers/ice "$P/driver"
ln -s ../../../../module/ice "$S/sys/bus/pci/drivers/ice/module"
ln -s ../../../bus/pci/drivers/iavf "$V/driver"
ln -s ../0000:17:00.1 "$P/virtfn0"
ln -s ../0000:17:00.0 "$V/physfn"
# config: status bit 4, capability list 0x40 (PM) -> 0x50 (VPD, data register 'VPD!'),
# extended list 0x100 (AER) -> 0x140 (DSN, serial bytes 'DSN12345') -> 0x150 (SR-IOV)
python3 - "$P/config" <<'PY'
import struct, sys
c = bytearray(4096)
c[0:4] = struct.pack('<HH', 0x8086, 0x1592)
c[6] = 0x10
c[0x34] = 0x40
c[0x40:0x42] = bytes([0x01, 0x50])
c[0x50:0x54] = bytes([0x03, 0x00, 0x00, 0x80])
c[0x54:0x58] = b'VPD!'
c[0x100:0x104] = struct.pack('<I', 0x0001 | 1 << 16 | 0x140 << 20)
c[0x140:0x144] = struct.pack('<I', 0x0003 | 1 << 16 | 0x150 << 20)
c[0x144:0x14c] = b'DSN12345'
c[0x150:0x154] = struct.pack('<I', 0x0010 | 1 << 16)
open(sys.argv[1], 'wb').write(c)
PY
cp "$P/config" "$TMP/config.orig"
echo IR-PCI-MSIX-0000:17:00.0 >"$S/sys/kernel/irq/40/chip_name"
echo 0 >"$S/sys/kernel/irq/40/hwirq"
printf 'ffffffffc0a01230 t pci_create_ims_domain\t[ims_standin]\nffffffff81000000 T _stext\nffffffff81234560 T pci_alloc_irq_vectors_affinity\n' >"$S/proc/kallsyms"
tools/capture-fixture --audit "$TMP/sriov-capture" "$S" 2>/dev/null
C=$TMP/sriov-capture/root/sys/bus/pci/devices
# cmp -l counts bytes from 1: the DSN's data is 0x144-0x14b (325-332), VPD data 0x54-0x57 (85-88)
check "synthetic: the Device Serial Number's 8 bytes and the VPD data register are zeroed, nothing else changed" bash -c "
	! grep -q DSN12345 '$C/0000:17:00.0/config' && ! grep -q 'VPD!' '$C/0000:17:00.0/config' &&
	[ \"\$(od -An -v -tx1 -j 324 -N 8 '$C/0000:17:00.0/config' | tr -d ' \n')\" = 0000000000000000 ] &&
	[ \"\$(wc -c <'$C/0000:17:00.0/config')\" = 4096 ] &&
	cmp -l '$TMP/config.orig' '$C/0000:17:00.0/config' |
		awk '!((\$1 >= 325 && \$1 <= 332) || (\$1 >= 85 && \$1 <= 88)) { bad = 1 } END { exit bad }'"
check "synthetic: no MAC, no net/, no vpd file" bash -c "
	! grep -r -i -q 'a0:36:9f' '$TMP/sriov-capture' && [ ! -e '$C/0000:17:00.0/net' ] && [ ! -e '$C/0000:17:00.0/vpd' ]"
check "synthetic: driver and module links stay inside the tree (ice, module ice; iavf)" bash -c "
	[ \"\$(readlink -f '$C/0000:17:00.0/driver/module')\" = \"\$(readlink -f '$TMP/sriov-capture/root/sys/module/ice')\" ] &&
	[ -d '$C/0000:17:00.0/driver/module' ] && [ \"\$(basename \"\$(readlink '$C/0000:17:00.1/driver')\")\" = iavf ]"
check "synthetic: SR-IOV files and virtfn0/physfn links point at each other inside the tree" bash -c "
	[ \"\$(cat '$C/0000:17:00.0/sriov_numvfs')\" = 1 ] && [ \"\$(cat '$C/0000:17:00.0/sriov_totalvfs')\" = 4 ] &&
	[ \"\$(readlink -f '$C/0000:17:00.0/virtfn0')\" = \"\$(readlink -f '$C/0000:17:00.1')\" ] &&
	[ \"\$(readlink -f '$C/0000:17:00.1/physfn')\" = \"\$(readlink -f '$C/0000:17:00.0')\" ]"
check "synthetic: kallsyms keeps pci_create_ims_domain with its module, not _stext; addresses zeroed" bash -c "
	k='$TMP/sriov-capture/root/proc/kallsyms'
	grep -qx '0000000000000000 t pci_create_ims_domain \[ims_standin\]' \"\$k\" && ! grep -q _stext \"\$k\" && ! grep -q ffffffff \"\$k\""
check "synthetic: the irq entry and msi_irqs/ mode kept" bash -c "
	[ \"\$(cat '$TMP/sriov-capture/root/sys/kernel/irq/40/chip_name')\" = IR-PCI-MSIX-0000:17:00.0 ] &&
	[ \"\$(cat '$C/0000:17:00.0/msi_irqs/40')\" = msix ]"
check "the capture runs under busybox ash as in the guests (same tree, same bytes)" bash -c "
	command -v busybox >/dev/null || exit 0
	busybox sh tools/capture-fixture --audit '$TMP/sriov-ash' '$S' 2>/dev/null &&
	diff -r --no-dereference '$TMP/sriov-capture/root' '$TMP/sriov-ash/root'"
echo "1..$n"
exit $fail
