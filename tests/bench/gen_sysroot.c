// SPDX-License-Identifier: GPL-2.0
/*
 * gen_sysroot: write a synthetic sysroot of a large machine for `imswatch audit --sysroot`
 * (make bench). Deterministic: the same arguments give the same tree.
 *
 *   gen_sysroot DIR [CPUS]            (CPUS: columns of /proc/interrupts, default 256)
 *
 * 4,096 PCI functions and 65,536 interrupts:
 *   - 64 SR-IOV physical functions (ice, 64 MSI-X vectors each; an SR-IOV extended
 *     capability with 31 VFs enabled), each followed by its 31 virtual functions (iavf,
 *     8 MSI-X vectors each; physfn/virtfnN links both ways): 2,048 functions
 *   - 1,024 NVMe controllers (nvme, 33 MSI-X vectors each)
 *   - 64 functions with the Intel Scalable IOV DVSEC (idxd, 9 MSI-X vectors each; the DVSEC's
 *     IMS-supported bit set), 16 of which have 16 IMS interrupts each, on chips
 *     IR-IDXD-IMS-<bdf>, listed in /proc/interrupts and /sys/kernel/irq but not in msi_irqs/
 *   - 960 MSI functions (xhci_hcd, 4 MSI vectors each)
 *   - the rest of the 65,536 interrupts on IR-IO-APIC (fasteoi), no device
 * Every function has a 4,096-byte config space with its capability lists (power management,
 * MSI or MSI-X with the enable bit and vector count matching msi_irqs/, PCI Express; AER,
 * then SR-IOV or the DVSEC where they apply), ids, class, subsystem ids and a driver link
 * with its module. /proc/interrupts has CPUS columns and the usual named rows (NMI, LOC, ...);
 * each interrupt's /sys/kernel/irq entry (chip_name, hwirq, type, actions, per_cpu_count,
 * name) agrees with its row. /proc/kallsyms holds the 6.2-6.9 IMS API.
 *
 * To keep the tree small on disk, files of identical content (type, name, hwirq, chip_name,
 * per_cpu_count, the msi_irqs/ modes) are hard links to one copy under DIR/.pool; a reader
 * still opens and reads every path. Exit status 0, or 1 with a message on any error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N_IRQS 65536
#define IRQ_BASE 24 /* the first dynamically allocated irq, as on x86 */

enum kind { PF, VF, NVME, SIOV, MSIDEV };

struct dev {
	char bdf[16];
	enum kind kind;
	int nvec;	/* MSI/MSI-X vectors */
	int nims;	/* IMS interrupts */
	int first_irq;	/* of the MSI/MSI-X vectors; IMS follow */
	int pf;		/* index of the PF, for a VF */
	int unit;	/* per-driver instance number */
};

static const char *root;
static int cpus = 256;
static struct dev devs[4096];
static int ndev;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("gen_sysroot: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void mkdirs(const char *rel)
{
	char p[4096], *s;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			die("mkdir %s: %s", p, strerror(errno));
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		die("mkdir %s: %s", p, strerror(errno));
}

static void put(const char *rel, const void *data, size_t len)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		die("write %s: %s", p, strerror(errno));
}

static void putf(const char *rel, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(rel, buf, (size_t)n);
}

/* pooled REL POOLNAME CONTENT: REL becomes a hard link to DIR/.pool/POOLNAME */
static void pooled(const char *rel, const char *pool, const char *content)
{
	char src[4096], dst[4096], prel[512];

	snprintf(prel, sizeof(prel), ".pool/%s", pool);
	snprintf(src, sizeof(src), "%s/%s", root, prel);
	if (access(src, F_OK))
		put(prel, content, strlen(content));
	snprintf(dst, sizeof(dst), "%s/%s", root, rel);
	if (link(src, dst))
		die("link %s: %s", dst, strerror(errno));
}

static void symlink_rel(const char *target, const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p))
		die("symlink %s: %s", p, strerror(errno));
}

static const char *driver_of(enum kind k)
{
	static const char *const d[] = { "ice", "iavf", "nvme", "idxd", "xhci_hcd" };
	return d[k];
}

static void add(int bus, int devfn, enum kind k, int nvec, int nims, int pf, int unit)
{
	struct dev *d = &devs[ndev++];

	snprintf(d->bdf, sizeof(d->bdf), "0000:%02x:%02x.%d", bus & 0xff, devfn >> 3 & 0x1f, devfn & 7);
	d->kind = k;
	d->nvec = nvec;
	d->nims = nims;
	d->pf = pf;
	d->unit = unit;
}

static void plan(void)
{
	int i, j, n = 0;

	for (i = 0; i < 64; i++) { /* 8 PFs per bus, each PF then its 31 VFs */
		int bus = 0x10 + i / 8, base = (i % 8) * 32, pf = ndev;

		add(bus, base, PF, 64, 0, -1, i);
		for (j = 1; j < 32; j++)
			add(bus, base + j, VF, 8, 0, pf, n++);
	}
	for (i = 0; i < 1024; i++)
		add(0x20 + i / 256, i % 256, NVME, 33, 0, -1, i);
	for (i = 0; i < 64; i++)
		add(0x30, i * 8 % 256 + i / 32, SIOV, 9, i < 16 ? 16 : 0, -1, i);
	for (i = 0; i < 960; i++)
		add(0x40 + i / 256, i % 256, MSIDEV, 4, 0, -1, i);
}

static void le16(uint8_t *c, int off, unsigned v)
{
	c[off] = v & 0xff;
	c[off + 1] = v >> 8 & 0xff;
}

static void le32(uint8_t *c, int off, uint32_t v)
{
	le16(c, off, v & 0xffff);
	le16(c, off + 2, v >> 16);
}

static void ids(enum kind k, unsigned *ven, unsigned *dev, unsigned *cls)
{
	switch (k) {
	case PF: *ven = 0x8086, *dev = 0x1592, *cls = 0x020000; break;
	case VF: *ven = 0x8086, *dev = 0x1889, *cls = 0x020000; break;
	case NVME: *ven = 0x144d, *dev = 0xa80a, *cls = 0x010802; break;
	case SIOV: *ven = 0x8086, *dev = 0x0b25, *cls = 0x088000; break;
	default: *ven = 0x1912, *dev = 0x0014, *cls = 0x0c0330; break;
	}
}

static int log2ceil(int n)
{
	int l = 0;

	while ((1 << l) < n)
		l++;
	return l;
}

static void config(const struct dev *d, uint8_t *c)
{
	unsigned ven, dev, cls;
	int msix = d->kind != MSIDEV;

	ids(d->kind, &ven, &dev, &cls);
	memset(c, 0, 4096);
	le16(c, 0, ven);
	le16(c, 2, dev);
	le16(c, 4, 0x0406);	/* memory, bus master, no INTx */
	le16(c, 6, 0x0010);	/* capability list */
	le32(c, 8, cls << 8 | 0x01);
	le16(c, 0x2c, ven);
	le16(c, 0x2e, 0x0001 + d->kind);
	c[0x34] = 0x40;
	c[0x40] = 0x01, c[0x41] = 0x50;	/* power management */
	le16(c, 0x42, 0x0003);
	if (msix) {
		c[0x50] = 0x11, c[0x51] = 0x70;	/* MSI-X: enable, table size - 1 */
		le16(c, 0x52, 0x8000 | (unsigned)(d->nvec - 1));
		le32(c, 0x54, 0x00000000);	/* table in BAR 0 at 0 */
		le32(c, 0x58, 0x00002000);	/* PBA in BAR 0 at 0x2000 */
	} else {
		c[0x50] = 0x05, c[0x51] = 0x70;	/* MSI, 64-bit, enabled, 2^n vectors enabled */
		le16(c, 0x52, 0x0081 | log2ceil(d->nvec) << 4 | log2ceil(d->nvec) << 1);
	}
	c[0x70] = 0x10, c[0x71] = 0x00;	/* PCI Express, endpoint */
	le16(c, 0x72, 0x0002);
	/* extended: AER at 0x100, then SR-IOV or the Scalable IOV DVSEC at 0x150 */
	if (d->kind == PF || d->kind == SIOV) {
		le32(c, 0x100, 0x0001 | 1 << 16 | 0x150u << 20);
		if (d->kind == PF) {
			le32(c, 0x150, 0x0010 | 1 << 16);	/* SR-IOV */
			le16(c, 0x158, 0x0001);		/* VF enable */
			le16(c, 0x15c, 31);		/* InitialVFs */
			le16(c, 0x15e, 31);		/* TotalVFs */
			le16(c, 0x160, 31);		/* NumVFs */
			le16(c, 0x164, 1);		/* First VF offset */
			le16(c, 0x166, 1);		/* VF stride */
			le16(c, 0x16a, 0x1889);		/* VF device id */
		} else {
			le32(c, 0x150, 0x0023 | 1 << 16);	/* DVSEC */
			le32(c, 0x154, 0x8086 | 0u << 16 | 0x18u << 20); /* vendor, rev 0, length */
			le16(c, 0x158, 0x0005);		/* DVSEC id 5: Scalable IOV */
			c[0x15a] = 0;			/* function dependency link */
			c[0x15b] = 0x01;		/* flags: homogeneous */
			le32(c, 0x15c, 0x00000553);	/* supported page sizes */
			le32(c, 0x160, 0x00000001);	/* system page size */
			le32(c, 0x164, 0x00000001);	/* capabilities: IMS supported */
		}
	} else {
		le32(c, 0x100, 0x0001 | 1 << 16);
	}
}

static const char *chip(const struct dev *d, int ims, char *buf, size_t len)
{
	if (ims)
		snprintf(buf, len, "IR-IDXD-IMS-%.15s", d->bdf);
	else
		snprintf(buf, len, "IR-PCI-%s-%.15s", d->kind == MSIDEV ? "MSI" : "MSIX", d->bdf);
	return buf;
}

static void action(const struct dev *d, int i, char *buf, size_t len)
{
	switch (d->kind) {
	case PF: snprintf(buf, len, "ice-%s:q%d", d->bdf, i); break;
	case VF: snprintf(buf, len, "iavf-%d-TxRx-%d", d->unit, i); break;
	case NVME: snprintf(buf, len, "nvme%dq%d", d->unit, i); break;
	case SIOV: snprintf(buf, len, "idxd%d-%s%d", d->unit, i < d->nvec ? "wq" : "ims", i); break;
	default: snprintf(buf, len, "xhci_hcd%d", d->unit); break;
	}
}

/* the interrupt count of IRQ on CPU: 1,000 on one CPU, 0 elsewhere */
static unsigned count(int irq, int cpu)
{
	return cpu == irq % cpus ? 1000u : 0u;
}

static void irq_entry(int irq, const char *chipname, const char *chippool, int hwirq,
		      int edge, const char *act)
{
	char rel[256], f[320], pool[64], pcc[8192];
	size_t o = 0;
	int c;

	snprintf(rel, sizeof(rel), "sys/kernel/irq/%d", irq);
	mkdirs(rel);
	snprintf(f, sizeof(f), "%s/chip_name", rel);
	{
		char content[128];

		snprintf(content, sizeof(content), "%s\n", chipname);
		pooled(f, chippool, content);
	}
	snprintf(f, sizeof(f), "%s/hwirq", rel);
	snprintf(pool, sizeof(pool), "hwirq-%d", hwirq);
	{
		char content[32];

		snprintf(content, sizeof(content), "%d\n", hwirq);
		pooled(f, pool, content);
	}
	snprintf(f, sizeof(f), "%s/type", rel);
	pooled(f, edge ? "type-edge" : "type-level", edge ? "edge\n" : "level\n");
	snprintf(f, sizeof(f), "%s/name", rel);
	pooled(f, edge ? "name-edge" : "name-fasteoi", edge ? "edge\n" : "fasteoi\n");
	snprintf(f, sizeof(f), "%s/per_cpu_count", rel);
	snprintf(pool, sizeof(pool), "pcc-%d", irq % cpus);
	for (c = 0; c < cpus; c++)
		o += (size_t)snprintf(pcc + o, sizeof(pcc) - o, "%s%u", c ? "," : "", count(irq, c));
	snprintf(pcc + o, sizeof(pcc) - o, "\n");
	pooled(f, pool, pcc);
	snprintf(f, sizeof(f), "%s/actions", rel);
	putf(f, "%s\n", act);
}

static void proc_row(FILE *pi, int irq, const char *chipname, int hwirq, int edge, const char *act)
{
	int c;

	fprintf(pi, "%*d: ", 5, irq);
	for (c = 0; c < cpus; c++)
		fprintf(pi, "%10u ", count(irq, c));
	fprintf(pi, " %8s  %d-%s", chipname, hwirq, edge ? "edge" : "fasteoi");
	if (act && *act)
		fprintf(pi, "      %s", act);
	fputc('\n', pi);
}

int main(int argc, char **argv)
{
	char rel[512], f[640], buf[256], cn[128], pool[64];
	uint8_t cfg[4096];
	FILE *pi;
	int i, k, irq = IRQ_BASE, c;

	if (argc < 2 || argc > 3)
		die("usage: gen_sysroot DIR [CPUS]");
	root = argv[1];
	if (argc == 3 && ((cpus = atoi(argv[2])) < 1 || cpus > 512))
		die("CPUS must be 1..512");
	if (mkdir(root, 0755))
		die("%s: %s (give a new directory)", root, strerror(errno));
	mkdirs(".pool");
	mkdirs("sys/bus/pci/devices");
	mkdirs("sys/kernel/irq");
	mkdirs("proc");
	plan();

	snprintf(f, sizeof(f), "%s/proc/interrupts", root);
	pi = fopen(f, "w");
	if (!pi)
		die("%s: %s", f, strerror(errno));
	fprintf(pi, "%*s", 7, "");
	for (c = 0; c < cpus; c++)
		fprintf(pi, "CPU%-8d", c);
	fputc('\n', pi);

	/* the drivers and their modules */
	for (k = PF; k <= MSIDEV; k++) {
		snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s", driver_of(k));
		mkdirs(rel);
		snprintf(f, sizeof(f), "sys/module/%s", driver_of(k));
		mkdirs(f);
		snprintf(f, sizeof(f), "%s/module", rel);
		snprintf(buf, sizeof(buf), "../../../../module/%s", driver_of(k));
		symlink_rel(buf, f);
	}

	for (i = 0; i < ndev; i++) {
		struct dev *d = &devs[i];
		unsigned ven, dev, cls;

		ids(d->kind, &ven, &dev, &cls);
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%.15s", d->bdf);
		mkdirs(rel);
#define PUTF(name, ...)                                            \
	do {                                                       \
		snprintf(f, sizeof(f), "%s/" name, rel);           \
		putf(f, __VA_ARGS__);                              \
	} while (0)
		PUTF("vendor", "0x%04x\n", ven);
		PUTF("device", "0x%04x\n", dev);
		PUTF("class", "0x%06x\n", cls);
		PUTF("subsystem_vendor", "0x%04x\n", ven);
		PUTF("subsystem_device", "0x%04x\n", 0x0001 + d->kind);
		PUTF("revision", "0x01\n");
		PUTF("irq", "0\n");
		/* BAR 0 (64-bit memory, 64 KiB), the rest unused, as lspci -A linux-sysfs reads */
		{
			char res[1024];
			size_t o = 0;

			o += (size_t)snprintf(res, sizeof(res), "0x%016llx 0x%016llx 0x%016llx\n",
					      0x4000000000ULL + (unsigned long long)i * 0x10000,
					      0x4000000000ULL + (unsigned long long)i * 0x10000 + 0xffff,
					      0x140204ULL);
			for (k = 1; k < 13; k++)
				o += (size_t)snprintf(res + o, sizeof(res) - o,
						      "0x%016x 0x%016x 0x%016x\n", 0, 0, 0);
			snprintf(f, sizeof(f), "%s/resource", rel);
			put(f, res, o);
		}
		config(d, cfg);
		snprintf(f, sizeof(f), "%s/config", rel);
		put(f, cfg, sizeof(cfg));
		snprintf(f, sizeof(f), "%s/driver", rel);
		snprintf(buf, sizeof(buf), "../../drivers/%s", driver_of(d->kind));
		symlink_rel(buf, f);
		if (d->kind == PF) {
			PUTF("sriov_totalvfs", "31\n");
			PUTF("sriov_numvfs", "31\n");
			PUTF("sriov_offset", "1\n");
			PUTF("sriov_stride", "1\n");
			PUTF("sriov_vf_device", "1889\n");
			PUTF("sriov_drivers_autoprobe", "1\n");
			for (k = 1; k < 32; k++) {
				snprintf(f, sizeof(f), "%s/virtfn%d", rel, k - 1);
				snprintf(buf, sizeof(buf), "../%s", devs[i + k].bdf);
				symlink_rel(buf, f);
			}
		}
		if (d->kind == VF) {
			snprintf(f, sizeof(f), "%s/physfn", rel);
			snprintf(buf, sizeof(buf), "../%s", devs[d->pf].bdf);
			symlink_rel(buf, f);
		}
		snprintf(f, sizeof(f), "%s/msi_irqs", rel);
		mkdirs(f);
		d->first_irq = irq;
		snprintf(pool, sizeof(pool), "chip-%d", i);
		chip(d, 0, cn, sizeof(cn));
		for (k = 0; k < d->nvec; k++, irq++) {
			const char *mode = d->kind == MSIDEV ? "msi\n" : "msix\n";

			snprintf(f, sizeof(f), "%s/msi_irqs/%d", rel, irq);
			pooled(f, d->kind == MSIDEV ? "mode-msi" : "mode-msix", mode);
			action(d, k, buf, sizeof(buf));
			/* MSI's hwirq is the vector index as well on per-device domains */
			irq_entry(irq, cn, pool, k, 1, buf);
			proc_row(pi, irq, cn, k, 1, buf);
		}
		snprintf(pool, sizeof(pool), "chip-ims-%d", i);
		chip(d, 1, cn, sizeof(cn));
		for (k = 0; k < d->nims; k++, irq++) {
			action(d, d->nvec + k, buf, sizeof(buf));
			irq_entry(irq, cn, pool, k, 1, buf);
			proc_row(pi, irq, cn, k, 1, buf);
		}
	}
	if (irq > IRQ_BASE + N_IRQS)
		die("the plan has %d interrupts, more than %d", irq - IRQ_BASE, N_IRQS);
	/* the rest: IO-APIC pins without devices, then the first 24 (legacy) */
	for (i = 0; irq < IRQ_BASE + N_IRQS; irq++, i++) {
		irq_entry(irq, "IR-IO-APIC", "chip-ioapic", 24 + i, 0, "");
		proc_row(pi, irq, "IR-IO-APIC", 24 + i, 0, "");
	}
	static const char *const named[] = { "NMI", "LOC", "SPU", "PMI", "IWI", "RTR", "RES",
					     "CAL", "TLB", "TRM", "THR", "DFR", "MCE", "MCP" };
	for (i = 0; i < (int)(sizeof(named) / sizeof(named[0])); i++) {
		fprintf(pi, "%*s: ", 5, named[i]);
		for (c = 0; c < cpus; c++)
			fprintf(pi, "%10u ", (unsigned)(c + i));
		fprintf(pi, "  %s\n", named[i]);
	}
	fprintf(pi, "%*s: %10u\n%*s: %10u\n", 5, "ERR", 0u, 5, "MIS", 0u);
	if (fclose(pi))
		die("write %s/proc/interrupts: %s", root, strerror(errno));
	putf("proc/kallsyms",
	     "0000000000000000 T pci_create_ims_domain\n"
	     "0000000000000000 T pci_ims_alloc_irq\n"
	     "0000000000000000 T pci_ims_free_irq\n"
	     "0000000000000000 T msi_create_device_irq_domain\n"
	     "0000000000000000 T pci_alloc_irq_vectors_affinity\n");
	for (i = 0, k = 0, c = 0; i < ndev; i++)
		k += devs[i].nvec, c += devs[i].nims;
	printf("gen_sysroot: %s: %d PCI functions, %d interrupts (%d MSI/MSI-X, %d IMS, %d IO-APIC), "
	       "%d CPU columns\n", root, ndev, N_IRQS, k, c, N_IRQS - k - c, cpus);
	return 0;
}
