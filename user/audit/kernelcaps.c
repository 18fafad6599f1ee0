// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* getline */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernelcaps.h"
#include "names.h"

const char *hook_reach_name(enum hook_reach r)
{
	static const char *const names[] = {
		[REACH_UNKNOWN] = "unknown",
		[REACH_ABSENT] = "absent",
		[REACH_NO_MEANS] = "no-means",
		[REACH_UNPROVEN] = "unproven",
	};

	return NAME_FROM(names, r, "unknown");
}

/*
 * What kallsyms calls a hook: the function; for a tracepoint, its __tracepoint_<event> data
 * symbol (listed only with CONFIG_KALLSYMS_ALL), its __traceiter_<event> (5.10 on) or the
 * __bpf_trace_<event> a raw tracepoint program runs from (both text, always listed).
 */
#define HOOK_SYMS 3

static void hook_symbols(unsigned int i, char buf[HOOK_SYMS][64])
{
	static const char *const tp_prefix[HOOK_SYMS] = { "__tracepoint_", "__traceiter_",
							  "__bpf_trace_" };
	const char *colon = strchr(hook_table[i].name, ':');
	unsigned int k;

	for (k = 0; k < HOOK_SYMS; k++) {
		if (hook_table[i].is_tracepoint && colon)
			snprintf(buf[k], 64, "%s%s", tp_prefix[k], colon + 1);
		else
			snprintf(buf[k], 64, "%s", hook_table[i].name);
	}
}

/* "ffffffff81234560 T pci_create_ims_domain\t[mod]": the third field, exact or a clone */
static bool line_names(const char *line, const char *sym)
{
	const char *name = line;
	size_t n = strlen(sym);
	int field;

	for (field = 0; field < 2; field++) {
		name = strchr(name, ' ');
		if (!name)
			return false;
		name++;
	}
	return !strncmp(name, sym, n) &&
	       (!name[n] || name[n] == '\n' || name[n] == '\t' || name[n] == '.');
}

void kernelcaps_decide(struct kernel_caps *k, const bool found[IMSW_HOOK_COUNT])
{
	unsigned int g, i;

	for (g = 0; g < IMSW_GROUP_COUNT; g++) {
		bool any = false, function = false;

		for (i = 0; i < IMSW_HOOK_COUNT; i++)
			if (hook_table[i].groups & group_table[g].bit && found[i]) {
				any = true;
				function |= !hook_table[i].is_tracepoint;
			}
		if (k->kallsyms != ANSWER_YES) {
			k->group[g] = REACH_UNKNOWN;
			snprintf(k->group_why[g], sizeof(k->group_why[g]),
				 "proc/kallsyms unreadable: cannot tell");
		} else if (!any) {
			k->group[g] = REACH_ABSENT;
			snprintf(k->group_why[g], sizeof(k->group_why[g]),
				 "none of its functions or tracepoints is in this kernel");
		} else if (function && !k->btf && !k->kprobes) {
			k->group[g] = REACH_NO_MEANS;
			snprintf(k->group_why[g], sizeof(k->group_why[g]),
				 "its functions exist, but the kernel offers neither BTF (fentry) "
				 "nor kprobes");
		} else {
			k->group[g] = REACH_UNPROVEN;
			snprintf(k->group_why[g], sizeof(k->group_why[g]),
				 "present%s%s; only a watch's BPF load proves it attaches",
				 function && k->btf ? ", BTF" : "",
				 function && k->kprobes ? ", kprobes" : "");
		}
	}
}

static bool exists(const struct hostfs *fs, const char *path)
{
	char c;

	return hostfs_read_bin(fs, path, &c, 0) >= 0;
}

int kernelcaps_read(const struct hostfs *fs, struct kernel_caps *out)
{
	bool found[IMSW_HOOK_COUNT] = { false };
	char syms[IMSW_HOOK_COUNT][HOOK_SYMS][64];
	char *line = NULL;
	size_t cap = 0, lines = 0;
	bool ims = false;
	struct hostfs_file *kf;
	unsigned int i, k;
	int err;

	memset(out, 0, sizeof(*out));
	out->btf = exists(fs, "sys/kernel/btf/vmlinux");
	out->kprobes = exists(fs, "sys/bus/event_source/devices/kprobe/type") ||
		       exists(fs, "sys/kernel/tracing/kprobe_events") ||
		       exists(fs, "sys/kernel/debug/tracing/kprobe_events");
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		hook_symbols(i, syms[i]);
	out->kallsyms = out->ims_api = ANSWER_UNKNOWN;
	kf = hostfs_fopen(fs, "proc/kallsyms", 0, &err);
	if (!kf && err == -ENOMEM)
		return err;
	if (kf) {
		while (getline(&line, &cap, hostfs_file_stream(kf)) >= 0) {
			lines++;
			if (!ims && line_names(line, "pci_create_ims_domain"))
				ims = true;
			for (i = 0; i < IMSW_HOOK_COUNT; i++)
				for (k = 0; k < HOOK_SYMS && !found[i]; k++)
					found[i] = line_names(line, syms[i][k]);
		}
		free(line);
		hostfs_fclose(kf);
		/* an empty kallsyms says nothing (a tree that captured none) */
		if (lines) {
			out->kallsyms = ANSWER_YES;
			out->ims_api = ims ? ANSWER_YES : ANSWER_NO;
		}
	}
	kernelcaps_decide(out, found);
	return 0;
}
