/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kview: the kernel's own boot-time view of the platform, read through BPF: the hypervisor
 * capability bit it recorded for the boot CPU and the hypervisor type it detected. Needs
 * root (BPF); without it the view is reported unknown, with the reason.
 *
 * The kernel_view program is part of the one BPF object (bpf/imswatch.bpf.c): `watch` loads
 * it with the hooks and runs it once after that load (kview_run); `platform --kernel-view`
 * loads the object with that program alone (kview_read), then runs it the same way.
 */
#ifndef IMSWATCH_KVIEW_H
#define IMSWATCH_KVIEW_H

#include <stdbool.h>

#include "kernel_view.h"

/* the plain global the program reads by address (from /proc/kallsyms) */
#define KVIEW_HYPER_TYPE_SYMBOL "x86_hyper_type"
/* the per-CPU variable it reads as a typed ksym: the verifier finds its address through
 * kallsyms, so without it there (no CONFIG_KALLSYMS_ALL) the program cannot load */
#define KVIEW_CPU_INFO_SYMBOL "cpu_info"

struct imswatch_bpf;
struct ksyms;

/* Run the kernel_view program of SKEL, already loaded, once and fill VIEW (never fails: an
 * unavailable view says why). KS gives x86_hyper_type's address. */
void kview_run(struct imswatch_bpf *skel, struct ksyms *ks, struct kernel_platform_view *view);

/* The object could not be loaded with kernel_view (libbpf's ERR): VIEW says why. */
void kview_load_failed(struct kernel_platform_view *view, int err);

/*
 * Can kernel_view load here? False (VIEW then says why, as the failed load would) when BPF
 * is refused, when the kernel's own config (/proc/config.gz) says CONFIG_KALLSYMS_ALL is
 * not set, or when /proc/kallsyms was read and has no cpu_info: a load would only fail,
 * costing a parse of the kernel's BTF. Reads /proc/kallsyms through KS (which kview_run
 * needs anyway) unless the config already answered.
 */
bool kview_loadable(struct ksyms *ks, struct kernel_platform_view *view);

/* Load the object with the kernel_view program only, run it, unload. KS may be NULL (a
 * private one is used). Returns 0 when the object loaded (VIEW may still say why the
 * program could not run), else libbpf's error. */
int kview_read(struct kernel_platform_view *view, struct ksyms *ks);

/*
 * The lockdown LSM's mode is the bracketed word of /sys/kernel/security/lockdown ("none
 * integrity [confidentiality]"). confidentiality refuses kprobes (LOCKDOWN_KPROBES) and
 * bpf_probe_read_kernel (LOCKDOWN_BPF_READ_KERNEL); integrity refuses neither. False when
 * the file cannot be read (no lockdown LSM, securityfs not mounted).
 */
bool kernel_lockdown_confidentiality(void);

#endif
