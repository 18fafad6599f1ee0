# shellcheck shell=sh
# ims-real: one cell on the IMS test kernel (tests/kernel/: Debian's 6.12 with the 6.2-6.9
# IMS API restored, so the kernel's own gate decides). imsw.cell=iommu-X,hv-on|off,dmi-qemu|dell
# with X one of none (no IOMMU), vtdcm0 / vtdcm1 (VT-d with interrupt remapping, Caching
# Mode off / on), vtdnoir (VT-d, remapping off), amd (AMD IOMMU with remapping; QEMU's sets
# NpCache). imswatch watches while edu_ims_real binds (once per attach mode, fentry/fexit and
# then kprobe/kretprobe, in the same boot: imsw.attach=both): the driver asks the kernel for
# an IMS domain, allocates and requests interrupts, and raises one through the device. The driver's own log and /proc/interrupts are the oracle; imswatch's records
# must agree with them, and imswatch's ims_gate prediction must equal what the kernel did.

IOMMU=$(cell_get iommu)
HV=$(cell_get hv)
DMI=$(cell_get dmi)
MODES=${IMSW_ATTACH:-both}
[ "$MODES" = both ] && MODES="fentry kprobe"
diag "cell: IOMMU $IOMMU, hypervisor bit $HV, DMI $DMI, attach modes: $MODES"

# --- the cell is what it says ----------------------------------------------------------
if [ "$HV" = on ]; then
	check "knob: CPUID hypervisor flag in /proc/cpuinfo" cpu_hv_flag
else
	check "knob: no CPUID hypervisor flag in /proc/cpuinfo" sh -c '! grep -qw hypervisor /proc/cpuinfo'
fi
SYSV=$(dmi sys_vendor)
if [ "$DMI" = dell ]; then
	check "knob: DMI says Dell ($SYSV / $(dmi product_name))" [ "$SYSV" = "Dell Inc." ]
else
	check "knob: DMI says QEMU ($SYSV / $(dmi product_name))" [ "$SYSV" = QEMU ]
fi
case $IOMMU in
none) check "knob: no IOMMU registered, no remapping" sh -c '! ls /sys/class/iommu/* >/dev/null 2>&1 && ! grep -q IR-IO-APIC /proc/interrupts' ;;
vtdcm0 | vtdcm1)
	CM=${IOMMU#vtdcm}
	check "knob: VT-d with remapping on (IR-IO-APIC), Caching Mode $CM (cap $(cat /sys/class/iommu/dmar0/intel-iommu/cap 2>/dev/null))" \
		sh -c ". /imsw/lib.sh; interrupt_remapping && [ \"\$(vtd_caching_mode)\" = $CM ]"
	;;
vtdnoir) check "knob: VT-d present, remapping off (no IR-IO-APIC)" \
	sh -c '[ -e /sys/class/iommu/dmar0/intel-iommu/cap ] && ! grep -q IR-IO-APIC /proc/interrupts' ;;
amd)
	AMDCAP=$(cat /sys/class/iommu/ivhd*/amd-iommu/cap 2>/dev/null | head -n1)
	check "knob: AMD IOMMU with remapping on (IR-IO-APIC), cap ${AMDCAP:-none}" \
		sh -c ". /imsw/lib.sh; interrupt_remapping && [ -n '$AMDCAP' ]"
	NPCACHE=$(((0x${AMDCAP:-0} >> 26) & 1))
	diag "AMD NpCache (cap bit 26) = $NPCACHE"
	;;
*) tap_fail "known IOMMU knob '$IOMMU'" ;;
esac

# --- the peers, recorded (not asserted: they are what is being compared) -----------------
if seed_says_vm; then SEED=vm; else SEED=bare-metal; fi
SDV=$(systemd-detect-virt 2>/dev/null || true)
VW=$(bash /usr/sbin/virt-what 2>/dev/null | tr '\n' ' ' | sed 's/ *$//;s/ /, /g' || true)
diag "peers: seed (shell reference) $SEED, systemd-detect-virt '${SDV:-?}', virt-what '${VW:-nothing}'"

# --- the attempt, watched: once per attach mode ----------------------------------------
EDU=$(pci_find $EDU_ID | head -n1)
run_mode() {
	ATTACH=$1
	TAP_PREFIX="[$ATTACH] "
	dmesg -c >/dev/null 2>&1 # this mode's driver log only
	if [ "$ATTACH" = auto ]; then set --; else set -- --attach "$ATTACH"; fi
	imsw_begin "$@"
	check "insmod edu_ims_real binds $EDU" sh -c ". /imsw/lib.sh; load edu_ims_real && wait_for 10 pci_bound_to $EDU edu_ims_real"
	LOG=$(dmesg | grep 'edu_ims_real: ')
	DOMAIN=$(echo "$LOG" | sed -n 's/.*pci_create_ims_domain(hwsize 8) = \([a-z]*\)$/\1/p' | tail -n1)
	if [ "$DOMAIN" = true ]; then KERNEL=accepted; else KERNEL=refused; fi
	# every allocation: "index virq" pairs in order
	ALLOCS=$(echo "$LOG" | sed -n 's/.*pci_ims_alloc_irq = { index \(-*[0-9]*\), virq \(-*[0-9]*\) }$/\1 \2/p')
	N_ALLOC=$(echo "$ALLOCS" | grep -c .)
	VIRQ0=$(echo "$ALLOCS" | head -n1 | cut -d' ' -f2)
	IDX0=$(echo "$ALLOCS" | head -n1 | cut -d' ' -f1)
	check "the kernel answered pci_create_ims_domain: $KERNEL (driver log: ${DOMAIN:-nothing})" [ -n "$DOMAIN" ]
	DELIVERED=0
	if [ "$KERNEL" = accepted ]; then
		check "the kernel granted $N_ALLOC IMS interrupts with distinct indexes ($(echo $ALLOCS | tr ' ' ','))" \
			sh -c "[ $N_ALLOC -ge 2 ] && [ \$(echo '$ALLOCS' | cut -d' ' -f1 | sort -u | wc -l) = $N_ALLOC ] && ! echo '$ALLOCS' | grep -q '^-'"
		CHIP=$(cat "/sys/kernel/irq/$VIRQ0/chip_name" 2>/dev/null)
		HWIRQ=$(cat "/sys/kernel/irq/$VIRQ0/hwirq" 2>/dev/null)
		check "virq $VIRQ0 is on the IMS chip (${CHIP:-?}) with hwirq = index $IDX0 (${HWIRQ:-?})" \
			sh -c "case '$CHIP' in *EDU-IMS*) [ '$HWIRQ' = '$IDX0' ] ;; *) false ;; esac"
		check "IMS interrupts are not listed in msi_irqs/ (an IMS domain has no sysfs entries)" \
			sh -c ". /imsw/lib.sh; ! has_irqs $EDU"
		DELIVERED=$(irq_count "$VIRQ0")
		check "an interrupt raised through the device from the stored message reached virq $VIRQ0 ($DELIVERED in /proc/interrupts; driver: $(echo "$LOG" | sed -n 's/.*edu_ims_real: \(raised.*\)/\1/p' | tail -n1))" \
			[ "${DELIVERED:-0}" -ge 1 ]
	else
		check "refused: the one allocation attempt failed too (index ${IDX0:-none})" \
			sh -c "[ '$N_ALLOC' = 1 ] && [ '${IDX0:-0}' -lt 0 ]"
	fi
	# imswatch audit while the driver is bound (once per cell): an IMS domain on a guest is critical
	if [ -z "${AUDIT_ROW:-}" ]; then
		if [ "$KERNEL" = accepted ]; then AEXP=ims; else AEXP=no-ims; fi
		audit_cell "$IMSW_CELL" "$AEXP" "$EDU" edu_ims_real
	fi
	echo "$EDU" >/sys/bus/pci/drivers/edu_ims_real/unbind
	check "unbind: $EDU released" wait_for 10 pci_unbound "$EDU"
	FREES=$(dmesg | sed -n 's/.*edu_ims_real: pci_ims_free_irq(index \([0-9]*\), virq \([0-9]*\))$/\1 \2/p')
	sleep 1
	imsw_end "ims-real-$IMSW_CELL-$ATTACH"
	rmmod edu_ims_real

	# --- imswatch against the kernel --------------------------------------------------------
	jcheck "status: the IMS hooks are attached ($ATTACH): pci_create_ims_domain, pci_ims_alloc_irq, pci_ims_free_irq, msi_create_device_irq_domain" \
		'[.[] | select(.type == "status") | .hooks[] | select(.attached) | .name] as $h
		 | all("pci_create_ims_domain", "pci_ims_alloc_irq", "pci_ims_free_irq", "msi_create_device_irq_domain"; . as $n | $h | index($n) != null)'
	if [ "$ATTACH" != auto ]; then
		# bool-returning functions take fentry/fexit; struct-returning ones only kprobes
		jcheck "status: pci_create_ims_domain attached as $ATTACH" \
			'exists(.[] | select(.type == "status") | .hooks[] | select(.attached and .name == "pci_create_ims_domain" and .mode == $a))' \
			--arg a "$ATTACH"
	fi
	jcheck "one attempt, one ims-domain record (hook pci_create_ims_domain) naming edu_ims_real on $EDU" \
		'[ev | select(.kind == "ims-domain" and .hook == "pci_create_ims_domain")] as $d
		 | ($d | length) == 1 and ($d[0] | dev_is($b; "1234"; "11e8") and .driver == "edu_ims_real")' --arg b "$EDU"
	jcheck "the nested msi_create_device_irq_domain(dev, MSI_SECONDARY_DOMAIN) is one event marked within_ims_api, not a second alert" \
		'[ev | select(.hook == "msi_create_device_irq_domain" and bdf_is($b))] as $i
		 | ($i | length) == 1 and ($i[0] | .within_ims_api == true and .domain.id == 1 and .domain.kind == "ims" and .type == "event")' --arg b "$EDU"
	jcheck "kernel_accepted of the ims-domain record = what the kernel did ($KERNEL)" \
		'exists(ev | select(.kind == "ims-domain" and .hook == "pci_create_ims_domain" and .kernel_accepted == ($k == "accepted")))' --arg k "$KERNEL"
	jcheck "ims-alloc records = the driver's allocations ($(echo $ALLOCS | tr ' ' ','))" \
		'([ev | select(.kind == "ims-alloc" and bdf_is($b)) | "\(.index) \(.virq)"] | sort) == ($a | split("\n") | map(select(length > 0)) | sort)' \
		--arg b "$EDU" --arg a "$ALLOCS"
	jcheck "ims-free records on unbind = the driver's frees ($(echo $FREES | tr ' ' ','))" \
		'([ev | select(.kind == "ims-free" and bdf_is($b)) | "\(.index) \(.virq)"] | sort) == ($f | split("\n") | map(select(length > 0)) | sort)' \
		--arg b "$EDU" --arg f "$FREES"
	GATE=$(jval '[.[] | select(.type == "status") | .platform.q2.ims_gate] | first // empty')
	GATE_WHY=$(jval '[.[] | select(.type == "status") | .platform.q2.ims_gate_reason] | first // empty')
	if [ "$KERNEL" = accepted ]; then WANT_GATE=open; else WANT_GATE=closed; fi
	check "imswatch's ims_gate prediction ($GATE: $GATE_WHY) = the kernel's decision ($KERNEL)" [ "$GATE" = "$WANT_GATE" ]

	PBM=$(jval '[.[] | select(.type == "status") | .platform.seed.probably_on_bare_metal] | first | tostring')
	if [ "$PBM" = false ]; then WANT_RULE=IMSW-IMS-VM; else WANT_RULE=IMSW-IMS-CLOAKED; fi
	if [ "$KERNEL" = accepted ]; then WANT_SEV=critical; else WANT_SEV=warning; fi
	jcheck "every IMS attempt record is a $WANT_SEV $WANT_RULE alert (IMS $KERNEL on a guest)" \
		'[ev | select(.ims_attempt == true)] as $a | ($a | length) >= 2
		 and ($a | all(.type == "alert" and .rule == $r and .severity == $s))' --arg r "$WANT_RULE" --arg s "$WANT_SEV"
	if [ "$HV" = off ] && [ "$DMI" = dell ] && [ "$IOMMU" = vtdcm0 ]; then
		# the seed's FAIL cell (old VMM, new guest), for real
		check "FAIL cell: the kernel enabled IMS inside a guest whose seed heuristic says bare metal (seed: $PBM)" \
			[ "$KERNEL" = accepted -a "$PBM" = true ]
		jcheck "FAIL cell: imswatch raises IMSW-IMS-CLOAKED (critical) with kernel_accepted true" \
			'exists(ev | select(.kind == "ims-domain" and .rule == "IMSW-IMS-CLOAKED" and .severity == "critical" and .kernel_accepted == true))'
	fi

	SEV=$(jval '[ev | select(.kind == "ims-domain" and .hook == "pci_create_ims_domain") | "\(.severity) (\(.rule))"] | first // empty')
	OUTCOME="$KERNEL $GATE $SEV"
	TAP_PREFIX=
}

SEEN=
for m in $MODES; do
	run_mode "$m"
	[ -z "$SEEN" ] || check "$m agrees with the mode before: kernel, gate, alert ($OUTCOME / $SEEN)" [ "$OUTCOME" = "$SEEN" ]
	SEEN=$OUTCOME
done
ATTACH=$(echo $MODES | tr ' ' '+')

row "iommu=$IOMMU"
row "hv=$HV"
row "dmi=$DMI"
row "attach=$ATTACH"
row "decision=$KERNEL"
row "delivered=$DELIVERED"
row "gate=${GATE:--}"
row "gate_reason=${GATE_WHY:--}"
row "alert=${SEV:--}"
row "seed_shell=$SEED"
row "imswatch_pbm=${PBM:--}"
row "imswatch_q1=$(jval '[.[] | select(.type == "status") | .platform.q1.verdict] | first // "-"')"
row "imswatch_q2=$(jval '[.[] | select(.type == "status") | .platform.q2.verdict] | first // "-"')"
row "systemd_detect_virt=${SDV:-?}"
row "virt_what=${VW:-(nothing)}"
row "audit=${AUDIT_ROW:--}"
# the cell as a platform fixture (as matrix.sh does)
if have_imswatch && IMSWATCH=$IMSW_BIN /imsw/capture-fixture /tmp/capture 2>/tmp/capture.err; then
	echo "@@CAPTURE-BEGIN"
	tar -C /tmp/capture -czf - . | base64 | sed 's/^/@@CAPTURE /'
	echo "@@CAPTURE-END"
fi
true
