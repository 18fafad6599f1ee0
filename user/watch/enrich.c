// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich.h"

static bool is_bdf(const char *s)
{
	unsigned int dom, bus, dev, fn;
	char tail;

	return strlen(s) == 12 && sscanf(s, "%4x:%2x:%2x.%1x%c", &dom, &bus, &dev, &fn, &tail) == 4;
}

int enrich_bdf_from_chip(const char *chip, char *bdf, unsigned long bdf_len)
{
	size_t len = strlen(chip);

	/* per-device domains append "-<bdf>" to the chip name (6.2+) */
	if (len < 13 || chip[len - 13] != '-' || !strstr(chip, "PCI-MSI"))
		return -ENOENT;
	if (!is_bdf(chip + len - 12))
		return -ENOENT;
	snprintf(bdf, bdf_len, "%s", chip + len - 12);
	return 0;
}

int enrich_bdf_from_hwirq(unsigned long long hwirq, char *bdf, unsigned long bdf_len)
{
	/* pci_msi_domain_calc_hwirq() before 6.2 */
	unsigned int devid = (hwirq >> 11) & 0xffff;
	unsigned int domain = (hwirq >> 27) & 0xffff;

	snprintf(bdf, bdf_len, "%04x:%02x:%02x.%x", domain, devid >> 8, (devid >> 3) & 0x1f,
		 devid & 7);
	return 0;
}

static void read_pci_uevent(const struct hostfs *fs, struct enrichment *out)
{
	char path[96], buf[512], *line, *save;

	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/uevent", out->bdf);
	if (hostfs_read_text(fs, path, buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "DRIVER=", 7))
			snprintf(out->driver, sizeof(out->driver), "%s", line + 7);
		else if (!strncmp(line, "PCI_ID=", 7))
			sscanf(line + 7, "%x:%x", &out->vendor, &out->device);
	}
}

void enrich_vector(const struct hostfs *fs, unsigned int irq, struct enrichment *out)
{
	char path[64], buf[64];

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "sys/kernel/irq/%u/chip_name", irq);
	if (hostfs_read_text(fs, path, out->chip, sizeof(out->chip)) < 0) {
		out->irq_gone = true;
		return;
	}
	snprintf(path, sizeof(path), "sys/kernel/irq/%u/actions", irq);
	if (hostfs_read_text(fs, path, out->actions, sizeof(out->actions)) < 0)
		out->actions[0] = 0;

	if (enrich_bdf_from_chip(out->chip, out->bdf, sizeof(out->bdf))) {
		if (strcmp(out->chip, "PCI-MSI") && strcmp(out->chip, "IR-PCI-MSI"))
			return; /* not a PCI MSI interrupt (IO-APIC, timer, ...) */
		snprintf(path, sizeof(path), "sys/kernel/irq/%u/hwirq", irq);
		if (hostfs_read_text(fs, path, buf, sizeof(buf)) < 0)
			return;
		enrich_bdf_from_hwirq(strtoull(buf, NULL, 0), out->bdf, sizeof(out->bdf));
	}
	read_pci_uevent(fs, out);
}
