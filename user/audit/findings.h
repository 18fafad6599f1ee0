/* SPDX-License-Identifier: GPL-2.0 */
/*
 * findings: the audit's rules, snapshot x platform verdicts -> findings, each with a stable
 * rule id (README, "Policy rules"), a severity, the device and the chain of evidence that led
 * there. Pure: no I/O, so every rule is tested on hand-made snapshots.
 */
#ifndef IMSWATCH_FINDINGS_H
#define IMSWATCH_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "inventory.h"

enum audit_severity {
	ASEV_INFO,
	ASEV_NOTICE,
	ASEV_WARNING,
	ASEV_CRITICAL,
	ASEV_COUNT,
};

#define FINDING_MAX_EVIDENCE 6

struct audit_finding {
	const char *rule;	/* "IMSW-AUDIT-IMS-VM", ... (static) */
	enum audit_severity severity;
	char bdf[PCI_BDF_LEN];	/* "" when about the machine, not a device */
	const char *summary;	/* static words */
	size_t n_evidence;
	char evidence[FINDING_MAX_EVIDENCE][240];
};

struct audit_findings {
	struct audit_finding *f;
	size_t n;
};

struct audit_snapshot;
struct platform;

/* Judge S against P into OUT. 0 or -ENOMEM. */
int findings_judge(const struct audit_snapshot *s, const struct platform *p,
		   struct audit_findings *out);
void findings_free(struct audit_findings *f);

const char *audit_severity_name(enum audit_severity s);
/* "info" ... "critical" -> severity; -1 when unknown */
int audit_severity_by_name(const char *name);

#endif
