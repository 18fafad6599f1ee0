// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "audit.h"
#include "ksyms.h"
#include "loader.h"
#include "log.h"
#include "pipeline.h"
#include "notify.h"
#include "sandbox.h"
#include "watch.h"

static volatile sig_atomic_t stop_requested;
/*
 * SIGHUP asks to reopen --output (logrotate renamed it), not to stop; so does it when the
 * records go only to the journal (the packaged unit: `systemctl reload` must not end the
 * service). Only a run writing to stdout ends on SIGHUP, its terminal's hangup.
 */
static volatile sig_atomic_t reopen_requested;
static bool hup_reopens;

/*
 * The first SIGINT/SIGTERM/SIGHUP asks for a clean stop (drain, summary): SIGHUP is what a
 * closed terminal or SSH session sends, and the run it ends deserves its summary as much.
 * A second one, as when a stalled reader keeps the final write blocked, is obeyed at once.
 */
static void on_signal(int sig)
{
	if (sig == SIGHUP && hup_reopens) {
		reopen_requested = 1;
		return;
	}
	if (stop_requested) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stop_requested = 1;
}

static void install_signals(void)
{
	/*
	 * SA_RESTART: a signal during a blocked write must not fail the write (EINTR would end
	 * the run as a write error, without the summary). poll(2) is never restarted, so the
	 * main loop still wakes at once.
	 */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t sum(const uint64_t v[IMSW_HOOK_COUNT])
{
	uint64_t s = 0;
	unsigned int i;

	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		s += v[i];
	return s;
}

/* Nothing could be loaded: retrying helps only when memory was short or the call was cut. */
static int exit_for_load(int err)
{
	switch (err) {
	case -ENOMEM:
	case -EAGAIN:
	case -EINTR:
	/* --pin: another reader holds DIR, or it holds another build's or half-made pins, or
	 * it is not on bpffs: the operator can fix these (detach, wait), so not "never here" */
	case -EBUSY:
	case -ESTALE:
	case -EUCLEAN:
	case -EXDEV:
		return 2;
	default:
		return WATCH_EXIT_CANNOT;
	}
}

/*
 * 0 for a clean end, including a reader that went away; 2 for a real write error. The error
 * is the sink's own (sticky), so main reports it once when it closes the sink.
 */
static int exit_for_write(int err)
{
	return !err || err == -EPIPE ? 0 : 2;
}

/* Every write's result counts: the first error ends the run (EPIPE: the reader left). */
static void note_write(struct pipeline *pipe, int r)
{
	if (r && !pipe->write_error)
		pipe->write_error = r;
}

/*
 * Has the reader of OUT gone away? A pipe's write end polls POLLERR once no reader is left
 * (a socket POLLHUP), so this is seen at once even when no record is being written. Files
 * and terminals never report either.
 */
static bool reader_gone(short revents)
{
	return revents & (POLLERR | POLLHUP);
}

void watch_load(const struct config *cfg, struct watch_bpf *bpf,
		struct kernel_platform_view *kview)
{
	struct ksyms *ksyms = ksyms_new();
	struct loader_opts lo = {
		.attach = cfg->attach,
		.ringbuf_kb = cfg->ringbuf_kb,
		.kview = kview,
		.pin_dir = cfg->pin_dir,
	};

	/* a stop asked for while loading still ends the run with its summary */
	hup_reopens = cfg->output != NULL || (cfg->journal && !cfg->format_given);
	install_signals();
	memset(bpf, 0, sizeof(*bpf));
	/* one /proc/kallsyms pass for the kprobe probes and the kernel view */
	if (ksyms && !ksyms_want_all(ksyms))
		lo.ksyms = ksyms;
	bpf->err = loader_start(&bpf->loader, &lo, bpf->hooks, bpf->problem,
				sizeof(bpf->problem));
	if (ksyms)
		log_debug("/proc/kallsyms read %u time(s)", ksyms_reads(ksyms));
	ksyms_free(ksyms);
}

void watch_unload(struct watch_bpf *bpf)
{
	loader_stop(bpf->loader);
	bpf->loader = NULL;
}

int watch_run(const struct config *cfg, struct sink *sink, const struct platform *platform,
	      struct watch_bpf *bpf)
{
	struct hook_state *hooks = bpf->hooks;
	struct summary_info sum_info = { 0 };
	struct loader *loader = bpf->loader;
	char *problem = bpf->problem;
	struct pipeline pipe;
	struct hostfs live;
	struct utsname uts;
	struct pin_stats pin = { .ringbuf_kb = cfg->ringbuf_kb };
	struct pin_record pin_rec = { 0 };
	char why[256];
	char blind[2048];
	uint64_t reported_lost = 0;
	double start, last_check;
	int err = bpf->err, n;

	bpf->loader = NULL; /* ours now: every path below stops it */
	install_signals();
	uname(&uts);
	/* enrichment reads the live sysfs, whatever --sysroot says about the platform */
	if (hostfs_open(&live, "/"))
		live.root_fd = -1;
	pipeline_init(&pipe, sink, platform, live.root_fd >= 0 ? &live : NULL);
	if (pipeline_set_fold(&pipe, cfg->fold))
		log_warn("out of memory for --fold: every event is written unfolded");
	if (loader) {
		loader_set_consumer(loader, pipeline_record, &pipe);
		loader_pin_stats(loader, &pin);
		/* a killed loader must not have consumed records it had not written */
		pipe.flush_each = pin.dir != NULL;
		if (pin.taken_over && pin.ringbuf_kb != cfg->ringbuf_kb)
			log_warn("--pin: the pinned ring buffer has %u KiB (--ringbuf-kb applies "
				 "when the pins are made)", pin.ringbuf_kb);
		pin_rec.dir = cfg->pin_dir; /* outlives the loader, for the summary */
		pin_rec.taken_over = pin.taken_over;
		pin_rec.pinned_real_ns = (int64_t)pin.pinned_real_ns;
	}

	struct status_info st = {
		.kernel = uts.release,
		.platform = platform,
		.hooks = hooks,
		.bpf_problem = err ? problem : NULL,
		.ringbuf_kb = pin.ringbuf_kb,
		.attach_pref = attach_pref_name(cfg->attach),
		.pin = pin.dir ? &pin_rec : NULL,
	};
	note_write(&pipe, sink_status(sink, &st, now_real_ns()));
	note_write(&pipe, sink_flush(sink));
	if (!loader) {
		log_error("%s; nothing can be watched (the platform verdict in the status "
			  "record still holds)", problem);
		if (live.root_fd >= 0)
			hostfs_close(&live);
		return exit_for_load(err);
	}

	/* a watch that cannot see IMS must not look like one that saw none */
	if (blind_summary(hooks, blind, sizeof(blind)))
		log_blind("%s", blind);
	if (unmet_requirements(hooks, cfg->require_hooks, cfg->require_groups, blind,
			       sizeof(blind))) {
		log_error("--require: %s; nothing watched", blind);
		loader_stop(loader);
		pipeline_fini(&pipe);
		if (live.root_fd >= 0)
			hostfs_close(&live);
		return WATCH_EXIT_CANNOT;
	}

	/* attached: a service manager may now let udev's coldplug go (Type=notify) */
	unsigned int n_attached = 0;

	for (unsigned int i = 0; i < IMSW_HOOK_COUNT; i++)
		n_attached += hooks[i].attached;
	snprintf(why, sizeof(why), "watching: %u of %u hooks attached", n_attached,
		 (unsigned int)IMSW_HOOK_COUNT);
	if (notify_ready(why))
		log_warn("could not tell the service manager that watch is ready ($NOTIFY_SOCKET)");

	/*
	 * Attached first, then the snapshot: whatever changes after the attach is seen live, and
	 * an event from before the read ended about a device the snapshot lists may be in both
	 * (counted as snapshot_overlap in the summary; README, "watch starts from the snapshot").
	 */
	struct audit_snapshot snap;
	bool have_snap = false;

	if (live.root_fd >= 0 && !audit_gather(&live, platform, &snap)) {
		snap.snapshot = true;
		have_snap = true;
		note_write(&pipe, sink_audit(sink, &snap, -1, now_real_ns()));
		note_write(&pipe, sink_flush(sink));
		pipe.snapshot = &snap;
	} else {
		log_warn("the start-up snapshot could not be taken: only live events follow");
	}

	/*
	 * Least privilege from here on: everything that needed privileges (BTF, kallsyms, the
	 * kernel view, the platform, attaching, pinning) is done. The live sysfs is read with
	 * plain read-only openat (exact on "/"), which the filter can check; openat2 takes
	 * its flags by pointer.
	 */
	if (cfg->no_sandbox) {
		log_info("sandbox: off (--no-sandbox)");
	} else if (loader_uses_legacy_kprobes(loader)) {
		log_warn("sandbox: not entered: kprobes attached through tracefs (no kprobe PMU) "
			 "are removed through tracefs at exit");
	} else {
		live.has_openat2 = false;
		unsigned int sinks = (cfg->output ? SANDBOX_OUTPUT : 0) |
				     (cfg->metrics ? SANDBOX_METRICS : 0) |
				     (cfg->journal ? SANDBOX_JOURNAL : 0);

		if (sandbox_enter(sinks, why, sizeof(why))) {
			log_error("cannot enter the sandbox: %s (--no-sandbox runs without it)", why);
			loader_stop(loader);
			pipeline_fini(&pipe);
			if (live.root_fd >= 0)
				hostfs_close(&live);
			return 2;
		}
	}

	struct pollfd pfd[2] = {
		{ .fd = loader_epoll_fd(loader), .events = POLLIN },
		{ .fd = sink_fd(sink), .events = 0 }, /* errors and hang-ups only */
	};

	start = last_check = mono_s();
	while (!stop_requested && !pipe.write_error) {
		double now;

		if (reopen_requested) {
			reopen_requested = 0;
			sink_reopen(sink);
		}
		pfd[1].fd = sink_fd(sink); /* reopened, or none (--journal alone) */
		n = poll(pfd, 2, 100);
		if (n < 0 && errno != EINTR) {
			log_error("poll failed: %s", strerror(errno));
			break;
		}
		if (n > 0 && reader_gone(pfd[1].revents)) {
			note_write(&pipe, -EPIPE);
			break;
		}
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			n = loader_drain(loader);
			/* a write error stops the drain: noted by the pipeline, ends the loop */
			if (n < 0 && !pipe.write_error) {
				log_error("ring buffer read failed: %s", strerror(-n));
				break;
			}
		}
		now = mono_s();
		pipeline_tick(&pipe, (int64_t)(now * 1e9));
		note_write(&pipe, sink_flush(sink));
		if (cfg->duration > 0 && now - start >= cfg->duration)
			break;
		/* report losses while they happen, not only at exit */
		if (now - last_check >= 1.0 && !pipe.write_error) {
			last_check = now;
			if (!loader_counters(loader, sum_info.counter) &&
			    sum(sum_info.counter[IMSW_CNT_LOST]) > reported_lost) {
				reported_lost = sum(sum_info.counter[IMSW_CNT_LOST]);
				struct lost_info li = {
					.by_hook = sum_info.counter[IMSW_CNT_LOST],
					.total = reported_lost,
				};

				note_write(&pipe, sink_lost(sink, &li, now_real_ns()));
			}
		}
	}
	/*
	 * Detach first, so nothing new starts; give programs already running on other CPUs a
	 * moment to commit (destroying a link does not wait for them); then drain, then count.
	 * The counters then cover what was delivered or lost, up to a program that outlived
	 * the grace (README, the summary record).
	 */
	if (!loader_pinned(loader)) {
		loader_detach(loader);
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	/* pinned: the hooks stay attached; what arrives after this drain waits for the next
	 * run in the pinned ring buffer */
	if (!pipe.write_error)
		loader_drain(loader);

	if (loader_counters(loader, sum_info.counter))
		log_warn("cannot read the BPF counters: losses may be under-reported");
	sum_info.duration_s = mono_s() - start;
	memcpy(sum_info.events_by_kind, pipe.events_by_kind, sizeof(pipe.events_by_kind));
	memcpy(sum_info.alerts_by_severity, pipe.alerts_by_severity,
	       sizeof(pipe.alerts_by_severity));
	sum_info.decode_errors = pipe.decode_errors;
	sum_info.hooks = hooks;
	sum_info.snapshot = have_snap;
	sum_info.snapshot_overlap = pipe.snapshot_overlap;
	pipe.snapshot = NULL;
	if (have_snap)
		audit_free(&snap);
	if (pin.dir) {
		loader_pin_stats(loader, &pin);
		pin_rec.drained_before_restart = pin.drained_before;
		pin_rec.lost_before_takeover = pin.lost_before;
		sum_info.pin = &pin_rec;
	}
	loader_stop(loader);
	pipeline_fini(&pipe);
	if (!pipe.write_error)
		note_write(&pipe, sink_summary(sink, &sum_info, now_real_ns()));
	if (live.root_fd >= 0)
		hostfs_close(&live);
	if (!pipe.write_error)
		note_write(&pipe, sink_flush(sink));
	return exit_for_write(pipe.write_error);
}
