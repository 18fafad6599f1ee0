// SPDX-License-Identifier: GPL-2.0
/*
 * edu_ims: a PCI driver for QEMU's "edu" device (1234:11e8) that makes one IMS attempt
 * through the 6.2-6.9 API (provided on this bench by ims_standin.ko): it creates an IMS
 * domain of 8 entries with pci_create_ims_domain() and allocates one interrupt with
 * pci_ims_alloc_irq(). The edu device has no interrupt message store: the template's
 * callbacks only log, and the driver never requests the interrupt.
 *
 * pci_ims_alloc_irq() is called once even when the domain was refused, so both calls and
 * both outcomes are visible to imswatch (it then returns index -ENODEV). Probe succeeds
 * either way, as a real driver that falls back to MSI-X would. Remove frees the interrupt;
 * the domain goes away with the driver binding.
 */
#include <linux/module.h>
#include <linux/pci.h>

#include "ims_standin.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_IMS_SIZE 8

struct edu_ims {
	bool domain;
	struct msi_map map;
};

/* Where a real device would mask, unmask and store the message in its own IMS slot. */
static void edu_ims_mask(struct irq_data *d)
{
}

static void edu_ims_unmask(struct irq_data *d)
{
}

static void edu_ims_write_msg(struct irq_data *d, struct msi_msg *msg)
{
	pr_debug("edu_ims: would store message %08x:%08x/%08x in slot %lu\n", msg->address_hi,
		 msg->address_lo, msg->data, d->hwirq);
}

static const struct msi_domain_template edu_ims_template = {
	.name = "EDU-IMS",
	.chip = {
		.name = "EDU-IMS",
		.irq_mask = edu_ims_mask,
		.irq_unmask = edu_ims_unmask,
		.irq_write_msi_msg = edu_ims_write_msg,
	},
	.info = {
		.flags = MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS | MSI_FLAG_FREE_MSI_DESCS,
	},
};

static int edu_ims_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	union msi_instance_cookie cookie = { .value = 0xed0 };
	struct edu_ims *edu;
	int err;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	err = pci_enable_device(pdev);
	if (err)
		return err;
	pci_set_drvdata(pdev, edu);

	edu->domain = pci_create_ims_domain(pdev, &edu_ims_template, EDU_IMS_SIZE, NULL);
	dev_info(&pdev->dev, "edu_ims: pci_create_ims_domain(hwsize %d) = %s\n", EDU_IMS_SIZE,
		 edu->domain ? "true" : "false");

	edu->map = pci_ims_alloc_irq(pdev, &cookie, NULL);
	dev_info(&pdev->dev, "edu_ims: pci_ims_alloc_irq = { index %d, virq %d }\n",
		 edu->map.index, edu->map.virq);
	return 0;
}

static void edu_ims_remove(struct pci_dev *pdev)
{
	struct edu_ims *edu = pci_get_drvdata(pdev);

	if (edu->map.index >= 0)
		pci_ims_free_irq(pdev, edu->map);
	dev_info(&pdev->dev, "edu_ims: remove\n");
	pci_disable_device(pdev);
}

static const struct pci_device_id edu_ims_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ 0 },
};
MODULE_DEVICE_TABLE(pci, edu_ims_ids);

static struct pci_driver edu_ims_driver = {
	.name = "edu_ims",
	.id_table = edu_ims_ids,
	.probe = edu_ims_probe,
	.remove = edu_ims_remove,
};
module_pci_driver(edu_ims_driver);

MODULE_DESCRIPTION("imswatch test driver: an IMS attempt on QEMU's edu device");
MODULE_LICENSE("GPL");
