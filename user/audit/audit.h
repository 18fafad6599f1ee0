/* SPDX-License-Identifier: GPL-2.0 */
/*
 * audit: the one-shot snapshot (imswatch audit, and the start of every watch). Everything is
 * gathered once into a typed snapshot (the PCI inventory, the interrupt domains that exist
 * now, what the kernel offers), judged by findings.c against the platform verdicts, and
 * handed to the sink as it is: JSON lines or tables for people are output/'s business.
 */
#ifndef IMSWATCH_AUDIT_H
#define IMSWATCH_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "findings.h"
#include "hostfs.h"
#include "inventory.h"
#include "irqdomains.h"
#include "kernelcaps.h"

struct platform;
struct config;
struct sink;

/* What this kernel's own 6.2-6.9 gate would do with an IMS domain for one device. */
enum device_gate {
	DGATE_UNKNOWN, /* kallsyms unreadable, or the platform's gate unknown */
	DGATE_NO_API,  /* no pci_create_ims_domain in this kernel: nothing to accept */
	DGATE_CLOSED,
	DGATE_OPEN,
};

/* What the snapshot says about one device, beside what inventory.c read. */
struct audit_device {
	const struct pci_device *pci;
	unsigned int vectors[IRQK_COUNT]; /* its interrupts by kind */
	unsigned int ims_in_msi_irqs;	  /* IMS vectors msi_irqs/ lists (expected: none) */
	bool remap_known;		  /* it has MSI/MSI-X vectors: their parent is known */
	enum irq_remap remap;		  /* the weakest remapping among them */
	enum answer ims_capable;
	char ims_capable_why[96];
	enum device_gate gate;
};

#define AUDIT_MAX_UNREADABLE 16

struct audit_snapshot {
	bool snapshot;		     /* taken by watch: records carry "snapshot": true */
	int64_t read_start_ns;	     /* CLOCK_MONOTONIC, the clock of events' mono_ns */
	int64_t read_end_ns;
	const struct platform *platform;
	struct inventory inv;
	struct irq_snapshot irqs;
	struct kernel_caps kcaps;
	struct audit_device *dev;    /* inv.n entries, in inventory order */
	struct audit_findings findings;
	unsigned int vectors[IRQK_COUNT];
	unsigned int by_severity[ASEV_COUNT];
	size_t n_unreadable;
	char unreadable[AUDIT_MAX_UNREADABLE][128]; /* what could not be read, in words */
	size_t unreadable_dropped;
};

/* Read everything under FS and judge it against P. 0 or -ENOMEM. */
int audit_gather(const struct hostfs *fs, const struct platform *p, struct audit_snapshot *s);
/* Derive the per-device view, totals and findings from inv, irqs and kcaps (audit_gather
 * ends with it; unit tests call it on hand-made parts). 0 or -ENOMEM. */
int audit_derive(struct audit_snapshot *s);
void audit_free(struct audit_snapshot *s);

/* The highest severity found, or -1 when nothing was found. */
int audit_max_severity(const struct audit_snapshot *s);

/*
 * watch: could an event at MONO_NS about device BDF also be in the snapshot? True when the
 * device is in it and the event happened before the read ended (it may have been read
 * already); the summary counts these as snapshot_overlap.
 */
bool audit_overlaps(const struct audit_snapshot *s, const char *bdf, uint64_t mono_ns);

const char *device_gate_name(enum device_gate g);
const char *tri_name(enum answer t);

int64_t audit_mono_ns(void);

#endif
