#!/bin/bash
# tools/capture-fixture: a capture of this machine replays to the same verdicts as the live
# machine, and a capture never keeps a serial number (a synthetic tree with a serial in the
# SMBIOS table and in DMI checks both the type 0 extraction and the self-check).
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

# a synthetic root: SMBIOS type 1 (with a serial), then type 0, then the end marker
R=$TMP/fake
mkdir -p "$R/sys/firmware/dmi/tables" "$R/sys/class/dmi/id"
{
	printf '\001\033\001\000\001\002\003\004'; head -c 16 /dev/zero; printf '\006\000\000'
	printf 'Dell Inc.\000PowerEdge\000x\0004XK2Q93\000\000'
	printf '\000\030\000\000\001\002\000\360\003\377'; head -c 8 /dev/zero
	printf '\003\015\000\000\377\377Dell Inc.\0002.1.0\00001/01/2024\000\000'
	printf '\177\004\377\376\000\000'
} >"$R/sys/firmware/dmi/tables/DMI"
echo 4XK2Q93 >"$R/sys/class/dmi/id/product_serial"
echo "Dell Inc." >"$R/sys/class/dmi/id/sys_vendor"
tools/capture-fixture "$TMP/fake-capture" "$R" 2>/dev/null
check "SMBIOS: only the type 0 structure and an end marker are kept (58 bytes)" \
	test "$(wc -c <"$TMP/fake-capture/root/sys/firmware/dmi/tables/DMI")" -eq 58
check "the serial number is nowhere in the capture" bash -c "! grep -r -q 4XK2Q93 '$TMP/fake-capture'"
check "the kept type 0 still answers the virtual-machine bit (clear)" bash -c "
	"$BIN" platform --format json --sysroot '$TMP/fake-capture/root' --cpuid-file tests/fixtures/baremetal-dell/cpuid |
	jq -e '.platform.signals[] | select(.key == \"type0.virtual_machine\") | .value == \"0\"'"
echo "Dell 4XK2Q93" >"$R/sys/class/dmi/id/sys_vendor"
tools/capture-fixture "$TMP/leak" "$R" 2>"$TMP/leak.err"
rc=$?
check "a serial inside a copied string fails the self-check (exit 2, nothing kept)" \
	bash -c "test $rc -eq 2 && test ! -e '$TMP/leak/root' && grep -q self-check '$TMP/leak.err'"
echo "1..$n"
exit $fail
