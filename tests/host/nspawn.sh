#!/bin/bash
# The packaged unit under a real systemd on this machine: a Debian 12 root with systemd
# (tests/vm/lib/sdroot.sh, debootstrapped once and cached) gets the package built from this
# tree installed with its own dpkg and the unit enabled with its own systemctl, then boots
# in systemd-nspawn -b. A check unit inside, ordered after imswatch.service, reads what
# the guest's own tools say and writes TAP to a bind-mounted file, then powers off.
#
# What it proves: the unit as shipped starts in a container on this machine's kernel
# (no /dev/kmsg in the container, no /proc/kcore or /proc/sysrq-trigger here), its records
# reach the container's journald as structured entries (IMSWATCH_* fields, PRIORITY by
# severity, nothing on stdout), the sandbox holds after start-up (CapEff 0, Seccomp 2,
# NoNewPrivs 1), `systemctl reload` keeps it running, `systemctl stop` writes the summary.
# What it cannot: this kernel refuses fentry and has no kprobes, and a container sees no
# boot-time probes; the VM bench's systemd guest covers those.
# shellcheck source=tap.bash
source "$(dirname "$0")/tap.bash"
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
REQUIRE=${IMSWATCH_REQUIRE_PACKAGING:-0}

[ "$(id -u)" -eq 0 ] || skip_all "not root (debootstrap, systemd-nspawn)"
for t in systemd-nspawn debootstrap dpkg-deb; do
	if ! command -v "$t" >/dev/null; then
		[ "$REQUIRE" = 1 ] && { not_ok "$t present (make deps installs it)"; echo "1..$n"; exit 1; }
		skip_all "no $t (sudo make deps)"
	fi
done
# shellcheck source=../vm/lib/sdroot.sh
source "$(dirname "$0")/../vm/lib/sdroot.sh"
t0=$(date +%s)
if ! sdroot_ensure; then
	not_ok "a Debian 12 systemd root is debootstrapped (tests/vm/lib/sdroot.sh)"
	echo "1..$n"
	exit 1
fi
ok "a Debian 12 systemd root: $SDROOT_STATE"

# the package of this tree (incremental: tests/host/package.sh builds the same one)
if ! make -s deb >"$TMP/deb.log" 2>&1; then
	not_ok "make deb" "$TMP/deb.log"
	echo "1..$n"
	exit 1
fi
DEB=$(ls -t .output/deb/imswatch_*_amd64.deb | head -n1)

R=$TMP/root
cp -a "$SDROOT" "$R"
cp "$DEB" "$R/tmp/imswatch.deb"
check() { local name=$1; shift; if "$@" >"$TMP/out" 2>&1; then ok "$name"; else not_ok "$name" "$TMP/out"; fi; }
check "dpkg -i of the package inside the root ($(basename "$DEB"))" chroot "$R" dpkg -i /tmp/imswatch.deb
check "systemctl enable imswatch inside the root" chroot "$R" systemctl enable imswatch.service

# the check unit: after imswatch.service is up, the guest's own tools, TAP to /imsw-out
mkdir -p "$TMP/out.d"
cat >"$R/usr/local/sbin/imsw-check" <<'EOF'
#!/bin/bash
out=/imsw-out/tap
n=0
t() { local d=$1; shift; n=$((n + 1)); if "$@" >/tmp/t.out 2>&1; then echo "ok $n - $d"; else echo "not ok $n - $d"; sed 's/^/# /' /tmp/t.out | head -n 8; fi >>"$out"; }
wait_journal() { local i; for i in $(seq 90); do journalctl -q -u imswatch "$@" -o cat | grep -q . && return 0; sleep 1; done; return 1; }
t "the status record reaches the journal" wait_journal IMSWATCH_RECORD=status
# what the unit said, for a failure's diagnosis
journalctl -u imswatch -n 25 -o cat --no-pager 2>&1 | grep -v '^{' | cut -c1-300 | sed 's/^/# journal: /' >>"$out"
# the loop enters its sandbox after the start-up snapshot (its audit-summary record)
t "the start-up snapshot reaches the journal" wait_journal IMSWATCH_RECORD=audit-summary
sleep 1
t "imswatch.service is active (running)" systemctl is-active imswatch
pid=$(systemctl show -p MainPID --value imswatch)
echo "# MainPID $pid; $(systemctl show -p NRestarts -p ExecMainStatus imswatch | tr '\n' ' ')" >>"$out"
t "the service holds no capability after start-up (CapEff 0)" grep -qE '^CapEff:[[:space:]]+0+$' /proc/$pid/status
t "the service runs under a seccomp filter (Seccomp 2)" grep -qE '^Seccomp:[[:space:]]+2$' /proc/$pid/status
t "NoNewPrivs 1" grep -qE '^NoNewPrivs:[[:space:]]+1$' /proc/$pid/status
t "records are structured entries: the status has IMSWATCH_FORMAT_VERSION, IMSWATCH_JSON, PRIORITY 6" \
	bash -c "journalctl --all -u imswatch IMSWATCH_RECORD=status -o json | jq -e -s 'length >= 1 and all(.[]; .PRIORITY == \"6\" and (.IMSWATCH_FORMAT_VERSION | length) > 0 and (.IMSWATCH_JSON | fromjson | .type) == \"status\")'"
journalctl --all -u imswatch IMSWATCH_RECORD=status -o json | jq -c -s 'last | {h: (.IMSWATCH_JSON | fromjson | .host), m: ._MACHINE_ID, b: ._BOOT_ID, n: ._HOSTNAME}' | sed 's/^/# identity: /' >>"$out"
# the boot id is the kernel's: nspawn shows the container a boot id of its own in
# /proc/sys/kernel/random/boot_id, which the unit's fresh /proc (ProtectProc=) does not
# carry, so in a container it differs from journald's _BOOT_ID (in a VM they agree)
t "the record names its host as the journal does (host.name imsw-sd, machine_id = _MACHINE_ID; boot_id a UUID)" \
	bash -c "journalctl --all -u imswatch IMSWATCH_RECORD=status -o json | jq -e -s 'last | (.IMSWATCH_JSON | fromjson | .host) as \$h
		| \$h.name == \"imsw-sd\" and \$h.machine_id == ._MACHINE_ID and (\$h.boot_id | test(\"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$\"))'"
t "nothing on stdout: no entry of the unit is a bare JSON line without IMSWATCH fields" \
	bash -c "! journalctl --all -u imswatch -o json | jq -e -s 'any(.[]; (.IMSWATCH_RECORD == null) and ((.MESSAGE // \"\") | tostring | startswith(\"{\")))'"
t "journalctl -p warning shows exactly the records at warning or critical" \
	bash -c "a=\$(journalctl -u imswatch -p warning -o json | jq -s '[.[] | select(.IMSWATCH_RECORD != null)] | length');
		b=\$(journalctl -u imswatch -o json | jq -s '[.[] | select(.IMSWATCH_RECORD != null and (.PRIORITY | tonumber) <= 4)] | length');
		c=\$(journalctl -u imswatch -o json | jq -s '[.[] | select(.IMSWATCH_SEVERITY == \"warning\" or .IMSWATCH_SEVERITY == \"critical\")] | length');
		echo \"-p warning: \$a; PRIORITY <= 4: \$b; severity warning/critical: \$c\"; [ \"\$a\" = \"\$b\" ] && [ \"\$b\" = \"\$c\" ]"
systemctl reload imswatch
sleep 2
t "systemctl reload: still active, the same process" bash -c "systemctl is-active imswatch && [ \"\$(systemctl show -p MainPID --value imswatch)\" = $pid ]"
systemctl stop imswatch
t "systemctl stop: the summary record is in the journal, the service exited cleanly" \
	bash -c "journalctl -u imswatch IMSWATCH_RECORD=summary -o cat | grep -q . && [ \"\$(systemctl show -p ExecMainStatus --value imswatch)\" = 0 ]"
echo "1..$n" >>"$out"
systemctl poweroff
EOF
chmod 0755 "$R/usr/local/sbin/imsw-check"
cat >"$R/etc/systemd/system/imsw-check.service" <<'EOF'
[Unit]
Description=imswatch checks (tests/host/nspawn.sh)
After=imswatch.service
Wants=imswatch.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/imsw-check
[Install]
WantedBy=multi-user.target
EOF
chroot "$R" systemctl enable imsw-check.service >/dev/null 2>&1

# nspawn's own filter refuses bpf() and its bounding set lacks CAP_BPF/CAP_PERFMON: both
# given, as an operator running imswatch in a container must (README, Running in production)
t1=$(date +%s)
timeout 240 systemd-nspawn -q -b -D "$R" --register=no --keep-unit \
	--system-call-filter='bpf perf_event_open' --capability=CAP_BPF,CAP_PERFMON,CAP_SYSLOG \
	--bind="$TMP/out.d:/imsw-out" </dev/null >"$TMP/console" 2>&1
rc=$?
if [ -s "$TMP/out.d/tap" ]; then
	ok "the container booted, ran the checks and powered off (exit $rc, $(($(date +%s) - t1)) s)"
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "in the container: ${line#ok * - }" ;;
		"not ok "*) not_ok "in the container: ${line#not ok * - }" ;;
		"# "*) echo "$line" ;;
		esac
	done <"$TMP/out.d/tap"
	grep -q '^1\.\.' "$TMP/out.d/tap" || not_ok "the checks ran to their end"
else
	not_ok "the container booted and ran the checks (exit $rc)" "$TMP/console"
fi
echo "# nspawn test: $(($(date +%s) - t0)) s in all"
echo "1..$n"
exit $fail
