/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sandbox: least privilege for the event loop. Once the hooks are attached and everything
 * that needs privileges is done (BTF, kallsyms, the kernel view, the platform reads, the
 * pins), the loop only reads a ring buffer that is mmap'd already, reads sysfs and writes
 * records. sandbox_enter() then drops every capability (bounding, ambient, effective,
 * permitted, inheritable) and installs a seccomp filter that allows only the system calls
 * listed in sandbox.c (one table, with the reason for each); anything else kills the
 * process with SIGSYS.
 */
#ifndef IMSWATCH_SANDBOX_H
#define IMSWATCH_SANDBOX_H

#include <stddef.h>

/* The sinks in use: the table's rows for a sink are installed only when it is. */
enum {
	SANDBOX_OUTPUT = 1,  /* --output FILE: reopened on SIGHUP */
	SANDBOX_METRICS = 2, /* --metrics FILE: rewritten atomically */
	SANDBOX_JOURNAL = 4, /* --journal */
};

/* 0, or -errno with WHY (the process is then unchanged or only lost capabilities). */
int sandbox_enter(unsigned int sinks, char *why, size_t len);

/* The allowed system calls with SINKS in use, comma-separated, for -v and the tests. */
const char *sandbox_syscalls(unsigned int sinks);

#endif
