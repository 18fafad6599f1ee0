// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "imswatch.h"
#include "imswatch.skel.h"
#include "ksyms.h"
#include "kview.h"
#include "loader.h"
#include "log.h"
#include "pin.h"

struct loader {
	struct imswatch_bpf *skel; /* NULL after a takeover: nothing was loaded */
	struct ring_buffer *rb;
	struct bpf_link *links[IMSW_HOOK_COUNT][2]; /* [0] entry side, [1] return side */
	int (*on_record)(void *ctx, const void *data, size_t size);
	void *ctx;
	int events_fd, counters_fd; /* the skeleton's, or the pinned maps' (owned) */
	/* --pin */
	char *pin_dir;
	int pin_lock; /* flock on the pin directory, held for the run; -1 */
	bool taken_over;
	uint64_t takeover_mono_ns;
	uint64_t drained_before;
	uint64_t lost_before;
	uint64_t pinned_real_ns;
	unsigned int ringbuf_kb;
	bool kprobes_attached; /* some hook attached as kprobe/kretprobe */
};

/* The programs behind each hook: an fexit (with an fentry where the hook needs one), or a
 * kprobe/kretprobe pair, or a raw tracepoint. */
struct hook_progs {
	struct bpf_program *fentry; /* NULL unless the hook marks its entry too */
	struct bpf_program *fexit;
	struct bpf_program *kprobe;
	struct bpf_program *kretprobe; /* NULL: the kprobe alone is the hook */
	struct bpf_program *raw_tp;
};

static struct bpf_program *prog_by_name(struct imswatch_bpf *skel, const char *name)
{
	return name ? bpf_object__find_program_by_name(skel->obj, name) : NULL;
}

/* Each hook's programs, found by the names in the hook table (include/imswatch_hooks.h). */
static void hook_progs(struct imswatch_bpf *skel, struct hook_progs p[IMSW_HOOK_COUNT])
{
	unsigned int i;

	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		const struct hook_info *h = &hook_table[i];

		p[i] = (struct hook_progs){
			.fentry = prog_by_name(skel, h->prog_fentry),
			.fexit = prog_by_name(skel, h->prog_fexit),
			.kprobe = prog_by_name(skel, h->prog_kprobe),
			.kretprobe = prog_by_name(skel, h->prog_kretprobe),
			.raw_tp = prog_by_name(skel, h->prog_raw_tp),
		};
	}
}

/*
 * While the loader isolates a failing hook, libbpf's first complaint about a program (and
 * the verifier's last word on it) becomes that hook's reason.
 */
static struct {
	bool on;
	char prog[256];	    /* "prog 'x': BPF program load failed: ..." */
	char verifier[160]; /* the verifier's error line */
} capture;

static void chomp_copy(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
	while (n && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
		dst[--n] = 0;
}

/* the verifier log's error: its last line that is not a statistic */
static void capture_verifier(const char *log)
{
	const char *end = strstr(log, "-- END PROG LOAD LOG --"), *line, *eol, *best = NULL;
	size_t best_len = 0;

	if (!end)
		end = log + strlen(log);
	for (line = log; line < end; line = eol + 1) {
		eol = memchr(line, '\n', end - line);
		if (!eol)
			eol = end;
		if (eol > line && strncmp(line, "processed ", 10) && strncmp(line, "verification time", 17) &&
		    strncmp(line, "stack depth", 11) && strncmp(line, "libbpf: ", 8) &&
		    !strstr(line, "-- BEGIN PROG LOAD LOG --")) {
			best = line;
			best_len = eol - line;
		}
		if (eol == end)
			break;
	}
	if (best && !capture.verifier[0])
		chomp_copy(capture.verifier, sizeof(capture.verifier), best, best_len);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (capture.on && level == LIBBPF_WARN) {
		char small[4096], *msg = small;
		const char *m;
		va_list copy;
		int n;

		va_copy(copy, ap);
		n = vsnprintf(small, sizeof(small), fmt, copy);
		va_end(copy);
		/* the verifier's log comes whole in one message and its error is the end of
		 * it: a cut-off log would name an instruction instead of the error */
		if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1))) {
			va_copy(copy, ap);
			vsnprintf(msg, (size_t)n + 1, fmt, copy);
			va_end(copy);
		} else {
			msg = small;
		}
		if (n > 0) {
			m = strncmp(msg, "libbpf: ", 8) ? msg : msg + 8;
			if (strstr(m, "BEGIN PROG LOAD LOG"))
				capture_verifier(strstr(m, "BEGIN PROG LOAD LOG"));
			else if (!capture.prog[0] && strstr(m, "prog '"))
				chomp_copy(capture.prog, sizeof(capture.prog), m, strlen(m));
		}
		if (msg != small)
			free(msg);
	}
	/* libbpf is chatty about every failed probe; its words matter only with -v/-vv */
	if (level == LIBBPF_DEBUG ? log_verbosity < 2 : log_verbosity < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* ---- probing the running kernel ------------------------------------------------- */

/* a loaded module's BTF (split on vmlinux's), kept while probing */
struct module_btf {
	int fd;
	struct btf *btf;
};

struct probe_env {
	struct btf *vmlinux;
	bool kprobes_supported;
	struct ksyms *ksyms; /* the run's one /proc/kallsyms reader (read on demand) */
	struct module_btf *mods; /* read once, on the first function not in vmlinux */
	size_t n_mods;
	bool mods_read;
	bool mods_eperm; /* module BTF ids cannot be walked: that needs CAP_SYS_ADMIN */
	bool lockdown_confidentiality; /* kprobes and the probe-read helpers are refused */
};

/* The probing BTF (vmlinux's and the modules' on it), freed before libbpf parses its own. */
static void free_probe_btf(struct probe_env *env)
{
	size_t i;

	for (i = 0; i < env->n_mods; i++) {
		btf__free(env->mods[i].btf);
		close(env->mods[i].fd);
	}
	free(env->mods);
	env->mods = NULL;
	env->n_mods = 0;
	env->mods_read = false;
	btf__free(env->vmlinux);
	env->vmlinux = NULL;
}

/*
 * Every loaded module's BTF, parsed once for all the hooks that need it. vmlinux is a
 * kernel BTF object too (the first id): it is skipped, having been parsed already, since
 * loading it again as "split" on itself is a second full copy of 5 MB of BTF.
 */
static void read_module_btfs(struct probe_env *env)
{
	__u32 id = 0;

	env->mods_read = true;
	for (;;) {
		char name[64] = "";
		struct bpf_btf_info info = { .name = (__u64)(unsigned long)name,
					     .name_len = sizeof(name) };
		__u32 len = sizeof(info);
		struct module_btf *m;
		int fd;

		if (bpf_btf_get_next_id(id, &id)) {
			/* ENOENT: the last one; EPERM: walking BTF ids needs CAP_SYS_ADMIN */
			env->mods_eperm = errno == EPERM;
			break;
		}
		fd = bpf_btf_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.kernel_btf ||
		    !strcmp(name, "vmlinux")) {
			close(fd);
			continue;
		}
		m = realloc(env->mods, (env->n_mods + 1) * sizeof(*m));
		if (!m) {
			close(fd);
			break;
		}
		env->mods = m;
		m[env->n_mods].btf = btf__load_from_kernel_by_id_split(id, env->vmlinux);
		if (!m[env->n_mods].btf) {
			close(fd);
			continue;
		}
		m[env->n_mods++].fd = fd;
	}
}

static bool kprobes_supported(void)
{
	/* libbpf attaches kprobes through the kprobe PMU, or the legacy tracefs file */
	return !access("/sys/bus/event_source/devices/kprobe/type", F_OK) ||
	       !access("/sys/kernel/tracing/kprobe_events", F_OK) ||
	       !access("/sys/kernel/debug/tracing/kprobe_events", F_OK);
}

/* BTF id of function NAME in vmlinux or any loaded module; *OBJ_FD gets the module BTF fd
 * (the env's, not to be closed) or -1 for vmlinux. Returns the id, or -ENOENT. */
static int find_func_btf(struct probe_env *env, const char *name, int *obj_fd)
{
	size_t i;
	int r;

	*obj_fd = -1;
	r = btf__find_by_name_kind(env->vmlinux, name, BTF_KIND_FUNC);
	if (r > 0)
		return r;
	/* module functions (e.g. a driver providing the IMS API) live in module BTF */
	if (!env->mods_read)
		read_module_btfs(env);
	for (i = 0; i < env->n_mods; i++) {
		r = btf__find_by_name_kind(env->mods[i].btf, name, BTF_KIND_FUNC);
		if (r > 0) {
			*obj_fd = env->mods[i].fd;
			return r;
		}
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
		snprintf(reason, len, "fentry: %s not in kernel or module BTF%s", name,
			 env->mods_eperm ? " (module BTF unreadable: needs CAP_SYS_ADMIN)" : "");
		return -ENOENT;
	}
	/* in the kernel's attr, object fd 0 means vmlinux */
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT,
		    .attach_btf_id = id, .attach_btf_obj_fd = obj_fd >= 0 ? obj_fd : 0);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "imsw_probe", "GPL", insns, 2, &opts);
	err = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
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
	has = ksyms_find(env->ksyms, name, NULL);
	if (has == KSYM_PRESENT && env->lockdown_confidentiality) {
		snprintf(reason, len,
			 "kprobe: refused by lockdown=confidentiality (LOCKDOWN_KPROBES); a boot "
			 "with lockdown=integrity or none lets it attach");
		return -EPERM;
	}
	if (has == KSYM_PRESENT)
		return 0;
	if (has == KSYM_CLONE)
		snprintf(reason, len, "kprobe: %s exists only as a compiler clone (%s.*)", name,
			 name);
	else
		snprintf(reason, len, "kprobe: %s not in /proc/kallsyms%s", name,
			 env->lockdown_confidentiality ?
				 " (and lockdown=confidentiality refuses kprobes)" : "");
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

/* Variants to load for one hook (bits), see want_of() */
enum { V_FENTRY = 1, V_KPROBE = 2, V_TP = 4 };

static unsigned int mode_bit(enum imsw_mode m)
{
	return m == IMSW_MODE_FENTRY ? V_FENTRY : m == IMSW_MODE_KPROBE ? V_KPROBE :
	       m == IMSW_MODE_TRACEPOINT ? V_TP : 0;
}

/* Decide hook I's variant; returns whether it has one. *KPROBE_STANDBY: an fentry hook whose
 * kprobe twin can work too, so it is loaded beside the fexit and attached if the fexit cannot
 * be (a function without BTF trouble can still refuse ftrace at attach time). */
static bool choose_one(struct probe_env *env, enum attach_pref pref, unsigned int i,
		       struct hook_state *st, bool *kprobe_standby)
{
	const struct hook_info *h = &hook_table[i];
	char why_f[160] = "", why_k[160] = "";
	bool try_f = h->has_fentry && (pref != ATTACH_KPROBE || !h->has_kprobe);
	bool try_k = h->has_kprobe && (pref != ATTACH_FENTRY || !h->has_fentry);

	memset(st, 0, sizeof(*st));
	*kprobe_standby = false;
	if (h->is_tracepoint) {
		st->mode = IMSW_MODE_TRACEPOINT;
		st->selected = !probe_raw_tp(env, h->name, st->reason, sizeof(st->reason));
		return st->selected;
	}
	/* reported when nothing works: the variant that would have been used */
	st->mode = try_f ? IMSW_MODE_FENTRY : IMSW_MODE_KPROBE;
	if (try_f && !probe_fexit(env, h->name, why_f, sizeof(why_f))) {
		st->mode = IMSW_MODE_FENTRY;
		st->selected = true;
		*kprobe_standby = try_k && !probe_kprobe(env, h->name, why_k, sizeof(why_k));
	} else if (try_k && !probe_kprobe(env, h->name, why_k, sizeof(why_k))) {
		st->mode = IMSW_MODE_KPROBE;
		st->selected = true;
	}
	if (!try_f && h->has_fentry)
		snprintf(why_f, sizeof(why_f), "fentry: not tried (--attach kprobe)");
	if (!try_k && h->has_kprobe)
		snprintf(why_k, sizeof(why_k), "kprobe: not tried (--attach fentry)");
	join_reason(st->reason, sizeof(st->reason), why_f, why_k);
	return st->selected;
}

/* Decide each hook's variant; returns the number of hooks that have one. */
static int choose_variants(struct probe_env *env, enum attach_pref pref,
			   struct hook_state hooks[IMSW_HOOK_COUNT],
			   bool kprobe_standby[IMSW_HOOK_COUNT])
{
	int usable = 0;
	unsigned int i;

	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		struct hook_state *st = &hooks[i];

		int primary = hook_table[i].standby_for; /* an earlier row */

		if (primary >= 0 && hooks[primary].selected) {
			memset(st, 0, sizeof(*st));
			kprobe_standby[i] = false;
			st->mode = hooks[primary].mode;
			snprintf(st->reason, sizeof(st->reason), "standby: %s covers %s",
				 hook_table[primary].name, hook_table[primary].reveals);
			continue;
		}
		usable += choose_one(env, pref, i, st, &kprobe_standby[i]);
	}
	return usable;
}

static unsigned int want_of(const struct hook_state *st, bool kprobe_standby)
{
	if (!st->selected)
		return 0;
	return mode_bit(st->mode) | (kprobe_standby ? V_KPROBE : 0);
}

/* Autoload exactly the wanted variants of each hook, and the kernel_view program when
 * KVIEW, nothing else. */
static void set_autoload(struct imswatch_bpf *skel, const unsigned int want[IMSW_HOOK_COUNT],
			 bool kview)
{
	struct hook_progs p[IMSW_HOOK_COUNT];
	struct bpf_program *prog;
	unsigned int i;

	/* off by default, so programs that are not hooks (kernel_view, unless asked for) stay out */
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, kview && prog == skel->progs.kernel_view);
	hook_progs(skel, p);
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		if (p[i].fentry)
			bpf_program__set_autoload(p[i].fentry, want[i] & V_FENTRY);
		if (p[i].fexit)
			bpf_program__set_autoload(p[i].fexit, want[i] & V_FENTRY);
		if (p[i].kprobe)
			bpf_program__set_autoload(p[i].kprobe, want[i] & V_KPROBE);
		if (p[i].kretprobe)
			bpf_program__set_autoload(p[i].kretprobe, want[i] & V_KPROBE);
		if (p[i].raw_tp)
			bpf_program__set_autoload(p[i].raw_tp, want[i] & V_TP);
	}
}

/* IMSWATCH_TEST_FAIL_HOOKS=name[,name]: make those hooks' programs fail the verifier (tests
 * of the per-hook fallback; see imsw_fail_mask in imswatch.bpf.c). */
static uint32_t test_fail_mask(void)
{
	const char *env = getenv("IMSWATCH_TEST_FAIL_HOOKS");
	uint32_t mask = 0;
	unsigned int i;

	if (!env || !*env)
		return 0;
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		const char *name = hook_table[i].name, *p = env;
		size_t len = strlen(name);

		while ((p = strstr(p, name))) {
			if ((p == env || p[-1] == ',') && (p[len] == ',' || !p[len]))
				mask |= 1u << i;
			p += len;
		}
	}
	if (mask)
		log_warn("IMSWATCH_TEST_FAIL_HOOKS: hooks 0x%x will fail to load (test only)", mask);
	return mask;
}

static uint32_t fail_mask;

/*
 * fentry/fexit programs read with BTF-typed loads, bpf_rdonly_cast() and bpf_snprintf()
 * instead of the probe-read helpers where the kernel has the kfunc (6.2+): the only way
 * they load under lockdown=confidentiality (imsw_btf_reads in imswatch.bpf.c).
 */
static bool btf_reads;
/* false under lockdown=confidentiality: the kernel view keeps off bpf_probe_read_kernel */
static bool probe_read_ok = true;

/*
 * The kprobe stash maps are LRU hashes, whose shared free list hands each CPU up to 128
 * nodes at a time: with too few entries per CPU the kernel evicts live ones long before the
 * map is full. Scale them with the CPU count (floors: the BPF object's sizes).
 */
static void size_stash_maps(struct imswatch_bpf *skel)
{
	int ncpu = libbpf_num_possible_cpus();
	uint32_t per_cpu = ncpu > 0 ? (uint32_t)ncpu * 256 : 0;

	if (per_cpu > bpf_map__max_entries(skel->maps.depths))
		bpf_map__set_max_entries(skel->maps.depths, per_cpu);
	if (per_cpu * 2 > bpf_map__max_entries(skel->maps.entries))
		bpf_map__set_max_entries(skel->maps.entries, per_cpu * 2);
}

static struct imswatch_bpf *open_and_load(const unsigned int want[IMSW_HOOK_COUNT],
					  unsigned int ringbuf_kb, bool kview, int *err)
{
	struct imswatch_bpf *skel = imswatch_bpf__open();

	if (!skel) {
		*err = -errno;
		return NULL;
	}
	bpf_map__set_max_entries(skel->maps.events, ringbuf_kb * 1024);
	size_stash_maps(skel);
	skel->rodata->imsw_fail_mask = fail_mask;
	skel->rodata->imsw_btf_reads = btf_reads;
	skel->rodata->imsw_probe_read_ok = probe_read_ok;
	set_autoload(skel, want, kview);
	*err = imswatch_bpf__load(skel);
	if (*err) {
		imswatch_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* Load only VARIANTS of hook I. 0 if it loads; else -errno and WHY (libbpf's and the
 * verifier's words). */
static int trial_load(unsigned int i, unsigned int variants, char *why, size_t len)
{
	unsigned int want[IMSW_HOOK_COUNT] = { 0 };
	struct imswatch_bpf *skel;
	int err;

	want[i] = variants;
	memset(&capture, 0, sizeof(capture));
	capture.on = true;
	skel = open_and_load(want, 4, false, &err);
	capture.on = false;
	if (skel) {
		imswatch_bpf__destroy(skel);
		return 0;
	}
	if (capture.prog[0] && capture.verifier[0])
		snprintf(why, len, "%s (verifier: %s)", capture.prog, capture.verifier);
	else if (capture.prog[0])
		snprintf(why, len, "%s", capture.prog);
	else
		snprintf(why, len, "%s", strerror(-err));
	return err;
}

static void prepend_reason(struct hook_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void prepend_reason(struct hook_state *st, const char *fmt, ...)
{
	char prior[sizeof(st->reason)], head[sizeof(st->reason)];
	va_list ap;

	snprintf(prior, sizeof(prior), "%s", st->reason);
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	snprintf(st->reason, sizeof(st->reason), "%s%s%s", head, prior[0] ? "; " : "", prior);
}

/*
 * The whole set failed to load: find the hooks that cannot load (one CO-RE relocation or
 * verifier rejection anywhere fails the object), keep the others. A hook whose fexit fails
 * falls back to its kprobe twin when that one loads; when local_pci_probe is lost,
 * pci_device_probe leaves standby.
 */
static void isolate_failures(struct probe_env *env, enum attach_pref pref,
			     struct hook_state hooks[IMSW_HOOK_COUNT],
			     bool kprobe_standby[IMSW_HOOK_COUNT])
{
	char why[512], why2[512];
	unsigned int i, want;

	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		struct hook_state *st = &hooks[i];

		want = want_of(st, kprobe_standby[i]);
		if (!want || !trial_load(i, want, why, sizeof(why)))
			continue;
		if (want == (V_FENTRY | V_KPROBE)) {
			if (!trial_load(i, V_FENTRY, why2, sizeof(why2))) {
				kprobe_standby[i] = false;
				prepend_reason(st, "kprobe twin: load failed (%s)", why);
				continue;
			}
			if (!trial_load(i, V_KPROBE, why2, sizeof(why2))) {
				kprobe_standby[i] = false;
				st->mode = IMSW_MODE_KPROBE;
				prepend_reason(st, "fentry: load failed (%s); kprobe twin used", why);
				continue;
			}
		}
		st->selected = false;
		kprobe_standby[i] = false;
		prepend_reason(st, "%s: load failed (%s)", mode_name(st->mode), why);
		log_warn("hook %s: %s", hook_table[i].name, st->reason);
	}

	/* a standby whose hook was lost steps in */
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		int primary = hook_table[i].standby_for;
		struct hook_state *st = &hooks[i];

		if (primary < 0 || hooks[primary].selected || st->selected)
			continue;
		if (!choose_one(env, pref, i, st, &kprobe_standby[i]))
			continue;
		want = want_of(st, kprobe_standby[i]);
		if (trial_load(i, want, why, sizeof(why))) {
			st->selected = false;
			kprobe_standby[i] = false;
			prepend_reason(st, "%s: load failed (%s)", mode_name(st->mode), why);
			continue;
		}
		prepend_reason(st, "standby activated: %s failed to load", hook_table[primary].name);
		log_warn("hook %s: %s", hook_table[i].name, st->reason);
	}
}

static int attach_one(struct bpf_program *prog, struct bpf_link **link)
{
	if (!prog) /* named in the hook table but not in the object: test_hooks catches it */
		return -ENOENT;
	*link = bpf_program__attach(prog);
	return *link ? 0 : -errno;
}

static int attach_kprobe_pair(struct hook_progs *p, struct bpf_link **l1, struct bpf_link **l2)
{
	int err = 0;

	/* kretprobe first: a kprobe without its twin would only fill the stash map */
	if (p->kretprobe)
		err = attach_one(p->kretprobe, l2);
	if (!err)
		err = attach_one(p->kprobe, l1);
	return err;
}

/* Attach each loaded program on its own; a failure costs only its hook. */
static int attach_all(struct loader *l, struct hook_state hooks[IMSW_HOOK_COUNT],
		      const bool kprobe_standby[IMSW_HOOK_COUNT])
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
		int err = 0, ferr;

		if (!st->selected)
			continue;
		snprintf(prior, sizeof(prior), "%s", st->reason);
		switch (st->mode) {
		case IMSW_MODE_FENTRY:
			/*
			 * The fexit reports, the fentry (where there is one) marks the thread.
			 * Like a kprobe pair: the return side attaches first and, in [1],
			 * detaches last, so no call is marked without its exit to clear it.
			 */
			err = attach_one(p[i].fexit, &l2);
			if (!err && p[i].fentry)
				err = attach_one(p[i].fentry, &l1);
			if (err && kprobe_standby[i]) {
				ferr = err;
				bpf_link__destroy(l1);
				bpf_link__destroy(l2);
				l1 = l2 = NULL;
				err = attach_kprobe_pair(&p[i], &l1, &l2);
				if (!err) {
					st->mode = IMSW_MODE_KPROBE;
					snprintf(prior, sizeof(prior),
						 "fentry: attach failed (%s), kprobe twin used%s%s",
						 strerror(-ferr), st->reason[0] ? "; " : "",
						 st->reason);
				} else {
					snprintf(prior, sizeof(prior),
						 "fentry: attach failed (%s)%s%s", strerror(-ferr),
						 st->reason[0] ? "; " : "", st->reason);
					st->mode = IMSW_MODE_KPROBE;
				}
			}
			break;
		case IMSW_MODE_KPROBE:
			err = attach_kprobe_pair(&p[i], &l1, &l2);
			break;
		case IMSW_MODE_TRACEPOINT:
			err = attach_one(p[i].raw_tp, &l1);
			break;
		default:
			continue;
		}
		if (err) {
			bpf_link__destroy(l1);
			bpf_link__destroy(l2);
			snprintf(st->reason, sizeof(st->reason), "%s: attach failed (%s)%s%s",
				 mode_name(st->mode), strerror(-err), prior[0] ? "; " : "", prior);
			continue;
		}
		l->links[i][0] = l1;
		l->links[i][1] = l2;
		st->attached = true;
		if (st->mode == IMSW_MODE_KPROBE)
			l->kprobes_attached = true;
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
	uint64_t ts;

	/* a record made before this run took over: kept by the pinned ring buffer */
	if (l->taken_over && size >= sizeof(struct imsw_event)) {
		memcpy(&ts, (const char *)data + offsetof(struct imsw_event, ts_ns), sizeof(ts));
		if (ts < l->takeover_mono_ns)
			l->drained_before++;
	}
	return l->on_record ? l->on_record(l->ctx, data, size) : 0;
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

static int start(struct loader **out, const struct loader_opts *opts, struct ksyms *ksyms,
		 struct hook_state hooks[IMSW_HOOK_COUNT], char *problem, size_t problem_len)
{
	bool kprobe_standby[IMSW_HOOK_COUNT] = { false };
	unsigned int want[IMSW_HOOK_COUNT];
	struct probe_env env = { .ksyms = ksyms };
	struct loader *l;
	int err, usable;
	unsigned int i;

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
	env.lockdown_confidentiality = kernel_lockdown_confidentiality();
	probe_read_ok = !env.lockdown_confidentiality;
	btf_reads = btf__find_by_name_kind(env.vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;
	usable = choose_variants(&env, opts->attach, hooks, kprobe_standby);
	if (!usable) {
		free_probe_btf(&env);
		snprintf(problem, problem_len, "no hook can attach on this kernel");
		return -ENOENT;
	}

	l = calloc(1, sizeof(*l));
	if (!l) {
		free_probe_btf(&env);
		return -ENOMEM;
	}
	l->on_record = opts->on_record;
	l->ctx = opts->ctx;
	l->events_fd = l->counters_fd = l->pin_lock = -1;

	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		want[i] = want_of(&hooks[i], kprobe_standby[i]);
	/*
	 * libbpf parses its own copy of the kernel's BTF for the load: holding the probing
	 * copy meanwhile kept two (5 MB of BTF each, more parsed) at the peak of RSS. The rare
	 * hook-by-hook fallback below reads it again.
	 */
	free_probe_btf(&env);
	/* the kernel_view program rides along: one load for the hooks and the kernel view */
	l->skel = open_and_load(want, opts->ringbuf_kb,
				opts->kview && kview_loadable(ksyms, opts->kview), &err);
	if (!l->skel && opts->kview && opts->kview->attempted) {
		/* kernel_view was not in it (kview_loadable said why) */
	} else if (!l->skel && opts->kview && err == -EPERM) {
		kview_load_failed(opts->kview, err);
	} else if (!l->skel && opts->kview) {
		/*
		 * Was it the kernel view or a hook? Loading kernel_view alone (what `platform
		 * --kernel-view` does, and what this run would have done before) tells, and
		 * reads the view when it loads; the hooks are then loaded without it.
		 */
		if (kview_read(opts->kview, ksyms))
			l->skel = open_and_load(want, opts->ringbuf_kb, false, &err);
	} else if (l->skel && opts->kview && !opts->kview->attempted) {
		kview_run(l->skel, ksyms, opts->kview);
	}
	if (!l->skel && err != -EPERM)
		env.vmlinux = btf__load_vmlinux_btf();
	/*
	 * EPERM is the process (no CAP_BPF/CAP_PERFMON, lockdown), not one program: loading
	 * hook by hook would only repeat it some twenty times.
	 */
	if (!l->skel && err != -EPERM && env.vmlinux) {
		/* one program that fails (CO-RE, verifier) fails the object: find it, keep
		 * the rest */
		log_warn("loading all hooks failed (%s); loading hook by hook to find the "
			 "failing ones", strerror(-err));
		isolate_failures(&env, opts->attach, hooks, kprobe_standby);
		for (i = 0; i < IMSW_HOOK_COUNT; i++)
			want[i] = want_of(&hooks[i], kprobe_standby[i]);
		l->skel = open_and_load(want, opts->ringbuf_kb, false, &err);
	}
	if (!l->skel) {
		/* each loads alone but not together: keep the tracepoint layer */
		log_warn("loading the remaining hooks failed (%s); retrying with the tracepoints "
			 "only", strerror(-err));
		for (i = 0; i < IMSW_HOOK_COUNT; i++) {
			kprobe_standby[i] = false;
			if (hooks[i].selected && hooks[i].mode != IMSW_MODE_TRACEPOINT) {
				hooks[i].selected = false;
				prepend_reason(&hooks[i], "%s: load failed (%s)",
					       mode_name(hooks[i].mode), strerror(-err));
			}
			want[i] = want_of(&hooks[i], false);
		}
		l->skel = open_and_load(want, opts->ringbuf_kb, false, &err);
	}
	free_probe_btf(&env);
	if (!l->skel) {
		describe_failure(err, problem, problem_len);
		mark_all(hooks, "not loaded");
		free(l);
		return err;
	}
	if (!attach_all(l, hooks, kprobe_standby)) {
		snprintf(problem, problem_len, "no hook attached (see hooks[].reason)");
		loader_stop(l);
		return -ENOENT;
	}
	/*
	 * The standby covers a load failure found by isolate_failures() only (it is not
	 * loaded otherwise): if its hook loaded but could not attach, or was dropped with
	 * every other function hook, what they reveal is unseen, and the standby's reason
	 * ("standby: ... covers ...") must not claim it is covered. A standby whose hook never
	 * had a variant here was tried itself and keeps its own reason.
	 */
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		int primary = hook_table[i].standby_for;

		if (primary < 0 || hooks[primary].attached || hooks[i].selected ||
		    strncmp(hooks[i].reason, "standby: ", 9))
			continue;
		snprintf(hooks[i].reason, sizeof(hooks[i].reason),
			 "standby, not loaded: %s %s, so %s are not seen", hook_table[primary].name,
			 hooks[primary].selected ? "loaded but did not attach" : "failed to load",
			 hook_table[primary].reveals);
	}
	l->events_fd = bpf_map__fd(l->skel->maps.events);
	l->counters_fd = bpf_map__fd(l->skel->maps.counters);
	l->ringbuf_kb = opts->ringbuf_kb;
	l->rb = ring_buffer__new(l->events_fd, on_ringbuf, l, NULL);
	if (!l->rb) {
		err = -errno;
		snprintf(problem, problem_len, "cannot map the ring buffer: %s", strerror(-err));
		loader_stop(l);
		return err;
	}
	*out = l;
	return 0;
}

/* ---- --pin: pinning this run's state, taking over an earlier run's --------------- */

/* a one-shot array map pinned at DIR/NAME, frozen (read-only for everyone after) */
static int pin_array(const char *dir, const char *name, const void *vals, uint32_t value_size,
		     uint32_t n)
{
	char path[4096];
	uint32_t key;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name[0] == 'i' ? "imsw_info" : "imsw_hooks",
			    sizeof(uint32_t), value_size, n, NULL);
	if (fd < 0)
		return -errno;
	for (key = 0; key < n && !err; key++)
		if (bpf_map_update_elem(fd, &key, (const char *)vals + key * value_size, 0))
			err = -errno;
	if (!err && bpf_map_freeze(fd))
		err = -errno;
	pin_path(path, sizeof(path), dir, name);
	if (!err && bpf_obj_pin(fd, path))
		err = -errno;
	close(fd);
	return err;
}

/* remove what pin_all() pinned (it failed half way): links, maps */
static void unpin_all(const char *dir)
{
	static const char *const maps[] = { "info", "hooks", "events", "counters" };
	char path[4096], name[128];
	unsigned int i;
	int side;

	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		for (side = 0; side < 2; side++) {
			pin_link_name(name, sizeof(name), i, side);
			pin_path(path, sizeof(path), dir, name);
			unlink(path);
		}
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		pin_path(path, sizeof(path), dir, maps[i]);
		unlink(path);
	}
}

/*
 * Pin this run's ring buffer, counters and links, then the hook states and, last, the info
 * map that marks DIR complete. 0 or -errno with PROBLEM (nothing left pinned then).
 */
static int pin_all(struct loader *l, const char *dir,
		   const struct hook_state hooks[IMSW_HOOK_COUNT], char *problem, size_t len)
{
	static struct pin_hook ph[IMSW_HOOK_COUNT];
	struct pin_info info;
	char path[4096], name[128];
	const char *what = "";
	unsigned int i;
	int side, err;

	memset(ph, 0, sizeof(ph));
	pin_path(path, sizeof(path), dir, "events");
	err = bpf_map__pin(l->skel->maps.events, path);
	what = "the ring buffer";
	if (!err) {
		pin_path(path, sizeof(path), dir, "counters");
		err = bpf_map__pin(l->skel->maps.counters, path);
		what = "the counters";
	}
	for (i = 0; i < IMSW_HOOK_COUNT && !err; i++) {
		ph[i].mode = hooks[i].mode;
		ph[i].selected = hooks[i].selected;
		ph[i].attached = hooks[i].attached;
		snprintf(ph[i].reason, sizeof(ph[i].reason), "%s", hooks[i].reason);
		for (side = 0; side < 2 && !err; side++) {
			if (!l->links[i][side])
				continue;
			pin_link_name(name, sizeof(name), i, side);
			pin_path(path, sizeof(path), dir, name);
			/* a perf-event kprobe without a BPF link (kernels before 5.15) has no
			 * link to pin: refused here, so --pin fails rather than half works */
			err = bpf_link__pin(l->links[i][side], path);
			what = hook_table[i].name;
			ph[i].links |= 1u << side;
		}
	}
	if (!err) {
		err = pin_array(dir, "hooks", ph, sizeof(ph[0]), IMSW_HOOK_COUNT);
		what = "the hook states";
	}
	if (!err) {
		pin_info_self(&info, l->ringbuf_kb);
		l->pinned_real_ns = info.created_real_ns;
		err = pin_array(dir, "info", &info, sizeof(info), 1);
		what = "the info map";
	}
	if (err) {
		snprintf(problem, len, "--pin %s: cannot pin %s: %s", dir, what, strerror(-err));
		unpin_all(dir);
		for (i = 0; i < IMSW_HOOK_COUNT; i++)
			for (side = 0; side < 2; side++)
				if (l->links[i][side])
					bpf_link__unpin(l->links[i][side]);
		return err;
	}
	return 0;
}

static int get_pinned(const char *dir, const char *name, enum bpf_map_type type,
		      uint32_t value_size, uint32_t max_entries, char *problem, size_t len)
{
	struct bpf_map_info mi = { 0 };
	uint32_t mlen = sizeof(mi);
	char path[4096];
	int fd;

	pin_path(path, sizeof(path), dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		int err = -errno;

		snprintf(problem, len, "--pin %s: cannot open %s: %s (imswatch detach --pin %s "
			 "removes what is left)", dir, path, strerror(-err), dir);
		return err;
	}
	if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) || mi.type != type ||
	    (value_size && mi.value_size != value_size) ||
	    (max_entries && mi.max_entries != max_entries)) {
		snprintf(problem, len, "--pin %s: %s is not the map this imswatch expects (type "
			 "%u, value %u, entries %u)", dir, path, mi.type, mi.value_size,
			 mi.max_entries);
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* sum of the LOST counters of every hook, from the counters map */
static uint64_t lost_total(struct loader *l)
{
	static uint64_t c[IMSW_CNT_COUNT][IMSW_HOOK_COUNT];
	uint64_t s = 0;
	unsigned int i;

	if (loader_counters(l, c))
		return 0;
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		s += c[IMSW_CNT_LOST][i];
	return s;
}

/*
 * Take over what an earlier run of this build pinned in DIR: its ring buffer (with what
 * accumulated while no one read it), its counters and its links. Nothing is loaded or
 * attached. HOOKS come from the pinned states.
 */
static int takeover(struct loader *l, const char *dir, struct hook_state hooks[IMSW_HOOK_COUNT],
		    char *problem, size_t len)
{
	struct pin_hook ph;
	struct pin_info info;
	struct timespec ts;
	char path[4096], name[128], why[512], when[64];
	unsigned int i, attached = 0;
	uint32_t key = 0;
	int fd, side;
	time_t sec;

	fd = get_pinned(dir, "info", BPF_MAP_TYPE_ARRAY, sizeof(info), 1, problem, len);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &key, &info)) {
		snprintf(problem, len, "--pin %s: cannot read its info map: %s", dir,
			 strerror(errno));
		close(fd);
		return -EIO;
	}
	close(fd);
	if (pin_info_check(&info, why, sizeof(why))) {
		snprintf(problem, len, "--pin %s holds another imswatch build's pins (%s): not "
			 "taken over; `imswatch detach --pin %s` removes them (their records are "
			 "then discarded)", dir, why, dir);
		return -ESTALE;
	}
	l->ringbuf_kb = info.ringbuf_kb;
	l->pinned_real_ns = info.created_real_ns;
	l->events_fd = get_pinned(dir, "events", BPF_MAP_TYPE_RINGBUF, 0,
				  info.ringbuf_kb * 1024, problem, len);
	if (l->events_fd < 0)
		return l->events_fd;
	l->counters_fd = get_pinned(dir, "counters", BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint64_t),
				    IMSW_HOOK_COUNT * IMSW_CNT_COUNT, problem, len);
	if (l->counters_fd < 0)
		return l->counters_fd;
	fd = get_pinned(dir, "hooks", BPF_MAP_TYPE_ARRAY, sizeof(ph), IMSW_HOOK_COUNT, problem,
			len);
	if (fd < 0)
		return fd;
	sec = info.created_real_ns / 1000000000ULL;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&sec));
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		struct hook_state *st = &hooks[i];

		memset(st, 0, sizeof(*st));
		if (bpf_map_lookup_elem(fd, &i, &ph)) {
			snprintf(st->reason, sizeof(st->reason), "pinned state unreadable");
			continue;
		}
		ph.reason[sizeof(ph.reason) - 1] = 0;
		st->mode = ph.mode;
		st->selected = ph.selected;
		st->attached = ph.attached;
		for (side = 0; side < 2 && st->attached; side++) {
			if (!(ph.links & (1u << side)))
				continue;
			pin_link_name(name, sizeof(name), i, side);
			pin_path(path, sizeof(path), dir, name);
			l->links[i][side] = bpf_link__open(path);
			if (!l->links[i][side]) {
				st->attached = false;
				snprintf(st->reason, sizeof(st->reason), "pinned link %s gone (%s); "
					 "%s", path, strerror(errno), ph.reason);
			}
		}
		if (st->attached) {
			attached++;
			snprintf(st->reason, sizeof(st->reason), "taken over from %s (pinned %s); %s",
				 dir, when, ph.reason);
		} else if (!st->reason[0]) {
			snprintf(st->reason, sizeof(st->reason), "%s", ph.reason);
		}
	}
	close(fd);
	if (!attached) {
		snprintf(problem, len, "--pin %s: no pinned hook is attached any more", dir);
		return -ENOENT;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	l->takeover_mono_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	l->taken_over = true;
	l->lost_before = lost_total(l);
	l->rb = ring_buffer__new(l->events_fd, on_ringbuf, l, NULL);
	if (!l->rb) {
		int err = -errno;

		snprintf(problem, len, "cannot map the pinned ring buffer: %s", strerror(-err));
		return err;
	}
	fprintf(stderr, "imswatch: --pin %s: took over %u attached hook(s) pinned %s; %llu "
		"record(s) lost while no one read\n", dir, attached, when,
		(unsigned long long)l->lost_before);
	return 0;
}

static int start_pinned(struct loader **out, const struct loader_opts *opts,
			struct ksyms *ksyms, struct hook_state hooks[IMSW_HOOK_COUNT],
			char *problem, size_t len)
{
	const char *dir = opts->pin_dir;
	struct loader *l;
	int lock, err;

	lock = pin_prepare(dir, problem, len);
	if (lock < 0) {
		mark_all(hooks, "not loaded: --pin directory unusable");
		return lock;
	}
	switch (pin_dir_state(dir)) {
	case PIN_DIR_PARTIAL:
		snprintf(problem, len, "--pin %s holds pins but no info map (a run died while "
			 "pinning): `imswatch detach --pin %s` removes them", dir, dir);
		mark_all(hooks, "not loaded: --pin directory incomplete");
		close(lock);
		return -EUCLEAN;
	case PIN_DIR_COMPLETE:
		l = calloc(1, sizeof(*l));
		if (!l) {
			close(lock);
			return -ENOMEM;
		}
		l->events_fd = l->counters_fd = -1;
		l->pin_lock = lock;
		l->pin_dir = strdup(dir);
		l->on_record = opts->on_record;
		l->ctx = opts->ctx;
		err = takeover(l, dir, hooks, problem, len);
		if (err) {
			/* let go of the links without detaching them: the pins stay as found */
			loader_stop(l);
			if (err == -ESTALE || err == -ENOENT)
				mark_all(hooks, "not taken over");
			return err;
		}
		*out = l;
		return 0;
	case PIN_DIR_EMPTY:
		break;
	}
	err = start(out, opts, ksyms, hooks, problem, len);
	if (err) {
		close(lock);
		return err;
	}
	l = *out;
	l->pin_lock = lock;
	err = pin_all(l, dir, hooks, problem, len);
	if (err) {
		loader_stop(l);
		*out = NULL;
		return err;
	}
	l->pin_dir = strdup(dir);
	return 0;
}

int loader_start(struct loader **out, const struct loader_opts *opts,
		 struct hook_state hooks[IMSW_HOOK_COUNT], char *problem, size_t problem_len)
{
	struct ksyms *own = NULL, *ksyms = opts->ksyms;
	int err;

	*out = NULL;
	problem[0] = 0;
	memset(hooks, 0, sizeof(*hooks) * IMSW_HOOK_COUNT);
	if (opts->kview)
		memset(opts->kview, 0, sizeof(*opts->kview));
	libbpf_set_print(libbpf_print);
	fail_mask = test_fail_mask();
	if (!ksyms && (ksyms = own = ksyms_new()) && ksyms_want_all(ksyms)) {
		ksyms_free(own);
		ksyms = own = NULL;
	}
	if (!ksyms)
		return -ENOMEM;
	if (opts->pin_dir)
		err = start_pinned(out, opts, ksyms, hooks, problem, problem_len);
	else
		err = start(out, opts, ksyms, hooks, problem, problem_len);
	/* nothing was loaded (no BTF, no hook possible): the kernel view on its own */
	if (opts->kview && !opts->kview->attempted)
		kview_read(opts->kview, ksyms);
	ksyms_free(own);
	return err;
}

void loader_set_consumer(struct loader *l, int (*on_record)(void *ctx, const void *data,
							      size_t size),
			 void *ctx)
{
	l->on_record = on_record;
	l->ctx = ctx;
}

int loader_epoll_fd(struct loader *l)
{
	return ring_buffer__epoll_fd(l->rb);
}

int loader_drain(struct loader *l)
{
	return ring_buffer__consume(l->rb);
}

void loader_detach(struct loader *l)
{
	unsigned int i;
	int side;

	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		for (side = 0; side < 2; side++) {
			/* pinned: let go without detaching (the pin holds the link) */
			if (l->pin_dir && l->links[i][side])
				bpf_link__disconnect(l->links[i][side]);
			bpf_link__destroy(l->links[i][side]);
			l->links[i][side] = NULL;
		}
}

int loader_counters(struct loader *l, uint64_t out[IMSW_CNT_COUNT][IMSW_HOOK_COUNT])
{
	int ncpu = libbpf_num_possible_cpus(), fd = l->counters_fd;
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
		out[key % IMSW_CNT_COUNT][key / IMSW_CNT_COUNT] = sum;
	}
	free(vals);
	return 0;
}

void loader_pin_stats(const struct loader *l, struct pin_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->ringbuf_kb = l->ringbuf_kb;
	if (!l->pin_dir)
		return;
	st->dir = l->pin_dir;
	st->taken_over = l->taken_over;
	st->pinned_real_ns = l->pinned_real_ns;
	st->drained_before = l->drained_before;
	st->lost_before = l->lost_before;
}

bool loader_pinned(const struct loader *l)
{
	return l->pin_dir != NULL;
}

bool loader_uses_legacy_kprobes(const struct loader *l)
{
	/* libbpf falls back to tracefs kprobe_events only without the kprobe PMU; pinned
	 * links are never torn down by this process */
	return l->kprobes_attached && !l->pin_dir &&
	       access("/sys/bus/event_source/devices/kprobe/type", F_OK);
}

void loader_stop(struct loader *l)
{
	if (!l)
		return;
	ring_buffer__free(l->rb);
	loader_detach(l);
	if (l->skel) {
		imswatch_bpf__destroy(l->skel);
	} else {
		/* taken over: the pinned maps' own fds */
		if (l->events_fd >= 0)
			close(l->events_fd);
		if (l->counters_fd >= 0)
			close(l->counters_fd);
	}
	if (l->pin_lock >= 0)
		close(l->pin_lock);
	free(l->pin_dir);
	free(l);
}
