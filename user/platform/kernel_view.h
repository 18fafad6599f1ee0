/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel_view: the kernel's own boot-time view of the platform, as data the evidence
 * engine consumes (signals_cpu.c). Reading it takes BPF, which is the watcher's business
 * (user/watch/kview.c); the engine stays free of libbpf and only reads this struct.
 */
#ifndef IMSWATCH_KERNEL_VIEW_H
#define IMSWATCH_KERNEL_VIEW_H

#include <stdbool.h>

struct kernel_platform_view {
	bool attempted;	      /* kview_read ran (false: not asked for, which is not "unreadable") */
	bool available;	      /* the BPF program ran */
	char why[160];	      /* why not, or what was missing */
	bool cap_valid;
	bool hypervisor_cap;  /* X86_FEATURE_HYPERVISOR in boot_cpu_data (via cpu_info[0]) */
	bool type_valid;
	unsigned int type;    /* enum x86_hypervisor_type */
	char type_name[32];   /* "X86_HYPER_KVM", from the kernel's BTF */
};

#endif
