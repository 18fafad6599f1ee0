// SPDX-License-Identifier: GPL-2.0
/* argv -> config -> pipeline -> exit code; nothing else. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "config.h"
#include "cpuid.h"
#include "hostfs.h"
#include "kview.h"
#include "log.h"
#include "output.h"
#include "pin.h"
#include "platform.h"
#include "records.h"
#include "watch.h"

/* watch also exits WATCH_EXIT_CANNOT (3, watch.h) */
enum { EXIT_OK = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2 };

/* imswatch cpuid: the leaves the engine reads, for --cpuid-file captures */
static int dump_cpuid(const struct config *cfg, struct cpuid_source *cpu)
{
	FILE *fp = cfg->output ? fopen(cfg->output, "we") : stdout;
	bool regular = false;
	struct stat st;
	int r;

	if (!fp) {
		log_error("cannot create output file '%s': %s", cfg->output, strerror(errno));
		cpuid_source_free(cpu);
		return EXIT_USAGE;
	}
	if (cfg->output && !fstat(fileno(fp), &st))
		regular = S_ISREG(st.st_mode);
	if (cpu->kind == CPUID_ABSENT)
		log_info("no CPUID on this architecture: nothing to dump");
	r = cpuid_dump(cpu, fp);
	if (cfg->output && fclose(fp) && !r)
		r = -errno;
	cpuid_source_free(cpu);
	if (r == -EPIPE && !cfg->output)
		return EXIT_OK; /* `imswatch cpuid | head`: the reader had enough */
	if (r) {
		log_error("writing CPUID leaves failed: %s", strerror(-r));
		/* a partial dump would replay as a different machine; never unlink a device */
		if (regular)
			unlink(cfg->output);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cpuid_source cpu = { 0 };
	struct kernel_platform_view kview = { 0 };
	struct watch_bpf bpf = { 0 };
	struct platform_inputs inputs = { 0 };
	struct platform platform;
	struct audit_snapshot snap = { 0 };
	struct config cfg;
	struct hostfs fs;
	struct sink *sink;
	bool replay;
	char err[512];
	int r, code;

	/*
	 * A reader that leaves (`imswatch platform | head -1`) is a clean end, not a crash:
	 * SIGPIPE would kill the process with 141 or not, depending on whether head exited
	 * before the last write. Ignored, the write fails with EPIPE, and EPIPE exits 0.
	 */
	signal(SIGPIPE, SIG_IGN);
	if (config_parse(argc, argv, &cfg, err, sizeof(err))) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	if (cfg.command == CMD_HELP) {
		fputs(config_usage(), stdout);
		return EXIT_OK;
	}
	if (cfg.command == CMD_VERSION) {
		printf("imswatch %s (record format %d, BPF ABI %d)\n", IMSWATCH_VERSION,
		       IMSWATCH_FORMAT_VERSION, IMSW_ABI_VERSION);
		return EXIT_OK;
	}
	log_verbosity = cfg.verbose;
	/* detach --pin DIR: remove what watch --pin left, nothing else */
	if (cfg.command == CMD_DETACH)
		return pin_detach(cfg.pin_dir);

	/* every input is checked before --output is created: bad input writes nothing */
	r = hostfs_open(&fs, cfg.sysroot);
	if (r) {
		log_error("cannot use sysroot '%s': %s", cfg.sysroot, strerror(-r));
		return EXIT_USAGE;
	}
	/* "none": the tree comes from a machine without CPUID (arm64, ppc64, s390x) */
	if (cfg.cpuid_file && !strcmp(cfg.cpuid_file, "none"))
		r = (cpu.kind = CPUID_ABSENT, 0);
	else
		r = cfg.cpuid_file ? cpuid_source_load(&cpu, cfg.cpuid_file, err, sizeof(err))
				   : cpuid_source_native(&cpu);
	if (r) {
		log_error("%s", err);
		hostfs_close(&fs);
		return EXIT_USAGE;
	}
	replay = cfg.cpuid_file || !fs.is_slash;
	if (cfg.command == CMD_CPUID) {
		hostfs_close(&fs);
		return dump_cpuid(&cfg, &cpu);
	}
	/* the kernel's view costs a BPF load (~0.1 s of BTF parsing): watch reads it from its
	 * own one load of the BPF object, platform only on request */
	if (replay && cfg.kernel_view) {
		log_error("--kernel-view reads the running kernel: it cannot describe the machine "
			  "replayed by --sysroot/--cpuid-file");
		hostfs_close(&fs);
		cpuid_source_free(&cpu);
		return EXIT_USAGE;
	}
	/* watch loads BPF once: its hooks, and the kernel view from the same object */
	if (cfg.command == CMD_WATCH)
		watch_load(&cfg, &bpf, replay ? NULL : &kview);
	if (replay)
		snprintf(kview.why, sizeof(kview.why),
			 "not read: the platform is replayed from --sysroot/--cpuid-file");
	else if (cfg.command != CMD_WATCH && cfg.kernel_view)
		kview_read(&kview, NULL);
	else if (cfg.command != CMD_WATCH)
		snprintf(kview.why, sizeof(kview.why), "not read (imswatch platform --kernel-view)");
	inputs.kview = &kview;
	inputs.timing_probe = cfg.timing_probe;
	r = platform_assess(&fs, &cpu, &inputs, &platform);
	/* the snapshot is read from the same tree, before any output exists */
	if (!r && cfg.command == CMD_AUDIT)
		r = audit_gather(&fs, &platform, &snap);
	hostfs_close(&fs);
	cpuid_source_free(&cpu);
	if (r) {
		log_error("%s failed: %s", cfg.command == CMD_AUDIT ? "audit" : "platform assessment",
			  strerror(-r));
		watch_unload(&bpf);
		return EXIT_USAGE;
	}

	sink = sink_open_config(&cfg, err, sizeof(err));
	if (!sink) {
		log_error("%s", err);
		watch_unload(&bpf);
		return EXIT_USAGE;
	}
	sink_set_verbose(sink, cfg.verbose);
	if (cfg.command == CMD_PLATFORM) {
		sink_platform(sink, &platform, now_real_ns());
		code = EXIT_OK;
	} else if (cfg.command == CMD_AUDIT) {
		int64_t now = now_real_ns();

		/* the verdicts first, then the snapshot judged against them */
		sink_platform(sink, &platform, now);
		sink_audit(sink, &snap, cfg.fail_on, now);
		code = audit_max_severity(&snap) >= cfg.fail_on ? EXIT_FINDINGS : EXIT_OK;
		audit_free(&snap);
	} else {
		code = watch_run(&cfg, sink, &platform, &bpf);
	}
	/* a write error was reported on stderr when it happened, once per destination */
	r = sink_close(sink);
	if (r && r != -EPIPE)
		code = EXIT_USAGE;
	return code;
}
