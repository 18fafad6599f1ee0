#!/bin/bash
# --cpuid-file: what is not a CPUID dump is refused (one line on stderr, exit 2, no
# --output file), nothing makes it hang, and a large file loads in linear-ish time.
# No root needed.
set -u
cd "$(dirname "$0")/../.."
BIN=./imswatch
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && sed 's/^/# /' "$2" | head -20; }

LEAF01='0x0 0x0 0xd 0x756e6547 0x6c65746e 0x49656e69
0x1 0x0 0x000606a6 0x00010800 0xfffa3203 0x0f8bfbff'

# A 10 MB file of unique leaves: the duplicate check and the lookups were a linear scan
# each, quadratic in all (about 45 s here before, half a second after).
big=$TMP/big.cpuid
{
	echo "$LEAF01"
	awk 'BEGIN { for (i = 0; i < 328000; i++)
		printf "0x%08x 0x%x 0x1 0x2 0x3 0x4\n", 1342177280 + int(i / 256), i % 256 }'
} >"$big"
start=$(date +%s.%N)
timeout 15 "$BIN" platform --format json --cpuid-file "$big" >"$TMP/big.json" 2>"$TMP/big.err"
rc=$?
end=$(date +%s.%N)
secs=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
if [ $rc -eq 0 ] && jq -e '.platform.cpuid_source == "replay"' "$TMP/big.json" >/dev/null; then
	ok "a 10 MB file of 328,000 unique leaves loads in $secs s (limit 15 s)"
else
	not_ok "a 10 MB file of 328,000 unique leaves loads in $secs s (limit 15 s, rc $rc)" "$TMP/big.err"
fi

echo "1..$n"
exit $fail
