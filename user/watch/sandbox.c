// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/memfd.h>
#include <linux/perf_event.h>

#include <seccomp.h>

#include "log.h"
#include "sandbox.h"

/* an argument condition: ARG & MASK == VALUE (MASK 0: ARG == VALUE) */
struct cond {
	int arg; /* -1: none */
	scmp_datum_t mask, value;
};

struct allowed {
	const char *name;
	struct cond cond;
	const char *why;
	unsigned int need; /* SANDBOX_*: only when that sink is in use; 0: always */
};

#define ANY { -1, 0, 0 }
#define ARG_EQ(n, v) { (n), 0, (v) }
#define ARG_MASKED(n, m, v) { (n), (m), (v) }
/* the open flags a write-open rule pins down: access mode, create, truncate, append, and
 * O_DIRECTORY (so no O_TMPFILE) */
#define OPEN_FLAGS_MASK (O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_DIRECTORY)

/*
 * Everything the event loop may do, one row per system call (several rows for one call
 * are alternatives). A sink that needs more (rename for metrics files, sendmsg for
 * journald) adds its rows under "sinks", tagged with its SANDBOX_* bit: they are installed
 * only when that sink is in use. Rows without a bit are for every run.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct allowed loop_syscalls[] = {
	/* the loop itself */
	{ "poll", ANY, "the loop waits on the ring buffer's epoll fd and the output" },
	{ "ppoll", ANY, "poll(2) on architectures without poll" },
	{ "epoll_wait", ANY, "ring buffer wait (libbpf)" },
	{ "epoll_pwait", ANY, "ring buffer wait (libbpf)" },
	{ "clock_gettime", ANY, "timestamps (vDSO fallback)" },
	{ "gettimeofday", ANY, "timestamps (vDSO fallback)" },
	{ "clock_nanosleep", ANY, "the 10 ms grace before the last drain" },
	{ "nanosleep", ANY, "the 10 ms grace before the last drain" },
	{ "bpf", ARG_EQ(0, BPF_MAP_LOOKUP_ELEM),
	  "the per-hook counters (lost records each second, the summary); nothing else of bpf(2)" },
	/* sysfs enrichment of vector events: read-only opens below the live root */
	{ "openat", ARG_MASKED(2, O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0),
	  "read sysfs (irq chip, actions, uevent): read-only opens only" },
	{ "read", ANY, "sysfs files" },
	{ "pread64", ANY, "sysfs files" },
	{ "getdents64", ANY, "directory listings (readdir)" },
	{ "fstat", ANY, "stdio, fdopendir" },
	{ "newfstatat", ANY, "stdio, fdopendir" },
	{ "statx", ANY, "stdio, fdopendir" },
	{ "lseek", ANY, "stdio" },
	{ "fcntl", ANY, "fdopendir" },
	{ "close", ANY, "files, and the BPF objects at exit" },
	/* output */
	{ "write", ANY, "records to stdout or --output, diagnostics to stderr" },
	{ "writev", ANY, "records and diagnostics" },
	{ "ioctl", ARG_EQ(1, TCGETS), "stdio asks whether an output is a terminal" },
	/* exit: libbpf's teardown of perf-event (kprobe) links */
	{ "ioctl", ARG_EQ(1, PERF_EVENT_IOC_DISABLE), "libbpf disables a kprobe's perf event" },
	{ "munmap", ANY, "the ring buffer's mappings at exit; malloc" },
	{ "exit", ANY, "exit" },
	{ "exit_group", ANY, "exit" },
	/* memory */
	{ "brk", ANY, "malloc" },
	{ "mmap", ANY, "malloc" },
	{ "mremap", ANY, "realloc" },
	{ "madvise", ANY, "free" },
	{ "futex", ANY, "stdio locks" },
	/* signals: SIGINT/SIGTERM/SIGHUP stop the loop; a second one is re-raised */
	{ "rt_sigreturn", ANY, "return from a signal handler" },
	{ "rt_sigaction", ANY, "the second stop signal restores the default action" },
	{ "rt_sigprocmask", ANY, "raise(3)" },
	{ "getpid", ANY, "raise(3)" },
	{ "gettid", ANY, "raise(3)" },
	{ "tgkill", ANY, "raise(3)" },
	{ "restart_syscall", ANY, "a signal during a blocked write (SA_RESTART)" },
	/* sinks: each row only when its sink is in use (struct sandbox_sinks) */
	/* --output FILE: SIGHUP reopens it (logrotate renamed it); appended, never truncated */
	{ "openat", ARG_MASKED(2, OPEN_FLAGS_MASK, O_WRONLY | O_CREAT | O_APPEND),
	  "--output reopened on SIGHUP: write-only, append, create; no O_TRUNC",
	  SANDBOX_OUTPUT },
	{ "ftruncate", ANY, "a full disk took part of a batch: taken back to the last whole "
	  "record", SANDBOX_OUTPUT },
	/* --metrics FILE: PATH.tmp.<pid> written, synced and renamed over PATH */
	{ "openat", ARG_MASKED(2, OPEN_FLAGS_MASK, O_WRONLY | O_CREAT | O_TRUNC),
	  "--metrics' temporary file: write-only, create, truncate; no append", SANDBOX_METRICS },
	{ "fsync", ANY, "--metrics: the temporary file on disk before the rename",
	  SANDBOX_METRICS },
	{ "rename", ANY, "--metrics: the temporary file over the metrics file", SANDBOX_METRICS },
	{ "renameat", ANY, "rename(2) on architectures without it", SANDBOX_METRICS },
	{ "renameat2", ARG_EQ(4, 0), "rename(2) on architectures without it; no flags",
	  SANDBOX_METRICS },
	{ "unlink", ANY, "--metrics: a failed update's temporary file removed", SANDBOX_METRICS },
	{ "unlinkat", ARG_EQ(2, 0), "unlink(2) on architectures without it; files only",
	  SANDBOX_METRICS },
	/* --journal: libsystemd opens its socket at the first entry, the status record, which
	 * is sent before the sandbox: no socket() or connect() here (the datagrams carry the
	 * address) */
	{ "sendmsg", ARG_EQ(2, MSG_NOSIGNAL), "--journal: an entry to journald's socket",
	  SANDBOX_JOURNAL },
	{ "memfd_create", ARG_EQ(1, MFD_ALLOW_SEALING | MFD_CLOEXEC),
	  "--journal: an entry too large for a datagram goes in a sealed memfd (fcntl "
	  "F_ADD_SEALS: fcntl is allowed above)", SANDBOX_JOURNAL },
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	/* the ASan/UBSan build (make sanitize) only: the sanitizer runtime reports, and
	 * LeakSanitizer checks at exit from a clone that ptraces the process */
	{ "mprotect", ANY, "sanitizer runtime" },
	{ "sigaltstack", ANY, "sanitizer runtime" },
	{ "sched_yield", ANY, "sanitizer runtime" },
	{ "prctl", ANY, "LeakSanitizer (PR_SET_PTRACER, PR_GET_DUMPABLE)" },
	{ "clone", ANY, "LeakSanitizer's tracer" },
	{ "clone3", ANY, "LeakSanitizer's tracer" },
	{ "ptrace", ANY, "LeakSanitizer's tracer" },
	{ "wait4", ANY, "LeakSanitizer's tracer" },
	{ "waitid", ANY, "LeakSanitizer's tracer" },
	{ "getdents", ANY, "LeakSanitizer lists /proc/self/task" },
	{ "readlink", ANY, "sanitizer runtime" },
	{ "readlinkat", ANY, "sanitizer runtime" },
	{ "open", ARG_MASKED(1, O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0),
	  "sanitizer runtime (/proc/self/maps)" },
	{ "getppid", ANY, "sanitizer runtime" },
	{ "pipe2", ANY, "sanitizer runtime" },
	{ "getrlimit", ANY, "sanitizer runtime" },
	{ "prlimit64", ANY, "sanitizer runtime" },
	{ "kill", ANY, "LeakSanitizer's tracer" },
#endif
};
#pragma GCC diagnostic pop

static bool row_wanted(const struct allowed *a, unsigned int sinks)
{
	return !a->need || (a->need & sinks);
}

const char *sandbox_syscalls(unsigned int sinks)
{
	static char list[2048];
	size_t i, j, n = 0;

	list[0] = 0;
	for (i = 0; i < sizeof(loop_syscalls) / sizeof(loop_syscalls[0]); i++) {
		bool seen = false;

		if (!row_wanted(&loop_syscalls[i], sinks))
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = row_wanted(&loop_syscalls[j], sinks) &&
			       !strcmp(loop_syscalls[i].name, loop_syscalls[j].name);
		if (seen)
			continue;
		n += snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
			      n ? "," : "", loop_syscalls[i].name);
	}
	return list;
}

/* Every capability out of every set, the bounding set and the ambient set included. */
static int drop_capabilities(char *why, size_t len)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int cap;

	/* the bounding set needs CAP_SETPCAP, so it goes first; EINVAL past the last cap */
	for (cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL)
			break;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		snprintf(why, len, "clearing the ambient capabilities: %s", strerror(errno));
		return -errno;
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data)) {
		snprintf(why, len, "capset: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int install_filter(unsigned int sinks, char *why, size_t len)
{
	scmp_filter_ctx ctx;
	size_t i;
	int r;

	/*
	 * KILL_PROCESS, not ERRNO: a call outside this list is a bug or an intrusion, and
	 * an error return would let either carry on half-working (a sink that silently
	 * writes nothing). A dead loader loses nothing that matters with --pin: the kernel
	 * side keeps recording and the next run takes over.
	 */
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		snprintf(why, len, "seccomp_init failed");
		return -ENOMEM;
	}
	/* every thread, should there ever be more than one */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (i = 0; i < sizeof(loop_syscalls) / sizeof(loop_syscalls[0]); i++) {
		const struct allowed *a = &loop_syscalls[i];
		int nr = seccomp_syscall_resolve_name(a->name);

		if (!row_wanted(a, sinks))
			continue;
		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue; /* not a system call of this architecture */
		if (a->cond.arg < 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		else if (a->cond.mask)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					     SCMP_CMP(a->cond.arg, SCMP_CMP_MASKED_EQ, a->cond.mask,
						      a->cond.value));
		else
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					     SCMP_CMP(a->cond.arg, SCMP_CMP_EQ, a->cond.value));
		if (r) {
			snprintf(why, len, "seccomp rule for %s: %s", a->name, strerror(-r));
			seccomp_release(ctx);
			return r;
		}
	}
	/* NO_NEW_PRIVS is set by seccomp_load (libseccomp's default) */
	r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r) {
		snprintf(why, len, "seccomp_load: %s", strerror(-r));
		return r;
	}
	return 0;
}

/*
 * A kernel built without CONFIG_SECCOMP_FILTER (tinyconfig kernels, some embedded ones)
 * cannot take a filter at all: PR_GET_SECCOMP fails with EINVAL without CONFIG_SECCOMP, and
 * seccomp(SECCOMP_GET_ACTION_AVAIL) fails with EINVAL without the filter mode.
 */
static bool kernel_has_seccomp_filter(void)
{
	unsigned int action = SECCOMP_RET_KILL_PROCESS;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL)
		return false;
	return !(syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) && errno == EINVAL);
}

int sandbox_enter(unsigned int sinks, char *why, size_t len)
{
	int r;

	why[0] = 0;
	r = drop_capabilities(why, len);
	if (r)
		return r;
	if (!kernel_has_seccomp_filter()) {
		/* the capabilities are gone; say plainly what is not there, and go on */
		log_warn("sandbox: this kernel has no seccomp filter mode (CONFIG_SECCOMP_FILTER): "
			 "capabilities dropped, system calls not filtered");
		return 0;
	}
	r = install_filter(sinks, why, len);
	if (r)
		return r;
	log_info("sandbox: no capabilities, seccomp allows %s", sandbox_syscalls(sinks));
	return 0;
}
