/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy: event x platform verdict -> finding. Pure: no I/O, no allocation, so every rule
 * is tested with hand-built events. Rule ids are stable and documented in README.md.
 */
#ifndef IMSWATCH_POLICY_H
#define IMSWATCH_POLICY_H

#include <stdbool.h>

#include "imswatch.h"
#include "platform.h"

enum severity {
	SEV_INFO,
	SEV_WARNING,
	SEV_CRITICAL,
};

enum ims_outcome {
	OUTCOME_NA = -1,      /* not an IMS attempt */
	OUTCOME_REFUSED = 0,  /* the kernel (or its stand-in) said no */
	OUTCOME_ACCEPTED = 1, /* IMS was enabled */
};

struct finding {
	enum severity severity;
	const char *rule;	  /* "IMSW-IMS-VM", ... (static) */
	const char *summary;	  /* one line, static text */
	bool ims_attempt;
	enum ims_outcome outcome;
};

void policy_judge(const struct imsw_event *e, const struct platform *p, struct finding *f);

/* True for records that are alerts (severity warning or above). */
static inline bool finding_is_alert(const struct finding *f)
{
	return f->severity >= SEV_WARNING;
}

const char *severity_name(enum severity s);

#endif
