/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kview: the kernel's own boot-time view of the platform, read through BPF: the hypervisor
 * capability bit it recorded for the boot CPU and the hypervisor type it detected. Needs
 * root (BPF); without it the view is reported unknown, with the reason.
 */
#ifndef IMSWATCH_KVIEW_H
#define IMSWATCH_KVIEW_H

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

/* Fill VIEW; never fails (an unavailable view says why). */
void kview_read(struct kernel_platform_view *view);

#endif
