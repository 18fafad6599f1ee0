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

#include <stdbool.h>
#include <stddef.h>

#include "signals.h"

/* The verdicts' vocabulary: the seed's, Q1's and Q2's, and the IMS gate's. */

#define SEED_MAX_ITEMS 16

/*
 * The seed verdict is a view over the evidence engine's signal list: it reads no file and
 * asks no CPUID itself. Its items are copies of the engine's items it looked at (struct
 * signal, the one evidence type), re-marked with the seed's own reading: .indicates is
 * INDICATES_GUEST when the item alone says "not bare metal" (indicates_vm in the record),
 * and .note says why in the seed's terms.
 */
struct seed_verdict {
	bool probably_on_bare_metal;
	/* the two inputs of the seed function */
	enum signal_state cpuid_state;	/* state of CPUID leaf 1 */
	bool cpuid_hypervisor;		/* leaf 1 ECX[31] */
	bool dmi_hypervisor_vendor;	/* a DMI field matched the seed's vendor list */
	size_t n_items;
	struct signal items[SEED_MAX_ITEMS];
};

/*
 * Verdicts of the evidence engine, per question:
 *   Q1 "is this OS a guest?"
 *   Q2 "does a hypervisor own interrupt remapping here?" (so IMS would need its support;
 *       differs from Q1 for Xen dom0, Hyper-V root partitions and nested setups)
 * Ordered from the answer that must never be given silently to the strongest "guest".
 */
enum guest_verdict {
	VERDICT_UNKNOWN,
	VERDICT_PROBABLY_HOST,
	VERDICT_PROBABLY_GUEST,
	VERDICT_DEFINITELY_GUEST,
};

#define PLATFORM_MAX_CONTRADICTIONS 8

struct question_verdict {
	enum guest_verdict verdict;
	char hypervisor[48]; /* identity when known ("KVM", "Microsoft Hyper-V"), else "" */
	char reason[400];    /* the deciding evidence, in words (notes whole, never cut) */
	size_t n_contradictions;
	char contradictions[PLATFORM_MAX_CONTRADICTIONS][400]; /* "CPUID clean but ACPI OEM BOCHS" */
};

/*
 * What a 6.2-6.9 kernel's own IMS gate would answer here: IMS needs an interrupt-remapping
 * parent whose ops offer it (not the vector domain, not VT-d's vIR- parent). See
 * verdict_ims_gate() for the rule and why AMD's NpCache does not close it.
 */
enum ims_gate {
	IMS_GATE_UNKNOWN,
	IMS_GATE_CLOSED, /* the kernel refuses pci_create_ims_domain() */
	IMS_GATE_OPEN,	 /* the kernel accepts it */
};

const char *ims_gate_name(enum ims_gate g);
const char *guest_verdict_name(enum guest_verdict v); /* "definitely-guest", ... */
/* true for definitely-guest and probably-guest */
bool verdict_is_guest(enum guest_verdict v);

void verdict_decide(const struct signal_list *l, const struct platform_facts *f,
		    const struct seed_verdict *seed, struct question_verdict *q1,
		    struct question_verdict *q2);

/* What a 6.2-6.9 kernel's IMS gate does here, and why (one line into WHY). */
enum ims_gate verdict_ims_gate(const struct platform_facts *f, char *why, size_t len);

#endif
