// SPDX-License-Identifier: GPL-2.0
/*
 * Device-side signals: PCI ids of paravirtual and emulated devices, the IOMMU's capability
 * bits (an emulated VT-d reports Caching Mode, an emulated AMD IOMMU NpCache: what the
 * 6.2-6.9 kernel itself gated IMS on), and whether interrupt remapping is on.
 */
#include "signals.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCI_DIR "sys/bus/pci/devices"
#define IOMMU_DIR "sys/class/iommu"
#define IRQ_DIR "sys/kernel/irq"
#define VTD_CAP_CACHING_MODE (1ull << 7)
#define AMD_CAP_NPCACHE (1ull << 26)
#define VIRTIO_IOMMU_DEVICE 0x1057

static const struct {
	unsigned int vendor;
	int device; /* -1: any */
	const char *names;
	enum strength strength;
	const char *why;
} pci_ids[] = {
	{ 0x1af4, VIRTIO_IOMMU_DEVICE, "virtio", STRENGTH_MEDIUM, "virtio-iommu: an emulated IOMMU" },
	{ 0x1af4, -1, "virtio", STRENGTH_MEDIUM,
	  "virtio device (a few SmartNICs emulate virtio on real hardware)" },
	{ 0x1b36, -1, "QEMU", STRENGTH_MEDIUM, "Red Hat/QEMU emulated device" },
	{ 0x15ad, -1, "VMware", STRENGTH_MEDIUM, "VMware virtual device" },
	{ 0x1414, -1, "Microsoft Hyper-V", STRENGTH_MEDIUM, "Hyper-V virtual device" },
	{ 0x5853, -1, "Xen", STRENGTH_MEDIUM, "Xen platform device" },
	{ 0x80ee, -1, "VirtualBox", STRENGTH_MEDIUM, "VirtualBox device" },
	{ 0x1234, 0x1111, "QEMU", STRENGTH_MEDIUM, "QEMU standard VGA" },
	{ 0x1d0f, -1, "Amazon EC2", STRENGTH_WEAK,
	  "Amazon Nitro device (also on EC2 bare-metal instances)" },
};

/*
 * Subsystem vendor ids that a VMM's device model writes onto the devices it emulates: QEMU
 * puts Red Hat's 1af4:1100 on its Intel chipset, e1000 and AHCI models, VMware 15ad on its
 * vmxnet/SVGA/chipset, VirtualBox 80ee. No physical board carries them. Checked only on
 * devices whose own vendor differs (a virtio device's subsystem is its own vendor).
 */
static const struct {
	unsigned int subvendor;
	const char *names;
} pci_vmm_subvendors[] = {
	{ 0x1af4, "QEMU" },
	{ 0x15ad, "VMware" },
	{ 0x80ee, "VirtualBox" },
	{ 0x1ab8, "Parallels" },
};

/*
 * Chipsets QEMU emulates: its "pc" machine is a 1996 i440FX/PIIX3, "q35" a 2007 Q35 MCH
 * with ICH9. Real boards with them exist, but none ships firmware years younger than the
 * chipset: under a BIOS dated CHIPSET_FIRMWARE_GAP years or more after it, the chipset is
 * emulated. The gap leaves room for late BIOS updates of old boards.
 */
#define CHIPSET_FIRMWARE_GAP 6
static const struct {
	unsigned int vendor, device;
	int year;
	const char *what;
} qemu_chipsets[] = {
	{ 0x8086, 0x1237, 1996, "i440FX host bridge" },
	{ 0x8086, 0x29c0, 2007, "Q35/G33 memory controller hub" },
};

struct pci_walk {
	const struct hostfs *fs;
	struct signal_list *l;
	struct platform_facts *f;
	int devices, unreadable;
	int bios_year; /* from DMI bios_date, 0 when unknown */
	bool listed[sizeof(pci_ids) / sizeof(pci_ids[0])];
	bool sub_listed[sizeof(pci_vmm_subvendors) / sizeof(pci_vmm_subvendors[0])];
	bool chipset_listed;
};

static int read_hex(const struct hostfs *fs, const char *path, unsigned long long *out)
{
	char buf[64], *end;
	ssize_t n = hostfs_read_text(fs, path, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	errno = 0;
	*out = strtoull(buf, &end, 16);
	return (errno || end == buf) ? -EINVAL : 0;
}

static void pci_subsystem(struct pci_walk *w, const char *bdf, unsigned long long vendor,
			  unsigned long long device)
{
	unsigned long long sv, sd = 0;
	char path[160], key[48], val[32];
	struct signal *s;
	size_t i;

	snprintf(path, sizeof(path), PCI_DIR "/%s/subsystem_vendor", bdf);
	if (read_hex(w->fs, path, &sv) || sv == vendor)
		return;
	for (i = 0; i < sizeof(pci_vmm_subvendors) / sizeof(pci_vmm_subvendors[0]); i++) {
		if (pci_vmm_subvendors[i].subvendor != sv || w->sub_listed[i])
			continue;
		w->sub_listed[i] = true;
		snprintf(path, sizeof(path), PCI_DIR "/%s/subsystem_device", bdf);
		(void)read_hex(w->fs, path, &sd);
		snprintf(key, sizeof(key), "%.40s.subsystem", bdf);
		snprintf(val, sizeof(val), "%04llx:%04llx sub %04llx:%04llx", vendor, device, sv,
			 sd);
		s = signal_add(w->l, "pci", key, val, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, pci_vmm_subvendors[i].names,
			    "a VMM's subsystem id on an emulated device of another vendor");
		return;
	}
}

static void pci_chipset(struct pci_walk *w, const char *bdf, unsigned long long vendor,
			unsigned long long device)
{
	char key[48], val[16];
	struct signal *s;
	size_t i;

	for (i = 0; i < sizeof(qemu_chipsets) / sizeof(qemu_chipsets[0]); i++) {
		if (qemu_chipsets[i].vendor != vendor || qemu_chipsets[i].device != device ||
		    w->chipset_listed)
			continue;
		w->chipset_listed = true;
		snprintf(key, sizeof(key), "%.40s.chipset", bdf);
		snprintf(val, sizeof(val), "%04llx:%04llx", vendor, device);
		s = signal_add(w->l, "pci", key, val, SIGNAL_PRESENT);
		if (w->bios_year >= qemu_chipsets[i].year + CHIPSET_FIRMWARE_GAP)
			signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "QEMU",
				    "%s (%d) under firmware dated %d: QEMU's emulated chipset",
				    qemu_chipsets[i].what, qemu_chipsets[i].year, w->bios_year);
		else
			signal_mark(s, INDICATES_GUEST, STRENGTH_WEAK, "QEMU",
				    "%s (%d): QEMU emulates it; real boards had it too (firmware "
				    "date %s)",
				    qemu_chipsets[i].what, qemu_chipsets[i].year,
				    w->bios_year ? "not years younger" : "unknown");
		return;
	}
}

/* year of DMI bios_date ("MM/DD/YYYY", SMBIOS 2.3+; "MM/DD/YY" before), 0 if unknown */
static int bios_year(const struct hostfs *fs)
{
	char buf[32];
	unsigned int m, d, y;

	if (hostfs_read_text(fs, "sys/class/dmi/id/bios_date", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%u/%u/%u", &m, &d, &y) != 3)
		return 0;
	if (y < 100)
		y += y < 70 ? 2000 : 1900;
	return y >= 1980 && y <= 2100 ? (int)y : 0;
}

static int pci_device(const char *bdf, void *ctx)
{
	struct pci_walk *w = ctx;
	unsigned long long vendor, device;
	char path[160], key[48], val[16];
	struct signal *s;
	size_t i;

	snprintf(path, sizeof(path), PCI_DIR "/%s/vendor", bdf);
	if (read_hex(w->fs, path, &vendor)) {
		w->unreadable++;
		return 0;
	}
	snprintf(path, sizeof(path), PCI_DIR "/%s/device", bdf);
	if (read_hex(w->fs, path, &device)) {
		w->unreadable++;
		return 0;
	}
	w->devices++;
	pci_subsystem(w, bdf, vendor, device);
	pci_chipset(w, bdf, vendor, device);
	for (i = 0; i < sizeof(pci_ids) / sizeof(pci_ids[0]); i++) {
		if (pci_ids[i].vendor != vendor ||
		    (pci_ids[i].device >= 0 && (unsigned long long)pci_ids[i].device != device))
			continue;
		if (vendor == 0x1af4 && device == VIRTIO_IOMMU_DEVICE) {
			w->f->viommu = true;
			copy_str(w->f->viommu_what, sizeof(w->f->viommu_what), "virtio-iommu");
		}
		if (w->listed[i])
			break; /* one item per kind of device is enough */
		w->listed[i] = true;
		snprintf(key, sizeof(key), "%.40s", bdf);
		snprintf(val, sizeof(val), "%04llx:%04llx", vendor, device);
		s = signal_add(w->l, "pci", key, val, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, pci_ids[i].strength, pci_ids[i].names, "%s",
			    pci_ids[i].why);
		break;
	}
	return 0;
}

static void dev_pci(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f)
{
	struct pci_walk w = { .fs = fs, .l = l, .f = f, .bios_year = bios_year(fs) };
	struct signal *s;
	char val[64];
	int r = hostfs_list(fs, PCI_DIR, pci_device, &w);

	if (r < 0) {
		s = signal_add(l, "pci", "devices", "", state_of_errno(r));
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s",
			    r == -ENOENT ? "no PCI bus" : "cannot list PCI devices");
		return;
	}
	snprintf(val, sizeof(val), "%d devices%s", w.devices,
		 w.unreadable ? " (some unreadable)" : "");
	s = signal_add(l, "pci", "devices", val, SIGNAL_PRESENT);
	signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "PCI ids scanned");
}

struct iommu_walk {
	const struct hostfs *fs;
	struct signal_list *l;
	struct platform_facts *f;
	int n;
};

/* The capability bit by which each IOMMU type says it is emulated. */
static const struct {
	const char *cap;     /* below sys/class/iommu/<unit>/ */
	const char *key;     /* item key suffix */
	unsigned long long virtual_bit;
	const char *what;    /* facts.viommu_what */
} iommu_types[] = {
	{ "intel-iommu/cap", "vtd_cap", VTD_CAP_CACHING_MODE, "VT-d Caching Mode" },
	{ "amd-iommu/cap", "amd_cap", AMD_CAP_NPCACHE, "AMD NpCache" },
};

static int iommu_unit(const char *name, void *ctx)
{
	struct iommu_walk *w = ctx;
	unsigned long long cap;
	char path[160], key[64], val[32];
	struct signal *s;
	size_t i;

	for (i = 0; i < sizeof(iommu_types) / sizeof(iommu_types[0]); i++) {
		snprintf(path, sizeof(path), IOMMU_DIR "/%s/%s", name, iommu_types[i].cap);
		if (read_hex(w->fs, path, &cap))
			continue;
		w->n++;
		snprintf(key, sizeof(key), "%.40s.%s", name, iommu_types[i].key);
		snprintf(val, sizeof(val), "%llx", cap);
		s = signal_add(w->l, "iommu", key, val, SIGNAL_PRESENT);
		if (!(cap & iommu_types[i].virtual_bit)) {
			signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s clear%s",
				    iommu_types[i].what, i == 0 ? " (QEMU's default too)" : "");
			return 0;
		}
		/* real hardware leaves these clear */
		signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "", "%s set: an emulated IOMMU",
			    iommu_types[i].what);
		/* the IMS gate treats the two differently (verdict_ims_gate) */
		if (iommu_types[i].virtual_bit == VTD_CAP_CACHING_MODE)
			w->f->vtd_caching_mode = true;
		else
			w->f->amd_npcache = true;
		w->f->viommu = true;
		copy_str(w->f->viommu_what, sizeof(w->f->viommu_what), iommu_types[i].what);
		return 0;
	}
	return 0;
}

static void dev_iommu(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f)
{
	struct iommu_walk w = { .fs = fs, .l = l, .f = f };
	struct signal *s;
	int r = hostfs_list(fs, IOMMU_DIR, iommu_unit, &w);

	if (r < 0 || !w.n) {
		s = signal_add(l, "iommu", "units", "", r < 0 ? state_of_errno(r) : SIGNAL_ABSENT);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "no VT-d or AMD IOMMU registered");
	}
}

struct irq_walk {
	const struct hostfs *fs;
	struct platform_facts *f;
	int chips;
};

static int irq_chip(const char *irq, void *ctx)
{
	static const char *const remapping[] = { "IR-", "vIR-", "INTEL-IR", "AMD-IR" };
	struct irq_walk *w = ctx;
	char path[96], name[64];
	size_t i;

	snprintf(path, sizeof(path), IRQ_DIR "/%s/chip_name", irq);
	if (hostfs_read_text(w->fs, path, name, sizeof(name)) < 0)
		return 0;
	w->chips++;
	for (i = 0; i < sizeof(remapping) / sizeof(remapping[0]); i++) {
		if (strncmp(name, remapping[i], strlen(remapping[i])))
			continue;
		w->f->ir = IR_ON;
		copy_str(w->f->ir_chip, sizeof(w->f->ir_chip), name);
		if (i == 1) {
			/* 6.2-6.9 name the parent vIR- when they judged the IOMMU virtual */
			w->f->vir_chip = true;
		}
		if (i == 1 && !w->f->viommu) {
			w->f->viommu = true;
			copy_str(w->f->viommu_what, sizeof(w->f->viommu_what),
				 "vIR- interrupt chip");
		}
		return 1;
	}
	return 0;
}

static void dev_remapping(const struct hostfs *fs, struct signal_list *l,
			  struct platform_facts *f)
{
	struct irq_walk w = { .fs = fs, .f = f };
	struct signal *s;
	int r = hostfs_list(fs, IRQ_DIR, irq_chip, &w);

	if (f->ir != IR_ON)
		f->ir = w.chips ? IR_OFF : IR_UNKNOWN;
	s = signal_add(l, "irq", "interrupt_remapping", ir_state_name(f->ir),
		       f->ir == IR_UNKNOWN ? (r < 0 ? state_of_errno(r) : SIGNAL_ABSENT)
					   : SIGNAL_PRESENT);
	if (f->ir == IR_ON)
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "remapping interrupt chip '%s'", f->ir_chip);
	else
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s",
			    f->ir == IR_OFF ? "no remapping interrupt chip"
					    : "no interrupt chip names to look at");
	if (f->viommu && !strcmp(f->viommu_what, "vIR- interrupt chip")) {
		s = signal_add(l, "irq", "virtual_remapping", f->ir_chip, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "",
			    "the kernel named its remapping parent vIR-: it judged the IOMMU "
			    "virtual");
	}
}

void collect_devices(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f)
{
	dev_pci(fs, l, f);
	dev_iommu(fs, l, f);
	dev_remapping(fs, l, f);
}
