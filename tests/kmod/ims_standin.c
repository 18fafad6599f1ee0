// SPDX-License-Identifier: GPL-2.0
/*
 * ims_standin: the Linux 6.2-6.9 IMS API for kernels that do not have it.
 *
 * Mainline had pci_create_ims_domain(), pci_ims_alloc_irq() and pci_ims_free_irq() from
 * 6.2 to 6.9 and never an in-tree caller; none of the kernels this bench boots (6.1, 6.12)
 * has them. This module exports the three functions with exactly the 6.2 signatures, so a
 * test driver (edu_ims.ko) can make a genuine IMS attempt and imswatch can attach to the
 * real symbol names with kprobes and, thanks to module BTF, with fentry/fexit.
 *
 * The gate. The real 6.2-6.9 gate never looked at CPUID or DMI: a device could have an IMS
 * domain only when its MSI parent was an interrupt-remapping domain that advertised
 * MSI_FLAG_PCI_IMS, which Intel VT-d withheld when the remapping unit reports Caching Mode
 * (CAP bit 7, how an emulated IOMMU identifies itself; those parents were named "vIR-"),
 * and AMD withheld when any IOMMU reports NpCache (capability header bit 26). A module
 * cannot ask the irq domain hierarchy that question on 6.1/6.12 (irq_remapping_enabled
 * and the IOMMU structures are not exported), so with accept=auto (the default) it
 * decides from what the kernel shows:
 *
 *   - refuse if any interrupt's chip is named "vIR-..." (a 6.2+ vIOMMU parent);
 *   - refuse if /sys/class/iommu/dmar<N>/intel-iommu/cap has bit 7 (Caching Mode) set,
 *     or /sys/class/iommu/ivhd<N>/amd-iommu/cap has bit 26 (NpCache) set;
 *   - refuse if no interrupt's chip is named "IR-..." (IR-IO-APIC, IR-PCI-MSI...):
 *     interrupt remapping is off, and the plain x86 vector domain never allowed IMS;
 *   - accept otherwise.
 *
 * accept=1 and accept=0 force the answer (writable at run time in
 * /sys/module/ims_standin/parameters/accept). Every decision is logged with its reason.
 *
 * Also checked, as 6.2 did: a non-NULL template whose chip has irq_mask, irq_unmask and
 * irq_write_msi_msg and no irq_set_affinity, MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS and
 * MSI_FLAG_FREE_MSI_DESCS in its info flags, hwsize > 0, and at most one IMS domain per
 * device. Not checked: template->info.bus_token (DOMAIN_BUS_PCI_DEVICE_IMS does not exist
 * on 6.1 or 6.12).
 *
 * One difference the stand-in cannot remove: the real 6.2-6.9 pci_create_ims_domain()
 * (drivers/pci/msi/irqdomain.c) creates its domain with
 * msi_create_device_irq_domain(&pdev->dev, MSI_SECONDARY_DOMAIN, template, hwsize, data,
 * NULL), so imswatch's msi_create_device_irq_domain hook fires inside it too (imswatch marks
 * that inner event within_ims_api and counts one attempt). This module cannot make that
 * call: msi_create_device_irq_domain is not exported (6.12's Module.symvers does not list
 * it; 6.1 does not have it at all), and since 6.10 there is no MSI_SECONDARY_DOMAIN
 * (MSI_MAX_DEVICE_IRQDOMAINS is 1), so the kernel would refuse domain id 1 anyway. The
 * nested event and its within_ims_api mark are therefore exercised by the unit tests only.
 *
 * No interrupt is ever wired: pci_ims_alloc_irq() hands out a free index below hwsize and
 * a freshly allocated, chip-less Linux irq descriptor (a real virq number), like the real
 * one returns {index, virq}, or {-errno, 0} on refusal (-ENODEV without a domain, as
 * msi_domain_alloc_irq_at() did). The domain goes away when the device's driver unbinds
 * (devres), as the real per-device MSI domains did.
 */
#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/irqnr.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/version.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ims_standin.h"

#define IMS_STANDIN_MAX_HWSIZE 2048
#define VTD_CAP_CACHING_MODE (1ULL << 7)
#define AMD_CAP_NPCACHE (1ULL << 26)

static char *accept = "auto";
module_param(accept, charp, 0644);
MODULE_PARM_DESC(accept, "auto (mimic the 6.2 interrupt-remapping gate, default), 1 or 0");

struct ims_domain {
	struct list_head node;
	struct pci_dev *pdev;
	unsigned int hwsize;
	void *data;
	struct msi_domain_template template; /* a copy, as the real API duplicated it */
	unsigned long *used;
	int *virqs;
};

static LIST_HEAD(ims_domains);
static DEFINE_MUTEX(ims_lock);

static struct ims_domain *find_domain(struct pci_dev *pdev)
{
	struct ims_domain *d;

	list_for_each_entry(d, &ims_domains, node)
		if (d->pdev == pdev)
			return d;
	return NULL;
}

static int read_sysfs_hex(const char *path, u64 *val)
{
	char buf[40] = { 0 };
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0)
		return n ? (int)n : -ENODATA;
	return kstrtoull(strim(buf), 16, val);
}

/* Does any IOMMU identify itself as emulated (VT-d Caching Mode, AMD NpCache)? */
static bool iommu_says_virtual(char *why, size_t len)
{
	char path[64];
	u64 cap;
	int i;

	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/sys/class/iommu/dmar%d/intel-iommu/cap", i);
		if (!read_sysfs_hex(path, &cap) && (cap & VTD_CAP_CACHING_MODE)) {
			snprintf(why, len, "dmar%d reports Caching Mode (cap %llx)", i, cap);
			return true;
		}
		snprintf(path, sizeof(path), "/sys/class/iommu/ivhd%d/amd-iommu/cap", i);
		if (!read_sysfs_hex(path, &cap) && (cap & AMD_CAP_NPCACHE)) {
			snprintf(why, len, "ivhd%d reports NpCache (cap %llx)", i, cap);
			return true;
		}
	}
	return false;
}

/* nr_irqs became private in 6.13 ("genirq: Introduce irq_get_nr_irqs()"); the accessor is exported */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define imsw_nr_irqs() irq_get_nr_irqs()
#else
#define imsw_nr_irqs() ((unsigned int)nr_irqs)
#endif

/* Interrupt chips named by a remapping parent: "IR-..." (remapped), "vIR-..." (6.2+ vIOMMU). */
static void scan_irq_chips(bool *ir, bool *vir)
{
	unsigned int i;

	*ir = *vir = false;
	rcu_read_lock();
	for (i = 0; i < imsw_nr_irqs(); i++) {
		struct irq_data *d = irq_get_irq_data(i);
		const char *name = d && d->chip ? d->chip->name : NULL;

		if (!name)
			continue;
		if (!strncmp(name, "vIR-", 4))
			*vir = true;
		else if (!strncmp(name, "IR-", 3))
			*ir = true;
	}
	rcu_read_unlock();
}

static bool gate(struct pci_dev *pdev)
{
	char why[96] = "";
	bool ok, ir, vir;

	if (sysfs_streq(accept, "1")) {
		ok = true;
		strscpy(why, "forced by accept=1", sizeof(why));
	} else if (sysfs_streq(accept, "0")) {
		ok = false;
		strscpy(why, "forced by accept=0", sizeof(why));
	} else {
		scan_irq_chips(&ir, &vir);
		if (vir) {
			ok = false;
			strscpy(why, "MSI parent is vIR- (virtual IOMMU)", sizeof(why));
		} else if (iommu_says_virtual(why, sizeof(why))) {
			ok = false;
		} else if (!ir) {
			ok = false;
			strscpy(why, "no interrupt remapping (no IR- irq chip)", sizeof(why));
		} else {
			ok = true;
			strscpy(why, "interrupt remapping on, no caching mode", sizeof(why));
		}
	}
	dev_info(&pdev->dev, "ims_standin: IMS %s: %s\n", ok ? "accepted" : "refused", why);
	return ok;
}

static bool template_ok(const struct msi_domain_template *t)
{
	return t && t->chip.irq_mask && t->chip.irq_unmask && t->chip.irq_write_msi_msg &&
	       !t->chip.irq_set_affinity && (t->info.flags & MSI_FLAG_ALLOC_SIMPLE_MSI_DESCS) &&
	       (t->info.flags & MSI_FLAG_FREE_MSI_DESCS);
}

static void free_domain(struct ims_domain *d)
{
	unsigned int i;

	for_each_set_bit(i, d->used, d->hwsize)
		irq_free_desc(d->virqs[i]);
	bitmap_free(d->used);
	kfree(d->virqs);
	kfree(d);
}

/* devres action: the driver unbound, its IMS domain goes with it */
static void ims_domain_release(void *arg)
{
	struct ims_domain *d = arg;

	mutex_lock(&ims_lock);
	list_del(&d->node);
	mutex_unlock(&ims_lock);
	dev_info(&d->pdev->dev, "ims_standin: IMS domain removed\n");
	free_domain(d);
}

noinline __used bool pci_create_ims_domain(struct pci_dev *pdev,
					   const struct msi_domain_template *template,
					   unsigned int hwsize, void *data)
{
	struct ims_domain *d;
	bool ok = false;

	if (!pdev || !template_ok(template) || !hwsize || hwsize > IMS_STANDIN_MAX_HWSIZE) {
		if (pdev)
			dev_info(&pdev->dev, "ims_standin: IMS refused: invalid template/hwsize\n");
		return false;
	}
	mutex_lock(&ims_lock);
	if (find_domain(pdev)) {
		dev_info(&pdev->dev, "ims_standin: IMS refused: domain exists\n");
		goto out;
	}
	if (!gate(pdev))
		goto out;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		goto out;
	d->used = bitmap_zalloc(hwsize, GFP_KERNEL);
	d->virqs = kcalloc(hwsize, sizeof(*d->virqs), GFP_KERNEL);
	if (!d->used || !d->virqs) {
		bitmap_free(d->used);
		kfree(d->virqs);
		kfree(d);
		goto out;
	}
	d->pdev = pdev;
	d->hwsize = hwsize;
	d->data = data;
	d->template = *template;
	list_add(&d->node, &ims_domains);
	ok = true;
out:
	mutex_unlock(&ims_lock);
	if (ok && devm_add_action_or_reset(&pdev->dev, ims_domain_release, d))
		ok = false;
	if (ok)
		dev_info(&pdev->dev, "ims_standin: IMS domain %s created, hwsize %u\n",
			 template->chip.name ? template->chip.name : template->name, hwsize);
	return ok;
}
EXPORT_SYMBOL_GPL(pci_create_ims_domain);

noinline __used struct msi_map pci_ims_alloc_irq(struct pci_dev *dev,
						 union msi_instance_cookie *icookie,
						 const struct irq_affinity_desc *affdesc)
{
	struct msi_map map = { .index = -ENODEV, .virq = 0 };
	struct ims_domain *d;
	unsigned int idx;
	int virq;

	if (!dev)
		return map;
	mutex_lock(&ims_lock);
	d = find_domain(dev);
	if (!d)
		goto out;
	idx = find_first_zero_bit(d->used, d->hwsize);
	if (idx >= d->hwsize) {
		map.index = -ENOSPC;
		goto out;
	}
	virq = irq_alloc_desc(dev_to_node(&dev->dev));
	if (virq < 0) {
		map.index = virq;
		goto out;
	}
	set_bit(idx, d->used);
	d->virqs[idx] = virq;
	map.index = idx;
	map.virq = virq;
out:
	mutex_unlock(&ims_lock);
	dev_info(&dev->dev, "ims_standin: pci_ims_alloc_irq: index %d virq %d\n", map.index,
		 map.virq);
	return map;
}
EXPORT_SYMBOL_GPL(pci_ims_alloc_irq);

noinline __used void pci_ims_free_irq(struct pci_dev *dev, struct msi_map map)
{
	struct ims_domain *d;

	if (!dev)
		return;
	mutex_lock(&ims_lock);
	d = find_domain(dev);
	if (d && map.index >= 0 && (unsigned int)map.index < d->hwsize &&
	    test_bit(map.index, d->used) && d->virqs[map.index] == map.virq) {
		clear_bit(map.index, d->used);
		irq_free_desc(map.virq);
		dev_info(&dev->dev, "ims_standin: pci_ims_free_irq: index %d virq %d\n",
			 map.index, map.virq);
	} else {
		dev_info(&dev->dev, "ims_standin: pci_ims_free_irq: no such interrupt (%d/%d)\n",
			 map.index, map.virq);
	}
	mutex_unlock(&ims_lock);
}
EXPORT_SYMBOL_GPL(pci_ims_free_irq);

static int __init ims_standin_init(void)
{
	pr_info("ims_standin: IMS API stand-in loaded (accept=%s)\n", accept);
	return 0;
}

static void __exit ims_standin_exit(void)
{
	struct ims_domain *d, *tmp;

	/* users hold a reference on this module, and their devres ran on unbind */
	list_for_each_entry_safe(d, tmp, &ims_domains, node) {
		list_del(&d->node);
		free_domain(d);
	}
}

module_init(ims_standin_init);
module_exit(ims_standin_exit);

MODULE_DESCRIPTION("imswatch test stand-in for the Linux 6.2-6.9 PCI IMS API");
MODULE_LICENSE("GPL");
