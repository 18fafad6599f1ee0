# shellcheck shell=sh
# matrix: one cell of the seed's matrix (imsw.cell=hv-on|off,dmi-qemu|dell,cm-on|off):
# the CPUID hypervisor bit set or hidden, DMI honest (QEMU) or spoofed as a Dell server
# (SMBIOS types 0-4, the type 0 "virtual machine" bit cleared, ACPI OEM ids), and a
# virtual VT-d with interrupt remapping whose Caching Mode is on or off. In each cell
# edu_ims makes an IMS attempt through ims_standin (these stock kernels have no IMS API);
# imswatch must raise an IMSW-IMS-VM alert where the seed heuristic sees the VM, and where
# the seed is fooled the evidence engine must not be: Q1 is not probably-host and the alert
# is IMSW-IMS-CLOAKED (under TCG leaf 0x40000000 still answers TCGTCGTCGTCG with
# -hypervisor), never a silent "bare metal". The stand-in's accept/refuse is its own copy of
# the 6.2 gate, so imswatch's ims_gate is not checked against it here: the ims-real cells
# check it against the real kernel's gate (tests/kernel/).

HV=$(cell_get hv)
DMI=$(cell_get dmi)
CM=$(cell_get cm)
diag "cell: hypervisor bit $HV, DMI $DMI, caching mode $CM"

if [ "$HV" = on ]; then
	check "knob: CPUID hypervisor flag in /proc/cpuinfo" cpu_hv_flag
else
	check "knob: no CPUID hypervisor flag in /proc/cpuinfo" sh -c '! grep -qw hypervisor /proc/cpuinfo'
fi
# the seed reads raw CPUID leaf 1 (imswatch's C seed and seed_says_vm alike), not the flag
RAW=$(cpuid_leaf1)
if [ -n "$RAW" ]; then
	RAWBIT=$(((0x${RAW%% *} >> 31) & 1))
	check "knob: raw CPUID leaf 1 ECX[31] = $RAWBIT (ECX 0x${RAW%% *}, read via ${RAW#* })" \
		[ "$RAWBIT" = "$([ "$HV" = on ] && echo 1 || echo 0)" ]
else
	tap_skip "knob: raw CPUID leaf 1 ECX[31]" "no /dev/cpu/0/cpuid and no imswatch binary"
fi
SYSV=$(dmi sys_vendor)
VMBIT=$(smbios_vm_bit)
if [ "$DMI" = dell ]; then
	check "knob: DMI says Dell ($SYSV / $(dmi product_name) / BIOS $(dmi bios_vendor))" \
		[ "$SYSV" = "Dell Inc." -a "$(dmi bios_vendor)" = "Dell Inc." ]
	check "knob: SMBIOS 'virtual machine' bit clear ($VMBIT)" [ "$VMBIT" = 0 ]
else
	check "knob: DMI says QEMU ($SYSV / $(dmi product_name) / BIOS $(dmi bios_vendor))" [ "$SYSV" = QEMU ]
	# QEMU sets the type 0 "virtual machine" bit only in a type 0 it builds itself (when
	# -smbios type=0 is given); by default SeaBIOS builds type 0, without it
	diag "SMBIOS 'virtual machine' bit: $VMBIT"
fi
CMSEEN=$(vtd_caching_mode)
check "knob: VT-d Caching Mode $CM (cap bit 7 = $CMSEEN)" [ "$CMSEEN" = "$([ "$CM" = on ] && echo 1 || echo 0)" ]
check "interrupt remapping is on (IR-IO-APIC)" interrupt_remapping

if seed_says_vm; then SEED=vm; else SEED=bare-metal; fi
if [ "$HV" = off ] && [ "$DMI" = dell ]; then WANT_SEED=bare-metal; else WANT_SEED=vm; fi
check "seed heuristic (shell reference) says $WANT_SEED" [ "$SEED" = "$WANT_SEED" ]
if [ "$WANT_SEED" = vm ]; then WANT_RULE=IMSW-IMS-VM; WANT_PBM=false; else WANT_RULE=IMSW-IMS-CLOAKED; WANT_PBM=true; fi
if [ "$CM" = off ]; then WANT_IMS=accepted; else WANT_IMS=refused; fi
# severity follows what happened: IMS enabled on a guest is critical, refused a warning
if [ "$WANT_IMS" = accepted ]; then WANT_SEV=critical; else WANT_SEV=warning; fi

EDU=$(pci_find $EDU_ID | head -n1)
# the stand-in plays the kernel's IMS API: present before imswatch starts
load ims_standin
imsw_begin
check "insmod edu_ims binds $EDU" sh -c ". /imsw/lib.sh; load edu_ims && wait_for 10 pci_bound_to $EDU edu_ims"
IMS=refused
dmesg_has "IMS accepted:" && IMS=accepted
check "stand-in (6.2 gate): IMS $WANT_IMS ($(dmesg | grep -o 'IMS [a-z]*: .*' | tail -n1))" [ "$IMS" = "$WANT_IMS" ]
sleep 1
imsw_end "matrix-$IMSW_CELL"
rmmod edu_ims
rmmod ims_standin
# with the stand-in gone: no IMS API, no IMS domain, nvme's MSI-X only
audit_cell "$IMSW_CELL" clean "$(pci_find $NVME_ID | head -n1)" nvme

jcheck "imswatch status: seed probably_on_bare_metal = $WANT_PBM" \
	'exists(.[] | select(.type == "status") | select(.platform.seed.probably_on_bare_metal == ($w == "true")))' \
	--arg w "$WANT_PBM"
jcheck "imswatch status: Q1 is not probably-host (the engine is not fooled)" \
	'exists(.[] | select(.type == "status") | select(.platform.q1.verdict != "probably-host" and .platform.q1.verdict != null))'
jcheck "imswatch status: Q1 definitely-guest, QEMU TCG named (leaf 0x40000000)" \
	'exists(.[] | select(.type == "status") | select(.platform.q1.verdict == "definitely-guest" and (.platform.q1.hypervisor | test("QEMU TCG"))))'
if [ "$HV" = on ]; then WANT_KCAP=1; else WANT_KCAP=0; fi
jcheck "imswatch status: the kernel's own view read through BPF (boot CPU hypervisor capability $WANT_KCAP, x86_hyper_type known)" \
	'[.[] | select(.type == "status") | .platform.signals[] | select(.source == "kernel")] as $k
	 | ($k | map(select(.key == "boot_cpu_data.hypervisor" and .state == "present" and .value == $c)) | length == 1)
	   and ($k | map(select(.key == "x86_hyper_type" and .state == "present" and (.value | startswith("X86_HYPER_")))) | length == 1)' \
	--arg c "$WANT_KCAP"
if [ "$WANT_SEED" = bare-metal ]; then
	jcheck "imswatch status: the seed's verdict is listed as a contradiction" \
		'exists(.[] | select(.type == "status") | .platform.q1.contradictions[] | select(startswith("seed heuristic says probably bare metal")))'
fi
jcheck "imswatch: IMS attempt by edu_ims on $EDU is a $WANT_SEV $WANT_RULE alert" \
	'exists(.[] | select(.type == "alert" and .kind == "ims-domain" and .driver == "edu_ims"
	                     and bdf_is($b) and .severity == $s and .rule == $r))' --arg b "$EDU" --arg s "$WANT_SEV" --arg r "$WANT_RULE"
jcheck "imswatch: every IMS alert in this cell is $WANT_SEV" \
	'[ev | select(.ims_attempt == true) | .severity] | length > 0 and all(. == $s)' --arg s "$WANT_SEV"
jcheck "imswatch: the kernel's answer is recorded ($WANT_IMS)" \
	'exists(ev | select(.kind == "ims-domain" and .kernel_accepted == ($w == "accepted")))' --arg w "$WANT_IMS"

Q1=$(jval '[.[] | select(.type == "status") | .platform.q1.verdict] | first | if . == null then empty else tostring end')
Q2=$(jval '[.[] | select(.type == "status") | .platform.q2.verdict] | first | if . == null then empty else tostring end')
GATE=$(jval '[.[] | select(.type == "status") | .platform.q2.ims_gate] | first | if . == null then empty else tostring end')
PBM=$(jval '[.[] | select(.type == "status") | .platform.seed.probably_on_bare_metal] | first | if . == null then empty else tostring end')
SEV=$(jval '[ev | select(.kind == "ims-domain") | .severity] | first | if . == null then empty else tostring end')
RULE=$(jval '[ev | select(.kind == "ims-domain") | .rule] | first | if . == null then empty else tostring end')
diag "imswatch's ims_gate reading: $GATE (not compared with the stand-in: see ims-real)"
# the cell as a platform fixture (tests/fixtures/qemu-cell-*): the capture travels back over
# the console, base64 between markers; run.sh unpacks it into .output/vm/fixtures/
if have_imswatch && IMSWATCH=$IMSW_BIN /imsw/capture-fixture /tmp/capture 2>/tmp/capture.err; then
	tap_ok "platform captured with tools/capture-fixture"
	echo "@@CAPTURE-BEGIN"
	tar -C /tmp/capture -czf - . | base64 | sed 's/^/@@CAPTURE /'
	echo "@@CAPTURE-END"
else
	tap_skip "platform captured with tools/capture-fixture" "$(cat /tmp/capture.err 2>/dev/null | tail -n1)"
fi
row "hv_flag=$(cpu_hv_flag && echo yes || echo no)"
row "sys_vendor=$SYSV"
row "vm_bit=$VMBIT"
row "caching_mode=$CMSEEN"
row "seed_shell=$SEED"
row "ims=$IMS"
row "imswatch_pbm=${PBM:--}"
row "imswatch_q1=${Q1:--}"
row "imswatch_q2=${Q2:--}"
row "imswatch_gate=${GATE:--}"
row "imswatch_severity=${SEV:--}${RULE:+ ($RULE)}"
row "audit=${AUDIT_ROW:--}"
true
