# shellcheck shell=sh
# cloaked: a guest as cloaked as QEMU allows under TCG (imsw.cell=machine-pc|q35,
# cpu-qemu64|skylake): CPUID hypervisor bit hidden, SMBIOS types 0-4 of a Dell PowerEdge
# R740 (type 0 from a file, "virtual machine" bit clear), ACPI OEM ids DELL/PE_SC3, no
# virtio device (-nodefaults, one emulated e1000). The seed is fooled by design; imswatch
# must still call the machine a guest and name QEMU. What survives the cloak is listed as
# TAP comments (fw_cfg, brand string, PCI ids), and the machine is captured with
# tools/capture-fixture (tests/fixtures/cloaked-*). Under TCG leaf 0x40000000 still
# answers TCGTCGTCGTCG; the fixtures drop those leaves to stand for KVM's kvm=off.

MACHINE=$(cell_get machine)
CPU=$(cell_get cpu)
# the brand strings run.sh gives QEMU (qemu64 keeps QEMU's own)
case $CPU in
qemu64) WANT_BRAND="QEMU Virtual CPU version 2.5+" ;;
*) WANT_BRAND="Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz" ;;
esac
diag "cell: machine $MACHINE, cpu $CPU"

check "knob: no CPUID hypervisor flag in /proc/cpuinfo" sh -c '! grep -qw hypervisor /proc/cpuinfo'
RAW=$(cpuid_leaf1)
if [ -n "$RAW" ]; then
	check "knob: raw CPUID leaf 1 ECX[31] = 0 (ECX 0x${RAW%% *}, read via ${RAW#* })" \
		[ $(((0x${RAW%% *} >> 31) & 1)) = 0 ]
else
	tap_skip "knob: raw CPUID leaf 1 ECX[31] = 0" "no /dev/cpu/0/cpuid and no imswatch binary"
fi
BRAND=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
check "knob: CPU brand string '$BRAND'" [ "$BRAND" = "$WANT_BRAND" ]
SYSV=$(dmi sys_vendor)
check "knob: DMI says Dell ($SYSV / $(dmi product_name) / BIOS $(dmi bios_vendor) $(dmi bios_version))" \
	[ "$SYSV" = "Dell Inc." -a "$(dmi bios_vendor)" = "Dell Inc." ]
VMBIT=$(smbios_vm_bit)
check "knob: SMBIOS 'virtual machine' bit clear ($VMBIT)" [ "$VMBIT" = 0 ]

# every ACPI table with a standard header (all but FACS) carries the spoofed OEM id
acpi_oem_ids() {
	for _t in /sys/firmware/acpi/tables/*; do
		[ -f "$_t" ] || continue
		[ "${_t##*/}" = FACS ] && continue
		printf '%s=%s ' "${_t##*/}" "$(dd if="$_t" bs=1 skip=10 count=6 2>/dev/null | tr '\000' '.')"
	done
}
OEMS=$(acpi_oem_ids)
check "knob: ACPI OEM id DELL in every table header ($OEMS)" \
	sh -c "[ -n '$OEMS' ] && ! echo '$OEMS' | tr ' ' '\n' | grep -v '^$' | grep -qv '=DELL'"

# PCI: what the machine shows instead of virtio
pci_list() {
	for _d in /sys/bus/pci/devices/*; do
		printf '%s %s:%s/%s:%s ' "${_d##*/}" "$(cat "$_d/vendor")" "$(cat "$_d/device")" \
			"$(cat "$_d/subsystem_vendor")" "$(cat "$_d/subsystem_device")"
	done | sed 's/0x//g'
}
PCI=$(pci_list)
diag "PCI (bdf vendor:device/subsystem): $PCI"
check "no virtio device (no PCI vendor 1af4)" sh -c '! cat /sys/bus/pci/devices/*/vendor | grep -qx 0x1af4'
case $MACHINE in
pc) HOSTBRIDGE=8086:1237 ;;
*) HOSTBRIDGE=8086:29c0 ;;
esac
check "knob: machine $MACHINE (host bridge $HOSTBRIDGE at 00:00.0)" \
	[ "$(cat /sys/bus/pci/devices/0000:00:00.0/vendor):$(cat /sys/bus/pci/devices/0000:00:00.0/device)" = "0x${HOSTBRIDGE%:*}:0x${HOSTBRIDGE#*:}" ]

# fw_cfg cannot be removed from a QEMU x86 machine: record where it still shows
if grep -q QEMU0002 /sys/firmware/acpi/tables/DSDT 2>/dev/null; then FWDSDT=yes; else FWDSDT=no; fi
if [ -d /sys/firmware/qemu_fw_cfg ]; then FWSYS=yes; else FWSYS="no (qemu_fw_cfg driver not loaded)"; fi
diag "fw_cfg: QEMU0002 in the DSDT: $FWDSDT; /sys/firmware/qemu_fw_cfg: $FWSYS; ioports: $(grep -i -E -m1 'fw_cfg|QEMU0002|0510-' /proc/ioports | tr -s ' ')"
diag "ACPI tables: $(for _t in /sys/firmware/acpi/tables/*; do printf '%s ' "${_t##*/}"; done)"
diag "SMBIOS structure types: $(od -An -v -tu1 /sys/firmware/dmi/tables/DMI 2>/dev/null | tr -s ' ' '\n' | grep -v '^$' |
	awk '{ b[n++] = $1 } END { o = 0; while (o + 4 <= n) { t = b[o]; l = b[o + 1]; if (l < 4) break
		printf "%d ", t; e = o + l; while (e + 1 < n && (b[e] != 0 || b[e + 1] != 0)) e++
		if (t == 127) break; o = e + 2 } }')"

if seed_says_vm; then SEED=vm; else SEED=bare-metal; fi
check "seed heuristic (shell reference) says bare-metal (the cloak works on it)" [ "$SEED" = bare-metal ]

# imswatch live, then the capture
Q1=- HV=- PBM=- RQ1=- RHV=-
if have_imswatch; then
	IMSW_OUT=/tmp/platform.json
	"$IMSW_BIN" platform --format json >"$IMSW_OUT" 2>/tmp/platform.err
	check "imswatch platform --format json exits 0 (live)" [ $? = 0 ]
	imsw_dump cloaked-platform
	jcheck "imswatch (live): seed probably_on_bare_metal = true" \
		'.[0].platform.seed.probably_on_bare_metal == true'
	jcheck "imswatch (live): Q1 is a guest verdict naming QEMU" \
		'.[0].platform.q1 | (.verdict == "definitely-guest" or .verdict == "probably-guest")
		 and (.hypervisor | test("QEMU"))'
	Q1=$(jval '.[0].platform.q1.verdict')
	HV=$(jval '.[0].platform.q1.hypervisor')
	PBM=$(jval '.[0].platform.seed.probably_on_bare_metal')
	diag "imswatch (live): Q1 $Q1 ($HV): $(jval '.[0].platform.q1.reason')"
else
	tap_skip "imswatch platform (live)" "$(imsw_skip_reason)"
fi

# The capture travels back over the console (base64 of a tar.gz between markers); run.sh
# unpacks it into .output/vm/fixtures/.
if have_imswatch && IMSWATCH=$IMSW_BIN /imsw/capture-fixture /tmp/capture 2>/tmp/capture.err; then
	tap_ok "platform captured with tools/capture-fixture"
	# the identifiers QEMU was given (read back from the machine, not from run.sh) must be
	# nowhere in the capture: DMI serials, UUID, asset tags, and type 4's serial, asset tag
	# and part number (dmidecode, when copied in)
	: >/tmp/secrets
	for f in product_serial product_uuid board_serial chassis_serial chassis_asset_tag; do
		dmi "$f" >>/tmp/secrets
	done
	if command -v dmidecode >/dev/null; then
		dmidecode -t 4 2>/dev/null | sed -E -n 's/^[[:space:]]*(Serial Number|Asset Tag|Part Number): //p' >>/tmp/secrets
	fi
	grep -v -x -e '' -e 'Not Specified' /tmp/secrets | sort -u >/tmp/secrets.u
	diag "identifiers looked for in the capture: $(wc -l </tmp/secrets.u) ($(tr '\n' ' ' </tmp/secrets.u))"
	check "no serial number, UUID, asset tag or part number in the capture" \
		sh -c '[ -s /tmp/secrets.u ] && ! grep -r -q -F -f /tmp/secrets.u /tmp/capture'
	# the capture as the fixture keeps it: no 0x40000000 leaves (KVM's kvm=off)
	grep -v '^0x4000' /tmp/capture/cpuid >/tmp/cpuid.kvmoff
	"$IMSW_BIN" platform --format json --sysroot /tmp/capture/root --cpuid-file /tmp/cpuid.kvmoff \
		>/tmp/replay.json 2>/dev/null
	RQ1=$(jq -r '.platform.q1.verdict' /tmp/replay.json 2>/dev/null)
	RHV=$(jq -r '.platform.q1.hypervisor' /tmp/replay.json 2>/dev/null)
	diag "imswatch on the capture without leaves 0x4000xxxx: Q1 ${RQ1:--} (${RHV:-}): $(jq -r '.platform.q1.reason' /tmp/replay.json 2>/dev/null)"
	echo "@@CAPTURE-BEGIN"
	tar -C /tmp/capture -czf - . | base64 | sed 's/^/@@CAPTURE /'
	echo "@@CAPTURE-END"
else
	tap_skip "platform captured with tools/capture-fixture" "$(tail -n1 /tmp/capture.err 2>/dev/null)"
fi
row "machine=$MACHINE"
row "cpu=$CPU"
row "brand=$BRAND"
row "fw_cfg_dsdt=$FWDSDT"
row "seed_shell=$SEED"
row "imswatch_pbm=$PBM"
row "imswatch_q1=$Q1 ($HV)"
row "replay_kvmoff_q1=${RQ1:--} (${RHV:-})"
true
