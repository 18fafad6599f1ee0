/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table of hooks imswatch knows, built from the one declarative list in
 * include/imswatch_hooks.h: kernel function or tracepoint, what it reveals, which groups it
 * watches and the BPF program of each variant. The loader decides per hook; output names
 * them.
 */
#ifndef IMSWATCH_HOOKS_H
#define IMSWATCH_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "imswatch.h"

struct hook_info {
	enum imsw_hook id;
	const char *name;      /* kernel symbol, or "irq_vectors:vector_alloc" */
	unsigned int groups;   /* IMSW_GROUP_* */
	const char *reveals;   /* what is blind when it is not attached */
	int standby_for;       /* the hook this one stands in for, or IMSW_NO_HOOK */
	/* BPF program names, NULL where the variant does not exist */
	const char *prog_fentry;    /* marks the entry beside the fexit */
	const char *prog_fexit;
	const char *prog_kprobe;
	const char *prog_kretprobe; /* NULL beside a kprobe: the kprobe alone is the hook */
	const char *prog_raw_tp;
	bool has_fentry;       /* an fentry/fexit variant exists */
	bool has_kprobe;       /* a kprobe/kretprobe variant exists */
	bool is_tracepoint;
};

struct group_info {
	unsigned int bit;  /* IMSW_GROUP_* */
	const char *name;  /* "ims": --require and the summary's coverage */
	const char *label; /* "IMS" */
	const char *shows; /* "IMS attempts" */
};

/* How much of a group this run can see (hooks with the same reveals are alternatives). */
enum coverage {
	COVERAGE_FULL,	  /* everything the group's hooks reveal is revealed */
	COVERAGE_PARTIAL, /* some of it */
	COVERAGE_BLIND,	  /* none of it: "none seen" would mean "could not see" */
};

/* What the loader did with one hook: reported in the status record, attached or not. */
struct hook_state {
	enum imsw_mode mode; /* variant used, or the preferred one when none can be */
	bool selected;	     /* the loader loads and attaches this hook */
	bool attached;
	char reason[512];    /* why not attached, or why this variant was chosen (with the
			      * verifier's words when a program failed to load) */
};

extern const struct hook_info hook_table[IMSW_HOOK_COUNT];
extern const struct group_info group_table[IMSW_GROUP_COUNT];

const char *hook_name(unsigned int id);
const char *mode_name(unsigned int mode); /* enum imsw_mode -> "fentry", ... */

/* Is what hook I reveals seen in this run, by I or an attached hook with the same words? */
bool hook_revealed(const struct hook_state *hooks, unsigned int i);
/* Coverage of group G (IMSW_GROUP_BIT_*); HOOKS NULL: nothing attached. */
enum coverage group_coverage(const struct hook_state *hooks, unsigned int g);
const char *coverage_name(enum coverage c); /* "full", "partial", "blind" */
/*
 * One line naming every blind group, its hooks and what cannot be seen ("no IMS hook
 * attached (pci_create_ims_domain, ...): IMS attempts cannot be seen; ..."). Returns the
 * number of blind groups; BUF is empty when there are none.
 */
unsigned int blind_summary(const struct hook_state *hooks, char *buf, size_t len);

/*
 * --require: which of REQ_HOOKS (bits by hook) and REQ_GROUPS (bits by IMSW_GROUP_BIT_*)
 * are blind in this run, in one line ("ims: no hook attached (...); pci_ims_alloc_irq: not
 * attached (<reason>)"). A group is met when it is not wholly blind. Returns the number
 * unmet; BUF is empty when all are met.
 */
unsigned int unmet_requirements(const struct hook_state *hooks, unsigned int req_hooks,
				unsigned int req_groups, char *buf, size_t len);

/* hook id by symbol name, or -1 */
int hook_by_name(const char *name);
/* group index (IMSW_GROUP_BIT_*) by name ("ims"), or -1 */
int group_by_name(const char *name);

#endif
