// SPDX-License-Identifier: GPL-2.0
#include "hooks.h"

const struct hook_info hook_table[IMSW_HOOK_COUNT] = {
	[IMSW_HOOK_LOCAL_PCI_PROBE] = { IMSW_HOOK_LOCAL_PCI_PROBE, "local_pci_probe",
					"PCI driver probes", true, true, false },
	[IMSW_HOOK_PCI_DEVICE_PROBE] = { IMSW_HOOK_PCI_DEVICE_PROBE, "pci_device_probe",
					 "PCI driver probes", true, true, false },
	[IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS] = { IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS,
					      "pci_alloc_irq_vectors_affinity",
					      "MSI/MSI-X enablement", true, true, false },
	[IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN] = { IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN,
						 "msi_create_device_irq_domain",
						 "per-device MSI/MSI-X/IMS domains (6.2+)", true,
						 true, false },
	[IMSW_HOOK_PCI_CREATE_IMS_DOMAIN] = { IMSW_HOOK_PCI_CREATE_IMS_DOMAIN,
					      "pci_create_ims_domain",
					      "IMS domain creation (6.2-6.9 API)", true, true,
					      false },
	/* struct msi_map return / argument by value: fexit cannot attach */
	[IMSW_HOOK_PCI_IMS_ALLOC_IRQ] = { IMSW_HOOK_PCI_IMS_ALLOC_IRQ, "pci_ims_alloc_irq",
					  "IMS interrupt allocation (6.2-6.9 API)", false, true,
					  false },
	[IMSW_HOOK_PCI_IMS_FREE_IRQ] = { IMSW_HOOK_PCI_IMS_FREE_IRQ, "pci_ims_free_irq",
					 "IMS interrupt release (6.2-6.9 API)", false, true,
					 false },
	[IMSW_HOOK_VECTOR_ALLOC] = { IMSW_HOOK_VECTOR_ALLOC, "irq_vectors:vector_alloc",
				     "x86 vector allocation", false, false, true },
	[IMSW_HOOK_VECTOR_ACTIVATE] = { IMSW_HOOK_VECTOR_ACTIVATE,
					"irq_vectors:vector_activate", "x86 vector activation",
					false, false, true },
	[IMSW_HOOK_VECTOR_DEACTIVATE] = { IMSW_HOOK_VECTOR_DEACTIVATE,
					  "irq_vectors:vector_deactivate",
					  "x86 vector deactivation", false, false, true },
	[IMSW_HOOK_VECTOR_TEARDOWN] = { IMSW_HOOK_VECTOR_TEARDOWN,
					"irq_vectors:vector_teardown", "x86 vector teardown",
					false, false, true },
};

const char *hook_name(unsigned int id)
{
	return id < IMSW_HOOK_COUNT ? hook_table[id].name : "unknown";
}

const char *mode_name(unsigned int mode)
{
	switch (mode) {
	case IMSW_MODE_FENTRY:
		return "fentry";
	case IMSW_MODE_KPROBE:
		return "kprobe";
	case IMSW_MODE_TRACEPOINT:
		return "tracepoint";
	default:
		return "none";
	}
}
