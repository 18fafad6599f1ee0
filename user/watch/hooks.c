// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hooks.h"
#include "names.h"

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

#define GROUP_INFO(id_, nm, lbl, what)                                                      \
	[IMSW_GROUP_BIT_##id_] = {                                                          \
		.bit = IMSW_GROUP_##id_, .name = nm, .label = lbl, .shows = what               \
	},

const struct group_info group_table[IMSW_GROUP_COUNT] = { IMSW_GROUPS(GROUP_INFO) };

/* the counters and the fault-injection mask keep one bit per hook */
_Static_assert(IMSW_HOOK_COUNT <= 32, "hook masks are 32 bits");

const char *hook_name(unsigned int id)
{
	return id < IMSW_HOOK_COUNT ? hook_table[id].name : "unknown";
}

bool hook_revealed(const struct hook_state *hooks, unsigned int i)
{
	unsigned int j;

	if (!hooks)
		return false;
	for (j = 0; j < IMSW_HOOK_COUNT; j++)
		if (hooks[j].attached && !strcmp(hook_table[j].reveals, hook_table[i].reveals))
			return true;
	return false;
}

enum coverage group_coverage(const struct hook_state *hooks, unsigned int g)
{
	unsigned int i, seen = 0, blind = 0;

	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		if (hook_table[i].groups & group_table[g].bit) {
			if (hook_revealed(hooks, i))
				seen++;
			else
				blind++;
		}
	return !blind ? COVERAGE_FULL : seen ? COVERAGE_PARTIAL : COVERAGE_BLIND;
}

const char *coverage_name(enum coverage c)
{
	static const char *const names[] = {
		[COVERAGE_FULL] = "full",
		[COVERAGE_PARTIAL] = "partial",
		[COVERAGE_BLIND] = "blind",
	};

	return NAME_FROM(names, c, "blind");
}

/* append to BUF (LEN bytes) at offset O; truncates, never overflows */
#define PUT(...)                                                                            \
	do {                                                                                \
		int r_ = snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__);             \
		o += r_ > 0 ? (size_t)r_ : 0;                                               \
	} while (0)

static size_t put_group_hooks(char *buf, size_t len, size_t o, unsigned int g)
{
	unsigned int i;
	bool first = true;

	PUT("(");
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		if (hook_table[i].groups & group_table[g].bit) {
			PUT("%s%s", first ? "" : ", ", hook_table[i].name);
			first = false;
		}
	PUT(")");
	return o;
}

unsigned int unmet_requirements(const struct hook_state *hooks, unsigned int req_hooks,
				unsigned int req_groups, char *buf, size_t len)
{
	unsigned int g, i, n = 0;
	size_t o = 0;

	if (len)
		buf[0] = 0;
	for (g = 0; g < IMSW_GROUP_COUNT; g++) {
		if (!(req_groups & (1u << g)) || group_coverage(hooks, g) != COVERAGE_BLIND)
			continue;
		PUT("%s%s: no hook attached ", n++ ? "; " : "", group_table[g].name);
		o = put_group_hooks(buf, len, o, g);
	}
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		if (!(req_hooks & (1u << i)) || (hooks && hooks[i].attached))
			continue;
		PUT("%s%s: not attached (%s)", n++ ? "; " : "", hook_table[i].name,
		    hooks && hooks[i].reason[0] ? hooks[i].reason : "not loaded");
	}
	return n;
}

unsigned int blind_summary(const struct hook_state *hooks, char *buf, size_t len)
{
	unsigned int g, n = 0;
	size_t o = 0;

	if (len)
		buf[0] = 0;
	bool lockdown = false;
	unsigned int i;

	for (g = 0; g < IMSW_GROUP_COUNT; g++) {
		if (group_coverage(hooks, g) != COVERAGE_BLIND)
			continue;
		PUT("%sno %s hook attached ", n++ ? "; " : "", group_table[g].label);
		o = put_group_hooks(buf, len, o, g);
		PUT(": %s cannot be seen", group_table[g].shows);
		for (i = 0; hooks && i < IMSW_HOOK_COUNT; i++)
			if ((hook_table[i].groups & group_table[g].bit) &&
			    strstr(hooks[i].reason, "lockdown=confidentiality"))
				lockdown = true;
	}
	/* the cause an operator can act on, once, rather than buried in each hook's reason */
	if (lockdown)
		PUT("; the kernel runs lockdown=confidentiality, which refuses kprobes: use "
		    "--attach auto (fentry reads through BTF and attaches there) or boot with "
		    "lockdown=integrity");
	return n;
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
	static const char *const names[] = {
		[IMSW_MODE_FENTRY] = "fentry",
		[IMSW_MODE_KPROBE] = "kprobe",
		[IMSW_MODE_TRACEPOINT] = "tracepoint",
	};

	return NAME_FROM(names, mode, "none");
}
