/* SPDX-License-Identifier: GPL-2.0 */
/*
 * enrich: what sysfs adds to an event the kernel side could not attribute. The x86 vector
 * tracepoints carry only the Linux irq number; /sys/kernel/irq/<irq>/ names the irq chip,
 * and from the chip name (6.2+: "[IR-]PCI-MSIX-<bdf>") or the encoded hwirq (before 6.2:
 * one global "PCI-MSI" domain) we recover the PCI device and its driver.
 *
 * Best effort by nature: the irq may already be gone when userspace looks (teardown), in
 * which case the fields stay empty and .irq_gone says so.
 */
#ifndef IMSWATCH_ENRICH_H
#define IMSWATCH_ENRICH_H

#include <stdbool.h>

#include "hostfs.h"
#include "imswatch.h"

struct enrichment {
	bool irq_gone;	     /* /sys/kernel/irq/<irq> was not there any more */
	char chip[64];	     /* chip_name */
	char actions[64];    /* handler names, as /sys/kernel/irq/<irq>/actions */
	char bdf[16];	     /* PCI device behind the irq, "" if not a PCI MSI irq */
	char driver[64];     /* that device's bound driver, "" if none */
	unsigned int vendor, device;
};

void enrich_vector(const struct hostfs *fs, unsigned int irq, struct enrichment *out);

/* Exposed for tests: "IR-PCI-MSIX-0000:00:03.0" -> "0000:00:03.0"; returns 0 or -ENOENT. */
int enrich_bdf_from_chip(const char *chip, char *bdf, unsigned long bdf_len);
/* Pre-6.2 global PCI-MSI domain: hwirq = index | devid << 11 | domain << 27. */
int enrich_bdf_from_hwirq(unsigned long long hwirq, char *bdf, unsigned long bdf_len);

#endif
