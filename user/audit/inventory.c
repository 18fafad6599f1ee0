// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "names.h"

#define PCI_DIR "sys/bus/pci/devices"

/* Config space offsets (PCI Local Bus 3.0, PCIe Base 4.0; the kernel's pci_regs.h names) */
#define CFG_STATUS 0x06
#define CFG_STATUS_CAP_LIST 0x10
#define CFG_CAP_PTR 0x34
#define CAP_ID_MSI 0x05
#define CAP_ID_PCIE 0x10
#define CAP_ID_MSIX 0x11
#define EXT_CAP_START 0x100
#define EXT_CAP_ID_DVSEC 0x23
#define CFG_CONVENTIONAL_SIZE 256
#define CFG_EXTENDED_SIZE 4096
/*
 * The Intel Scalable IOV DVSEC (Intel Scalable I/O Virtualization Technical Specification,
 * section 3.7; the kernel's PCI_DVSEC_ID_INTEL_SIOV, PCI_DVSEC_INTEL_SIOV_CAP and _CAP_IMS
 * from the IDXD/IMS series of 2020-21): DVSEC header 1 at +4 holds the vendor (bits 0-15),
 * header 2 at +8 the DVSEC id (bits 0-15), the capability register sits at +0x14, bit 0 =
 * IMS supported.
 */
#define DVSEC_HEADER1 0x04
#define DVSEC_HEADER2 0x08
#define DVSEC_VENDOR_INTEL 0x8086
#define DVSEC_ID_INTEL_SIOV 0x0005
#define SIOV_CAP 0x14
#define SIOV_CAP_IMS 0x1
/* the kernel's own bounds on a walk: PCI_FIND_CAP_TTL, and one header per 8 bytes above 0x100 */
#define CAP_TTL 48
#define EXT_CAP_TTL ((CFG_EXTENDED_SIZE - EXT_CAP_START) / 8)

static unsigned int rd16(const uint8_t *c, size_t off)
{
	return c[off] | (unsigned int)c[off + 1] << 8;
}

static uint32_t rd32(const uint8_t *c, size_t off)
{
	return rd16(c, off) | (uint32_t)rd16(c, off + 2) << 16;
}

static void problem(struct pci_caps *caps, const char *what, unsigned int at)
{
	if (!caps->problem[0])
		snprintf(caps->problem, sizeof(caps->problem), "%s at 0x%x", what, at);
}

static void walk_conventional(const uint8_t *c, size_t len, struct pci_caps *caps)
{
	unsigned int pos, ttl = CAP_TTL;
	uint8_t seen[CFG_CONVENTIONAL_SIZE / 8] = { 0 };

	caps->msi = caps->msix = caps->pcie = ANSWER_NO;
	if (!(c[CFG_STATUS] & CFG_STATUS_CAP_LIST))
		return;
	pos = c[CFG_CAP_PTR] & 0xfc;
	while (pos) {
		unsigned int id, ctl;

		/* below 0x40 is the header itself; the kernel stops there too */
		if (pos < 0x40 || pos + 4 > len) {
			problem(caps, "capability pointer out of range", pos);
			return;
		}
		if (seen[pos / 8] & (1u << (pos % 8)) || !ttl--) {
			problem(caps, "capability list loops", pos);
			return;
		}
		seen[pos / 8] |= 1u << (pos % 8);
		id = c[pos];
		ctl = rd16(c, pos + 2);
		if (id == 0xff) { /* a device that is gone reads all ones */
			problem(caps, "capability id 0xff", pos);
			return;
		}
		if (id == CAP_ID_MSI && caps->msi == ANSWER_NO) {
			caps->msi = ANSWER_YES;
			/* Multiple Message Capable: 2^n vectors; 6 and 7 are reserved */
			caps->msi_max = 1u << (((ctl >> 1) & 7) > 5 ? 5 : ((ctl >> 1) & 7));
			caps->msi_enabled = ctl & 1;
		} else if (id == CAP_ID_MSIX && caps->msix == ANSWER_NO) {
			caps->msix = ANSWER_YES;
			caps->msix_table = (ctl & 0x7ff) + 1;
			caps->msix_enabled = ctl >> 15 & 1;
		} else if (id == CAP_ID_PCIE) {
			caps->pcie = ANSWER_YES;
		}
		pos = c[pos + 1] & 0xfc;
	}
}

static void walk_extended(const uint8_t *c, size_t len, struct pci_caps *caps)
{
	unsigned int pos = EXT_CAP_START, ttl = EXT_CAP_TTL;
	uint8_t seen[CFG_EXTENDED_SIZE / 32] = { 0 };

	caps->siov = caps->siov_ims = ANSWER_NO;
	caps->ext_known = true;
	while (pos) {
		uint32_t hdr;

		if (pos < EXT_CAP_START || pos + 4 > len) {
			problem(caps, "extended capability pointer out of range", pos);
			break;
		}
		if (seen[pos / 32] & (1u << (pos / 4 % 8)) || !ttl--) {
			problem(caps, "extended capability list loops", pos);
			break;
		}
		seen[pos / 32] |= 1u << (pos / 4 % 8);
		hdr = rd32(c, pos);
		/* no extended capabilities: 0, or all ones where the space is not backed */
		if (!hdr || hdr == 0xffffffff)
			break;
		if ((hdr & 0xffff) == EXT_CAP_ID_DVSEC && pos + SIOV_CAP + 4 <= len &&
		    rd16(c, pos + DVSEC_HEADER1) == DVSEC_VENDOR_INTEL &&
		    rd16(c, pos + DVSEC_HEADER2) == DVSEC_ID_INTEL_SIOV && caps->siov != ANSWER_YES) {
			caps->siov = ANSWER_YES;
			caps->siov_offset = pos;
			caps->siov_ims = rd32(c, pos + SIOV_CAP) & SIOV_CAP_IMS ? ANSWER_YES : ANSWER_NO;
		}
		pos = hdr >> 20 & 0xffc;
	}
	/* a broken list proves no absence */
	if (caps->problem[0] && caps->siov == ANSWER_NO)
		caps->siov = caps->siov_ims = ANSWER_UNKNOWN;
}

void pci_config_parse(const uint8_t *cfg, size_t len, struct pci_caps *caps)
{
	enum cfg_state keep = caps->state;

	memset(caps, 0, sizeof(*caps));
	caps->state = keep;
	caps->len = len;
	caps->msi = caps->msix = caps->pcie = caps->siov = caps->siov_ims = ANSWER_UNKNOWN;
	if (keep == CFG_UNREADABLE || keep == CFG_ABSENT)
		return;
	/* sysfs gives an unprivileged reader the first 64 bytes: capabilities unknown, never
	 * "none" (README, "audit") */
	if (!cfg || len < CFG_CONVENTIONAL_SIZE) {
		caps->state = CFG_TRUNCATED;
		return;
	}
	caps->state = len >= CFG_EXTENDED_SIZE ? CFG_FULL : CFG_CONVENTIONAL;
	walk_conventional(cfg, len, caps);
	if (len >= CFG_EXTENDED_SIZE)
		walk_extended(cfg, len, caps);
	else if (caps->pcie == ANSWER_NO && !caps->problem[0])
		/* conventional PCI has no extended space, so no DVSEC */
		caps->siov = caps->siov_ims = ANSWER_NO;
	/* PCIe with 256 bytes: the extended list exists but is not exposed: unknown */
}

/*
 * Devices whose drivers use IMS (or did in the IMS series), all Intel: the idxd driver's
 * id table (drivers/dma/idxd/init.c; ids in include/linux/pci_ids.h and
 * drivers/dma/idxd/registers.h).
 */
static const struct {
	unsigned int vendor, device;
	const char *name;
} known_ims[] = {
	{ 0x8086, 0x0b25, "Intel DSA (Sapphire Rapids)" },
	{ 0x8086, 0x11fb, "Intel DSA (Granite Rapids-D)" },
	{ 0x8086, 0x1212, "Intel DSA (Diamond Rapids)" },
	{ 0x8086, 0x0cfe, "Intel IAA (Sapphire Rapids)" },
	{ 0x8086, 0x1216, "Intel IAA (Diamond Rapids)" },
	{ 0x8086, 0xb02d, "Intel IAA (Panther Lake)" },
	{ 0x8086, 0xfd2d, "Intel IAA (Wildcat Lake)" },
};

const char *pci_known_ims_device(unsigned int vendor, unsigned int device)
{
	size_t i;

	for (i = 0; i < sizeof(known_ims) / sizeof(known_ims[0]); i++)
		if (known_ims[i].vendor == vendor && known_ims[i].device == device)
			return known_ims[i].name;
	return NULL;
}

const char *cfg_state_name(enum cfg_state s)
{
	static const char *const names[] = {
		[CFG_FULL] = "full",
		[CFG_CONVENTIONAL] = "conventional",
		[CFG_TRUNCATED] = "truncated",
		[CFG_UNREADABLE] = "unreadable",
		[CFG_ABSENT] = "absent",
	};

	return NAME_FROM(names, s, "unknown");
}

const char *cfg_state_note(enum cfg_state s)
{
	static const char *const notes[] = {
		[CFG_FULL] = "",
		[CFG_CONVENTIONAL] = "",
		[CFG_TRUNCATED] = "config truncated (not root): capabilities unknown",
		[CFG_UNREADABLE] = "config unreadable: capabilities unknown",
		[CFG_ABSENT] = "no config file: capabilities unknown",
	};

	return NAME_FROM(notes, s, "");
}

/* ---- reading one device ---- */

static void note_unreadable(struct pci_device *d, const char *what)
{
	size_t n = strlen(d->unreadable);

	snprintf(d->unreadable + n, sizeof(d->unreadable) - n, "%s%s", n ? "," : "", what);
}

static int read_hex_file(const struct hostfs *fs, struct pci_device *d, const char *file,
			 unsigned int *out)
{
	char path[160], buf[32], *end;
	unsigned long v;
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DIR "/%s/%s", d->bdf, file);
	n = hostfs_read_text(fs, path, buf, sizeof(buf));
	if (n < 0) {
		if (n != -ENOENT)
			note_unreadable(d, file);
		return (int)n;
	}
	errno = 0;
	v = strtoul(buf, &end, 16);
	if (errno || end == buf || *end || v > 0xffffffffUL)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int read_int_file(const struct hostfs *fs, struct pci_device *d, const char *file)
{
	char path[160], buf[32], *end;
	long v;
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DIR "/%s/%s", d->bdf, file);
	n = hostfs_read_text(fs, path, buf, sizeof(buf));
	if (n < 0) {
		if (n != -ENOENT)
			note_unreadable(d, file);
		return -1;
	}
	v = strtol(buf, &end, 10);
	return end == buf || *end || v < 0 || v > 65535 ? -1 : (int)v;
}

static void read_driver(const struct hostfs *fs, struct pci_device *d)
{
	char path[160], buf[1024], *line, *save;
	ssize_t n;

	/* uevent says DRIVER= as the kernel knows it; the link name is the same word */
	snprintf(path, sizeof(path), PCI_DIR "/%s/uevent", d->bdf);
	n = hostfs_read_text(fs, path, buf, sizeof(buf));
	if (n >= 0) {
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (!strncmp(line, "DRIVER=", 7))
				snprintf(d->driver, sizeof(d->driver), "%s", line + 7);
	}
	if (n < 0 || !d->driver[0]) {
		snprintf(path, sizeof(path), PCI_DIR "/%s/driver", d->bdf);
		n = hostfs_readlink_name(fs, path, d->driver, sizeof(d->driver));
		if (n < 0 && n != -ENOENT)
			note_unreadable(d, "driver");
	}
	if (!d->driver[0])
		return;
	snprintf(path, sizeof(path), PCI_DIR "/%s/driver/module", d->bdf);
	if (hostfs_readlink_name(fs, path, d->module, sizeof(d->module)) < 0)
		d->module[0] = 0; /* built in */
}

struct vf_walk {
	const struct hostfs *fs;
	struct pci_device *d;
	int err;
};

static int vf_link(const char *name, void *ctx)
{
	struct vf_walk *w = ctx;
	struct pci_device *d = w->d;
	char path[160], target[PCI_BDF_LEN], (*grown)[PCI_BDF_LEN];

	if (strncmp(name, "virtfn", 6))
		return 0;
	snprintf(path, sizeof(path), PCI_DIR "/%s/%s", d->bdf, name);
	if (hostfs_readlink_name(w->fs, path, target, sizeof(target)) < 0)
		return 0;
	grown = realloc(d->vfs, (d->n_vfs + 1) * sizeof(*d->vfs));
	if (!grown) {
		w->err = -ENOMEM;
		return 1;
	}
	d->vfs = grown;
	memcpy(d->vfs[d->n_vfs++], target, sizeof(target));
	return 0;
}

struct irq_walk {
	const struct hostfs *fs;
	struct pci_device *d;
	int err;
};

static int msi_irq(const char *name, void *ctx)
{
	struct irq_walk *w = ctx;
	struct pci_device *d = w->d;
	char path[160], mode[16], *end;
	unsigned long irq = strtoul(name, &end, 10);
	struct msi_irq *grown;

	if (end == name || *end)
		return 0;
	/* doubled at powers of two: a device can list thousands */
	if (!(d->n_irqs & (d->n_irqs - 1))) {
		grown = realloc(d->irqs, (d->n_irqs ? 2 * d->n_irqs : 4) * sizeof(*d->irqs));
		if (!grown) {
			w->err = -ENOMEM;
			return 1;
		}
		d->irqs = grown;
	}
	d->irqs[d->n_irqs].irq = (unsigned int)irq;
	d->irqs[d->n_irqs].mode = MSI_MODE_UNKNOWN;
	snprintf(path, sizeof(path), PCI_DIR "/%s/msi_irqs/%s", d->bdf, name);
	if (hostfs_read_text(w->fs, path, mode, sizeof(mode)) >= 0) {
		if (!strcmp(mode, "msix")) {
			d->irqs[d->n_irqs].mode = MSI_MODE_MSIX;
			d->msix_irqs++;
		} else if (!strcmp(mode, "msi")) {
			d->irqs[d->n_irqs].mode = MSI_MODE_MSI;
			d->msi_irqs++;
		}
	}
	d->n_irqs++;
	return 0;
}

static void read_config(const struct hostfs *fs, struct pci_device *d)
{
	static uint8_t cfg[CFG_EXTENDED_SIZE];
	char path[160];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DIR "/%s/config", d->bdf);
	n = hostfs_read_bin(fs, path, cfg, sizeof(cfg));
	d->caps.state = n == -ENOENT ? CFG_ABSENT : n < 0 ? CFG_UNREADABLE : CFG_FULL;
	if (n < 0 && n != -ENOENT)
		note_unreadable(d, "config");
	pci_config_parse(n < 0 ? NULL : cfg, n < 0 ? 0 : (size_t)n, &d->caps);
}

static int read_device(const struct hostfs *fs, struct pci_device *d)
{
	struct vf_walk vw = { .fs = fs, .d = d };
	struct irq_walk iw = { .fs = fs, .d = d };
	char path[160];
	int r;

	d->ids = !read_hex_file(fs, d, "vendor", &d->vendor) &&
		 !read_hex_file(fs, d, "device", &d->device);
	read_hex_file(fs, d, "subsystem_vendor", &d->subvendor);
	read_hex_file(fs, d, "subsystem_device", &d->subdevice);
	read_hex_file(fs, d, "class", &d->class);
	d->class &= 0xffffff;
	read_driver(fs, d);
	d->sriov_total = read_int_file(fs, d, "sriov_totalvfs");
	d->sriov_num = read_int_file(fs, d, "sriov_numvfs");
	snprintf(path, sizeof(path), PCI_DIR "/%s", d->bdf);
	hostfs_list(fs, path, vf_link, &vw);
	if (vw.err)
		return vw.err;
	snprintf(path, sizeof(path), PCI_DIR "/%s/physfn", d->bdf);
	hostfs_readlink_name(fs, path, d->physfn, sizeof(d->physfn));
	snprintf(path, sizeof(path), PCI_DIR "/%s/msi_irqs", d->bdf);
	r = hostfs_list(fs, path, msi_irq, &iw);
	if (iw.err)
		return iw.err;
	d->msi_irqs_dir = r == -ENOENT ? ANSWER_NO : r < 0 ? ANSWER_UNKNOWN : ANSWER_YES;
	if (r < 0 && r != -ENOENT)
		note_unreadable(d, "msi_irqs");
	read_config(fs, d);
	d->known_ims = d->ids ? pci_known_ims_device(d->vendor, d->device) : NULL;
	return 0;
}

struct dev_walk {
	const struct hostfs *fs;
	struct inventory *inv;
	int err;
};

static int one_device(const char *name, void *ctx)
{
	struct dev_walk *w = ctx;
	struct inventory *inv = w->inv;
	struct pci_device *grown, *d;

	if (strlen(name) >= PCI_BDF_LEN)
		return 0;
	if (!(inv->n & (inv->n - 1))) {
		grown = realloc(inv->dev, (inv->n ? 2 * inv->n : 4) * sizeof(*inv->dev));
		if (!grown) {
			w->err = -ENOMEM;
			return 1;
		}
		inv->dev = grown;
	}
	d = &inv->dev[inv->n++];
	memset(d, 0, sizeof(*d));
	memcpy(d->bdf, name, strlen(name) + 1);
	w->err = read_device(w->fs, d);
	return w->err ? 1 : 0;
}

int inventory_read(const struct hostfs *fs, struct inventory *inv)
{
	struct dev_walk w = { .fs = fs, .inv = inv };
	int r;

	memset(inv, 0, sizeof(*inv));
	r = hostfs_list(fs, PCI_DIR, one_device, &w);
	if (w.err)
		return w.err;
	if (r < 0)
		inv->list_error = r;
	return 0;
}

void inventory_free(struct inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->n; i++) {
		free(inv->dev[i].vfs);
		free(inv->dev[i].irqs);
	}
	free(inv->dev);
	memset(inv, 0, sizeof(*inv));
}

struct pci_device *inventory_find(const struct inventory *inv, const char *bdf)
{
	/* hostfs_list sorted them */
	size_t i, lo = 0, hi = inv->n;

	while (lo < hi) {
		int c;

		i = lo + (hi - lo) / 2;
		c = strcmp(inv->dev[i].bdf, bdf);
		if (!c)
			return &inv->dev[i];
		if (c < 0)
			lo = i + 1;
		else
			hi = i;
	}
	return NULL;
}

const struct msi_irq *pci_device_msi_irq(const struct pci_device *d, unsigned int irq)
{
	unsigned int i;

	for (i = 0; i < d->n_irqs; i++)
		if (d->irqs[i].irq == irq)
			return &d->irqs[i];
	return NULL;
}
