/* SPDX-License-Identifier: GPL-2.0 */
/* watch: the main job. Status record, then events until a signal or --duration, then a
 * summary. Returns the process exit code. */
#ifndef IMSWATCH_WATCH_H
#define IMSWATCH_WATCH_H

#include "config.h"
#include "hooks.h"
#include "kview.h"
#include "output.h"
#include "platform.h"

struct loader;

/*
 * watch's exit code when nothing can be watched on this host, whatever the number of
 * tries: BPF refused or unavailable (no kernel BTF, no privilege, lockdown), no hook
 * attaches, or a --require'd hook or group blind. 2 stays the code of usage and transient
 * runtime errors, so a supervisor can restart on 2 and never on this one.
 */
enum { WATCH_EXIT_CANNOT = 3 };

/* The BPF side of one watch: loaded once, before the platform is assessed. */
struct watch_bpf {
	struct loader *loader; /* NULL: nothing could be loaded (problem says why) */
	int err;
	char problem[256];
	struct hook_state hooks[IMSW_HOOK_COUNT];
};

/*
 * Probe, load and attach the hooks, and read the kernel's view (KVIEW, for the platform
 * assessment) from the same BPF object, run once after that one load. Records wait in the
 * ring buffer until watch_run().
 */
void watch_load(const struct config *cfg, struct watch_bpf *bpf,
		struct kernel_platform_view *kview);

/* Runs the watch with what watch_load() loaded, and unloads it. */
int watch_run(const struct config *cfg, struct sink *sink, const struct platform *platform,
	      struct watch_bpf *bpf);

/* Unload without watching (the run ended before watch_run). */
void watch_unload(struct watch_bpf *bpf);

#endif
