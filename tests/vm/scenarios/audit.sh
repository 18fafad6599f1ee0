# shellcheck shell=sh
# audit: the snapshot `imswatch audit` takes, in a guest whose drivers bound before imswatch
# started. imsw.cell=iommu-vtdcm0|vtdcm1: a virtual VT-d with interrupt remapping, Caching
# Mode off (parents IR-) or on (vIR- where the kernel has that parent). On 6.1 and 6.12: nvme
# (MSI-X, the kernel's driver) and edu bound to edu_msi (MSI); a clean guest, so the audit
# must exit 0 with nothing at warning or above. On the IMS test kernel: two edu devices, one
# bound to edu_ims_real (which asks the kernel for an IMS domain) and one to edu_msi, and
# two PCIe root ports (pcieport, MSI-X): where the kernel grants the domain its vectors show
# in /proc/interrupts and /sys/kernel/irq as IR-EDU-IMS-<bdf> while the device's msi_irqs/
# stays empty, and the audit must raise a critical finding and exit 1. Then: `watch` started
# after the binding must list the bound devices in its snapshot ("snapshot": true device
# records), the guest is captured with tools/capture-fixture --audit (the tests/fixtures/
# audit-* trees) and the audit of the capture must equal the live one.

IOMMU=$(cell_get iommu)
diag "cell: VT-d, interrupt remapping on, Caching Mode ${IOMMU#vtdcm}"
check "knob: interrupt remapping on (IR-IO-APIC), VT-d Caching Mode ${IOMMU#vtdcm} (cap bit 7 = $(vtd_caching_mode))" \
	sh -c ". /imsw/lib.sh; interrupt_remapping && [ \"\$(vtd_caching_mode)\" = ${IOMMU#vtdcm} ]"

IMS_API=
awk '$3 == "pci_create_ims_domain" && NF == 3 { f = 1 } END { exit !f }' /proc/kallsyms && IMS_API=1
set -- $(pci_find $EDU_ID)
if [ -n "$IMS_API" ]; then
	EDU_IMS=$1
	EDU_MSI=${2:-}
	check "two edu devices ($EDU_IMS for IMS, $EDU_MSI for MSI)" [ -n "$EDU_IMS" -a -n "$EDU_MSI" ]
	echo edu_ims_real >"/sys/bus/pci/devices/$EDU_IMS/driver_override"
	echo edu_msi >"/sys/bus/pci/devices/$EDU_MSI/driver_override"
	check "insmod edu_msi binds $EDU_MSI" sh -c ". /imsw/lib.sh; load edu_msi && wait_for 10 pci_bound_to $EDU_MSI edu_msi"
	check "insmod edu_ims_real binds $EDU_IMS" sh -c ". /imsw/lib.sh; load edu_ims_real && wait_for 10 pci_bound_to $EDU_IMS edu_ims_real"
	DOMAIN=$(dmesg | sed -n 's/.*edu_ims_real: pci_create_ims_domain(hwsize 8) = \([a-z]*\)$/\1/p' | tail -n1)
	if [ "$DOMAIN" = true ]; then KERNEL=accepted; else KERNEL=refused; fi
	if [ "$IOMMU" = vtdcm0 ]; then WANT=accepted; else WANT=refused; fi
	check "the kernel's IMS gate: $WANT (driver log: ${DOMAIN:-nothing})" [ "$KERNEL" = "$WANT" ]
	PORT=$(for p in /sys/bus/pci/devices/*; do [ "$(pci_driver "${p##*/}")" = pcieport ] && echo "${p##*/}"; done | head -n1)
	check "a PCIe root port bound to pcieport ($PORT)" [ -n "$PORT" ]
	if [ "$KERNEL" = accepted ]; then
		VIRQ=$(dmesg | sed -n 's/.*edu_ims_real: pci_ims_alloc_irq = { index 0, virq \([0-9]*\) }$/\1/p' | tail -n1)
		check "IMS virq $VIRQ on chip IR-EDU-IMS-$EDU_IMS in /sys/kernel/irq ($(cat /sys/kernel/irq/$VIRQ/chip_name 2>/dev/null))" \
			[ "$(cat /sys/kernel/irq/$VIRQ/chip_name 2>/dev/null)" = "IR-EDU-IMS-$EDU_IMS" ]
		check "IMS virq $VIRQ listed in /proc/interrupts as IR-EDU-IMS-$EDU_IMS" \
			sh -c "grep -E '^ *$VIRQ:' /proc/interrupts | grep -q 'IR-EDU-IMS-$EDU_IMS'"
		check "msi_irqs/ of $EDU_IMS is empty (an IMS domain has no sysfs entries)" sh -c ". /imsw/lib.sh; ! has_irqs $EDU_IMS"
	fi
	PFX=IR-
	[ "$IOMMU" = vtdcm1 ] && PFX=vIR-
	IRQ=$(pci_irqs "$EDU_MSI" msi | head -n1)
	check "edu_msi's MSI (irq $IRQ) on chip ${PFX}PCI-MSI-$EDU_MSI ($(cat /sys/kernel/irq/$IRQ/chip_name 2>/dev/null))" \
		[ "$(cat /sys/kernel/irq/$IRQ/chip_name 2>/dev/null)" = "${PFX}PCI-MSI-$EDU_MSI" ]
	PIRQ=$(pci_irqs "$PORT" | head -n1)
	diag "pcieport $PORT: irq ${PIRQ:-none}, mode $(cat /sys/bus/pci/devices/$PORT/msi_irqs/$PIRQ 2>/dev/null), chip $(cat /sys/kernel/irq/$PIRQ/chip_name 2>/dev/null)"
	BOUND="$EDU_MSI edu_msi $EDU_IMS edu_ims_real $PORT pcieport"
	if [ "$KERNEL" = accepted ]; then EXPECT=ims; else EXPECT=no-ims; fi
else
	EDU_MSI=$1
	NVME=$(pci_find $NVME_ID | head -n1)
	check "nvme $NVME bound by the kernel's driver, with MSI-X" sh -c ". /imsw/lib.sh; pci_bound_to $NVME nvme && has_irqs $NVME msix"
	check "insmod edu_msi binds $EDU_MSI" sh -c ". /imsw/lib.sh; load edu_msi && wait_for 10 pci_bound_to $EDU_MSI edu_msi"
	IRQ=$(pci_irqs "$EDU_MSI" msi | head -n1)
	XIRQ=$(pci_irqs "$NVME" msix | head -n1)
	CHIP=$(cat /sys/kernel/irq/$IRQ/chip_name 2>/dev/null)
	XCHIP=$(cat /sys/kernel/irq/$XIRQ/chip_name 2>/dev/null)
	if kernel_at_least 6 2; then
		# per-device MSI domains: the chip names the device
		check "edu's MSI (irq $IRQ) on a per-device chip (v)IR-PCI-MSI-$EDU_MSI ($CHIP)" \
			sh -c "echo '$CHIP' | grep -Eqx 'v?IR-PCI-MSI-$EDU_MSI'"
		check "nvme's MSI-X (irq $XIRQ) on a per-device chip (v)IR-PCI-MSIX-$NVME ($XCHIP)" \
			sh -c "echo '$XCHIP' | grep -Eqx 'v?IR-PCI-MSIX-$NVME'"
	else
		# one global PCI/MSI domain, named by its parent; hwirq is the requester id << 11
		check "edu's MSI (irq $IRQ) on the global chip IR-PCI-MSI ($CHIP)" [ "$CHIP" = IR-PCI-MSI ]
		check "nvme's MSI-X (irq $XIRQ) on the global chip IR-PCI-MSI ($XCHIP)" [ "$XCHIP" = IR-PCI-MSI ]
		check "/proc/interrupts names edu's MSI by hwirq: IR-PCI-MSI <n>-edge" \
			sh -c "grep -E '^ *$IRQ:' /proc/interrupts | grep -Eq 'IR-PCI-MSI +[0-9]+-edge'"
	fi
	grep -E "^ *($IRQ|$XIRQ):" /proc/interrupts | sed 's/^/#   /'
	BOUND="$EDU_MSI edu_msi $NVME nvme"
	EXPECT=clean
fi

# watch, started after every driver bound: the bound devices are in its snapshot
if audit_supported; then
	imsw_begin
	sleep 1
	imsw_end "audit-watch-$IMSW_CELL"
	set -- $BOUND
	while [ $# -ge 2 ]; do
		jcheck "watch: its snapshot lists $1 bound to $2 before imswatch started (a device record, snapshot true)" \
			'exists(.[] | select(.type == "device" and .snapshot == true and ((.bdf // .device.bdf // "") as $x | $x == $b or ("0000:" + $x) == $b)
			                     and ((.driver // .device.driver // "") == $d)))' --arg b "$1" --arg d "$2"
		shift 2
	done
	jcheck "watch: the snapshot comes before any event" \
		'(map(.type) | index("event") // 1e9) > (map(.snapshot == true) | rindex(true) // -1)'
else
	tap_skip "watch: its snapshot lists the devices bound before imswatch started" "no audit command"
fi

# shellcheck disable=SC2086 # pairs, split on purpose
audit_cell "$IMSW_CELL" "$EXPECT" $BOUND

rm -rf /tmp/capture
if have_imswatch && IMSWATCH=$IMSW_BIN /imsw/capture-fixture --audit /tmp/capture 2>/tmp/capture.err; then
	check "captured with tools/capture-fixture --audit: interrupts, irq entries, config of every device" \
		sh -c "[ -s /tmp/capture/root/proc/interrupts ] && [ -e /tmp/capture/root/sys/bus/pci/devices/$EDU_MSI/config ] && ls /tmp/capture/root/sys/kernel/irq/*/chip_name >/dev/null"
	audit_replay "$IMSW_CELL" /tmp/capture/root /tmp/capture/cpuid
	send_capture
else
	tap_skip "captured with tools/capture-fixture --audit" "$(tail -n1 /tmp/capture.err 2>/dev/null)"
fi
row "audit=$AUDIT_ROW"
true
