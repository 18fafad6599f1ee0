/* SPDX-License-Identifier: GPL-2.0 */
/*
 * irqdomains: the interrupts that exist now, from sys/kernel/irq/<n>/ and proc/interrupts,
 * each given to its device and classified: MSI, MSI-X, IMS, another per-device domain, or
 * not a device's (IO-APIC, HPET, DMAR, ...); remapped (IR-), remapped by an IOMMU the kernel
 * judged virtual (vIR-), or not. Both naming schemes of the kernel:
 *
 *   before 6.2  one global domain, "PCI-MSI" / "IR-PCI-MSI", hwirq encoding the device:
 *               pci_msi_domain_calc_hwirq() = msi index | pci_dev_id << 11 | domain << 27
 *               (pci_dev_id = bus << 8 | devfn); MSI and MSI-X share it, msi_irqs/ tells
 *   6.2 on      one domain per device and kind, "[v][IR-]PCI-MSI-<bdf>", "...PCI-MSIX-<bdf>",
 *               hwirq = the MSI-X index; 6.2-6.9's IMS domains "[v][IR-]<template>-<bdf>"
 *
 * An IMS domain is recognised by what it is, not by a name: a per-device domain named
 * after a PCI device that is neither that device's MSI nor its MSI-X domain.
 */
#ifndef IMSWATCH_IRQDOMAINS_H
#define IMSWATCH_IRQDOMAINS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hostfs.h"
#include "inventory.h"

enum irq_kind {
	IRQK_PLATFORM,	   /* not a PCI device's (IO-APIC, HPET, DMAR, ...) */
	IRQK_MSI,
	IRQK_MSIX,
	IRQK_IMS,	   /* a PCI device's per-device domain that is neither of the above */
	IRQK_DEVICE_OTHER, /* a per-device domain of something that is not a PCI device here */
	IRQK_COUNT,
};

enum irq_remap {
	REMAP_NONE, /* delivered through the x86 vector domain (or the arch's own) */
	REMAP_IR,   /* "IR-": an interrupt-remapping parent */
	REMAP_VIR,  /* "vIR-": 6.2-6.9's parent for an IOMMU the kernel judged virtual */
};

enum irq_naming {
	NAMING_OTHER,	   /* a chip that names no device */
	NAMING_GLOBAL,	   /* before 6.2: "PCI-MSI", the device in hwirq */
	NAMING_PER_DEVICE, /* 6.2 on: "<name>-<bdf>" */
};

/* What a chip name alone says (irq_chip_classify). */
struct irq_chip_class {
	enum irq_remap remap;
	enum irq_naming naming;
	char base[64];		  /* the name without its remap prefix and device */
	char bdf[PCI_BDF_LEN];	  /* per-device: the device named, else "" */
};

void irq_chip_classify(const char *chip, struct irq_chip_class *out);
/* Decode a pre-6.2 PCI-MSI hwirq into "dddd:bb:dd.f" and the MSI index. */
void irq_decode_global_hwirq(unsigned long long hwirq, char *bdf, size_t len,
			     unsigned int *index);

/* One line of proc/interrupts that names a numbered irq. */
struct proc_irq {
	unsigned int irq;
	uint64_t total;		/* sum of the per-CPU counts */
	bool counts_ok;		/* every CPU column was a number */
	char chip[64];
	bool hwirq_known;
	unsigned long long hwirq;
	char flow[16];		/* "edge", "fasteoi", ... */
	char actions[128];
};

struct proc_interrupts {
	unsigned int ncpus;	/* CPU columns in the header */
	struct proc_irq *irq;
	size_t n;
	unsigned int bad_lines; /* numbered lines with a non-numeric count or no chip */
	unsigned int other_lines; /* NMI:, LOC:, ERR:, ... (not an irq number) */
};

/* Parse proc/interrupts from FP. 0, -EINVAL (no CPU header) or -ENOMEM. */
int proc_interrupts_parse(FILE *fp, struct proc_interrupts *out);
void proc_interrupts_free(struct proc_interrupts *p);

struct irq_entry {
	unsigned int irq;
	char chip[64];
	bool hwirq_known;
	unsigned long long hwirq;
	char type[16];		/* "edge", "level" */
	char actions[128];
	bool count_known;
	uint64_t count;
	enum irq_kind kind;
	enum irq_remap remap;
	enum irq_naming naming;
	char bdf[PCI_BDF_LEN];	/* the device it belongs to, "" */
	int index;		/* MSI/MSI-X/IMS index when known, else -1 */
	bool in_msi_irqs;	/* listed in the device's msi_irqs/ */
	bool from_sysfs, from_proc;
};

struct irq_domain_info {
	char chip[64];
	enum irq_kind kind;
	enum irq_remap remap;
	enum irq_naming naming;
	char bdf[PCI_BDF_LEN];	/* per-device domains; "" for global ones */
	unsigned int vectors;
	unsigned int devices;	/* distinct devices with vectors in it */
	bool count_known;
	uint64_t count;
};

struct irq_snapshot {
	struct irq_entry *e;
	size_t n;
	struct irq_domain_info *dom;
	size_t n_dom;
	int sysfs_error;	/* -errno listing sys/kernel/irq, 0 */
	int proc_error;		/* -errno reading proc/interrupts, 0 */
	unsigned int ncpus;
	unsigned int proc_bad_lines;
	unsigned int unreadable; /* sys/kernel/irq/<n> files present but unreadable */
};

/* Read and classify every interrupt against INV. 0 or -ENOMEM. */
int irqdomains_read(const struct hostfs *fs, const struct inventory *inv,
		    struct irq_snapshot *out);
/* Classify entries already filled in (chip, hwirq) against INV and build the domains;
 * irqdomains_read() ends with this, and the unit tests call it on hand-made entries. */
int irqdomains_classify(struct irq_snapshot *s, const struct inventory *inv);
void irqdomains_free(struct irq_snapshot *s);

const char *irq_kind_name(enum irq_kind k);
const char *irq_remap_name(enum irq_remap r);
const char *irq_naming_name(enum irq_naming n);

#endif
