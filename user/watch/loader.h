/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loader: everything that touches libbpf. Probes the running kernel hook by hook, switches
 * off the variants that cannot work, loads, attaches each program on its own (one failure
 * loses one hook, never the run), and hands ring-buffer records to a callback untouched.
 */
#ifndef IMSWATCH_LOADER_H
#define IMSWATCH_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "hooks.h"
#include "kview.h"

struct loader;
struct ksyms;

struct loader_opts {
	enum attach_pref attach;
	unsigned int ringbuf_kb;
	/* where records go; may be set later (loader_set_consumer), before the first drain */
	int (*on_record)(void *ctx, const void *data, size_t size);
	void *ctx;
	/* the run's /proc/kallsyms reader (NULL: a private one) */
	struct ksyms *ksyms;
	/* non-NULL: load the kernel_view program with the hooks, in the same object, run it
	 * once and fill this (always filled: an unavailable view says why) */
	struct kernel_platform_view *kview;
	/* non-NULL: --pin DIR. An empty DIR gets this run's links and maps pinned; a DIR an
	 * earlier run of this same build pinned is taken over (nothing is loaded or attached:
	 * its links keep the programs, its ring buffer kept the records) */
	const char *pin_dir;
};

/* What --pin did, for the status and summary records. */
struct pin_stats {
	const char *dir;	  /* NULL: not pinned */
	bool taken_over;	  /* this run took over pins an earlier run left */
	uint64_t pinned_real_ns;  /* when the pins were made (CLOCK_REALTIME) */
	uint64_t drained_before;  /* records delivered whose kernel time is before the takeover */
	uint64_t lost_before;	  /* records the BPF side had lost when this run took over */
	unsigned int ringbuf_kb;  /* size of the ring buffer in use (the pinned one's) */
};

/*
 * Probe, load and attach. HOOKS (IMSW_HOOK_COUNT entries) always gets a state and a reason
 * per hook. Returns 0 with *OUT set when at least one hook is attached; otherwise -errno
 * with PROBLEM saying what is missing (no privileges, no BTF, BPF refused). The kernel's
 * BTF is parsed once here for probing, and once by libbpf for the load; /proc/kallsyms is
 * read at most once (opts->ksyms), for the kprobe probes and the kernel view together.
 */
int loader_start(struct loader **out, const struct loader_opts *opts,
		 struct hook_state hooks[IMSW_HOOK_COUNT], char *problem, size_t problem_len);

/* Where records go from now on. */
void loader_set_consumer(struct loader *l, int (*on_record)(void *ctx, const void *data,
							      size_t size),
			 void *ctx);

/* A file descriptor that polls readable when records wait (for poll(2) beside others). */
int loader_epoll_fd(struct loader *l);

/* Deliver what the ring buffer holds now, without waiting. Returns records or -errno. */
int loader_drain(struct loader *l);

/* Detach every hook (maps, ring buffer and counters stay readable): after this nothing
 * new arrives, so a final drain and the counters agree. */
void loader_detach(struct loader *l);

/* Sum the per-CPU counters kept in BPF into OUT[counter][hook]. Returns 0 or -errno. */
int loader_counters(struct loader *l, uint64_t out[IMSW_CNT_COUNT][IMSW_HOOK_COUNT]);

/* --pin: what was pinned or taken over (stats->dir NULL without --pin). */
void loader_pin_stats(const struct loader *l, struct pin_stats *stats);

/* Are the hooks pinned? Then loader_detach() and loader_stop() let go of the links without
 * detaching them: BPF keeps recording into the pinned ring buffer for the next run. */
bool loader_pinned(const struct loader *l);

/* Did kprobes attach through the legacy tracefs interface (no kprobe PMU)? Their teardown
 * writes tracefs, which the sandbox does not allow. */
bool loader_uses_legacy_kprobes(const struct loader *l);

void loader_stop(struct loader *l);

#endif
