// SPDX-License-Identifier: GPL-2.0
#include "policy.h"

const char *severity_name(enum severity s)
{
	switch (s) {
	case SEV_CRITICAL:
		return "critical";
	case SEV_WARNING:
		return "warning";
	default:
		return "info";
	}
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

void policy_judge(const struct imsw_event *e, const struct platform *p, struct finding *f)
{
	f->ims_attempt = false;
	f->outcome = OUTCOME_NA;
	f->severity = SEV_INFO;

	if (is_ims_attempt(e)) {
		f->ims_attempt = true;
		f->outcome = ims_outcome(e);
		if (!p->seed.probably_on_bare_metal) {
			/* the old-VMM/new-guest cell of the seed's matrix: the guest
			 * enables IMS the hypervisor cannot remap */
			f->severity = SEV_CRITICAL;
			f->rule = "IMSW-IMS-VM";
			f->summary = "IMS attempt on a platform the seed heuristic marks as a "
				     "virtual machine";
		} else if (verdict_is_guest(p->q2.verdict)) {
			/* the seed is fooled, the evidence is not: never "bare metal" silently */
			f->severity = SEV_CRITICAL;
			f->rule = "IMSW-IMS-CLOAKED";
			f->summary = "IMS attempt where the seed heuristic says 'probably bare "
				     "metal' but the evidence shows a hypervisor owning interrupt "
				     "remapping (platform.q2)";
		} else {
			f->severity = SEV_WARNING;
			f->rule = "IMSW-IMS-GUESS";
			f->summary = "IMS attempt on 'probably bare metal': that verdict is a "
				     "guess (no CPUID hypervisor bit, no hypervisor DMI vendor)";
		}
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
