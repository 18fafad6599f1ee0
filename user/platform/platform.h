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
 * (Dec 2020): DMI sys_vendor compared exactly, as dmi_match() does. user/platform/platform.c says
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
#include "kernel_view.h"
#include "signals.h"
#include "verdict.h"

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

/*
 * The DMI fields the seed checks (keys of the engine's "dmi" items) and the vendor list from
 * the seed thread; see user/platform/platform.c for where each comes from.
 */
extern const char *const seed_dmi_fields[];    /* NULL-terminated, e.g. "sys_vendor" */
extern const char *const seed_dmi_vendors[];   /* NULL-terminated */

/*
 * The seed verdict from the engine's signal list L; KIND names the CPUID
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

#endif
