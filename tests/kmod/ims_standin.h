/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Linux 6.2-6.9 IMS API (drivers/pci/msi/api.c), as a test stand-in: no kernel this
 * bench can boot has it (6.1 predates it, 6.10 removed it), so ims_standin.ko exports the
 * three functions with exactly the 6.2 signatures and edu_ims.ko calls them.
 */
#ifndef IMS_STANDIN_H
#define IMS_STANDIN_H

#include <linux/version.h>
#include <linux/types.h>
#include <linux/irq.h>
#include <linux/msi.h>
#include <linux/pci.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
#error "6.2-6.9 have the real IMS API: test against it instead of this stand-in"
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/*
 * 6.1 has none of these types; they arrived with the per-device MSI domain rework in 6.2
 * (include/linux/msi_api.h and include/linux/msi.h there). Same layout as 6.2.
 */
struct msi_map {
	int index;
	int virq;
};

union msi_instance_cookie {
	u64 value;
	void *ptr;
};

/*
 * 6.2 also grew struct msi_domain_info by bus_token and hwsize. 6.1 has its own, shorter
 * msi_domain_info, so the template embeds this copy of the 6.2 layout under another name:
 * field paths such as template->info.bus_token (what a CO-RE reader of the template
 * relocates against, from this module's BTF) then exist on 6.1 as on 6.2-6.12.
 */
struct ims_standin_msi_domain_info {
	u32 flags;
	enum irq_domain_bus_token bus_token;
	unsigned int hwsize;
	struct msi_domain_ops *ops;
	struct irq_chip *chip;
	void *chip_data;
	irq_flow_handler_t handler;
	void *handler_data;
	const char *handler_name;
	void *data;
};

struct msi_domain_template {
	char name[48];
	struct irq_chip chip;
	struct msi_domain_ops ops;
	struct ims_standin_msi_domain_info info;
};
#endif

bool pci_create_ims_domain(struct pci_dev *pdev, const struct msi_domain_template *template,
			   unsigned int hwsize, void *data);
struct msi_map pci_ims_alloc_irq(struct pci_dev *dev, union msi_instance_cookie *icookie,
				 const struct irq_affinity_desc *affdesc);
void pci_ims_free_irq(struct pci_dev *dev, struct msi_map map);

#endif
