/* SPDX-License-Identifier: GPL-2.0 */
/*
 * verdict: evidence -> the two answers. Pure functions of the signal list and facts; the
 * precedence is documented in README.md ("Platform evidence") and tested on fixtures.
 *
 * Direction of error: when signals disagree the answer leans to "guest" and every
 * disagreement is listed, so an auditor is never told "bare metal" silently.
 */
#ifndef IMSWATCH_VERDICT_H
#define IMSWATCH_VERDICT_H

#include "platform.h"

void verdict_decide(const struct signal_list *l, const struct platform_facts *f,
		    const struct seed_verdict *seed, struct question_verdict *q1,
		    struct question_verdict *q2);

/* What a 6.2-6.9 kernel's IMS gate does here, and why (one line into WHY). */
enum ims_gate verdict_ims_gate(const struct platform_facts *f, char *why, size_t len);

#endif
