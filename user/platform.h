/* SPDX-License-Identifier: GPL-2.0 */
/*
 * platform: signals -> evidence -> verdicts. Computed once at start-up from hostfs and the
 * cpuid source, never from absolute paths or the live CPU directly.
 *
 * The seed verdict is Thomas Gleixner's probably_on_bare_metal() taken literally
 * (LKML, 12 Nov 2020):
 *	if (CPUID(FEATURE_HYPERVISOR)) return false;
 *	if (dmi_match_hypervisor_vendor()) return false;
 *	return PROBABLY_RUNNING_ON_BARE_METAL;
 * Unknown signals do not count against bare metal there, exactly as in the seed; the
 * evidence list says which signals were unknown so the reader can see the guess.
 */
#ifndef IMSWATCH_PLATFORM_H
#define IMSWATCH_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuid.h"
#include "hostfs.h"
#include "kview.h"
#include "signals.h"

/* One piece of evidence. .value is untrusted (DMI strings come from the VMM). */
struct evidence {
	const char *source;   /* "cpuid", "dmi", ... (static string) */
	char key[48];	      /* "leaf1.ecx.hypervisor", "sys_vendor", ... */
	char value[128];      /* raw value as read ("" when not present) */
	enum signal_state state;
	bool indicates_vm;    /* this item, alone, says "not bare metal" */
	char note[128];	      /* why it indicates what it does, e.g. "matches 'QEMU'" */
};

#define PLATFORM_MAX_EVIDENCE 32

struct seed_verdict {
	bool probably_on_bare_metal;
	/* the two inputs of the seed function */
	enum signal_state cpuid_state;	/* state of CPUID leaf 1 */
	bool cpuid_hypervisor;		/* leaf 1 ECX[31] */
	bool dmi_hypervisor_vendor;	/* any DMI field matched the seed's vendor list */
	size_t n_evidence;
	struct evidence evidence[PLATFORM_MAX_EVIDENCE];
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
 * The DMI fields the seed checks, relative to the hostfs root, and the vendor list from the
 * seed thread (domain.md section 1), matched as case-sensitive prefixes like the kernel's
 * dmi_match() users do for vendor strings.
 */
extern const char *const seed_dmi_fields[];    /* NULL-terminated, e.g. "sys_vendor" */
extern const char *const seed_dmi_vendors[];   /* NULL-terminated */

/* Compute the seed verdict. Returns 0 or -errno (only for internal errors). */
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
