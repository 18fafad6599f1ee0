// SPDX-License-Identifier: GPL-2.0
/*
 * edu_ims_real: an IMS driver for QEMU's "edu" device (1234:11e8) against the kernel's own
 * 6.2-6.9 IMS API (pci_create_ims_domain, pci_ims_alloc_irq, pci_ims_free_irq), as restored
 * in the bench's test kernel (tests/kernel/). The kernel decides; this driver only asks.
 *
 * The edu device has no interrupt message store, so the driver keeps one in memory: one
 * slot per IMS entry holding the message the IMS domain writes (irq_write_msi_msg) and a
 * mask bit (irq_mask/irq_unmask), which is what a device's IMS storage holds. To deliver
 * an interrupt the way a device would, the driver copies slot 0's stored message into
 * edu's MSI capability registers (the device's only message-signalling engine; the
 * kernel's MSI code never enabled MSI on this device) and writes edu's "raise interrupt"
 * register: edu then writes that message itself, as a DMA write with its own requester
 * id, through the (virtual) IOMMU's interrupt remapping to the IMS interrupt's vector.
 * The handler counts it; /proc/interrupts shows it on the IMS virq.
 *
 * Probe: create an IMS domain of EDU_IMS_SLOTS entries; allocate EDU_IMS_USED interrupts,
 * request them, raise slot 0 through the device and wait for its handler. When the kernel
 * refuses the domain, pci_ims_alloc_irq() is still called once, so the refusal of both
 * calls is visible (a real driver would fall back to MSI-X here); probe succeeds either
 * way. Remove frees every interrupt (pci_ims_free_irq); the domain goes with the binding.
 *
 * Every result is logged as one "edu_ims_real: ..." line for the bench to compare with
 * what imswatch recorded.
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/pci.h>

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_RAISE 0x60
#define EDU_REG_IRQ_ACK 0x64
#define EDU_IRQ_BIT 0x1

#define EDU_IMS_SLOTS 8 /* the domain's hwsize */
#define EDU_IMS_USED 2	/* interrupts allocated and requested */

/* One IMS slot as a device would store it. */
struct edu_ims_slot {
	struct msi_msg msg;
	bool written;
	bool masked;
};

struct edu_ims {
	struct pci_dev *pdev;
	void __iomem *mmio;
	bool domain;
	struct msi_map map[EDU_IMS_USED];
	bool requested[EDU_IMS_USED];
	atomic_t delivered[EDU_IMS_USED];
	struct edu_ims_slot store[EDU_IMS_SLOTS];
	spinlock_t lock; /* store */
};

static struct edu_ims *edu_of(struct irq_data *d)
{
	/* pci_create_ims_domain()'s data argument: msi_domain_info::data */
	struct msi_domain_info *info = d->domain->host_data;

	return info->data;
}

static void edu_ims_mask(struct irq_data *d)
{
	struct edu_ims *edu = edu_of(d);

	if (d->hwirq < EDU_IMS_SLOTS)
		WRITE_ONCE(edu->store[d->hwirq].masked, true);
}

static void edu_ims_unmask(struct irq_data *d)
{
	struct edu_ims *edu = edu_of(d);

	if (d->hwirq < EDU_IMS_SLOTS)
		WRITE_ONCE(edu->store[d->hwirq].masked, false);
}

static void edu_ims_write_msg(struct irq_data *d, struct msi_msg *msg)
{
	struct edu_ims *edu = edu_of(d);
	unsigned long flags;

	if (d->hwirq >= EDU_IMS_SLOTS)
		return;
	spin_lock_irqsave(&edu->lock, flags);
	edu->store[d->hwirq].msg = *msg;
	edu->store[d->hwirq].written = true;
	spin_unlock_irqrestore(&edu->lock, flags);
}

/*
 * Not checked by pci_create_ims_domain() but required: the slot index is the hwirq (else
 * every entry is hwirq 0 and the second allocation collides), and the descriptor goes to
 * the parent (VT-d interrupt remapping takes the requester id from it). IDXD's unmerged
 * IMS driver does the same in its prepare_desc.
 */
static void edu_ims_set_desc(msi_alloc_info_t *arg, struct msi_desc *desc)
{
	arg->desc = desc;
	arg->hwirq = desc->msi_index;
}

static const struct msi_domain_template edu_ims_template = {
	.name = "EDU-IMS",
	.chip = {
		.name = "EDU-IMS",
		.irq_mask = edu_ims_mask,
		.irq_unmask = edu_ims_unmask,
		.irq_write_msi_msg = edu_ims_write_msg,
	},
	.ops = {
		.set_desc = edu_ims_set_desc,
	},
	.info = {
		.bus_token = DOMAIN_BUS_PCI_DEVICE_IMS,
		.flags = MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS | MSI_FLAG_FREE_MSI_DESCS,
	},
};

static irqreturn_t edu_ims_handler(int irq, void *data)
{
	struct edu_ims *edu = data;
	int i;

	for (i = 0; i < EDU_IMS_USED; i++) {
		if (edu->requested[i] && edu->map[i].virq == irq) {
			atomic_inc(&edu->delivered[i]);
			iowrite32(EDU_IRQ_BIT, edu->mmio + EDU_REG_IRQ_ACK);
			return IRQ_HANDLED;
		}
	}
	return IRQ_NONE;
}

/*
 * Deliver slot's stored message the way a device would: edu's MSI engine writes it. The
 * capability is used as a plain message-signalling register set, outside the kernel's MSI
 * code (which never enabled MSI here), and is switched off again afterwards.
 */
static int edu_ims_raise(struct edu_ims *edu, int slot)
{
	struct pci_dev *pdev = edu->pdev;
	struct edu_ims_slot s;
	unsigned long flags;
	int cap, i;
	u16 ctrl;

	cap = pci_find_capability(pdev, PCI_CAP_ID_MSI);
	if (!cap)
		return -ENODEV;
	spin_lock_irqsave(&edu->lock, flags);
	s = edu->store[slot];
	spin_unlock_irqrestore(&edu->lock, flags);
	if (!s.written)
		return -ENODATA;
	if (s.masked)
		return -EAGAIN;
	pci_read_config_word(pdev, cap + PCI_MSI_FLAGS, &ctrl);
	if (!(ctrl & PCI_MSI_FLAGS_64BIT))
		return -EOPNOTSUPP;
	pci_write_config_dword(pdev, cap + PCI_MSI_ADDRESS_LO, s.msg.address_lo);
	pci_write_config_dword(pdev, cap + PCI_MSI_ADDRESS_HI, s.msg.address_hi);
	pci_write_config_word(pdev, cap + PCI_MSI_DATA_64, s.msg.data);
	pci_write_config_word(pdev, cap + PCI_MSI_FLAGS, ctrl | PCI_MSI_FLAGS_ENABLE);
	iowrite32(EDU_IRQ_BIT, edu->mmio + EDU_REG_IRQ_RAISE);
	for (i = 0; i < 100 && !atomic_read(&edu->delivered[slot]); i++)
		msleep(10);
	pci_write_config_word(pdev, cap + PCI_MSI_FLAGS, ctrl & ~PCI_MSI_FLAGS_ENABLE);
	iowrite32(EDU_IRQ_BIT, edu->mmio + EDU_REG_IRQ_ACK);
	return atomic_read(&edu->delivered[slot]) ? 0 : -ETIMEDOUT;
}

static int edu_ims_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_ims *edu;
	int err, i, n;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	spin_lock_init(&edu->lock);
	err = pcim_enable_device(pdev);
	if (err)
		return err;
	edu->mmio = pcim_iomap(pdev, 0, 0);
	if (!edu->mmio)
		return -ENOMEM;
	/* the device's message writes are DMA writes */
	pci_set_master(pdev);
	pci_set_drvdata(pdev, edu);

	edu->domain = pci_create_ims_domain(pdev, &edu_ims_template, EDU_IMS_SLOTS, edu);
	dev_info(&pdev->dev, "edu_ims_real: pci_create_ims_domain(hwsize %d) = %s\n",
		 EDU_IMS_SLOTS, edu->domain ? "true" : "false");

	n = edu->domain ? EDU_IMS_USED : 1;
	for (i = 0; i < n; i++) {
		union msi_instance_cookie cookie = { .value = 0xed0 + i };

		edu->map[i] = pci_ims_alloc_irq(pdev, &cookie, NULL);
		dev_info(&pdev->dev, "edu_ims_real: pci_ims_alloc_irq = { index %d, virq %d }\n",
			 edu->map[i].index, edu->map[i].virq);
		if (edu->map[i].index < 0)
			continue;
		err = request_irq(edu->map[i].virq, edu_ims_handler, 0, "edu_ims_real", edu);
		edu->requested[i] = !err;
		dev_info(&pdev->dev, "edu_ims_real: request_irq(%d) = %d\n", edu->map[i].virq,
			 err);
	}
	for (i = n; i < EDU_IMS_USED; i++)
		edu->map[i].index = -1;

	if (edu->requested[0]) {
		err = edu_ims_raise(edu, edu->map[0].index);
		dev_info(&pdev->dev,
			 "edu_ims_real: raised slot %d through the device: %s, delivered %d to virq %d\n",
			 edu->map[0].index, err ? "failed" : "ok", atomic_read(&edu->delivered[0]),
			 edu->map[0].virq);
	}
	return 0;
}

static void edu_ims_remove(struct pci_dev *pdev)
{
	struct edu_ims *edu = pci_get_drvdata(pdev);
	int i;

	for (i = 0; i < EDU_IMS_USED; i++) {
		if (edu->map[i].index < 0)
			continue;
		if (edu->requested[i])
			free_irq(edu->map[i].virq, edu);
		pci_ims_free_irq(pdev, edu->map[i]);
		dev_info(&pdev->dev, "edu_ims_real: pci_ims_free_irq(index %d, virq %d)\n",
			 edu->map[i].index, edu->map[i].virq);
	}
	dev_info(&pdev->dev, "edu_ims_real: remove\n");
}

static const struct pci_device_id edu_ims_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ 0 },
};
MODULE_DEVICE_TABLE(pci, edu_ims_ids);

static struct pci_driver edu_ims_driver = {
	.name = "edu_ims_real",
	.id_table = edu_ims_ids,
	.probe = edu_ims_probe,
	.remove = edu_ims_remove,
};
module_pci_driver(edu_ims_driver);

MODULE_DESCRIPTION("imswatch test driver: IMS on QEMU's edu device through the kernel's own API");
MODULE_LICENSE("GPL");
