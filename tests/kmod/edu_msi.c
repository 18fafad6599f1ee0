// SPDX-License-Identifier: GPL-2.0
/*
 * edu_msi: a minimal PCI driver for QEMU's "edu" teaching device (1234:11e8) that enables
 * one MSI vector the ordinary way, pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI), so that
 * imswatch sees a driver probe and an MSI enablement with known numbers.
 *
 * On probe it asks the device to raise one interrupt (register 0x60) and counts it in the
 * handler, so /proc/interrupts proves the MSI really arrives. Everything is released on
 * remove (driver unbind, rmmod or hot-unplug).
 */
#include <linux/atomic.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

#define EDU_REG_ID 0x00
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_RAISE 0x60
#define EDU_REG_IRQ_ACK 0x64

static bool raise = true;
module_param(raise, bool, 0444);
MODULE_PARM_DESC(raise, "ask the device for one interrupt after probe (default: yes)");

struct edu_msi {
	void __iomem *bar;
	int irq;
	atomic_t count;
};

static irqreturn_t edu_msi_handler(int irq, void *data)
{
	struct edu_msi *edu = data;
	u32 status = ioread32(edu->bar + EDU_REG_IRQ_STATUS);

	if (!status)
		return IRQ_NONE;
	iowrite32(status, edu->bar + EDU_REG_IRQ_ACK);
	atomic_inc(&edu->count);
	return IRQ_HANDLED;
}

static int edu_msi_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_msi *edu;
	int nvec, err;

	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	atomic_set(&edu->count, 0);

	err = pci_enable_device(pdev);
	if (err)
		goto err_free;
	err = pci_request_regions(pdev, "edu_msi");
	if (err)
		goto err_disable;
	edu->bar = pci_iomap(pdev, 0, 0);
	if (!edu->bar) {
		err = -ENOMEM;
		goto err_regions;
	}
	/* the device's MSI write is a DMA write: without bus mastering QEMU drops it */
	pci_set_master(pdev);

	nvec = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (nvec < 0) {
		err = nvec;
		dev_err(&pdev->dev, "edu_msi: pci_alloc_irq_vectors failed: %d\n", err);
		goto err_unmap;
	}
	edu->irq = pci_irq_vector(pdev, 0);
	err = request_irq(edu->irq, edu_msi_handler, 0, "edu_msi", edu);
	if (err)
		goto err_vectors;
	pci_set_drvdata(pdev, edu);

	dev_info(&pdev->dev, "edu_msi: id %08x, MSI vectors %d, irq %d\n",
		 ioread32(edu->bar + EDU_REG_ID), nvec, edu->irq);
	if (raise)
		iowrite32(1, edu->bar + EDU_REG_IRQ_RAISE);
	return 0;

err_vectors:
	pci_free_irq_vectors(pdev);
err_unmap:
	pci_clear_master(pdev);
	pci_iounmap(pdev, edu->bar);
err_regions:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(edu);
	return err;
}

static void edu_msi_remove(struct pci_dev *pdev)
{
	struct edu_msi *edu = pci_get_drvdata(pdev);

	dev_info(&pdev->dev, "edu_msi: remove, %d interrupt(s) handled\n",
		 atomic_read(&edu->count));
	free_irq(edu->irq, edu);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_iounmap(pdev, edu->bar);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	kfree(edu);
}

static const struct pci_device_id edu_msi_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ 0 },
};
MODULE_DEVICE_TABLE(pci, edu_msi_ids);

static struct pci_driver edu_msi_driver = {
	.name = "edu_msi",
	.id_table = edu_msi_ids,
	.probe = edu_msi_probe,
	.remove = edu_msi_remove,
};
module_pci_driver(edu_msi_driver);

MODULE_DESCRIPTION("imswatch test driver: MSI on QEMU's edu device");
MODULE_LICENSE("GPL");
