# shellcheck shell=sh
# smoke: the bench itself, without imswatch. The right kernel booted with tracefs, bpffs
# and BTF; the built-in nvme driver has MSI-X; edu_msi gets an MSI that really arrives;
# the IMS stand-in exports its symbols with BTF, refuses without interrupt remapping and
# accepts when forced; its pci_ims_alloc_irq() returns {index, virq} in RAX as a kretprobe
# sees it; PCI hot-plug through the QEMU monitor adds and removes devices.

check "kernel release is $IMSW_KVER" [ "$(uname -r)" = "$IMSW_KVER" ]
check "tracefs, bpffs and vmlinux BTF present" \
	[ -e /sys/kernel/tracing/available_events -a -d /sys/fs/bpf -a -e /sys/kernel/btf/vmlinux ]

NVME=$(pci_find $NVME_ID | head -n1)
check "nvme device present at boot ($NVME)" [ -n "$NVME" ]
check "nvme bound by the built-in driver" pci_bound_to "$NVME" nvme
check "nvme has MSI-X vectors: $(pci_irqs "$NVME" msix | tr '\n' ' ')" has_irqs "$NVME" msix

EDU=$(pci_find $EDU_ID | head -n1)
check "edu device present at boot ($EDU)" [ -n "$EDU" ]
check "insmod edu_msi" load edu_msi
check "edu bound to edu_msi" wait_for 5 pci_bound_to "$EDU" edu_msi
IRQ=$(pci_irqs "$EDU" msi)
check "edu has one MSI vector (irq $IRQ)" [ "$(echo "$IRQ" | wc -w)" = 1 ]
check "edu's MSI arrived (/proc/interrupts count >= 1)" wait_for 5 sh -c "[ \$(awk -v irq='$IRQ:' '\$1 == irq { print \$2 }' /proc/interrupts) -ge 1 ]"
grep "^ *$IRQ:" /proc/interrupts | sed 's/^/#   /'
check "rmmod edu_msi unbinds and frees the vector" sh -c "rmmod edu_msi && ! grep -q '^ *$IRQ:' /proc/interrupts && [ -z \"\$(ls /sys/bus/pci/devices/$EDU/msi_irqs 2>/dev/null)\" ]"

check "insmod ims_standin" load ims_standin
for sym in pci_create_ims_domain pci_ims_alloc_irq pci_ims_free_irq; do
	LINE=$(awk -v s="$sym" '$3 == s && $4 == "[ims_standin]"' /proc/kallsyms)
	check "$sym in /proc/kallsyms: $(echo $LINE | cut -d" " -f2-)" [ -n "$LINE" ]
done
check "ims_standin has module BTF (fentry can attach)" [ -e /sys/kernel/btf/ims_standin ]

# a kretprobe on the stand-in: struct msi_map {index, virq} comes back in RAX
T=/sys/kernel/tracing
echo 'r:imsw_alloc pci_ims_alloc_irq ret=$retval:x64' >>$T/kprobe_events 2>/tmp/kp.err
check "kretprobe on pci_ims_alloc_irq accepted" [ -d $T/events/kprobes/imsw_alloc ]
echo 1 >$T/events/kprobes/imsw_alloc/enable 2>/dev/null

check "insmod edu_ims (accept=auto, no interrupt remapping)" load edu_ims
check "edu bound to edu_ims" wait_for 5 pci_bound_to "$EDU" edu_ims
check "stand-in refused: no interrupt remapping" dmesg_has "IMS refused: no interrupt remapping"
check "edu_ims: pci_create_ims_domain = false" dmesg_has "pci_create_ims_domain(hwsize 8) = false"
check "edu_ims: pci_ims_alloc_irq = { index -19 (ENODEV) }" dmesg_has "pci_ims_alloc_irq = { index -19, virq 0 }"
check "rmmod edu_ims" rmmod edu_ims

echo 1 >/sys/module/ims_standin/parameters/accept
check "insmod edu_ims (accept=1)" load edu_ims
check "stand-in accepted (forced)" dmesg_has "IMS accepted: forced by accept=1"
VIRQ=$(dmesg | sed -n 's/.*edu_ims: pci_ims_alloc_irq = { index 0, virq \([0-9]*\) }.*/\1/p' | tail -n1)
check "edu_ims: pci_ims_alloc_irq = { index 0, virq $VIRQ }" [ -n "$VIRQ" -a "${VIRQ:-0}" -gt 0 ]
check "the virq is a real irq descriptor (/sys/kernel/irq/$VIRQ)" [ -d "/sys/kernel/irq/$VIRQ" ]
RET=$(sed -n 's/.*imsw_alloc: .* ret=\(0x[0-9a-f]*\).*/\1/p' $T/trace | tail -n1)
diag "kretprobe saw ret=$RET"
check "kretprobe: RAX = virq << 32 | index ($RET)" [ "$RET" = "$(printf '0x%x' $((VIRQ << 32)))" ]
echo 0 >$T/events/kprobes/imsw_alloc/enable 2>/dev/null
echo '-:imsw_alloc' >>$T/kprobe_events 2>/dev/null
check "rmmod edu_ims frees the interrupt and the domain" \
	sh -c "rmmod edu_ims && dmesg | grep -q 'pci_ims_free_irq: index 0 virq $VIRQ' && dmesg | grep -q 'IMS domain removed' && [ ! -d /sys/kernel/irq/$VIRQ ]"
check "rmmod ims_standin" rmmod ims_standin

# PCI hot-plug through the QEMU monitor (run.sh types @@MON lines into HMP)
load edu_msi >/dev/null
OLD_EDU=$(pci_find $EDU_ID | tr '\n' ' ')
OLD_NVME=$(pci_find $NVME_ID | tr '\n' ' ')
host_mon device_add edu,id=hpedu,bus=rp1
host_mon device_add nvme,id=hpnvme,bus=rp2,serial=hotplug,drive=hpdrive
check "hot-plugged edu appears" wait_for 30 has_new_bdf "$OLD_EDU" $EDU_ID
HPEDU=$(new_bdf "$OLD_EDU" $EDU_ID)
check "hot-plugged nvme appears" wait_for 30 has_new_bdf "$OLD_NVME" $NVME_ID
HPNVME=$(new_bdf "$OLD_NVME" $NVME_ID)
diag "hot-plugged: edu $HPEDU, nvme $HPNVME"
check "hot-plugged edu bound to edu_msi with MSI" wait_for 10 sh -c "[ \"\$(basename \$(readlink /sys/bus/pci/devices/$HPEDU/driver))\" = edu_msi ] && ls /sys/bus/pci/devices/$HPEDU/msi_irqs | grep -q ."
check "hot-plugged nvme bound to nvme with MSI-X" wait_for 20 sh -c "[ \"\$(basename \$(readlink /sys/bus/pci/devices/$HPNVME/driver))\" = nvme ] && grep -q msix /sys/bus/pci/devices/$HPNVME/msi_irqs/*"
host_mon device_del hpedu
host_mon device_del hpnvme
check "hot-unplugged edu is gone" wait_for 30 pci_absent "$HPEDU"
check "hot-unplugged nvme is gone" wait_for 30 pci_absent "$HPNVME"
check "edu_msi remove ran on unplug" dmesg_has "$HPEDU: edu_msi: remove"
rmmod edu_msi
