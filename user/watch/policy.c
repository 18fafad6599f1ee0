// SPDX-License-Identifier: GPL-2.0
#include "policy.h"
#include "names.h"

const char *severity_name(enum severity s)
{
	static const char *const names[] = {
		[SEV_INFO] = "info",
		[SEV_WARNING] = "warning",
		[SEV_CRITICAL] = "critical",
	};

	return NAME_FROM(names, s, "info");
}

/*
 * An IMS attempt is any call into the IMS API, and any per-device MSI domain that is IMS by
 * its bus token or by its domain id: IMS always used MSI_SECONDARY_DOMAIN (1), which also
 * catches an IMS domain on a kernel whose BTF no longer names DOMAIN_BUS_PCI_DEVICE_IMS.
 *
 * Except a domain created inside pci_create_ims_domain() for the same device on the same
 * thread (within_ims_api): 6.2-6.9 implement that function with
 * msi_create_device_irq_domain(dev, MSI_SECONDARY_DOMAIN, ...), so both hooks fire for one
 * attempt. The ims-domain event is the attempt; the inner one stays an info event.
 */
static bool is_ims_attempt(const struct imsw_event *e)
{
	switch (e->kind) {
	case IMSW_KIND_IMS_DOMAIN:
	case IMSW_KIND_IMS_ALLOC:
		return true;
	case IMSW_KIND_MSI_DOMAIN:
		if (e->within_ims_api)
			return false;
		return e->domain_kind == IMSW_DOMAIN_IMS || e->domid == 1;
	default:
		return false;
	}
}

static enum ims_outcome ims_outcome(const struct imsw_event *e)
{
	if (e->kind == IMSW_KIND_IMS_ALLOC)
		return e->index >= 0 ? OUTCOME_ACCEPTED : OUTCOME_REFUSED;
	/* domain creation returns bool */
	return e->ret ? OUTCOME_ACCEPTED : OUTCOME_REFUSED;
}

/*
 * The IMS rules: the rule says what the platform is, the severity what happened. The
 * finding that matters is IMS the kernel *enabled* where a hypervisor owns interrupt
 * remapping: the guest writes messages its VMM cannot see. An attempt the kernel refused
 * enabled nothing (the gate held and the driver falls back to MSI-X), so it ranks one level
 * lower; it still says a driver here would enable IMS on a kernel whose gate is open.
 */
enum ims_platform {
	IMS_ON_SEED_VM,	  /* the seed heuristic sees a VM */
	IMS_ON_CLOAKED,	  /* the seed says bare metal, the evidence says guest (Q2) */
	IMS_ON_GUESS,	  /* neither sees a hypervisor */
	IMS_ON_CONTRADICTED, /* neither sees one, but the evidence contradicts itself */
};

static const struct {
	const char *rule;
	enum severity accepted, refused;
	const char *summary_accepted, *summary_refused;
} ims_rules[] = {
	/* the old-VMM/new-guest cell of the seed's matrix */
	[IMS_ON_SEED_VM] = { "IMSW-IMS-VM", SEV_CRITICAL, SEV_WARNING,
			     "IMS enabled on a platform the seed heuristic marks as a virtual "
			     "machine",
			     "IMS attempt on a platform the seed heuristic marks as a virtual "
			     "machine; the kernel refused it (the gate held)" },
	/* the seed is fooled, the evidence is not: never "bare metal" silently */
	[IMS_ON_CLOAKED] = { "IMSW-IMS-CLOAKED", SEV_CRITICAL, SEV_WARNING,
			     "IMS enabled where the seed heuristic says 'probably bare metal' but "
			     "the evidence shows a hypervisor owning interrupt remapping "
			     "(platform.q2)",
			     "IMS attempt where the seed heuristic says 'probably bare metal' but "
			     "the evidence shows a hypervisor owning interrupt remapping "
			     "(platform.q2); the kernel refused it (the gate held)" },
	[IMS_ON_GUESS] = { "IMSW-IMS-GUESS", SEV_WARNING, SEV_INFO,
			   "IMS enabled on 'probably bare metal': that verdict is a guess (no "
			   "CPUID hypervisor bit, no hypervisor DMI vendor)",
			   "IMS attempt on 'probably bare metal', refused by the kernel" },
	[IMS_ON_CONTRADICTED] = { "IMSW-IMS-GUESS", SEV_CRITICAL, SEV_INFO,
				  "IMS enabled on 'probably bare metal' while the evidence "
				  "contradicts itself (platform.q1/q2 contradictions)",
				  "IMS attempt on 'probably bare metal', refused by the kernel" },
};

static enum ims_platform ims_platform(const struct platform *p)
{
	if (!p->seed.probably_on_bare_metal)
		return IMS_ON_SEED_VM;
	if (verdict_is_guest(p->q2.verdict))
		return IMS_ON_CLOAKED;
	if (p->q1.n_contradictions || p->q2.n_contradictions)
		return IMS_ON_CONTRADICTED;
	return IMS_ON_GUESS;
}

void policy_judge(const struct imsw_event *e, const struct platform *p, struct finding *f)
{
	f->ims_attempt = false;
	f->outcome = OUTCOME_NA;
	f->severity = SEV_INFO;

	if (is_ims_attempt(e)) {
		enum ims_platform on = ims_platform(p);
		bool accepted;

		f->ims_attempt = true;
		f->outcome = ims_outcome(e);
		accepted = f->outcome == OUTCOME_ACCEPTED;
		f->rule = ims_rules[on].rule;
		f->severity = accepted ? ims_rules[on].accepted : ims_rules[on].refused;
		f->summary = accepted ? ims_rules[on].summary_accepted
				      : ims_rules[on].summary_refused;
		return;
	}

	switch (e->kind) {
	case IMSW_KIND_PROBE:
		f->rule = "IMSW-PROBE";
		f->summary = "PCI driver probe";
		break;
	case IMSW_KIND_IRQ_VECTORS:
		f->rule = "IMSW-MSI";
		f->summary = "MSI/MSI-X enablement";
		break;
	case IMSW_KIND_MSI_DOMAIN:
		f->rule = "IMSW-MSI-DOMAIN";
		f->summary = e->within_ims_api ? "per-device IMS domain created by "
						 "pci_create_ims_domain (the attempt is its "
						 "ims-domain record)"
					       : "per-device MSI/MSI-X domain";
		break;
	case IMSW_KIND_IMS_FREE:
		f->rule = "IMSW-IMS-FREE";
		f->summary = "IMS interrupt released";
		break;
	case IMSW_KIND_VECTOR:
		f->rule = "IMSW-VECTOR";
		f->summary = "x86 interrupt vector";
		break;
	default:
		f->rule = "IMSW-UNKNOWN";
		f->summary = "unknown event";
		break;
	}
}
