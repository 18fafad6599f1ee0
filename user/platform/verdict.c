// SPDX-License-Identifier: GPL-2.0
/*
 * verdict: Q1 "is this OS a guest?" and Q2 "does a hypervisor own interrupt remapping?".
 *
 * Q1, first rule that applies:
 *   1. host partition (Hyper-V root, Xen dom0)     -> probably-host, hypervisor named
 *   2. any strong guest item                       -> definitely-guest
 *   3. any medium guest item                       -> probably-guest
 *   4. CPUID read and clean, DMI/SMBIOS read       -> probably-host
 *   5. otherwise                                   -> unknown
 * Q2: a host partition's interrupt remapping belongs to the hypervisor beneath it; a guest's
 * remapping, if any, is emulated by its VMM; a virtual-IOMMU mark on an otherwise clean
 * machine (nested, or a cloak that forgot the IOMMU) still makes it "probably" a hypervisor's.
 */
#include "verdict.h"
#include "names.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct signal *first_item(const struct signal_list *l, enum indication ind,
				       enum strength min)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->items[i].indicates == ind && l->items[i].strength >= min)
			return &l->items[i];
	return NULL;
}

/* "acpi DSDT.oem 'BOCHS/BXPCDSDT'" */
static void describe(const struct signal *s, char *out, size_t size)
{
	snprintf(out, size, "%s %s '%s'", s->source, s->key, s->value);
}

static void add_contradiction(struct question_verdict *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_contradiction(struct question_verdict *q, const char *fmt, ...)
{
	va_list ap;

	if (q->n_contradictions >= PLATFORM_MAX_CONTRADICTIONS)
		return;
	va_start(ap, fmt);
	vsnprintf(q->contradictions[q->n_contradictions++], sizeof(q->contradictions[0]), fmt,
		  ap);
	va_end(ap);
}

static bool dmi_names_hypervisor(const struct signal_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->items[i].source, "dmi") &&
		    l->items[i].indicates == INDICATES_GUEST &&
		    l->items[i].strength >= STRENGTH_MEDIUM)
			return true;
	return false;
}

/* The hypervisor's identity: CPUID signature first (hardest to fake), then any named item. */
static void name_hypervisor(const struct signal_list *l, const struct platform_facts *f,
			    char *out, size_t size)
{
	enum strength s;
	size_t i;

	if (f->cpuid_vendor[0]) {
		copy_str(out, size, f->cpuid_vendor);
		return;
	}
	for (s = STRENGTH_STRONG;; s--) {
		for (i = 0; i < l->n; i++)
			if (l->items[i].indicates == INDICATES_GUEST &&
			    l->items[i].strength == s && l->items[i].names[0] &&
			    strcmp(l->items[i].names, "virtio")) {
				copy_str(out, size, l->items[i].names);
				return;
			}
		if (s == STRENGTH_MEDIUM)
			break;
	}
	out[0] = '\0';
}

/* Every clean signal that a guest verdict overrides is a contradiction worth printing. */
static void guest_contradictions(const struct signal_list *l, const struct platform_facts *f,
				 const struct seed_verdict *seed, const struct signal *decider,
				 struct question_verdict *q)
{
	char why[200];

	describe(decider, why, sizeof(why));
	if (f->cpuid_leaf1_known && !f->cpuid_hv_bit)
		add_contradiction(q, "CPUID hypervisor bit clear but %s", why);
	if (f->kernel_view_known && f->kernel_saw_hypervisor && f->cpuid_leaf1_known &&
	    !f->cpuid_hv_bit)
		add_contradiction(q, "the kernel saw a hypervisor but CPUID leaf 1 hides it now "
				     "(cloaking)");
	if (f->dmi_sys_vendor[0] && !dmi_names_hypervisor(l))
		add_contradiction(q, "DMI sys_vendor '%.40s' names no hypervisor but %s",
				  f->dmi_sys_vendor, why);
	if (f->smbios_vm_bit == 0)
		add_contradiction(q, "SMBIOS virtual-machine bit clear but %s", why);
	if (seed->probably_on_bare_metal)
		add_contradiction(q, "seed heuristic says probably bare metal but %s", why);
	if (f->cc != CC_NONE)
		add_contradiction(q, "confidential VM (%s): DMI, ACPI and PCI values are written "
				     "by the host and not trusted",
				  cc_kind_name(f->cc));
}

/* Xen's CPUID leaves and /sys/hypervisor show in dom0 as in every domU */
static bool xen_role_unknown(const struct platform_facts *f)
{
	return (f->xen_present || !strcmp(f->cpuid_vendor, "Xen")) && !f->xen_role_known;
}

/*
 * Rule 4's baseline, per platform: the platform's own hypervisor interfaces were read and
 * are clean, and the firmware's identity was read. True for "probably-host"; WHY says what
 * was read, or (false) what could not be. Only reached when no guest item decided.
 *   x86    CPUID leaf 1 clean, no vendor signature, DMI/SMBIOS read
 *   arm64  DMI/SMBIOS read (no VMM's strings: rule 3 would have taken them), the device
 *          tree's /hypervisor node and /sys/hypervisor looked at and absent
 *   ppc64  PowerNV: OPAL firmware runs Linux in hypervisor mode (a pSeries kernel always
 *          runs in a partition: its tells are guest items)
 *   s390x  never: PR/SM owns every IBM Z, so no OS there owns the machine
 */
static bool host_baseline(const struct platform_facts *f, char *why, size_t len)
{
	switch (f->arch) {
	case ARCH_ARM64:
		if (f->dmi_readable && f->arch_hv_read) {
			snprintf(why, len, "arm64: the firmware names no hypervisor, no device-tree "
					   "hypervisor node, no /sys/hypervisor; a VMM that hides all "
					   "is not excluded");
			return true;
		}
		snprintf(why, len, "too little could be read: arm64, DMI/SMBIOS %s, device-tree "
				   "and /sys/hypervisor %s",
			 f->dmi_readable ? "clean" : "absent or unreadable",
			 f->arch_hv_read ? "clean" : "unreadable");
		return false;
	case ARCH_PPC64:
		if (f->ppc_opal) {
			snprintf(why, len, "ppc64 PowerNV: OPAL firmware runs this OS in hypervisor "
					   "mode and nothing names a hypervisor");
			return true;
		}
		snprintf(why, len, "too little could be read: ppc64, neither PowerNV (OPAL) nor "
				   "a partition's tells");
		return false;
	case ARCH_S390:
		snprintf(why, len, "IBM Z: PR/SM owns every machine, so this OS is never a host; "
				   "/proc/sysinfo %s",
			 f->s390_sysinfo > 0 ? "names no level" :
			 f->s390_sysinfo < 0 ? "unreadable" : "absent");
		return false;
	default:
		break;
	}
	if (f->cpuid_leaf1_known && !f->cpuid_vendor[0] && f->dmi_readable) {
		snprintf(why, len, "CPUID shows no hypervisor and the firmware names none; a VMM "
				   "that hides both is not excluded");
		return true;
	}
	snprintf(why, len, "too little could be read: CPUID leaf 1 %s, DMI/SMBIOS %s",
		 f->cpuid_leaf1_known ? "clean" : "unknown",
		 f->dmi_readable ? "clean" : "absent or unreadable");
	return false;
}

static void decide_q1(const struct signal_list *l, const struct platform_facts *f,
		      const struct seed_verdict *seed, struct question_verdict *q)
{
	const struct signal *strong = first_item(l, INDICATES_GUEST, STRENGTH_STRONG);
	const struct signal *medium = first_item(l, INDICATES_GUEST, STRENGTH_MEDIUM);
	const struct signal *weak = first_item(l, INDICATES_GUEST, STRENGTH_WEAK);
	char why[200];
	size_t i;

	memset(q, 0, sizeof(*q));
	if (f->hyperv_root || f->xen_dom0) {
		q->verdict = VERDICT_PROBABLY_HOST;
		copy_str(q->hypervisor, sizeof(q->hypervisor),
			 f->hyperv_root ? "Microsoft Hyper-V (root partition)" : "Xen (dom0)");
		snprintf(q->reason, sizeof(q->reason),
			 "%s: this OS is the host's management partition, not a guest; a "
			 "hypervisor runs beneath it",
			 f->hyperv_root ? "Hyper-V CreatePartitions privilege" :
					  "Xen control_d capability");
		/* the guest evidence this overrides is still listed, item by item */
		for (i = 0; i < l->n; i++) {
			if (l->items[i].indicates != INDICATES_GUEST)
				continue;
			describe(&l->items[i], why, sizeof(why));
			add_contradiction(q, "host partition, though %s: %s", why,
					  l->items[i].note);
		}
		return;
	}
	if (strong || medium) {
		const struct signal *d = strong ? strong : medium;

		q->verdict = strong ? VERDICT_DEFINITELY_GUEST : VERDICT_PROBABLY_GUEST;
		name_hypervisor(l, f, q->hypervisor, sizeof(q->hypervisor));
		describe(d, why, sizeof(why));
		snprintf(q->reason, sizeof(q->reason), "%s evidence: %s: %s",
			 strength_name(d->strength), why, d->note);
		guest_contradictions(l, f, seed, d, q);
		if (q->verdict == VERDICT_DEFINITELY_GUEST && xen_role_unknown(f)) {
			q->verdict = VERDICT_PROBABLY_GUEST;
			add_contradiction(q, "Xen seen, but dom0 (a host) and a domU look alike "
					     "without /proc/xen (mount xenfs to tell them apart)");
		}
		return;
	}
	if (host_baseline(f, q->reason, sizeof(q->reason))) {
		q->verdict = VERDICT_PROBABLY_HOST;
		for (i = 0; i < l->n; i++) {
			if (l->items[i].indicates != INDICATES_GUEST)
				continue;
			describe(&l->items[i], why, sizeof(why));
			add_contradiction(q, "probably host but %s: %s", why, l->items[i].note);
		}
		if (!seed->probably_on_bare_metal)
			add_contradiction(q, "seed heuristic says not bare metal (a vendor string "
					     "real hardware also uses)");
		return;
	}
	q->verdict = VERDICT_UNKNOWN; /* host_baseline() wrote what could not be read */
	if (weak) {
		describe(weak, why, sizeof(why));
		add_contradiction(q, "unknown, but %s: %s", why, weak->note);
	}
}

static void decide_q2(const struct platform_facts *f, const struct question_verdict *q1,
		      struct question_verdict *q)
{
	char ir[80];

	memset(q, 0, sizeof(*q));
	snprintf(ir, sizeof(ir), "interrupt remapping %s%s%s%s", ir_state_name(f->ir),
		 f->ir_chip[0] ? " (" : "", f->ir_chip, f->ir_chip[0] ? ")" : "");
	copy_str(q->hypervisor, sizeof(q->hypervisor), q1->hypervisor);
	if (f->hyperv_root || f->xen_dom0) {
		q->verdict = VERDICT_DEFINITELY_GUEST;
		snprintf(q->reason, sizeof(q->reason),
			 "the hypervisor beneath this %s owns the IOMMU and interrupt remapping; "
			 "%s",
			 f->hyperv_root ? "root partition" : "dom0", ir);
		return;
	}
	if (xen_role_unknown(f)) {
		q->verdict = VERDICT_DEFINITELY_GUEST;
		snprintf(q->reason, sizeof(q->reason),
			 "Xen owns the IOMMU and interrupt remapping in dom0 and in a domU alike; "
			 "%s",
			 ir);
		return;
	}
	if (verdict_is_guest(q1->verdict)) {
		q->verdict = q1->verdict;
		snprintf(q->reason, sizeof(q->reason),
			 "a guest's interrupt remapping, if any, is emulated by its VMM; %s%s%s", ir,
			 f->viommu ? ", virtual IOMMU: " : "", f->viommu ? f->viommu_what : "");
		return;
	}
	if (f->viommu) {
		q->verdict = VERDICT_PROBABLY_GUEST;
		snprintf(q->reason, sizeof(q->reason),
			 "%s marks this IOMMU as emulated by a hypervisor; %s", f->viommu_what, ir);
		add_contradiction(q, "Q1 says %s but %s: nested virtualization or a cloaked VMM",
				  guest_verdict_name(q1->verdict), f->viommu_what);
		return;
	}
	q->verdict = q1->verdict;
	snprintf(q->reason, sizeof(q->reason), "%s; %s",
		 q1->verdict == VERDICT_PROBABLY_HOST ? "no hypervisor seen, no virtual IOMMU"
						      : "Q1 is unknown",
		 ir);
}

void verdict_decide(const struct signal_list *l, const struct platform_facts *f,
		    const struct seed_verdict *seed, struct question_verdict *q1,
		    struct question_verdict *q2)
{
	decide_q1(l, f, seed, q1);
	decide_q2(f, q1, q2);
}

/*
 * The 6.2-6.9 gate, as the kernel behaves (checked against a 6.12 kernel with the IMS code
 * restored, tests/kernel/): pci_create_ims_domain() succeeds only when the device's MSI
 * parent domain lists MSI_FLAG_PCI_IMS in its msi_parent_ops. The x86 vector domain (no
 * remapping) does not. VT-d's dmar_msi_parent_ops ("IR-") does, its virt_ twin ("vIR-",
 * chosen when CAP.CM is set) does not. AMD has the same pair keyed on NpCache, but
 * amd_iommu_create_irq_domain() runs from init_iommu_one_late() during the IVRS parse,
 * before iommu_init_pci() reads NpCache into amd_iommu_np_cache: the "IR-" parent is
 * always chosen, so an emulated AMD IOMMU accepts IMS.
 */
enum ims_gate verdict_ims_gate(const struct platform_facts *f, char *why, size_t len)
{
	/* closed whether remapping is on (vIR- parent) or off (vector domain) */
	if (f->vir_chip) {
		snprintf(why, len, "the kernel named its remapping parent vIR-: that parent does "
				   "not offer IMS");
		return IMS_GATE_CLOSED;
	}
	if (f->vtd_caching_mode) {
		snprintf(why, len, "VT-d Caching Mode set: the kernel picks the vIR- parent, which "
				   "does not offer IMS");
		return IMS_GATE_CLOSED;
	}
	if (f->ir == IR_OFF) {
		snprintf(why, len, "no interrupt remapping: the x86 vector domain does not offer "
				   "IMS");
		return IMS_GATE_CLOSED;
	}
	if (f->ir != IR_ON) {
		snprintf(why, len, "interrupt remapping state unknown");
		return IMS_GATE_UNKNOWN;
	}
	if (f->amd_npcache) {
		snprintf(why, len, "AMD NpCache set, but the kernel picks the remapping parent "
				   "before it reads NpCache: the IR- parent offers IMS");
		return IMS_GATE_OPEN;
	}
	snprintf(why, len, "interrupt remapping on, no emulation mark: the IR- parent offers IMS");
	return IMS_GATE_OPEN;
}

bool verdict_is_guest(enum guest_verdict v)
{
	return v == VERDICT_DEFINITELY_GUEST || v == VERDICT_PROBABLY_GUEST;
}


const char *ims_gate_name(enum ims_gate g)
{
	static const char *const names[] = {
		[IMS_GATE_UNKNOWN] = "unknown",
		[IMS_GATE_CLOSED] = "closed",
		[IMS_GATE_OPEN] = "open",
	};

	return NAME_FROM(names, g, "unknown");
}


const char *guest_verdict_name(enum guest_verdict v)
{
	static const char *const names[] = {
		[VERDICT_DEFINITELY_GUEST] = "definitely-guest",
		[VERDICT_PROBABLY_GUEST] = "probably-guest",
		[VERDICT_PROBABLY_HOST] = "probably-host",
	};

	return NAME_FROM(names, v, "unknown");
}

