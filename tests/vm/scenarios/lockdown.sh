# shellcheck shell=sh
# lockdown: the kernel booted with lockdown=integrity or lockdown=confidentiality (what
# Debian's Secure Boot machines and security-conscious operators run). The lockdown LSM is
# built into Debian's cloud kernels. Both modes refuse unsigned modules (so no edu_msi and
# no IMS stand-in: the built-in nvme driver, rebound through sysfs, is the device here);
# confidentiality also refuses kprobes and the probe-read helpers. imswatch must attach
# every fentry hook in both modes (fentry/fexit programs read through BTF, not
# bpf_probe_read_kernel, on 6.2+), record the nvme probe, its MSI-X enablement and
# per-device domain with the right BDF, ids and driver, and tell the truth about what the
# kernel refused: a kprobe-only hook names lockdown=confidentiality, and --require for it
# fails with that reason.

MODE=$(sed -n 's/.*lockdown=\([a-z]*\).*/\1/p' /proc/cmdline)
mkdir -p /sys/kernel/security
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
check "the kernel runs lockdown=$MODE (/sys/kernel/security/lockdown: $(cat /sys/kernel/security/lockdown 2>&1))" \
	grep -q "\[$MODE\]" /sys/kernel/security/lockdown
check "lockdown=$MODE refuses an unsigned module (insmod edu_msi)" sh -c '! insmod /imsw/kmod/edu_msi.ko 2>/dev/null'
# what else the kernel still shows root, reported (not asserted: it differs by version)
# (a text symbol: the first lines of kallsyms are per-CPU offsets, 0 by right)
KSYM=$(grep -m1 ' [Tt] start_kernel$' /proc/kallsyms)
diag "kallsyms: $KSYM; /dev/kmsg: $(head -c 40 /dev/kmsg 2>&1 | head -n1 | cut -c1-40)"
row "lockdown=$MODE kallsyms_addr=$(echo "$KSYM" | cut -c1-16) kmsg=$([ -r /dev/kmsg ] && head -c1 /dev/kmsg >/dev/null 2>&1 && echo readable || echo refused)"

NVME=$(pci_find $NVME_ID | head -n1)
check "boot-time nvme $NVME bound to nvme" [ -n "$NVME" -a "$(pci_driver "$NVME")" = nvme ]

rebind_nvme() {
	echo "$NVME" >/sys/bus/pci/drivers/nvme/unbind
	wait_for 10 pci_unbound "$NVME"
	echo "$NVME" >/sys/bus/pci/drivers/nvme/bind
	check "nvme $NVME bound again with MSI-X ($1)" wait_for 20 sh -c "[ -e /sys/bus/pci/devices/$NVME/driver ] && grep -q msix /sys/bus/pci/devices/$NVME/msi_irqs/*"
	sleep 1
}

hook_f='[.[] | select(.type == "status") | .hooks[] | select(.name == $n)] | first'
seen_checks() { # seen_checks MODE: the nvme rebind's records, from hooks attached as MODE
	jcheck "probe: nvme rebind ($NVME 1b36:0010, driver nvme, module null, built in) from a $1 hook" \
		'exists(ev | select(.kind == "probe" and dev_is($b; "1b36"; "0010") and .driver == "nvme"
		        and .mode == $m and .ret == 0))' --arg b "$NVME" --arg m "$1"
	jcheck "msix: nvme on $NVME got >= 1 vector within its request ($1)" \
		'exists(ev | select(.kind == "msix" and dev_is($b; "1b36"; "0010") and .driver == "nvme"
		        and .mode == $m and .vectors.granted >= 1 and .vectors.requested_max >= .vectors.granted))' \
		--arg b "$NVME" --arg m "$1"
	jcheck "msix-domain: per-device MSI-X domain (kind msix, id 0) for $NVME ($1)" \
		'exists(ev | select(.kind == "msix-domain" and bdf_is($b) and .domain.kind == "msix"
		        and .domain.id == 0 and .mode == $m))' --arg b "$NVME" --arg m "$1"
	jcheck "vector: events for the rebind's irqs" 'exists(ev | select(.kind == "vector"))'
	jcheck "summary: no records lost" '[.[] | select(.type == "summary") | .records_lost] | (length > 0 and all(. == 0))'
}

# 1. attach auto: every fentry hook loads and attaches (no probe-read helper in them)
imsw_begin
for h in local_pci_probe pci_alloc_irq_vectors_affinity msi_create_device_irq_domain; do
	jcheck "status: $h attached as fentry under lockdown=$MODE" \
		"$hook_f | .attached == true and .mode == \"fentry\"" --arg n "$h"
done
if [ "$MODE" = confidentiality ]; then
	# no IMS API on a stock kernel and no stand-in (unsigned): absent, and the kprobe it
	# would need is refused too; both said
	jcheck "status: pci_ims_alloc_irq (kprobe only) not attached: absent, and lockdown=confidentiality named" \
		"$hook_f | .attached == false and (.reason | test(\"not in /proc/kallsyms\") and test(\"lockdown=confidentiality\"))" --arg n pci_ims_alloc_irq
fi
kv_f='[.[] | select(.type == "status") | .platform.signals[] | select(.source == "kernel" and .key == $k)] | first'
jcheck "kernel view: the boot CPU's hypervisor capability is read under lockdown=$MODE" \
	"$kv_f | .state == \"present\"" --arg k boot_cpu_data.hypervisor
if [ "$MODE" = confidentiality ]; then
	jcheck "kernel view: x86_hyper_type is unreadable and the signal says lockdown=confidentiality refused it" \
		"$kv_f | .state == \"unreadable\" and (.note | test(\"lockdown=confidentiality\"))" --arg k x86_hyper_type
else
	jcheck "kernel view: x86_hyper_type is read under lockdown=$MODE" "$kv_f | .state == \"present\"" --arg k x86_hyper_type
fi
rebind_nvme "attach auto"
imsw_end "lockdown-$MODE-auto"
seen_checks fentry

# 2. --require tells the truth: the MSI group is seen; a kprobe-only hook is not under
# confidentiality, and the refusal names the lockdown
if have_imswatch; then
	"$IMSW_BIN" watch --duration 1 --require msi >/dev/null 2>/tmp/req-msi.err
	check "--require msi is met under lockdown=$MODE (exit 0; $(tail -n1 /tmp/req-msi.err))" [ $? -eq 0 ]
	if [ "$MODE" = confidentiality ]; then
		"$IMSW_BIN" watch --duration 1 --attach kprobe --require pci_alloc_irq_vectors_affinity \
			>/dev/null 2>/tmp/req-k.err
		rc=$?
		check "--attach kprobe --require pci_alloc_irq_vectors_affinity fails (exit $rc) and names lockdown=confidentiality" \
			sh -c "[ $rc -eq 3 ] && grep -q 'require.*lockdown=confidentiality' /tmp/req-k.err"
	fi
fi

# 3. kprobes: refused under confidentiality (said, not silent), attached under integrity
imsw_begin --attach kprobe
if [ "$MODE" = confidentiality ]; then
	jcheck "kprobe mode: pci_alloc_irq_vectors_affinity not attached as kprobe, reason names lockdown=confidentiality" \
		"$hook_f | (.attached == false or .mode != \"kprobe\") and (.reason | test(\"lockdown=confidentiality\"))" \
		--arg n pci_alloc_irq_vectors_affinity
	imsw_end "lockdown-$MODE-kprobe"
	check "kprobe mode: the blind line on stderr names lockdown=confidentiality and what to do" \
		grep -q 'blind: .*lockdown=confidentiality, which refuses kprobes: use --attach auto' "$IMSW_ERR"
	row "lockdown=$MODE kprobe=refused"
else
	jcheck "kprobe mode: pci_alloc_irq_vectors_affinity attached as kprobe under lockdown=$MODE" \
		"$hook_f | .attached == true and .mode == \"kprobe\"" --arg n pci_alloc_irq_vectors_affinity
	rebind_nvme "attach kprobe"
	imsw_end "lockdown-$MODE-kprobe"
	seen_checks kprobe
	row "lockdown=$MODE kprobe=attached"
fi
