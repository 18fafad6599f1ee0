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
echo "1..$n"
exit $fail
