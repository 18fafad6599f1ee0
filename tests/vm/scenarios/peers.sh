# shellcheck shell=sh
# peers: in the same matrix cell, what other detectors say: systemd-detect-virt and
# virt-what (copied from the host with their libraries), the seed heuristic in shell, and
# `imswatch platform`. The peers' answers are reported, not asserted: TAP comments and
# rows for .output/vm/matrix.md (a point that passes whatever they say is no test). Only
# the seed reference against imswatch's own seed verdict is asserted.

if seed_says_vm; then SEED=vm; else SEED=bare-metal; fi
row "seed_shell=$SEED"

if command -v systemd-detect-virt >/dev/null; then
	SDV=$(systemd-detect-virt 2>/tmp/sdv.err)
	rc=$?
	diag "systemd-detect-virt says '${SDV:-nothing}' (exit $rc)"
	[ -s /tmp/sdv.err ] && diag "systemd-detect-virt: $(head -c 200 /tmp/sdv.err)"
else
	SDV="not installed"
	diag "systemd-detect-virt: not installed on the host"
fi
row "systemd_detect_virt=$SDV"

if [ -x /usr/sbin/virt-what ] && command -v bash >/dev/null; then
	bash /usr/sbin/virt-what >/tmp/vw.out 2>/tmp/vw.err
	rc=$?
	VW=$(tr "\n" " " </tmp/vw.out | sed "s/ *\$//;s/ /, /g")
	diag "virt-what says '${VW:-nothing: bare metal}' (exit $rc)"
	[ -s /tmp/vw.err ] && diag "virt-what: $(head -c 200 /tmp/vw.err)"
else
	VW="not installed"
	diag "virt-what: virt-what or bash not installed on the host"
fi
row "virt_what=${VW:-(nothing)}"

if have_imswatch; then
	"$IMSW_BIN" platform --format json >/tmp/platform.json 2>/tmp/platform.err
	rc=$?
	check "imswatch platform --format json exits 0 (was $rc)" [ "$rc" = 0 ]
	if [ "$SEED" = vm ]; then W=false; else W=true; fi
	check "imswatch platform: seed probably_on_bare_metal = $W (as the shell reference)" \
		jq -e -s --arg w "$W" 'any(.[]; .platform.seed.probably_on_bare_metal == ($w == "true"))' /tmp/platform.json
	row "imswatch_platform_pbm=$(jq -r -s '[.[] | .platform.seed.probably_on_bare_metal] | first' /tmp/platform.json 2>/dev/null)"
	sed 's/^/@@JSON platform /' /tmp/platform.json
else
	tap_skip "imswatch platform --format json" "$(imsw_skip_reason)"
fi
true
