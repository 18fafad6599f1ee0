// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "imswatch.h" /* before the skeleton: it names struct kernel_view */
#include "imswatch.skel.h"
#include "kview.h"

/* x86_hyper_type's address; 0 when /proc/kallsyms lacks data symbols (no KALLSYMS_ALL)
 * or hides addresses (kptr_restrict). */
static unsigned long long hyper_type_addr(void)
{
	unsigned long long addr, found = 0;
	char line[256], type, name[128];
	FILE *fp = fopen("/proc/kallsyms", "re");

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%llx %c %127s", &addr, &type, name) == 3 &&
		    !strcmp(name, "x86_hyper_type")) {
			found = addr;
			break;
		}
	}
	fclose(fp);
	return found;
}

static void type_name(unsigned int value, char *out, size_t len)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	int id, i;

	snprintf(out, len, "%u", value);
	if (!btf)
		return;
	id = btf__find_by_name_kind(btf, "x86_hypervisor_type", BTF_KIND_ENUM);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	for (i = 0; t && i < btf_vlen(t); i++) {
		const struct btf_enum *e = btf_enum(t) + i;

		if ((unsigned int)e->val == value) {
			snprintf(out, len, "%s", btf__name_by_offset(btf, e->name_off));
			break;
		}
	}
	btf__free(btf);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

void kview_read(struct kernel_platform_view *view)
{
	unsigned long long args[1] = { hyper_type_addr() };
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	struct imswatch_bpf *skel;
	struct bpf_program *prog;
	int err;

	memset(view, 0, sizeof(*view));
	view->attempted = true;
	skel = imswatch_bpf__open();
	if (!skel) {
		snprintf(view->why, sizeof(view->why), "cannot open BPF object: %s",
			 strerror(errno));
		goto out;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == skel->progs.kernel_view);
	/* the event maps are not used here: keep them minimal */
	bpf_map__set_max_entries(skel->maps.events, 4096);
	err = imswatch_bpf__load(skel);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			snprintf(view->why, sizeof(view->why), "BPF refused (%s): needs root",
				 strerror(-err));
		else if (err == -ENOENT)
			snprintf(view->why, sizeof(view->why),
				 "kernel data symbols are not in kallsyms (no "
				 "CONFIG_KALLSYMS_ALL): cpu_info cannot be resolved");
		else
			snprintf(view->why, sizeof(view->why), "BPF load failed: %s",
				 strerror(-err));
		goto out;
	}
	LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = args, .ctx_size_in = sizeof(args));
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.kernel_view), &run);
	if (err) {
		snprintf(view->why, sizeof(view->why), "cannot run the kernel-view program: %s",
			 strerror(errno));
		goto out;
	}
	view->available = true;
	view->cap_valid = skel->bss->kview.cap_valid;
	view->hypervisor_cap = skel->bss->kview.hypervisor_cap;
	view->type_valid = skel->bss->kview.hyper_type_valid;
	view->type = skel->bss->kview.hyper_type;
	if (view->type_valid)
		type_name(view->type, view->type_name, sizeof(view->type_name));
	else
		snprintf(view->why, sizeof(view->why), "%s",
			 args[0] ? "x86_hyper_type unreadable"
				 : "x86_hyper_type not in /proc/kallsyms (no CONFIG_KALLSYMS_ALL)");
out:
	imswatch_bpf__destroy(skel);
	libbpf_set_print(old);
}
