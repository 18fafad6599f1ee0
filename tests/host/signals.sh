#!/bin/bash
# Signals and pipes: a reader that leaves is a clean end (exit 0, whatever the timing), a
# write error is reported once, SIGHUP ends `watch` like SIGINT/SIGTERM (summary, exit 0),
# and duration_s has a fixed precision. The watch checks need root and BPF.
# shellcheck source=tap.bash
source "$(dirname "$0")/tap.bash"
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# --- a reader that leaves: exit 0 every time (SIGPIPE made it 0 or 141 at random) --------
# `| true` leaves before the first write (deterministic); `| head -1` races with it.
pipe_exits() {
	local runs=$1 reader=$2; shift 2
	local i codes=""
	for i in $(seq 1 "$runs"); do
		"$BIN" "$@" 2>>"$TMP/pipe.err" | $reader >/dev/null
		codes="$codes ${PIPESTATUS[0]}"
	done
	echo "$codes" | tr ' ' '\n' | grep -v '^$' | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }'
}
: >"$TMP/pipe.err"
for cmd in "platform" "platform --format json" "cpuid"; do
	for reader in true "head -1"; do
		got=$(pipe_exits 15 "$reader" $cmd)
		if [ "$got" = "0 x15" ]; then
			ok "imswatch $cmd | $reader: exit 0 every time"
		else
			not_ok "imswatch $cmd | $reader: exit 0 every time (got exit $got)"
		fi
	done
done
if [ -s "$TMP/pipe.err" ]; then
	not_ok "a reader leaving says nothing on stderr" "$TMP/pipe.err"
else
	ok "a reader leaving says nothing on stderr"
fi

# --- a write error: one message, exit 2 ---------------------------------------------------
write_error_once() {
	local name=$1; shift
	"$@" >/dev/full 2>"$TMP/full.err"
	local rc=$?
	# exactly one error line (a blind run's "imswatch: blind:" line may precede it)
	if [ $rc -eq 2 ] && [ "$(grep -c -v '^imswatch: blind: ' "$TMP/full.err")" -eq 1 ] &&
		[ "$(grep -c "No space left on device" "$TMP/full.err")" -eq 1 ]; then
		ok "$name > /dev/full: exit 2, the error reported once"
	else
		not_ok "$name > /dev/full: exit 2, the error reported once (rc=$rc, $(wc -l <"$TMP/full.err") lines)" "$TMP/full.err"
	fi
}
write_error_once "platform" "$BIN" platform
write_error_once "cpuid" "$BIN" cpuid

if [ "$(id -u)" -ne 0 ]; then
	skip "watch: /dev/full, SIGHUP and duration_s" "not root"
	echo "1..$n"
	exit $fail
fi
write_error_once "watch --duration 1" "$BIN" watch --duration 1

# --- SIGHUP: the closed terminal's signal ends the run like SIGTERM -----------------------
for sig in HUP INT TERM; do
	"$BIN" watch --format json >"$TMP/sig.json" 2>"$TMP/sig.err" &
	pid=$!
	# wait for the status record: the handlers are in place by then
	for _ in $(seq 1 50); do [ -s "$TMP/sig.json" ] && break; sleep 0.1; done
	kill -"$sig" $pid
	wait $pid
	rc=$?
	if [ $rc -eq 0 ] && tail -1 "$TMP/sig.json" | jq -e '.type == "summary"' >/dev/null 2>&1; then
		ok "SIG$sig ends watch with a summary record and exit 0"
	else
		not_ok "SIG$sig ends watch with a summary record and exit 0 (rc=$rc, last: $(tail -1 "$TMP/sig.json" | cut -c1-40))" "$TMP/sig.err"
	fi
done

# --- duration_s: fixed precision, three decimals (was %.17g: 15.872318188000008) ---------
"$BIN" watch --format json --duration 1.3 >"$TMP/dur.json" 2>"$TMP/dur.err"
if tail -1 "$TMP/dur.json" | grep -Eq '"duration_s":[0-9]+\.[0-9]{3},'; then
	ok "duration_s has three decimals ($(tail -1 "$TMP/dur.json" | grep -Eo '"duration_s":[^,]*'))"
else
	not_ok "duration_s has three decimals ($(tail -1 "$TMP/dur.json" | grep -Eo '"duration_s":[^,]*'))" "$TMP/dur.err"
fi
"$BIN" watch --duration 1.3 >"$TMP/dur.txt" 2>>"$TMP/dur.err"
# text is for people: the summary line gives the duration to a tenth of a second
if grep -Eq ' summary: [0-9]+\.[0-9] s, ' "$TMP/dur.txt"; then
	ok "text mode: the summary gives the duration without float noise"
else
	not_ok "text mode: the summary gives the duration without float noise ($(grep summary "$TMP/dur.txt"))"
fi

echo "1..$n"
exit $fail
