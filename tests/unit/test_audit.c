// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the audit: the config-space capability walk (good lists, loops, pointers out
 * of range, short reads, garbage), chip-name classification under both naming schemes, the
 * proc/interrupts parser (odd columns, non-numeric counts, 10,000 CPUs), classification
 * against an inventory (an IMS domain, vIR-, a pre-6.2 global domain), every finding rule on
 * hand-made snapshots, the watch's overlap rule, and a sysfs tree read through hostfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "hostfs.h"
#include "output.h"
#include "pipeline.h"
#include "platform.h"
#include "test_event.h"

/* ---- config space ---- */

static void put16(uint8_t *c, size_t off, unsigned int v)
{
	c[off] = v & 0xff;
	c[off + 1] = v >> 8 & 0xff;
}

static void put32(uint8_t *c, size_t off, uint32_t v)
{
	put16(c, off, v & 0xffff);
	put16(c, off + 2, v >> 16);
}

/* a DSA-like function: PCIe, MSI (4 vectors), MSI-X (9 entries, on), an ext list with an
 * unrelated AER cap, then the Intel SIOV DVSEC with IMS supported */
static void dsa_config(uint8_t *c)
{
	memset(c, 0, 4096);
	put16(c, 0, 0x8086);
	put16(c, 2, 0x0b25);
	c[0x06] = 0x10;
	c[0x34] = 0x40;
	c[0x40] = 0x10; c[0x41] = 0x50;			 /* PCIe */
	c[0x50] = 0x05; c[0x51] = 0x60; put16(c, 0x52, 2 << 1); /* MSI, 4 vectors */
	c[0x60] = 0x11; c[0x61] = 0x00; put16(c, 0x62, 0x8000 | 8); /* MSI-X 9, enabled */
	put32(c, 0x100, 0x0001 | 1 << 16 | 0x150u << 20);	 /* AER -> 0x150 */
	put32(c, 0x150, 0x0023 | 1 << 16 | 0u << 20);		 /* DVSEC, last */
	put16(c, 0x154, 0x8086);
	put16(c, 0x158, 0x0005);
	put32(c, 0x164, 0x1);					 /* IMS supported */
}

static void test_config_dsa(void **state)
{
	uint8_t c[4096];
	struct pci_caps k = { 0 };

	(void)state;
	dsa_config(c);
	pci_config_parse(c, sizeof(c), &k);
	assert_int_equal(k.state, CFG_FULL);
	assert_int_equal(k.pcie, ANSWER_YES);
	assert_int_equal(k.msi, ANSWER_YES);
	assert_int_equal(k.msi_max, 4);
	assert_int_equal(k.msix, ANSWER_YES);
	assert_int_equal(k.msix_table, 9);
	assert_true(k.msix_enabled);
	assert_int_equal(k.siov, ANSWER_YES);
	assert_int_equal(k.siov_ims, ANSWER_YES);
	assert_int_equal(k.siov_offset, 0x150);
	assert_string_equal(k.problem, "");
	/* the same DVSEC with the IMS bit clear, and another vendor's DVSEC id 5 */
	put32(c, 0x164, 0);
	pci_config_parse(c, sizeof(c), &k);
	assert_int_equal(k.siov, ANSWER_YES);
	assert_int_equal(k.siov_ims, ANSWER_NO);
	put16(c, 0x154, 0x1af4);
	pci_config_parse(c, sizeof(c), &k);
	assert_int_equal(k.siov, ANSWER_NO);
}

static void test_config_short_and_conventional(void **state)
{
	uint8_t c[4096];
	struct pci_caps k = { 0 };

	(void)state;
	dsa_config(c);
	/* what sysfs gives a reader without root: 64 bytes, capabilities unknown */
	pci_config_parse(c, 64, &k);
	assert_int_equal(k.state, CFG_TRUNCATED);
	assert_int_equal(k.msi, ANSWER_UNKNOWN);
	assert_int_equal(k.msix, ANSWER_UNKNOWN);
	assert_int_equal(k.siov, ANSWER_UNKNOWN);
	assert_string_equal(cfg_state_note(k.state),
			    "config truncated (not root): capabilities unknown");
	/* 256 bytes of a PCIe device: the extended list exists but is not exposed */
	pci_config_parse(c, 256, &k);
	assert_int_equal(k.state, CFG_CONVENTIONAL);
	assert_int_equal(k.msix, ANSWER_YES);
	assert_int_equal(k.siov, ANSWER_UNKNOWN);
	/* conventional PCI: no extended space, so no DVSEC */
	c[0x40] = 0x01; /* power management instead of PCIe */
	pci_config_parse(c, 256, &k);
	assert_int_equal(k.pcie, ANSWER_NO);
	assert_int_equal(k.siov, ANSWER_NO);
	/* unreadable stays unknown */
	k.state = CFG_UNREADABLE;
	pci_config_parse(NULL, 0, &k);
	assert_int_equal(k.state, CFG_UNREADABLE);
	assert_int_equal(k.msix, ANSWER_UNKNOWN);
}

static void test_config_loops_and_garbage(void **state)
{
	uint8_t c[4096];
	struct pci_caps k = { 0 };
	size_t i;

	(void)state;
	dsa_config(c);
	c[0x61] = 0x40; /* MSI-X points back at PCIe: a loop */
	c[0x51] = 0x60;
	c[0x60] = 0x11;
	c[0x61] = 0x40;
	pci_config_parse(c, sizeof(c), &k);
	assert_non_null(strstr(k.problem, "loops"));
	assert_int_equal(k.msix, ANSWER_YES); /* what was found before the loop stays */
	/* a pointer into the header */
	dsa_config(c);
	c[0x41] = 0x20;
	pci_config_parse(c, sizeof(c), &k);
	assert_non_null(strstr(k.problem, "out of range"));
	/* an extended list that loops: the DVSEC is not claimed absent */
	dsa_config(c);
	put32(c, 0x100, 0x0001 | 1 << 16 | 0x100u << 20);
	pci_config_parse(c, sizeof(c), &k);
	assert_non_null(strstr(k.problem, "extended capability list loops"));
	assert_int_equal(k.siov, ANSWER_UNKNOWN);
	/* all ones (a device that went away) and all zeros */
	memset(c, 0xff, sizeof(c));
	pci_config_parse(c, sizeof(c), &k);
	assert_true(k.problem[0]);
	memset(c, 0, sizeof(c));
	pci_config_parse(c, sizeof(c), &k);
	assert_int_equal(k.msi, ANSWER_NO);
	assert_int_equal(k.siov, ANSWER_NO);
	/* random bytes never crash nor run away */
	srand(7);
	for (i = 0; i < 2000; i++) {
		size_t j;

		for (j = 0; j < sizeof(c); j++)
			c[j] = (uint8_t)rand();
		pci_config_parse(c, (size_t)rand() % (sizeof(c) + 1), &k);
	}
}

static void test_known_ids(void **state)
{
	(void)state;
	assert_non_null(pci_known_ims_device(0x8086, 0x0b25));
	assert_non_null(pci_known_ims_device(0x8086, 0x0cfe));
	assert_null(pci_known_ims_device(0x1af4, 0x1041));
}

/* ---- chip names ---- */

static void test_chip_classify(void **state)
{
	struct irq_chip_class c;
	char bdf[PCI_BDF_LEN];
	unsigned int index;

	(void)state;
	irq_chip_classify("IR-PCI-MSIX-0000:3d:00.0", &c);
	assert_int_equal(c.remap, REMAP_IR);
	assert_int_equal(c.naming, NAMING_PER_DEVICE);
	assert_string_equal(c.base, "PCI-MSIX");
	assert_string_equal(c.bdf, "0000:3d:00.0");
	irq_chip_classify("PCI-MSI-0000:00:02.0", &c);
	assert_int_equal(c.remap, REMAP_NONE);
	assert_string_equal(c.base, "PCI-MSI");
	irq_chip_classify("vIR-PCI-MSIX-10000:00:1f.7", &c);
	assert_int_equal(c.remap, REMAP_VIR);
	assert_string_equal(c.bdf, "10000:00:1f.7");
	irq_chip_classify("IR-EDU-IMS-0000:00:04.0", &c);
	assert_string_equal(c.base, "EDU-IMS");
	assert_int_equal(c.naming, NAMING_PER_DEVICE);
	irq_chip_classify("IR-PCI-MSI", &c);
	assert_int_equal(c.naming, NAMING_GLOBAL);
	assert_int_equal(c.remap, REMAP_IR);
	irq_chip_classify("PCI-MSI", &c);
	assert_int_equal(c.naming, NAMING_GLOBAL);
	irq_chip_classify("IO-APIC", &c);
	assert_int_equal(c.naming, NAMING_OTHER);
	irq_chip_classify("DMAR-MSI", &c);
	assert_int_equal(c.naming, NAMING_OTHER);
	/* not a device name: upper case, short domain, bad function */
	irq_chip_classify("X-0000:3D:00.0", &c);
	assert_int_equal(c.naming, NAMING_OTHER);
	irq_chip_classify("X-00:03:00.0", &c);
	assert_int_equal(c.naming, NAMING_OTHER);
	irq_chip_classify("X-0000:03:00.8", &c);
	assert_int_equal(c.naming, NAMING_OTHER);
	irq_chip_classify("-0000:03:00.1", &c);
	assert_int_equal(c.naming, NAMING_OTHER);
	/* pre-6.2 hwirq: 524288 = bus 1, devfn 0, index 0 (the kernel's own example) */
	irq_decode_global_hwirq(524288, bdf, sizeof(bdf), &index);
	assert_string_equal(bdf, "0000:01:00.0");
	assert_int_equal(index, 0);
	irq_decode_global_hwirq(((0x3dULL << 8 | (2 << 3 | 1)) << 11) | 5 | 1ULL << 27, bdf,
				sizeof(bdf), &index);
	assert_string_equal(bdf, "0001:3d:02.1");
	assert_int_equal(index, 5);
}

/* ---- proc/interrupts ---- */

static int parse_text(const char *text, struct proc_interrupts *p)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int r;

	assert_non_null(fp);
	r = proc_interrupts_parse(fp, p);
	fclose(fp);
	return r;
}

static void test_proc_interrupts(void **state)
{
	static const char text[] =
		"           CPU0       CPU1       \n"
		"  0:         44          0   IO-APIC   2-edge      timer\n"
		" 28:          0       2089  PCI-MSIX-0000:00:01.0   3-edge      virtio0-stats\n"
		" 29:          1          2  IR-PCI-MSI 524288-edge      nvme0q0\n"
		" 30:          7  IR-IO-APIC  9-fasteoi  acpi\n"	 /* a column short */
		" 31:         x7          1  PCI-MSI-0000:00:02.0  0-edge  a, b\n" /* not a number */
		" 32:          0          0  dummy  -edge\n"		 /* no domain: no hwirq */
		" 33:          0          0\n"				 /* no chip */
		"NMI:          0          0   Non-maskable interrupts\n"
		"ERR:          0\n";
	struct proc_interrupts p;

	(void)state;
	assert_int_equal(parse_text(text, &p), 0);
	assert_int_equal(p.ncpus, 2);
	assert_int_equal(p.n, 6);
	assert_int_equal(p.other_lines, 2);
	assert_int_equal(p.bad_lines, 3);
	assert_int_equal(p.irq[1].irq, 28);
	assert_int_equal(p.irq[1].total, 2089);
	assert_true(p.irq[1].counts_ok);
	assert_string_equal(p.irq[1].chip, "PCI-MSIX-0000:00:01.0");
	assert_true(p.irq[1].hwirq_known);
	assert_int_equal(p.irq[1].hwirq, 3);
	assert_string_equal(p.irq[1].flow, "edge");
	assert_string_equal(p.irq[1].actions, "virtio0-stats");
	assert_int_equal(p.irq[2].hwirq, 524288);
	assert_string_equal(p.irq[2].chip, "IR-PCI-MSI");
	assert_false(p.irq[3].counts_ok);
	assert_string_equal(p.irq[3].chip, "IR-IO-APIC");
	assert_false(p.irq[4].counts_ok);
	assert_string_equal(p.irq[4].chip, "x7"); /* never guessed into a count */
	assert_false(p.irq[5].hwirq_known);
	assert_string_equal(p.irq[5].flow, "edge");
	proc_interrupts_free(&p);
	assert_int_equal(parse_text("", &p), -EINVAL);
	assert_int_equal(parse_text("no header here\n 1: 2 x\n", &p), -EINVAL);
}

static void test_proc_interrupts_many_cpus(void **state)
{
	const unsigned int ncpu = 10000;
	size_t len = (size_t)ncpu * 24 + 256, n = 0;
	char *text = malloc(len);
	struct proc_interrupts p;
	unsigned int i;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < ncpu; i++)
		n += (size_t)snprintf(text + n, len - n, " CPU%u", i);
	n += (size_t)snprintf(text + n, len - n, "\n 40:");
	for (i = 0; i < ncpu; i++)
		n += (size_t)snprintf(text + n, len - n, " %u", i % 3);
	snprintf(text + n, len - n, " IR-PCI-MSIX-0000:3d:00.0 7-edge ice-q7\n");
	assert_int_equal(parse_text(text, &p), 0);
	assert_int_equal(p.ncpus, ncpu);
	assert_int_equal(p.n, 1);
	assert_true(p.irq[0].counts_ok);
	assert_int_equal(p.irq[0].total, 9999); /* 3333 ones and 3333 twos */
	assert_string_equal(p.irq[0].chip, "IR-PCI-MSIX-0000:3d:00.0");
	proc_interrupts_free(&p);
	free(text);
}

/* ---- classification against an inventory ---- */

static struct pci_device *dev_add(struct inventory *inv, const char *bdf)
{
	struct pci_device *d;

	inv->dev = realloc(inv->dev, (inv->n + 1) * sizeof(*inv->dev));
	assert_non_null(inv->dev);
	d = &inv->dev[inv->n++];
	memset(d, 0, sizeof(*d));
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	d->ids = true;
	d->sriov_total = d->sriov_num = -1;
	d->caps.msi = d->caps.msix = d->caps.siov = d->caps.siov_ims = ANSWER_NO;
	return d;
}

static void msi_irq_add(struct pci_device *d, unsigned int irq, unsigned char mode)
{
	d->irqs = realloc(d->irqs, (d->n_irqs + 1) * sizeof(*d->irqs));
	assert_non_null(d->irqs);
	d->irqs[d->n_irqs].irq = irq;
	d->irqs[d->n_irqs++].mode = mode;
}

static void irq_add(struct irq_snapshot *s, unsigned int irq, const char *chip,
		    unsigned long long hwirq)
{
	struct irq_entry *e;

	s->e = realloc(s->e, (s->n + 1) * sizeof(*s->e));
	assert_non_null(s->e);
	e = &s->e[s->n++];
	memset(e, 0, sizeof(*e));
	e->irq = irq;
	snprintf(e->chip, sizeof(e->chip), "%s", chip);
	e->hwirq = hwirq;
	e->hwirq_known = true;
	e->count_known = true;
	e->count = irq;
}

/* a DSA-like device with MSI-X and an IMS domain, an SR-IOV PF, a device without msi_irqs */
static void build(struct audit_snapshot *s, const char *prefix)
{
	struct pci_device *dsa, *pf, *vf;
	char chip[64];

	memset(s, 0, sizeof(*s));
	/* sorted by BDF, as hostfs_list gives them */
	dsa = dev_add(&s->inv, "0000:6a:01.0");
	dsa->vendor = 0x8086;
	dsa->device = 0x0b25;
	dsa->known_ims = pci_known_ims_device(0x8086, 0x0b25);
	dsa->caps.siov = dsa->caps.siov_ims = ANSWER_YES;
	msi_irq_add(dsa, 100, MSI_MODE_MSIX);
	msi_irq_add(dsa, 101, MSI_MODE_MSIX);
	pf = dev_add(&s->inv, "0000:b1:00.0");
	pf->sriov_total = 8;
	pf->sriov_num = 1;
	msi_irq_add(pf, 120, MSI_MODE_MSI);
	vf = dev_add(&s->inv, "0000:b1:00.1");
	snprintf(vf->physfn, sizeof(vf->physfn), "0000:b1:00.0");
	dsa = &s->inv.dev[0];
	pf = &s->inv.dev[1];
	snprintf(chip, sizeof(chip), "%sPCI-MSIX-0000:6a:01.0", prefix);
	irq_add(&s->irqs, 100, chip, 0);
	irq_add(&s->irqs, 101, chip, 1);
	snprintf(chip, sizeof(chip), "%sIDXD-0000:6a:01.0", prefix);
	irq_add(&s->irqs, 102, chip, 0);
	irq_add(&s->irqs, 103, chip, 1);
	irq_add(&s->irqs, 104, chip, 2);
	snprintf(chip, sizeof(chip), "%sPCI-MSI-0000:b1:00.0", prefix);
	irq_add(&s->irqs, 120, chip, 0);
	irq_add(&s->irqs, 130, "IR-DEVMSI-0000:ee:00.0", 0); /* not a PCI device here */
	irq_add(&s->irqs, 9, "IR-IO-APIC", 9);
	assert_int_equal(irqdomains_classify(&s->irqs, &s->inv), 0);
}

static void free_built(struct audit_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->inv.n; i++) {
		free(s->inv.dev[i].irqs);
		s->inv.dev[i].irqs = NULL;
	}
	audit_free(s);
}

static void test_classify_ims_domain(void **state)
{
	struct audit_snapshot s;
	size_t i, ims = 0;

	(void)state;
	build(&s, "IR-");
	for (i = 0; i < s.irqs.n; i++) {
		const struct irq_entry *e = &s.irqs.e[i];

		if (e->irq >= 102 && e->irq <= 104) {
			assert_int_equal(e->kind, IRQK_IMS);
			assert_false(e->in_msi_irqs); /* IMS vectors are not in msi_irqs/ */
			assert_int_equal(e->remap, REMAP_IR);
			ims++;
		}
		if (e->irq == 100)
			assert_int_equal(e->kind, IRQK_MSIX);
		if (e->irq == 120)
			assert_int_equal(e->kind, IRQK_MSI);
		if (e->irq == 130)
			assert_int_equal(e->kind, IRQK_DEVICE_OTHER);
		if (e->irq == 9)
			assert_int_equal(e->kind, IRQK_PLATFORM);
	}
	assert_int_equal(ims, 3);
	/* domains: PCI-MSIX and IDXD of the DSA, PCI-MSI of the PF, DEVMSI; not IO-APIC */
	assert_int_equal(s.irqs.n_dom, 4);
	for (i = 0; i < s.irqs.n_dom; i++)
		if (!strcmp(s.irqs.dom[i].chip, "IR-IDXD-0000:6a:01.0")) {
			assert_int_equal(s.irqs.dom[i].kind, IRQK_IMS);
			assert_int_equal(s.irqs.dom[i].vectors, 3);
			assert_int_equal(s.irqs.dom[i].count, 102 + 103 + 104);
		}
	free_built(&s);
}

static void test_classify_global_scheme(void **state)
{
	struct audit_snapshot s;
	struct pci_device *d;

	(void)state;
	memset(&s, 0, sizeof(s));
	d = dev_add(&s.inv, "0000:01:00.0");
	msi_irq_add(d, 40, MSI_MODE_MSIX);
	msi_irq_add(d, 41, MSI_MODE_MSIX);
	d = dev_add(&s.inv, "0000:02:00.0");
	msi_irq_add(d, 42, MSI_MODE_MSI);
	irq_add(&s.irqs, 40, "IR-PCI-MSI", 524288);
	irq_add(&s.irqs, 41, "IR-PCI-MSI", 524289);
	irq_add(&s.irqs, 42, "IR-PCI-MSI", 2u << 19);
	assert_int_equal(irqdomains_classify(&s.irqs, &s.inv), 0);
	assert_string_equal(s.irqs.e[0].bdf, "0000:01:00.0");
	assert_int_equal(s.irqs.e[0].kind, IRQK_MSIX);
	assert_int_equal(s.irqs.e[1].index, 1);
	assert_string_equal(s.irqs.e[2].bdf, "0000:02:00.0");
	assert_int_equal(s.irqs.e[2].kind, IRQK_MSI);
	assert_int_equal(s.irqs.n_dom, 1);
	assert_int_equal(s.irqs.dom[0].naming, NAMING_GLOBAL);
	assert_int_equal(s.irqs.dom[0].vectors, 3);
	assert_int_equal(s.irqs.dom[0].devices, 2);
	free_built(&s);
}

/* ---- findings ---- */

static struct platform *platform_as(enum guest_verdict q1, enum guest_verdict q2, bool pbm,
				    enum ims_gate gate, bool contradiction)
{
	struct platform *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->q1.verdict = q1;
	p->q2.verdict = q2;
	p->seed.probably_on_bare_metal = pbm;
	p->ims_gate = gate;
	snprintf(p->ims_gate_reason, sizeof(p->ims_gate_reason), "test gate");
	if (contradiction) {
		p->q1.n_contradictions = 1;
		snprintf(p->q1.contradictions[0], sizeof(p->q1.contradictions[0]), "test");
	}
	return p;
}

static const struct audit_finding *find_rule(const struct audit_snapshot *s, const char *rule,
					     const char *bdf)
{
	size_t i;

	for (i = 0; i < s->findings.n; i++)
		if (!strcmp(s->findings.f[i].rule, rule) && !strcmp(s->findings.f[i].bdf, bdf))
			return &s->findings.f[i];
	return NULL;
}

static void judge(struct audit_snapshot *s, struct platform *p, enum answer api)
{
	unsigned int g;

	s->platform = p;
	s->kcaps.kallsyms = ANSWER_YES;
	s->kcaps.ims_api = api;
	for (g = 0; g < IMSW_GROUP_COUNT; g++)
		s->kcaps.group[g] = REACH_UNPROVEN;
	assert_int_equal(audit_derive(s), 0);
}

static void test_findings_guest(void **state)
{
	struct platform *p = platform_as(VERDICT_DEFINITELY_GUEST, VERDICT_DEFINITELY_GUEST, false,
					 IMS_GATE_OPEN, false);
	const struct audit_finding *f;
	struct audit_snapshot s;

	(void)state;
	build(&s, "IR-");
	judge(&s, p, ANSWER_YES);
	f = find_rule(&s, "IMSW-AUDIT-IMS-VM", "0000:6a:01.0");
	assert_non_null(f);
	assert_int_equal(f->severity, ASEV_CRITICAL);
	assert_non_null(strstr(f->evidence[0], "IR-IDXD-0000:6a:01.0: 3 IMS vector(s)"));
	assert_non_null(strstr(f->evidence[0], "none listed in msi_irqs/"));
	f = find_rule(&s, "IMSW-AUDIT-IMS-GATE-OPEN", "0000:6a:01.0");
	assert_non_null(f);
	assert_int_equal(f->severity, ASEV_WARNING);
	f = find_rule(&s, "IMSW-AUDIT-SIOV-GUEST", "0000:6a:01.0");
	assert_non_null(f);
	assert_int_equal(f->severity, ASEV_INFO);
	assert_int_equal(audit_max_severity(&s), ASEV_CRITICAL);
	assert_int_equal(s.dev[0].vectors[IRQK_IMS], 3);
	assert_int_equal(s.dev[0].vectors[IRQK_MSIX], 2);
	assert_int_equal(s.dev[0].gate, DGATE_OPEN);
	free_built(&s);

	/* the seed fooled: CLOAKED; gate closed: no GATE-OPEN; no API: no-api */
	p->seed.probably_on_bare_metal = true;
	p->ims_gate = IMS_GATE_CLOSED;
	build(&s, "vIR-");
	judge(&s, p, ANSWER_YES);
	assert_non_null(find_rule(&s, "IMSW-AUDIT-IMS-CLOAKED", "0000:6a:01.0"));
	assert_null(find_rule(&s, "IMSW-AUDIT-IMS-VM", "0000:6a:01.0"));
	assert_null(find_rule(&s, "IMSW-AUDIT-IMS-GATE-OPEN", "0000:6a:01.0"));
	assert_int_equal(s.dev[0].remap, REMAP_VIR);
	free_built(&s);
	p->ims_gate = IMS_GATE_OPEN;
	build(&s, "IR-");
	judge(&s, p, ANSWER_NO);
	assert_int_equal(s.dev[0].gate, DGATE_NO_API);
	assert_null(find_rule(&s, "IMSW-AUDIT-IMS-GATE-OPEN", "0000:6a:01.0"));
	free_built(&s);
	free(p);
}

static void test_findings_host(void **state)
{
	struct platform *p = platform_as(VERDICT_PROBABLY_HOST, VERDICT_PROBABLY_HOST, true,
					 IMS_GATE_CLOSED, true);
	struct audit_snapshot s;
	unsigned int g;

	(void)state;
	/* contradictions: IMS and MSI without remapping are warnings */
	build(&s, "");
	judge(&s, p, ANSWER_YES);
	assert_non_null(find_rule(&s, "IMSW-AUDIT-CONTRADICTED", "0000:6a:01.0"));
	assert_non_null(find_rule(&s, "IMSW-AUDIT-CONTRADICTED", "0000:b1:00.0"));
	assert_null(find_rule(&s, "IMSW-AUDIT-SIOV-GUEST", "0000:6a:01.0"));
	free_built(&s);
	/* a clean host: IMS is information, remapped MSI nothing */
	p->q1.n_contradictions = 0;
	build(&s, "IR-");
	judge(&s, p, ANSWER_YES);
	assert_non_null(find_rule(&s, "IMSW-AUDIT-IMS", "0000:6a:01.0"));
	assert_null(find_rule(&s, "IMSW-AUDIT-CONTRADICTED", "0000:b1:00.0"));
	assert_int_equal(audit_max_severity(&s), ASEV_INFO);
	free_built(&s);
	/* hooks that cannot attach: one notice per group */
	build(&s, "IR-");
	judge(&s, p, ANSWER_YES);
	for (g = 0; g < IMSW_GROUP_COUNT; g++)
		s.kcaps.group[g] = g == IMSW_GROUP_BIT_IMS ? REACH_ABSENT : REACH_UNPROVEN;
	assert_int_equal(audit_derive(&s), 0);
	assert_non_null(find_rule(&s, "IMSW-AUDIT-BLIND", ""));
	assert_int_equal(s.by_severity[ASEV_NOTICE], 1);
	free_built(&s);
	free(p);
}

static void test_kernelcaps_decide(void **state)
{
	bool found[IMSW_HOOK_COUNT] = { false };
	struct kernel_caps k = { .kallsyms = ANSWER_YES };
	unsigned int i;

	(void)state;
	kernelcaps_decide(&k, found);
	for (i = 0; i < IMSW_GROUP_COUNT; i++)
		assert_int_equal(k.group[i], REACH_ABSENT);
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		found[i] = true;
	kernelcaps_decide(&k, found);
	assert_int_equal(k.group[IMSW_GROUP_BIT_IMS], REACH_NO_MEANS);
	assert_int_equal(k.group[IMSW_GROUP_BIT_VECTOR], REACH_UNPROVEN); /* raw tracepoints */
	k.btf = true;
	kernelcaps_decide(&k, found);
	assert_int_equal(k.group[IMSW_GROUP_BIT_IMS], REACH_UNPROVEN);
	k.kallsyms = ANSWER_UNKNOWN;
	kernelcaps_decide(&k, found);
	assert_int_equal(k.group[IMSW_GROUP_BIT_MSI], REACH_UNKNOWN);
}

static void test_overlap(void **state)
{
	struct audit_snapshot s;

	(void)state;
	build(&s, "IR-");
	s.read_start_ns = 1000;
	s.read_end_ns = 2000;
	/* bound before the read ended: may be in the snapshot too */
	assert_true(audit_overlaps(&s, "0000:6a:01.0", 1500));
	assert_true(audit_overlaps(&s, "0000:6a:01.0", 10));
	/* after the read: live only */
	assert_false(audit_overlaps(&s, "0000:6a:01.0", 2001));
	/* a device the snapshot did not see */
	assert_false(audit_overlaps(&s, "0000:00:09.0", 1500));
	assert_false(audit_overlaps(&s, "", 1500));
	assert_false(audit_overlaps(NULL, "0000:6a:01.0", 1500));
	free_built(&s);
}

/* the watch's count, through the pipeline the live run uses: a device bound between attach and
 * the end of the read may be in the snapshot and live; one bound after is live only */
static void test_pipeline_counts_overlap(void **state)
{
	struct platform *p = platform_as(VERDICT_DEFINITELY_GUEST, VERDICT_DEFINITELY_GUEST, false,
					 IMS_GATE_CLOSED, false);
	struct imsw_event e = test_event(IMSW_KIND_PROBE);
	struct audit_snapshot s;
	struct pipeline pipe;
	struct sink *sink;
	char err[128];

	(void)state;
	build(&s, "IR-");
	s.read_end_ns = 5000;
	sink = sink_open(FORMAT_JSON, "/dev/null", err, sizeof(err));
	assert_non_null(sink);
	pipeline_init(&pipe, sink, p, NULL);
	pipe.snapshot = &s;
	e.hook = IMSW_HOOK_LOCAL_PCI_PROBE;
	strcpy(e.pci.bdf, "0000:6a:01.0");
	e.ts_ns = 4000; /* before the read ended: counted */
	assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	e.ts_ns = 6000; /* after: live only */
	assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	strcpy(e.pci.bdf, "0000:00:09.0"); /* not in the snapshot */
	e.ts_ns = 4000;
	assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	assert_int_equal(pipe.snapshot_overlap, 1);
	assert_int_equal(pipe.events_by_kind[IMSW_KIND_PROBE], 3);
	pipeline_fini(&pipe);
	assert_int_equal(sink_close(sink), 0);
	free_built(&s);
	free(p);
}

/* ---- a tree through hostfs ---- */

static void put_file(const char *root, const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX], *slash;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(path, 0755);
		*slash = '/';
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

static void put_text(const char *root, const char *rel, const char *text)
{
	put_file(root, rel, text, strlen(text));
}

static void test_tree(void **state)
{
	char dir[] = "/tmp/imsw-audit-XXXXXX", path[PATH_MAX], cmd[PATH_MAX + 16];
	const char *d = "sys/bus/pci/devices/0000:6a:01.0";
	struct audit_snapshot s;
	struct hostfs fs;
	uint8_t cfg[4096];
	int r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	dsa_config(cfg);
	snprintf(path, sizeof(path), "%s/%s/vendor", dir, d);
	put_text(dir, "sys/bus/pci/devices/0000:6a:01.0/vendor", "0x8086\n");
	put_text(dir, "sys/bus/pci/devices/0000:6a:01.0/device", "0x0b25\n");
	put_text(dir, "sys/bus/pci/devices/0000:6a:01.0/class", "0x088000\n");
	put_text(dir, "sys/bus/pci/devices/0000:6a:01.0/uevent", "DRIVER=idxd\nPCI_ID=8086:0B25\n");
	put_file(dir, "sys/bus/pci/devices/0000:6a:01.0/config", cfg, sizeof(cfg));
	put_text(dir, "sys/bus/pci/devices/0000:6a:01.0/msi_irqs/100", "msix\n");
	put_text(dir, "sys/bus/pci/devices/0000:6a:01.0/sriov_totalvfs", "4\n");
	put_text(dir, "sys/bus/pci/devices/0000:6a:01.0/sriov_numvfs", "1\n");
	snprintf(path, sizeof(path), "%s/%s/virtfn0", dir, d);
	assert_int_equal(symlink("../0000:6a:01.1", path), 0);
	/* a VF without msi_irqs/ and with a short config */
	put_text(dir, "sys/bus/pci/devices/0000:6a:01.1/vendor", "0x8086\n");
	put_text(dir, "sys/bus/pci/devices/0000:6a:01.1/device", "0x0b25\n");
	put_file(dir, "sys/bus/pci/devices/0000:6a:01.1/config", cfg, 64);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:6a:01.1/physfn", dir);
	assert_int_equal(symlink("../0000:6a:01.0", path), 0);
	put_text(dir, "sys/kernel/irq/100/chip_name", "IR-PCI-MSIX-0000:6a:01.0\n");
	put_text(dir, "sys/kernel/irq/100/hwirq", "0\n");
	put_text(dir, "sys/kernel/irq/101/chip_name", "IR-IDXD-0000:6a:01.0\n");
	put_text(dir, "sys/kernel/irq/101/hwirq", "0\n");
	put_text(dir, "sys/kernel/irq/101/per_cpu_count", "1,2,3\n");
	put_text(dir, "proc/interrupts", "   CPU0 CPU1\n100: 5 6 IR-PCI-MSIX-0000:6a:01.0 0-edge idxd\n");
	put_text(dir, "proc/kallsyms", "0000000000000000 T pci_create_ims_domain\n");
	assert_int_equal(hostfs_open(&fs, dir), 0);
	struct platform *p = platform_as(VERDICT_DEFINITELY_GUEST, VERDICT_DEFINITELY_GUEST, false,
					 IMS_GATE_OPEN, false);
	r = audit_gather(&fs, p, &s);
	hostfs_close(&fs);
	assert_int_equal(r, 0);
	assert_int_equal(s.inv.n, 2);
	assert_string_equal(s.inv.dev[0].driver, "idxd");
	assert_int_equal(s.inv.dev[0].sriov_total, 4);
	assert_int_equal(s.inv.dev[0].n_vfs, 1);
	assert_string_equal(s.inv.dev[0].vfs[0], "0000:6a:01.1");
	assert_int_equal(s.inv.dev[0].caps.siov_ims, ANSWER_YES);
	assert_int_equal(s.inv.dev[1].msi_irqs_dir, ANSWER_NO);
	assert_string_equal(s.inv.dev[1].physfn, "0000:6a:01.0");
	assert_int_equal(s.inv.dev[1].caps.state, CFG_TRUNCATED);
	assert_int_equal(s.irqs.n, 2);
	assert_int_equal(s.irqs.e[0].count, 11); /* from proc/interrupts */
	assert_int_equal(s.irqs.e[1].count, 6);	 /* from per_cpu_count */
	assert_int_equal(s.irqs.e[1].kind, IRQK_IMS);
	assert_int_equal(s.kcaps.ims_api, ANSWER_YES);
	assert_non_null(find_rule(&s, "IMSW-AUDIT-IMS-VM", "0000:6a:01.0"));
	/* the VF: an IMS-capable id in a guest; its truncated config is listed unreadable */
	assert_non_null(find_rule(&s, "IMSW-AUDIT-SIOV-GUEST", "0000:6a:01.1"));
	assert_true(s.n_unreadable >= 1);
	assert_non_null(strstr(s.unreadable[0], "config truncated"));
	audit_free(&s);
	free(p);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_dsa),
		cmocka_unit_test(test_config_short_and_conventional),
		cmocka_unit_test(test_config_loops_and_garbage),
		cmocka_unit_test(test_known_ids),
		cmocka_unit_test(test_chip_classify),
		cmocka_unit_test(test_proc_interrupts),
		cmocka_unit_test(test_proc_interrupts_many_cpus),
		cmocka_unit_test(test_classify_ims_domain),
		cmocka_unit_test(test_classify_global_scheme),
		cmocka_unit_test(test_findings_guest),
		cmocka_unit_test(test_findings_host),
		cmocka_unit_test(test_kernelcaps_decide),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_pipeline_counts_overlap),
		cmocka_unit_test(test_tree),
	};

	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
