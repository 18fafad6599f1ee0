// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "imswatch.h"
#include "imswatch.skel.h"
#include "loader.h"
#include "log.h"

struct loader {
	struct imswatch_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[IMSW_HOOK_COUNT][2];
	int (*on_record)(void *ctx, const void *data, size_t size);
	void *ctx;
};

/* The programs behind each hook: an fexit, or a kprobe/kretprobe pair, or a raw tracepoint. */
struct hook_progs {
	struct bpf_program *fexit;
	struct bpf_program *kprobe;
	struct bpf_program *kretprobe; /* NULL: the kprobe alone is the hook */
	struct bpf_program *raw_tp;
};

#define FUNC_PROGS(f, k, r) ((struct hook_progs){ .fexit = (f), .kprobe = (k), .kretprobe = (r) })

static void hook_progs(struct imswatch_bpf *skel, struct hook_progs p[IMSW_HOOK_COUNT])
{
	typeof(skel->progs) *g = &skel->progs;

	memset(p, 0, sizeof(*p) * IMSW_HOOK_COUNT);
	p[IMSW_HOOK_LOCAL_PCI_PROBE] = FUNC_PROGS(g->fexit_local_pci_probe,
						  g->kprobe_local_pci_probe,
						  g->kretprobe_local_pci_probe);
	p[IMSW_HOOK_PCI_DEVICE_PROBE] = FUNC_PROGS(g->fexit_pci_device_probe,
						   g->kprobe_pci_device_probe,
						   g->kretprobe_pci_device_probe);
	p[IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS] = FUNC_PROGS(g->fexit_pci_alloc_irq_vectors,
							g->kprobe_pci_alloc_irq_vectors,
							g->kretprobe_pci_alloc_irq_vectors);
	p[IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN] = FUNC_PROGS(g->fexit_msi_create_device_domain,
							   g->kprobe_msi_create_device_domain,
							   g->kretprobe_msi_create_device_domain);
	p[IMSW_HOOK_PCI_CREATE_IMS_DOMAIN] = FUNC_PROGS(g->fexit_pci_create_ims_domain,
							g->kprobe_pci_create_ims_domain,
							g->kretprobe_pci_create_ims_domain);
	/* struct msi_map by value: no fexit variant (see imswatch.bpf.c) */
	p[IMSW_HOOK_PCI_IMS_ALLOC_IRQ] = FUNC_PROGS(NULL, g->kprobe_pci_ims_alloc_irq,
						    g->kretprobe_pci_ims_alloc_irq);
	p[IMSW_HOOK_PCI_IMS_FREE_IRQ] = FUNC_PROGS(NULL, g->kprobe_pci_ims_free_irq, NULL);
	p[IMSW_HOOK_VECTOR_ALLOC].raw_tp = g->tp_vector_alloc;
	p[IMSW_HOOK_VECTOR_ACTIVATE].raw_tp = g->tp_vector_activate;
	p[IMSW_HOOK_VECTOR_DEACTIVATE].raw_tp = g->tp_vector_deactivate;
	p[IMSW_HOOK_VECTOR_TEARDOWN].raw_tp = g->tp_vector_teardown;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf is chatty about every failed probe; its words matter only with -v/-vv */
	if (level == LIBBPF_DEBUG ? log_verbosity < 2 : log_verbosity < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* ---- probing the running kernel ------------------------------------------------- */

struct probe_env {
	struct btf *vmlinux;
	bool kprobes_supported;
	char *kallsyms; /* whole /proc/kallsyms, read once on demand */
	bool kallsyms_read;
};

static bool kprobes_supported(void)
{
	/* libbpf attaches kprobes through the kprobe PMU, or the legacy tracefs file */
	return !access("/sys/bus/event_source/devices/kprobe/type", F_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", F_OK) ||
	       !access("/sys/kernel/debug/tracing/kprobe_events", F_OK);
}

static char *read_whole(const char *path)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap + 1), *nbuf;
	FILE *fp = fopen(path, "re");
	size_t n;

	if (!buf || !fp) {
		free(buf);
		if (fp)
			fclose(fp);
		return NULL;
	}
	while ((n = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += n;
		if (len == cap) {
			nbuf = realloc(buf, cap * 2 + 1);
			if (!nbuf) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nbuf;
			cap *= 2;
		}
	}
	fclose(fp);
	buf[len] = 0;
	return buf;
}

/* Is SYM a kallsyms text symbol? Returns 1 yes, 0 no, -2 only as a compiler clone
 * (e.g. "local_pci_probe.isra.0", which a kprobe by plain name cannot reach). */
static int kallsyms_has(struct probe_env *env, const char *sym)
{
	size_t len = strlen(sym);
	bool clone = false;
	const char *p;

	if (!env->kallsyms_read) {
		env->kallsyms = read_whole("/proc/kallsyms");
		env->kallsyms_read = true;
	}
	if (!env->kallsyms)
		return 0;
	/* lines: "<addr> <type> <name>[\t[module]]" */
	for (p = env->kallsyms; (p = strstr(p, sym)); p += len) {
		if (p[-1] != ' ')
			continue;
		if (p[len] == '\n' || p[len] == '\t' || p[len] == 0)
			return 1;
		if (p[len] == '.')
			clone = true;
	}
	return clone ? -2 : 0;
}

/* BTF id of function NAME in vmlinux or any loaded module; *OBJ_FD gets the module BTF fd
 * (caller closes) or 0 for vmlinux. Returns the id, or -ENOENT. */
static int find_func_btf(struct probe_env *env, const char *name, int *obj_fd)
{
	__u32 id = 0;
	int r;

	*obj_fd = 0;
	r = btf__find_by_name_kind(env->vmlinux, name, BTF_KIND_FUNC);
	if (r > 0)
		return r;
	/* module functions (e.g. a driver providing the IMS API) live in module BTF */
	while (!bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = {};
		__u32 len = sizeof(info);
		struct btf *mod;
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.kernel_btf) {
			close(fd);
			continue;
		}
		mod = btf__load_from_kernel_by_id_split(id, env->vmlinux);
		r = mod ? btf__find_by_name_kind(mod, name, BTF_KIND_FUNC) : -ENOENT;
		btf__free(mod);
		if (r > 0) {
			*obj_fd = fd;
			return r;
		}
		close(fd);
	}
	return -ENOENT;
}

/* Can an fexit program load against NAME here? 0 yes, else -errno with REASON. */
static int probe_fexit(struct probe_env *env, const char *name, char *reason, size_t len)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int obj_fd, id, fd, err;

	id = find_func_btf(env, name, &obj_fd);
	if (id < 0) {
		snprintf(reason, len, "fentry: %s not in kernel or module BTF", name);
		return -ENOENT;
	}
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT,
		    .attach_btf_id = id, .attach_btf_obj_fd = obj_fd);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "imsw_probe", "GPL", insns, 2, &opts);
	err = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	if (obj_fd > 0)
		close(obj_fd);
	if (err)
		snprintf(reason, len, "fentry: kernel refused a tracing program (%s)",
			 strerror(-err));
	return err;
}

static int probe_kprobe(struct probe_env *env, const char *name, char *reason, size_t len)
{
	int has;

	if (!env->kprobes_supported) {
		snprintf(reason, len, "kprobe: kernel has no kprobe support (no kprobe PMU)");
		return -EOPNOTSUPP;
	}
	has = kallsyms_has(env, name);
	if (has == 1)
		return 0;
	if (has == -2)
		snprintf(reason, len, "kprobe: %s exists only as a compiler clone (%s.*)", name,
			 name);
	else
		snprintf(reason, len, "kprobe: %s not in /proc/kallsyms", name);
	return -ENOENT;
}

static int probe_raw_tp(struct probe_env *env, const char *tp, char *reason, size_t len)
{
	char type[96];

	/* every tracepoint has a "btf_trace_<name>" typedef in BTF */
	snprintf(type, sizeof(type), "btf_trace_%s", strchr(tp, ':') + 1);
	if (btf__find_by_name_kind(env->vmlinux, type, BTF_KIND_TYPEDEF) > 0)
		return 0;
	snprintf(reason, len, "tracepoint: %s not in this kernel (x86 only)", tp);
	return -ENOENT;
}

static void join_reason(char *dst, size_t len, const char *a, const char *b)
{
	if (a[0] && b[0])
		snprintf(dst, len, "%s; %s", a, b);
	else
		snprintf(dst, len, "%s", a[0] ? a : b);
}

/* Decide each hook's variant; returns the number of hooks that have one. */
static int choose_variants(struct probe_env *env, enum attach_pref pref,
			   struct hook_state hooks[IMSW_HOOK_COUNT])
{
	int usable = 0;
	unsigned int i;

	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		const struct hook_info *h = &hook_table[i];
		struct hook_state *st = &hooks[i];
		char why_f[160] = "", why_k[160] = "";
		bool try_f = h->has_fentry && (pref != ATTACH_KPROBE || !h->has_kprobe);
		bool try_k = h->has_kprobe && (pref != ATTACH_FENTRY || !h->has_fentry);

		memset(st, 0, sizeof(*st));
		if (h->is_tracepoint) {
			st->mode = IMSW_MODE_TRACEPOINT;
			st->selected = !probe_raw_tp(env, h->name, st->reason, sizeof(st->reason));
			usable += st->selected;
			continue;
		}
		/* reported when nothing works: the variant that would have been used */
		st->mode = try_f ? IMSW_MODE_FENTRY : IMSW_MODE_KPROBE;
		if (i == IMSW_HOOK_PCI_DEVICE_PROBE && hooks[IMSW_HOOK_LOCAL_PCI_PROBE].selected) {
			snprintf(st->reason, sizeof(st->reason),
				 "standby: local_pci_probe covers PCI driver probes");
			continue;
		}
		if (try_f && !probe_fexit(env, h->name, why_f, sizeof(why_f))) {
			st->mode = IMSW_MODE_FENTRY;
			st->selected = true;
		} else if (try_k && !probe_kprobe(env, h->name, why_k, sizeof(why_k))) {
			st->mode = IMSW_MODE_KPROBE;
			st->selected = true;
		}
		usable += st->selected;
		if (!try_f && h->has_fentry)
			snprintf(why_f, sizeof(why_f), "fentry: not tried (--attach kprobe)");
		if (!try_k && h->has_kprobe)
			snprintf(why_k, sizeof(why_k), "kprobe: not tried (--attach fentry)");
		join_reason(st->reason, sizeof(st->reason), why_f, why_k);
	}
	return usable;
}

/* Autoload exactly the selected variant of each hook, nothing else. */
static void set_autoload(struct imswatch_bpf *skel, struct hook_state hooks[IMSW_HOOK_COUNT])
{
	struct hook_progs p[IMSW_HOOK_COUNT];
	struct bpf_program *prog;
	unsigned int i;

	/* off by default, so programs that are not hooks (kernel_view) stay out */
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	hook_progs(skel, p);
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		enum imsw_mode m = hooks[i].selected ? hooks[i].mode : 0;

		if (p[i].fexit)
			bpf_program__set_autoload(p[i].fexit, m == IMSW_MODE_FENTRY);
		if (p[i].kprobe)
			bpf_program__set_autoload(p[i].kprobe, m == IMSW_MODE_KPROBE);
		if (p[i].kretprobe)
			bpf_program__set_autoload(p[i].kretprobe, m == IMSW_MODE_KPROBE);
		if (p[i].raw_tp)
			bpf_program__set_autoload(p[i].raw_tp, m == IMSW_MODE_TRACEPOINT);
	}
}

static struct imswatch_bpf *open_and_load(struct hook_state hooks[IMSW_HOOK_COUNT],
					  unsigned int ringbuf_kb, int *err)
{
	struct imswatch_bpf *skel = imswatch_bpf__open();

	if (!skel) {
		*err = -errno;
		return NULL;
	}
	bpf_map__set_max_entries(skel->maps.events, ringbuf_kb * 1024);
	set_autoload(skel, hooks);
	*err = imswatch_bpf__load(skel);
	if (*err) {
		imswatch_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static int attach_one(struct bpf_program *prog, struct bpf_link **link)
{
	*link = bpf_program__attach(prog);
	return *link ? 0 : -errno;
}

/* Attach each loaded program on its own; a failure costs only its hook. */
static int attach_all(struct loader *l, struct hook_state hooks[IMSW_HOOK_COUNT])
{
	struct imswatch_bpf *skel = l->skel;
	struct hook_progs p[IMSW_HOOK_COUNT];
	int attached = 0;
	unsigned int i;

	hook_progs(skel, p);
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		struct hook_state *st = &hooks[i];
		struct bpf_link *l1 = NULL, *l2 = NULL;
		char prior[sizeof(st->reason)];
		int err = 0;

		if (!st->selected)
			continue;
		switch (st->mode) {
		case IMSW_MODE_FENTRY:
			err = attach_one(p[i].fexit, &l1);
			break;
		case IMSW_MODE_KPROBE:
			/* kretprobe first: a kprobe without its twin would only fill the
			 * stash map */
			if (p[i].kretprobe)
				err = attach_one(p[i].kretprobe, &l2);
			if (!err)
				err = attach_one(p[i].kprobe, &l1);
			break;
		case IMSW_MODE_TRACEPOINT:
			err = attach_one(p[i].raw_tp, &l1);
			break;
		default:
			continue;
		}
		snprintf(prior, sizeof(prior), "%s", st->reason);
		if (err) {
			bpf_link__destroy(l2);
			snprintf(st->reason, sizeof(st->reason), "%s: attach failed (%s)%s%s",
				 mode_name(st->mode), strerror(-err), prior[0] ? "; " : "", prior);
			continue;
		}
		l->links[i][0] = l1;
		l->links[i][1] = l2;
		st->attached = true;
		attached++;
		if (!prior[0])
			snprintf(st->reason, sizeof(st->reason), "attached");
		else
			snprintf(st->reason, sizeof(st->reason), "attached; %s", prior);
	}
	return attached;
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	struct loader *l = ctx;

	return l->on_record(l->ctx, data, size);
}

/* Why nothing can be loaded, in the operator's words. */
static void describe_failure(int err, char *problem, size_t len)
{
	if (err == -EPERM || err == -EACCES)
		snprintf(problem, len, "BPF refused: %s (imswatch watch needs root, or "
			 "CAP_BPF+CAP_PERFMON+CAP_SYS_RESOURCE)", strerror(-err));
	else
		snprintf(problem, len, "BPF load failed: %s (run with -v for libbpf's log)",
			 strerror(-err));
}

static void mark_all(struct hook_state hooks[IMSW_HOOK_COUNT], const char *why)
{
	unsigned int i;

	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		char prior[sizeof(hooks[i].reason)];

		snprintf(prior, sizeof(prior), "%s", hooks[i].reason);
		hooks[i].attached = false;
		snprintf(hooks[i].reason, sizeof(hooks[i].reason), "%s%s%s", why,
			 prior[0] ? "; " : "", prior);
	}
}

int loader_start(struct loader **out, const struct loader_opts *opts,
		 struct hook_state hooks[IMSW_HOOK_COUNT], char *problem, size_t problem_len)
{
	struct probe_env env = { 0 };
	struct loader *l;
	int err, usable;
	unsigned int i;

	*out = NULL;
	problem[0] = 0;
	memset(hooks, 0, sizeof(*hooks) * IMSW_HOOK_COUNT);
	libbpf_set_print(libbpf_print);

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(problem, problem_len,
			 "kernel has no BTF (/sys/kernel/btf/vmlinux: %s): CO-RE programs cannot "
			 "be relocated; needs CONFIG_DEBUG_INFO_BTF=y",
			 strerror(errno));
		mark_all(hooks, "not loaded: no kernel BTF");
		return -ENOENT;
	}
	env.vmlinux = btf__load_vmlinux_btf();
	if (!env.vmlinux) {
		err = -errno;
		snprintf(problem, problem_len, "cannot read kernel BTF: %s", strerror(-err));
		mark_all(hooks, "not loaded: kernel BTF unreadable");
		return err;
	}
	env.kprobes_supported = kprobes_supported();
	usable = choose_variants(&env, opts->attach, hooks);
	btf__free(env.vmlinux);
	free(env.kallsyms);
	if (!usable) {
		snprintf(problem, problem_len, "no hook can attach on this kernel");
		return -ENOENT;
	}

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->on_record = opts->on_record;
	l->ctx = opts->ctx;

	l->skel = open_and_load(hooks, opts->ringbuf_kb, &err);
	if (!l->skel) {
		/* one bad function hook must not cost the tracepoint layer: retry without */
		log_warn("loading all hooks failed (%s); retrying with the tracepoints only",
			 strerror(-err));
		for (i = 0; i < IMSW_HOOK_COUNT; i++) {
			if (hooks[i].selected && hooks[i].mode != IMSW_MODE_TRACEPOINT) {
				hooks[i].selected = false;
				char prior[sizeof(hooks[i].reason)];

				snprintf(prior, sizeof(prior), "%s", hooks[i].reason);
				snprintf(hooks[i].reason, sizeof(hooks[i].reason),
					 "%s: load failed (%s)%s%s", mode_name(hooks[i].mode),
					 strerror(-err), prior[0] ? "; " : "", prior);
			}
		}
		l->skel = open_and_load(hooks, opts->ringbuf_kb, &err);
	}
	if (!l->skel) {
		describe_failure(err, problem, problem_len);
		mark_all(hooks, "not loaded");
		free(l);
		return err;
	}
	if (!attach_all(l, hooks)) {
		snprintf(problem, problem_len, "no hook attached (see hooks[].reason)");
		loader_stop(l);
		return -ENOENT;
	}
	l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.events), on_ringbuf, l, NULL);
	if (!l->rb) {
		err = -errno;
		snprintf(problem, problem_len, "cannot map the ring buffer: %s", strerror(-err));
		loader_stop(l);
		return err;
	}
	*out = l;
	return 0;
}

int loader_poll(struct loader *l, int timeout_ms)
{
	return ring_buffer__poll(l->rb, timeout_ms);
}

int loader_counters(struct loader *l, uint64_t hits[IMSW_HOOK_COUNT],
		    uint64_t lost[IMSW_HOOK_COUNT], uint64_t no_entry[IMSW_HOOK_COUNT])
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(l->skel->maps.counters);
	uint64_t *vals;
	uint32_t key;
	int cpu;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (key = 0; key < IMSW_HOOK_COUNT * IMSW_CNT_COUNT; key++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &key, vals)) {
			int err = -errno;

			free(vals);
			return err;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			sum += vals[cpu];
		switch (key % IMSW_CNT_COUNT) {
		case IMSW_CNT_HITS:
			hits[key / IMSW_CNT_COUNT] = sum;
			break;
		case IMSW_CNT_LOST:
			lost[key / IMSW_CNT_COUNT] = sum;
			break;
		case IMSW_CNT_NO_ENTRY:
			no_entry[key / IMSW_CNT_COUNT] = sum;
			break;
		}
	}
	free(vals);
	return 0;
}

void loader_stop(struct loader *l)
{
	unsigned int i;

	if (!l)
		return;
	ring_buffer__free(l->rb);
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		bpf_link__destroy(l->links[i][0]);
		bpf_link__destroy(l->links[i][1]);
	}
	imswatch_bpf__destroy(l->skel);
	free(l);
}
