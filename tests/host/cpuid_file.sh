#!/bin/bash
# --cpuid-file: what is not a CPUID dump is refused (one line on stderr, exit 2, no
# --output file), nothing makes it hang, and a large file loads in linear-ish time.
# No root needed.
# shellcheck source=tap.bash
source "$(dirname "$0")/tap.bash"

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

# Each refusal: one line on stderr naming the problem, exit 2, no --output file, and never
# a wait (timeout says 124 if it hung).
refused() {
	local name=$1 want=$2 file=$3 cmd rc
	for cmd in platform cpuid; do
		rm -f "$TMP/out"
		timeout 10 "$BIN" $cmd --cpuid-file "$file" --output "$TMP/out" >"$TMP/stdout" 2>"$TMP/stderr"
		rc=$?
		if [ $rc -eq 2 ] && [ ! -e "$TMP/out" ] && [ ! -s "$TMP/stdout" ] &&
			[ "$(wc -l <"$TMP/stderr")" -eq 1 ] && grep -q "$want" "$TMP/stderr"; then
			ok "$cmd: $name refused ($(cat "$TMP/stderr"))"
		else
			not_ok "$cmd: $name refused: rc=$rc, want exit 2, no output, one line with '$want'" "$TMP/stderr"
		fi
	done
}
mkfifo "$TMP/fifo"
refused "a FIFO with no writer" "not a regular file (a FIFO)" "$TMP/fifo"
refused "a character device" "not a regular file (a character device)" /dev/null
: >"$TMP/empty"
refused "an empty file" "empty file: not a CPUID dump" "$TMP/empty"
printf '# leaf subleaf eax ebx ecx edx (hex)\n' >"$TMP/comments"
refused "a file of comments only" "no leaf lines" "$TMP/comments"
printf '0x0 0x0 0xd 0x756e6547 0x6c65746e 0x49656e69\n0x40000000 0 0x40000001 0x4b4d564b 0x564b4d56 0x4d\n' \
	>"$TMP/noleaf1"
refused "a file without leaf 1" "no line for leaf 0x1 subleaf 0x0" "$TMP/noleaf1"
printf '0x1 0x0 0x000606a6 0x00010800 0xfffa3203 0x0f8bfbff\n' >"$TMP/noleaf0"
refused "a file without leaf 0" "no line for leaf 0x0 subleaf 0x0" "$TMP/noleaf0"
truncate -s 17M "$TMP/huge"
refused "a 17 MiB file" "too large for a CPUID dump" "$TMP/huge"

# the smallest real dump still loads
printf '%s\n' "$LEAF01" >"$TMP/min"
if "$BIN" platform --format json --cpuid-file "$TMP/min" 2>"$TMP/min.err" |
	jq -e '.platform.seed.cpuid_hypervisor_bit == true' >/dev/null; then
	ok "leaves 0 and 1 alone are a dump"
else
	not_ok "leaves 0 and 1 alone are a dump" "$TMP/min.err"
fi

# "none": a tree from a machine without CPUID; ./none is still a file
if "$BIN" platform --format json --cpuid-file none 2>"$TMP/none.err" |
	jq -e '.platform.cpuid_source == "absent" and .platform.seed.cpuid_leaf1 == "absent"' >/dev/null; then
	ok "--cpuid-file none: no CPUID at all"
else
	not_ok "--cpuid-file none: no CPUID at all" "$TMP/none.err"
fi
(cd "$TMP" && printf '%s\n' "$LEAF01" >none &&
	"$BIN" platform --format json --cpuid-file ./none 2>none.err |
	jq -e '.platform.cpuid_source == "replay"' >/dev/null) &&
	ok "--cpuid-file ./none reads the file" || not_ok "--cpuid-file ./none reads the file" "$TMP/none.err"

echo "1..$n"
exit $fail
