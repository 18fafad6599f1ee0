/* SPDX-License-Identifier: GPL-2.0 */
/*
 * platform: signals -> evidence -> verdicts. Computed once at start-up from hostfs and the
 * cpuid source, never from absolute paths or the live CPU directly.
 *
 * The seed verdict is Thomas Gleixner's probably_on_bare_metal() (LKML, 12 Nov 2020):
 *	if (CPUID(FEATURE_HYPERVISOR)) return false;
 *	if (dmi_match_hypervisor_vendor()) return false;
 *	return PROBABLY_RUNNING_ON_BARE_METAL;
 * with the DMI field, vendor list and matching rule of Lu Baolu's RFC that implemented it
 * (Dec 2020): DMI sys_vendor compared exactly, as dmi_match() does. user/platform.c says
 * where each piece comes from and where imswatch differs. Unknown signals do not count
 * against bare metal there, exactly as in the seed; the evidence list says which signals
 * were unknown so the reader can see the guess.
 */
#ifndef IMSWATCH_PLATFORM_H
#define IMSWATCH_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuid.h"
#include "hostfs.h"
#include "kview.h"
#include "signals.h"

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
	char reason[192];    /* the deciding evidence, in words */
	size_t n_contradictions;
	char contradictions[PLATFORM_MAX_CONTRADICTIONS][160]; /* "CPUID clean but ACPI OEM BOCHS" */
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

struct platform {
	struct seed_verdict seed; /* the literal seed heuristic, its own named verdict */
	enum cpuid_kind cpuid_kind;
	struct signal_list signals; /* every signal read, seed inputs included */
	struct platform_facts facts;
	struct question_verdict q1; /* is this OS a guest? */
	struct question_verdict q2; /* does a hypervisor own interrupt remapping? */
	enum ims_gate ims_gate;
	char ims_gate_reason[128];
};

const char *ims_gate_name(enum ims_gate g);

const char *guest_verdict_name(enum guest_verdict v); /* "definitely-guest", ... */

/*
 * The DMI fields the seed checks (keys of the engine's "dmi" items) and the vendor list from
 * the seed thread; see user/platform.c for where each comes from.
 */
extern const char *const seed_dmi_fields[];    /* NULL-terminated, e.g. "sys_vendor" */
extern const char *const seed_dmi_vendors[];   /* NULL-terminated */

/*
 * The seed verdict from the engine's signal list L (signals_collect()); KIND names the CPUID
 * source for the notes. Never fails: an input missing from L is unknown, as in the seed.
 */
void seed_from_signals(const struct signal_list *l, enum cpuid_kind kind,
		       struct seed_verdict *out);

/*
 * Convenience for tests: collect the signals (no kernel view, no timing probe) and compute
 * the seed view over them. Returns 0 or -EINVAL.
 */
int platform_seed(const struct hostfs *fs, const struct cpuid_source *cpu,
		  struct seed_verdict *out);

/* Inputs beyond the files and CPUID. */
struct platform_inputs {
	/* the kernel's own boot-time view (read through BPF by the caller, since this module
	 * stays free of libbpf); NULL when it was not read */
	const struct kernel_platform_view *kview;
	bool timing_probe; /* opt-in: time trapping instructions (native CPUID only) */
};

/* Everything imswatch knows about the platform. IN may be NULL. Returns 0 or -errno. */
int platform_assess(const struct hostfs *fs, const struct cpuid_source *cpu,
		    const struct platform_inputs *in, struct platform *out);

const char *signal_state_name(enum signal_state s);

/* true for definitely-guest and probably-guest */
bool verdict_is_guest(enum guest_verdict v);

#endif
