// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <string.h>

#include "hooks.h"

#define HOOK_INFO(id_, sym, grp, rev, standby, fe, fx, kp, kr, tp)                          \
	[IMSW_HOOK_##id_] = {                                                               \
		.id = IMSW_HOOK_##id_,                                                      \
		.name = sym,                                                                \
		.groups = grp,                                                              \
		.reveals = rev,                                                             \
		.standby_for = standby,                                                     \
		.prog_fentry = fe,                                                          \
		.prog_fexit = fx,                                                           \
		.prog_kprobe = kp,                                                          \
		.prog_kretprobe = kr,                                                       \
		.prog_raw_tp = tp,                                                          \
		.has_fentry = (fx) != NULL,                                                 \
		.has_kprobe = (kp) != NULL,                                                 \
		.is_tracepoint = (tp) != NULL,                                              \
	},

const struct hook_info hook_table[IMSW_HOOK_COUNT] = { IMSW_HOOKS(HOOK_INFO) };

#define GROUP_INFO(id_, nm, what)                                                           \
	[IMSW_GROUP_BIT_##id_] = { .bit = IMSW_GROUP_##id_, .name = nm, .shows = what },

const struct group_info group_table[IMSW_GROUP_COUNT] = { IMSW_GROUPS(GROUP_INFO) };

/* the counters and the fault-injection mask keep one bit per hook */
_Static_assert(IMSW_HOOK_COUNT <= 32, "hook masks are 32 bits");

const char *hook_name(unsigned int id)
{
	return id < IMSW_HOOK_COUNT ? hook_table[id].name : "unknown";
}

int hook_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		if (!strcmp(hook_table[i].name, name))
			return (int)i;
	return -1;
}

int group_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < IMSW_GROUP_COUNT; i++)
		if (!strcmp(group_table[i].name, name))
			return (int)i;
	return -1;
}

const char *mode_name(unsigned int mode)
{
	switch (mode) {
	case IMSW_MODE_FENTRY:
		return "fentry";
	case IMSW_MODE_KPROBE:
		return "kprobe";
	case IMSW_MODE_TRACEPOINT:
		return "tracepoint";
	default:
		return "none";
	}
}
