#!/bin/bash
# imswatch audit: the hand-made fixture trees against their audit.expect (exit code, findings,
# vectors, domains, SR-IOV links, unreadable items), bad input, hostile names, and this
# machine: its devices and MSI/MSI-X vectors as its own sysfs lists them, and the exit code
# its own interrupt chips and device ids lead to (nothing here is written down from one
# machine). No root needed; with root the run without root is checked too.
# shellcheck source=tap.bash
source "$(dirname "$0")/tap.bash"

if ! command -v jq >/dev/null; then
	echo "1..0 # SKIP jq not installed"
	exit 0
fi

# records of one run: every line is JSON, the first the platform record, the last the summary
audit_json() { # out rc args...
	local out=$1
	shift
	"$BIN" audit --format json "$@" >"$out" 2>"$TMP/err"
}

check_stream() { # file name
	if jq -e -s 'length >= 2 and .[0].type == "platform" and .[-1].type == "audit-summary"
		and (map(.format_version // 4) | all(. == 4))' "$1" >/dev/null 2>&1; then
		ok "$2: JSON lines, platform first, audit-summary last"
	else
		not_ok "$2: JSON lines, platform first, audit-summary last" "$1"
	fi
}

for dir in tests/fixtures/audit-*; do
	name=${dir##*/}
	args=(--sysroot "$dir/root" --cpuid-file "$dir/cpuid")
	out="$TMP/$name.json"
	audit_json "$out" "${args[@]}"
	rc=$?
	check_stream "$out" "$name"
	while read -r what a b c d e; do
		case $what in
		exit)
			[ "$rc" = "$a" ] && ok "$name: exit $a" || not_ok "$name: exit $a (got $rc)" "$TMP/err" ;;
		exit-fail-on-critical)
			"$BIN" audit "${args[@]}" --fail-on critical >/dev/null 2>&1
			r=$?
			[ "$r" = "$a" ] && ok "$name: --fail-on critical exits $a" ||
				not_ok "$name: --fail-on critical exits $a (got $r)" ;;
		rule)
			jq -e -s --arg r "$a" --arg s "$b" --arg d "$c" \
				'map(select(.type == "finding" and .rule == $r and .severity == $s and
				  .device == $d and (.evidence | length) > 0)) | length == 1' "$out" >/dev/null &&
				ok "$name: $a $b on $c, with evidence" || not_ok "$name: $a $b on $c" "$out" ;;
		no-findings)
			jq -e -s 'map(select(.type == "finding")) | length == 0' "$out" >/dev/null &&
				ok "$name: no finding" || not_ok "$name: no finding" "$out" ;;
		vectors)
			jq -e -s --arg d "$a" --arg k "$b" --argjson n "$c" --arg k2 "$d" --argjson n2 "$e" \
				'map(select(.type == "device" and .bdf == $d))[0].vectors |
				 .[$k] == $n and .[$k2] == $n2' "$out" >/dev/null &&
				ok "$name: $a has $b $c, $d $e" || not_ok "$name: $a has $b $c, $d $e" "$out" ;;
		domain)
			jq -e -s --arg c "$a" --arg k "$b" \
				'map(select(.type == "irq-domain" and .chip == $c and .kind == $k)) | length == 1' \
				"$out" >/dev/null && ok "$name: domain $a is $b" || not_ok "$name: domain $a is $b" "$out" ;;
		sriov)
			jq -e -s --arg d "$a" --argjson t "$b" --argjson n "$c" \
				'map(select(.type == "device" and .bdf == $d))[0].sriov |
				 .total_vfs == $t and .num_vfs == $n and (.vfs | length) == $n' "$out" >/dev/null &&
				ok "$name: $a is a PF with $c of $b VFs listed" || not_ok "$name: $a SR-IOV" "$out" ;;
		physfn)
			jq -e -s --arg d "$a" --arg p "$b" \
				'map(select(.type == "device" and .bdf == $d))[0].physfn == $p' "$out" >/dev/null &&
				ok "$name: $a is a VF of $b" || not_ok "$name: $a physfn" "$out" ;;
		module)
			jq -e -s --arg d "$a" --arg m "$b" \
				'map(select(.type == "device" and .bdf == $d))[0].module == $m' "$out" >/dev/null &&
				ok "$name: $a driver module $b" || not_ok "$name: $a module" "$out" ;;
		unreadable)
			text="$a $b $c $d $e"
			jq -e -s --arg t "${text% }" 'map(select(.type == "audit-summary"))[0].unreadable |
				any(contains($t))' "$out" >/dev/null &&
				ok "$name: summary lists '${text% }'" || not_ok "$name: unreadable" "$out" ;;
		ims_capable)
			jq -e -s --arg d "$a" 'map(select(.type == "device" and .bdf == $d))[0].ims_capable == null' \
				"$out" >/dev/null && ok "$name: $a IMS-capable unknown, not guessed" ||
				not_ok "$name: $a ims_capable" "$out" ;;
		*) not_ok "$name: audit.expect: unknown line '$what'" ;;
		esac
	done <"$dir/audit.expect"
	# text: the same exit code, printable ASCII only
	"$BIN" audit "${args[@]}" >"$TMP/$name.txt" 2>/dev/null
	r=$?
	if [ "$r" = "$rc" ] && ! LC_ALL=C grep -q '[^[:print:][:space:]]' "$TMP/$name.txt"; then
		ok "$name: text exits $rc too, printable"
	else
		not_ok "$name: text exits $rc too, printable (got $r)" "$TMP/$name.txt"
	fi
done

# the rules can fail: the same guest without its IMS domain has no IMS finding
cp -a tests/fixtures/audit-dsa-siov-guest "$TMP/no-ims"
rm -rf "$TMP/no-ims/root/sys/kernel/irq/42" "$TMP/no-ims/root/sys/kernel/irq/43"
sed -i '/IDXD/d' "$TMP/no-ims/root/proc/interrupts"
audit_json "$TMP/no-ims.json" --sysroot "$TMP/no-ims/root" --cpuid-file "$TMP/no-ims/cpuid"
if jq -e -s 'map(select(.type == "finding" and (.rule | test("IMS-VM|IMS-CLOAKED")))) | length == 0' \
	"$TMP/no-ims.json" >/dev/null; then
	ok "without the IMS domain: no IMS-VM finding (the rule follows the domain)"
else
	not_ok "without the IMS domain: no IMS-VM finding" "$TMP/no-ims.json"
fi

# hostile names from a tree: escaped in both formats
cp -a tests/fixtures/audit-sriov-pf-host "$TMP/hostile"
printf 'DRIVER=ice\033[2J\xff\nPCI_SLOT_NAME=x\n' >"$TMP/hostile/root/sys/bus/pci/devices/0000:b1:00.0/uevent"
printf 'IR-PCI-MSIX-0000:b1:00.0\033]0;x\007\n' >"$TMP/hostile/root/sys/kernel/irq/60/chip_name"
"$BIN" audit --format json --sysroot "$TMP/hostile/root" --cpuid-file "$TMP/hostile/cpuid" \
	>"$TMP/hostile.json" 2>/dev/null
"$BIN" audit -v --sysroot "$TMP/hostile/root" --cpuid-file "$TMP/hostile/cpuid" \
	>"$TMP/hostile.txt" 2>/dev/null
if ! LC_ALL=C grep -q $'\033' "$TMP/hostile.json" "$TMP/hostile.txt" &&
	jq -e -s 'map(select(.type == "device" and .bdf == "0000:b1:00.0"))[0].driver |
		contains("\\x1b[2J\\xff")' "$TMP/hostile.json" >/dev/null; then
	ok "hostile driver and chip names escaped (\\xNN) in JSON and text"
else
	not_ok "hostile driver and chip names escaped" "$TMP/hostile.json"
fi

# bad input: one stderr line, exit 2, no --output file
bad() { # what args...
	local what=$1
	shift
	rm -f "$TMP/out"
	"$BIN" audit "$@" --output "$TMP/out" >/dev/null 2>"$TMP/err"
	local r=$?
	if [ "$r" = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && [ ! -e "$TMP/out" ]; then
		ok "bad input ($what): exit 2, one stderr line, no output file"
	else
		not_ok "bad input ($what): exit 2, one line, no output (rc $r)" "$TMP/err"
	fi
}
bad "--fail-on bogus" --fail-on bogus
bad "--duration" --duration 5
bad "--kernel-view" --kernel-view
bad "missing sysroot" --sysroot "$TMP/nonexistent"
bad "malformed cpuid file" --cpuid-file /dev/null
"$BIN" watch --fail-on warning >/dev/null 2>&1
[ $? = 2 ] && ok "watch refuses --fail-on" || not_ok "watch refuses --fail-on"

# ---- this machine: expectations from its own sysfs ----
audit_json "$TMP/live.json"
live_rc=$?
check_stream "$TMP/live.json" "this machine"
n_sys=$(find /sys/bus/pci/devices/ -mindepth 1 -maxdepth 1 | wc -l)
n_rec=$(jq -s 'map(select(.type == "device")) | length' "$TMP/live.json")
[ "$n_sys" = "$n_rec" ] && ok "this machine: one device record per sysfs device ($n_sys)" ||
	not_ok "this machine: $n_sys devices in sysfs, $n_rec records"
bad_vec=0
for d in /sys/bus/pci/devices/*; do
	bdf=${d##*/}
	want=$(cat "$d"/msi_irqs/* 2>/dev/null | grep -c '^msix$')
	got=$(jq -s --arg d "$bdf" 'map(select(.type == "device" and .bdf == $d))[0].vectors.msix' "$TMP/live.json")
	[ "$want" = "$got" ] || { bad_vec=1; echo "# $bdf: msi_irqs lists $want MSI-X, audit says $got"; }
done
[ $bad_vec = 0 ] && ok "this machine: every device's MSI-X vectors = its msi_irqs/ msix entries" ||
	not_ok "this machine: MSI-X vectors per device"
# what the machine itself says: an IMS domain (a per-device chip of a PCI device that is not
# its PCI-MSI/PCI-MSIX), a known IMS-capable id, or a contradicted host would be findings
ims_here=0
for c in /sys/kernel/irq/*/chip_name; do
	chip=$(cat "$c" 2>/dev/null) || continue
	base=${chip#vIR-}
	base=${base#IR-}
	bdf=${base##*-}
	kind=${base%-*}
	if [ "$bdf" != "$base" ] && [ -e "/sys/bus/pci/devices/$bdf" ] &&
		[ "$kind" != PCI-MSI ] && [ "$kind" != PCI-MSIX ]; then
		ims_here=1
	fi
done
ims_id=0
for d in /sys/bus/pci/devices/*; do
	case "$(cat "$d/vendor"):$(cat "$d/device")" in
	0x8086:0x0b25 | 0x8086:0x11fb | 0x8086:0x1212 | 0x8086:0x0cfe | 0x8086:0x1216 | 0x8086:0xb02d | 0x8086:0xfd2d)
		ims_id=1 ;;
	esac
done
contradicted=$(jq -s '.[0].platform.q2 | .verdict == "probably-host" and
	(.contradictions | length) > 0' "$TMP/live.json")
if [ $ims_here = 0 ] && [ $ims_id = 0 ] && [ "$contradicted" = false ]; then
	if [ "$live_rc" = 0 ] && jq -e -s 'map(select(.type == "finding" and
		(.severity == "warning" or .severity == "critical"))) | length == 0' "$TMP/live.json" >/dev/null; then
		ok "this machine: no IMS domain, no IMS-capable id, no contradicted host: nothing at warning, exit 0"
	else
		not_ok "this machine: expected nothing at warning and exit 0 (rc $live_rc)" "$TMP/live.json"
	fi
else
	jq -e -s 'map(select(.type == "finding")) | length > 0' "$TMP/live.json" >/dev/null &&
		ok "this machine: IMS, an IMS-capable id or a contradicted host: findings listed" ||
		not_ok "this machine: findings expected" "$TMP/live.json"
fi
# without root, config space is truncated: listed as unreadable, never as "no capability"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" audit --format json \
		>"$TMP/nonroot.json" 2>/dev/null
	if jq -e -s '(map(select(.type == "device")) |
		all(.config.state == "truncated" and .msix.capable == null)) and
		(map(select(.type == "audit-summary"))[0].unreadable | length) > 0' "$TMP/nonroot.json" >/dev/null; then
		ok "this machine without root: every config truncated, capabilities null, summary lists it"
	else
		not_ok "this machine without root: truncated config reported" "$TMP/nonroot.json"
	fi
else
	ok "# SKIP the run without root needs root and setpriv"
fi

echo "1..$n"
exit $fail
