/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernelcaps: what this kernel offers the audit without loading BPF, from proc/kallsyms and
 * sysfs (through hostfs, so a captured tree answers for its machine): whether the 6.2-6.9 IMS
 * API exists (pci_create_ims_domain), and for each hook group of the hook table whether a
 * live watch could see it at all. Loading nothing, the audit can prove a hook impossible
 * (its function is not in the kernel, or no attach mechanism exists), never possible.
 */
#ifndef IMSWATCH_KERNELCAPS_H
#define IMSWATCH_KERNELCAPS_H

#include <stdbool.h>

#include "hooks.h"
#include "hostfs.h"
#include "inventory.h"

enum hook_reach {
	REACH_UNKNOWN,	/* kallsyms unreadable */
	REACH_ABSENT,	/* none of the group's functions or tracepoints is in this kernel */
	REACH_NO_MEANS, /* they exist, but neither BTF (fentry) nor kprobes is offered */
	REACH_UNPROVEN, /* they exist and a mechanism is offered; only loading BPF proves it */
};

struct kernel_caps {
	enum answer kallsyms;	/* readable */
	enum answer ims_api;	/* pci_create_ims_domain in kallsyms */
	bool btf;		/* sys/kernel/btf/vmlinux */
	bool kprobes;		/* the kprobe PMU, or tracefs kprobe_events */
	enum hook_reach group[IMSW_GROUP_COUNT];
	char group_why[IMSW_GROUP_COUNT][160];
};

/* Scan once. 0 or -ENOMEM; an unreadable kallsyms is a result (ANSWER_UNKNOWN). */
int kernelcaps_read(const struct hostfs *fs, struct kernel_caps *out);

/* Decide the groups from the symbols found; kernelcaps_read() ends with it (unit tests). */
void kernelcaps_decide(struct kernel_caps *k, const bool found[IMSW_HOOK_COUNT]);

const char *hook_reach_name(enum hook_reach r);

#endif
