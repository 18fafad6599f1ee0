#!/bin/bash
# Golden output of `imswatch platform` (JSON and text, and text with -v) for fixture trees,
# compared byte for byte with tests/golden/platform/<fixture>.{json,txt,v.txt}. The record
# time is the only field that depends on the run: it is masked to "-". JSON bytes are the
# record format; text is for people and may change on purpose. IMSWATCH_GOLDEN_UPDATE=1
# rewrites the files instead (review the diff).
set -u
cd "$(dirname "$0")/../.."
BIN=${IMSWATCH:-./imswatch}
DIR=tests/golden/platform
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FIXTURES="qemu-kvm baremetal-dell hyperv-root xen-dom0 confidential-tdx spoofed-dmi-hidden-bit
	qemu-hidden-bit no-cpuid-no-firmware aws-nitro vmware"
mask() { sed -e 's/"ts":"[^"]*"/"ts":"-"/' -e 's/^[0-9]\{4\}-[0-9-]*T[0-9:.]*Z /- /'; }
n=0
fail=0
mkdir -p "$DIR"
for f in $FIXTURES; do
	for v in json text text-v; do
		case $v in
		json) args=(--format json) ext=json ;;
		text) args=(--format text) ext=txt ;;
		text-v) args=(--format text -v) ext=v.txt ;;
		esac
		"$BIN" platform "${args[@]}" --sysroot "tests/fixtures/$f/root" \
			--cpuid-file "tests/fixtures/$f/cpuid" 2>/dev/null | mask >"$TMP/out"
		n=$((n + 1))
		if [ -n "${IMSWATCH_GOLDEN_UPDATE:-}" ]; then
			cp "$TMP/out" "$DIR/$f.$ext"
		fi
		if cmp -s "$TMP/out" "$DIR/$f.$ext"; then
			echo "ok $n - platform $v $f matches $DIR/$f.$ext"
		else
			echo "not ok $n - platform $v $f differs from $DIR/$f.$ext"
			diff -u "$DIR/$f.$ext" "$TMP/out" | head -20 | sed 's/^/# /'
			fail=1
		fi
	done
done
echo "1..$n"
exit $fail
