/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table of hooks imswatch knows: kernel function or tracepoint, what it reveals, and
 * which attach variants exist for it. The loader decides per hook; output names them.
 */
#ifndef IMSWATCH_HOOKS_H
#define IMSWATCH_HOOKS_H

#include <stdbool.h>

#include "imswatch.h"

struct hook_info {
	enum imsw_hook id;
	const char *name;      /* kernel symbol, or "irq_vectors:vector_alloc" */
	const char *reveals;   /* what is blind when it is not attached */
	bool has_fentry;       /* an fentry/fexit variant exists */
	bool has_kprobe;       /* a kprobe/kretprobe variant exists */
	bool is_tracepoint;
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

const char *hook_name(unsigned int id);
const char *mode_name(unsigned int mode); /* enum imsw_mode -> "fentry", ... */

#endif
