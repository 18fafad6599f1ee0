/* SPDX-License-Identifier: GPL-2.0 */
/* Command line -> struct config. Pure: no I/O beyond what argv says, no exits. */
#ifndef IMSWATCH_CONFIG_H
#define IMSWATCH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum command {
	CMD_WATCH,
	CMD_PLATFORM,
	CMD_CPUID, /* dump the leaves the engine reads, replay format */
	CMD_AUDIT, /* the one-shot snapshot: devices, interrupt domains, findings */
	CMD_HELP,
	CMD_VERSION,
	CMD_DETACH, /* remove what watch --pin left pinned (detaches its hooks) */
};

enum output_format {
	FORMAT_TEXT,
	FORMAT_JSON,
};

/* Which variant of the function hooks to use. AUTO prefers fentry/fexit. */
enum attach_pref {
	ATTACH_AUTO,
	ATTACH_FENTRY,
	ATTACH_KPROBE,
};

struct config {
	enum command command;
	enum output_format format;
	enum attach_pref attach;
	const char *output;	/* NULL: stdout */
	double duration;	/* seconds; 0: until SIGINT/SIGTERM */
	const char *sysroot;	/* root for platform files, default "/" */
	const char *cpuid_file; /* NULL: native CPUID */
	unsigned int ringbuf_kb;
	bool kernel_view;  /* platform: also read the kernel's view through BPF (watch always) */
	bool timing_probe; /* opt-in CPUID exit-latency probe */
	/* --require: watch exits 2 when one of these is blind (bits by enum imsw_hook, and
	 * by IMSW_GROUP_BIT_*: a group must not be wholly blind) */
	unsigned int require_hooks;
	unsigned int require_groups;
	int verbose;
	bool format_given;	 /* --format was given (with --journal: records to both) */
	bool journal;		 /* --journal: every record to journald too */
	const char *metrics;	 /* --metrics FILE: Prometheus text file, NULL: none */
	double metrics_interval; /* seconds between metrics updates */
	double fold;		 /* --fold SECONDS: repeats folded; 0: off */
	int fail_on; /* audit: exit 1 at a finding of this severity or above (ASEV_*) */
	/* --pin DIR: pin links and maps on bpffs, take over what an earlier run pinned there
	 * (watch); the pins to remove (detach) */
	const char *pin_dir;
	bool no_sandbox; /* --no-sandbox: keep capabilities, no seccomp filter (debugging) */
};

/*
 * Parse ARGV into CFG. Returns 0, or -EINVAL with one line in ERR naming the problem
 * (unknown option, bad value). --help and --version set the command and return 0.
 */
int config_parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen);

const char *config_usage(void);
const char *attach_pref_name(enum attach_pref a);

#endif
