// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <zlib.h>

#include "imswatch.h" /* before the skeleton: it names struct kernel_view */
#include "imswatch.skel.h"
#include "ksyms.h"
#include "kview.h"

#define HYPER_NAME(e) #e,
static const char *const hyper_names[IMSW_X86_HYPER_COUNT] = { IMSW_X86_HYPER_TYPES(HYPER_NAME) };
#undef HYPER_NAME

void kview_load_failed(struct kernel_platform_view *view, int err)
{
	memset(view, 0, sizeof(*view));
	view->attempted = true;
	if (err == -EPERM || err == -EACCES)
		snprintf(view->why, sizeof(view->why), "BPF refused (%s): needs root",
			 strerror(-err));
	else if (err == -ENOENT)
		snprintf(view->why, sizeof(view->why),
			 "kernel data symbols are not in kallsyms (no "
			 "CONFIG_KALLSYMS_ALL): cpu_info cannot be resolved");
	else
		snprintf(view->why, sizeof(view->why), "BPF load failed: %s", strerror(-err));
}

bool kernel_lockdown_confidentiality(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strstr(buf, "[confidentiality]") != NULL;
}

/* Can this process load BPF at all? 0, or the errno a load gets (EPERM without root). */
static int bpf_allowed(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns, 2, NULL);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * Does the running kernel's own configuration (/proc/config.gz, CONFIG_IKCONFIG_PROC) say
 * CONFIG_KALLSYMS_ALL is not set? Then kallsyms holds text symbols only, never cpu_info:
 * a 1 ms answer instead of a pass over /proc/kallsyms. Unknown (no such file) is "no".
 */
static bool kallsyms_all_unset(void)
{
	static const char unset[] = "# CONFIG_KALLSYMS_ALL is not set";
	gzFile gz = gzopen("/proc/config.gz", "rb");
	bool found = false;
	char line[256];

	if (!gz)
		return false;
	while (!found && gzgets(gz, line, sizeof(line)))
		found = !strncmp(line, unset, sizeof(unset) - 1) &&
			(line[sizeof(unset) - 1] == '\n' || !line[sizeof(unset) - 1]);
	gzclose(gz);
	return found;
}

bool kview_loadable(struct ksyms *ks, struct kernel_platform_view *view)
{
	int err = bpf_allowed();

	/* refused outright: that is the reason, whatever kallsyms says */
	if (err == -EPERM || err == -EACCES) {
		kview_load_failed(view, err);
		return false;
	}
	if (kallsyms_all_unset()) {
		kview_load_failed(view, -ENOENT);
		return false;
	}
	/* both names in the one pass (no-ops where the run wanted them already) */
	if (ksyms_want(ks, KVIEW_CPU_INFO_SYMBOL) || ksyms_want(ks, KVIEW_HYPER_TYPE_SYMBOL))
		return true; /* out of memory: let the load decide */
	if (!ksyms_readable(ks) || ksyms_find(ks, KVIEW_CPU_INFO_SYMBOL, NULL) == KSYM_PRESENT)
		return true;
	kview_load_failed(view, -ENOENT);
	return false;
}

void kview_run(struct imswatch_bpf *skel, struct ksyms *ks, struct kernel_platform_view *view)
{
	unsigned long long args[1] = { 0 };
	unsigned int name;
	int err;

	memset(view, 0, sizeof(*view));
	view->attempted = true;
	/* 0 when /proc/kallsyms lacks data symbols (no KALLSYMS_ALL) or hides addresses
	 * (kptr_restrict) */
	ksyms_find(ks, KVIEW_HYPER_TYPE_SYMBOL, &args[0]);
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = args, .ctx_size_in = sizeof(args));
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.kernel_view), &run);
	if (err) {
		snprintf(view->why, sizeof(view->why), "cannot run the kernel-view program: %s",
			 strerror(errno));
		return;
	}
	view->available = true;
	view->cap_valid = skel->bss->kview.cap_valid;
	view->hypervisor_cap = skel->bss->kview.hypervisor_cap;
	view->type_valid = skel->bss->kview.hyper_type_valid;
	view->type = skel->bss->kview.hyper_type;
	name = skel->bss->kview.hyper_type_name;
	if (view->type_valid && name && name <= IMSW_X86_HYPER_COUNT)
		snprintf(view->type_name, sizeof(view->type_name), "%s", hyper_names[name - 1]);
	else if (view->type_valid)
		snprintf(view->type_name, sizeof(view->type_name), "%u", view->type);
	else
		snprintf(view->why, sizeof(view->why), "%s",
			 !skel->rodata->imsw_probe_read_ok ?
				 "x86_hyper_type unreadable: lockdown=confidentiality refuses "
				 "bpf_probe_read_kernel, the only way to a global without BTF" :
			 args[0] ? "x86_hyper_type unreadable"
				 : "x86_hyper_type not in /proc/kallsyms (no CONFIG_KALLSYMS_ALL)");
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int kview_read(struct kernel_platform_view *view, struct ksyms *ks)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	struct ksyms *own = NULL;
	struct imswatch_bpf *skel = NULL;
	struct bpf_program *prog;
	int err;

	memset(view, 0, sizeof(*view));
	view->attempted = true;
	if (!ks)
		ks = own = ksyms_new();
	if (!ks) {
		err = -ENOMEM;
		snprintf(view->why, sizeof(view->why), "out of memory");
		goto out;
	}
	if (!kview_loadable(ks, view)) {
		err = -ENOENT;
		goto out;
	}
	skel = imswatch_bpf__open();
	if (!skel) {
		err = -errno;
		snprintf(view->why, sizeof(view->why), "cannot open BPF object: %s",
			 strerror(-err));
		goto out;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == skel->progs.kernel_view);
	/* the event maps are not used here: keep them minimal */
	bpf_map__set_max_entries(skel->maps.events, 4096);
	skel->rodata->imsw_probe_read_ok = !kernel_lockdown_confidentiality();
	err = imswatch_bpf__load(skel);
	if (err) {
		kview_load_failed(view, err);
		goto out;
	}
	kview_run(skel, ks, view);
out:
	ksyms_free(own);
	imswatch_bpf__destroy(skel);
	libbpf_set_print(old);
	return err;
}
