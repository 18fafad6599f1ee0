#!/bin/bash
# The regression corpus (tests/corpus/): the converters on inputs written in the test, then
# the corpus built from Debian's source packages (cached in IMSWATCH_CORPUS_CACHE, default
# ~/.cache/imswatch-corpus) and imswatch run on every case against tests/corpus/thresholds.
# Needs the Debian archive the first time (or a filled cache); no root needed.
# shellcheck source=tap.bash
source "$(dirname "$0")/tap.bash"

# Each TAP line of a child test, renumbered into this one; its comments passed through.
relay() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok [0-9]* - }" ;;
		"not ok "*) not_ok "${line#not ok [0-9]* - }" ;;
		"#"*) echo "$line" ;;
		esac
	done
}

# a child that dies before its plan must not pass as fewer points
child() {
	local name=$1 rc
	shift
	"$@" >"$TMP/$name.tap" 2>"$TMP/$name.err"
	rc=$?
	relay <"$TMP/$name.tap"
	if ! grep -q '^1\.\.[0-9]' "$TMP/$name.tap"; then
		not_ok "$name: ran to its plan (exit $rc)" "$TMP/$name.err"
	fi
}

child converters tests/corpus/test-converters

start=$(date +%s)
if tests/corpus/build >"$TMP/build.log" 2>&1; then
	ok "corpus built from Debian's source packages in $(($(date +%s) - start)) s ($(tail -n1 "$TMP/build.log"))"
else
	not_ok "corpus built from Debian's source packages" "$TMP/build.log"
fi

# the build names the directory it wrote (cases-<digest of the corpus tools>)
cases=$(sed -n 's/.* -> //p' "$TMP/build.log" | tail -n1)
differs=$(grep -l '^round_trip: DIFFERS' "$cases"/*/*/source 2>/dev/null || true)
rts=$(grep -l '^round_trip: ok' "$cases"/*/*/source 2>/dev/null | wc -l)
if [ -z "$differs" ] && [ "$rts" -gt 0 ]; then
	ok "every dmidecode text in the corpus round-trips through dmidecode --from-dump ($rts)"
else
	echo "$differs" >"$TMP/differs"
	not_ok "every dmidecode text in the corpus round-trips ($rts ok)" "$TMP/differs"
fi

child run tests/corpus/run

echo "1..$n"
exit "$fail"
