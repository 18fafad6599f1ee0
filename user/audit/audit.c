// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "names.h"
#include "platform.h"

int64_t audit_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *device_gate_name(enum device_gate g)
{
	static const char *const names[] = {
		[DGATE_UNKNOWN] = "unknown",
		[DGATE_NO_API] = "no-api",
		[DGATE_CLOSED] = "closed",
		[DGATE_OPEN] = "open",
	};

	return NAME_FROM(names, g, "unknown");
}

const char *tri_name(enum answer t)
{
	return t == ANSWER_YES ? "yes" : t == ANSWER_NO ? "no" : "unknown";
}

static void unreadable(struct audit_snapshot *s, const char *fmt, const char *a, const char *b)
{
	if (s->n_unreadable >= AUDIT_MAX_UNREADABLE) {
		s->unreadable_dropped++;
		return;
	}
	snprintf(s->unreadable[s->n_unreadable++], sizeof(s->unreadable[0]), fmt, a, b);
}

/* the gate of one device: the platform's answer, when this kernel has the API at all */
static enum device_gate device_gate(const struct audit_snapshot *s)
{
	if (s->kcaps.ims_api == ANSWER_NO)
		return DGATE_NO_API;
	if (s->kcaps.ims_api != ANSWER_YES || !s->platform)
		return DGATE_UNKNOWN;
	switch (s->platform->ims_gate) {
	case IMS_GATE_OPEN:
		return DGATE_OPEN;
	case IMS_GATE_CLOSED:
		return DGATE_CLOSED;
	default:
		return DGATE_UNKNOWN;
	}
}

static void ims_capable(struct audit_device *d)
{
	const struct pci_device *p = d->pci;

	if (p->known_ims) {
		d->ims_capable = ANSWER_YES;
		snprintf(d->ims_capable_why, sizeof(d->ims_capable_why), "known id %04x:%04x, %s",
			 p->vendor, p->device, p->known_ims);
	} else if (p->caps.siov_ims == ANSWER_YES) {
		d->ims_capable = ANSWER_YES;
		snprintf(d->ims_capable_why, sizeof(d->ims_capable_why),
			 "Scalable IOV DVSEC at 0x%x: IMS supported", p->caps.siov_offset);
	} else if (p->caps.siov_ims == ANSWER_NO) {
		d->ims_capable = ANSWER_NO;
	} else {
		d->ims_capable = ANSWER_UNKNOWN;
		snprintf(d->ims_capable_why, sizeof(d->ims_capable_why), "%s",
			 cfg_state_note(p->caps.state)[0] ? cfg_state_note(p->caps.state)
							  : "extended config space not exposed");
	}
}

int audit_derive(struct audit_snapshot *s)
{
	size_t i;
	int r;

	free(s->dev);
	findings_free(&s->findings);
	memset(s->vectors, 0, sizeof(s->vectors));
	memset(s->by_severity, 0, sizeof(s->by_severity));
	s->dev = calloc(s->inv.n ? s->inv.n : 1, sizeof(*s->dev));
	if (!s->dev)
		return -ENOMEM;
	for (i = 0; i < s->inv.n; i++) {
		s->dev[i].pci = &s->inv.dev[i];
		ims_capable(&s->dev[i]);
		s->dev[i].gate = device_gate(s);
	}
	for (i = 0; i < s->irqs.n; i++) {
		const struct irq_entry *e = &s->irqs.e[i];
		struct pci_device *p;
		struct audit_device *d;

		s->vectors[e->kind]++;
		if (!e->bdf[0] || !(p = inventory_find(&s->inv, e->bdf)))
			continue;
		d = &s->dev[p - s->inv.dev];
		d->vectors[e->kind]++;
		if (e->kind == IRQK_IMS && e->in_msi_irqs)
			d->ims_in_msi_irqs++;
		if (e->kind == IRQK_MSI || e->kind == IRQK_MSIX) {
			/* the weakest: one vector without remapping is one too many */
			if (!d->remap_known || e->remap < d->remap)
				d->remap = e->remap;
			d->remap_known = true;
		}
	}
	r = findings_judge(s, s->platform, &s->findings);
	if (r)
		return r;
	for (i = 0; i < s->findings.n; i++)
		s->by_severity[s->findings.f[i].severity]++;
	return 0;
}

static void collect_unreadable(struct audit_snapshot *s)
{
	char n[16];
	size_t i;

	if (s->inv.list_error && s->inv.list_error != -ENOENT)
		unreadable(s, "sys/bus/pci/devices: %s%s", strerror(-s->inv.list_error), "");
	for (i = 0; i < s->inv.n; i++) {
		const struct pci_device *d = &s->inv.dev[i];

		if (d->unreadable[0])
			unreadable(s, "%s: %s", d->bdf, d->unreadable);
		else if (d->caps.state == CFG_TRUNCATED)
			unreadable(s, "%s: %s", d->bdf, cfg_state_note(d->caps.state));
	}
	if (s->irqs.sysfs_error && s->irqs.sysfs_error != -ENOENT)
		unreadable(s, "sys/kernel/irq: %s%s", strerror(-s->irqs.sysfs_error), "");
	if (s->irqs.proc_error && s->irqs.proc_error != -ENOENT)
		unreadable(s, "proc/interrupts: %s%s", s->irqs.proc_error == -EINVAL
						       ? "no CPU header"
						       : strerror(-s->irqs.proc_error), "");
	if (s->irqs.unreadable) {
		snprintf(n, sizeof(n), "%u", s->irqs.unreadable);
		unreadable(s, "sys/kernel/irq: %s file(s)%s", n, "");
	}
	if (s->irqs.proc_bad_lines) {
		snprintf(n, sizeof(n), "%u", s->irqs.proc_bad_lines);
		unreadable(s, "proc/interrupts: %s line(s) with counts that are not numbers%s", n,
			   "");
	}
	if (s->kcaps.kallsyms != ANSWER_YES)
		unreadable(s, "proc/kallsyms: %s%s", "unreadable or empty (IMS API and hooks unknown)",
			   "");
}

int audit_gather(const struct hostfs *fs, const struct platform *p, struct audit_snapshot *s)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->platform = p;
	s->read_start_ns = audit_mono_ns();
	r = inventory_read(fs, &s->inv);
	if (!r)
		r = irqdomains_read(fs, &s->inv, &s->irqs);
	if (!r)
		r = kernelcaps_read(fs, &s->kcaps);
	s->read_end_ns = audit_mono_ns();
	if (!r)
		r = audit_derive(s);
	if (r) {
		audit_free(s);
		return r;
	}
	collect_unreadable(s);
	return 0;
}

void audit_free(struct audit_snapshot *s)
{
	inventory_free(&s->inv);
	irqdomains_free(&s->irqs);
	findings_free(&s->findings);
	free(s->dev);
	s->dev = NULL;
}

int audit_max_severity(const struct audit_snapshot *s)
{
	int sev;

	for (sev = ASEV_COUNT - 1; sev >= 0; sev--)
		if (s->by_severity[sev])
			return sev;
	return -1;
}

bool audit_overlaps(const struct audit_snapshot *s, const char *bdf, uint64_t mono_ns)
{
	if (!s || !bdf || !bdf[0] || mono_ns > (uint64_t)s->read_end_ns)
		return false;
	return inventory_find(&s->inv, bdf) != NULL;
}
