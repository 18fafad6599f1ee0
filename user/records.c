// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "escape.h"
#include "platform_json.h"
#include "records.h"

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t now_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void timebase_init(struct timebase *tb)
{
	int64_t mono = clock_ns(CLOCK_MONOTONIC);

	tb->mono_to_real_ns = clock_ns(CLOCK_REALTIME) - mono;
	tb->taken_mono_ns = mono;
}

void timebase_refresh(struct timebase *tb, int64_t mono_ns)
{
	/* compared before subtracting: a corrupt record's stamp must not overflow */
	if (mono_ns >= tb->taken_mono_ns && mono_ns - tb->taken_mono_ns >= 1000000000)
		timebase_init(tb);
}

/* Wall-clock time of a CLOCK_MONOTONIC stamp, saturated (a corrupt stamp cannot overflow). */
static int64_t mono_to_real(const struct timebase *tb, uint64_t mono_ns)
{
	int64_t real_ns;

	if (__builtin_add_overflow((int64_t)mono_ns, tb->mono_to_real_ns, &real_ns))
		real_ns = tb->mono_to_real_ns < 0 ? INT64_MIN : INT64_MAX;
	return real_ns;
}

json_object *json_untrusted_bytes(const void *s, size_t n)
{
	json_object *obj;
	size_t len;
	char *buf;

	if (untrusted_is_plain(s, n))
		return json_object_new_string_len(s, (int)n);
	len = n * UNTRUSTED_ESCAPE_MAX + 1;
	buf = malloc(len);
	if (!buf)
		return NULL;
	untrusted_escape(s, n, buf, len);
	obj = json_object_new_string(buf);
	free(buf);
	return obj;
}

/* Untrusted strings (DMI, ACPI ids, driver and module names, comm): the one escaper,
 * escape.h, decides what is printed raw. */
json_object *json_untrusted_string(const char *s)
{
	return json_untrusted_bytes(s, strlen(s));
}

#define ADD(obj, key, val) json_object_object_add(obj, key, val)

/*
 * In-place setters. Event records are rebuilt for every ring-buffer record, so the pipeline
 * keeps one object per kind and updates it: replacing values in place avoids json-c's
 * per-object hash tables and allocations, which measured at 220k records/s when every
 * record was built afresh (make bench). Absent values remove their key, so a reused object
 * never carries a stale field.
 */
static void set_value(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

static void set_string(json_object *o, const char *key, const char *val)
{
	json_object *cur;

	if (!val) {
		json_object_object_del(o, key);
		return;
	}
	/*
	 * json-c 0.16 (bookworm) corrupts a string set to "" after it had grown onto the heap:
	 * json_object_get_string() then returns the old pointer's bytes (length 0, no NUL), which
	 * the text sink would print. An empty value gets a fresh object instead.
	 */
	if (*val && json_object_object_get_ex(o, key, &cur) &&
	    json_object_is_type(cur, json_type_string))
		json_object_set_string(cur, val);
	else
		set_value(o, key, json_object_new_string(val));
}

/* event strings are bounded by the record layout (include/imswatch.h): 4x fits any escape */
static void set_untrusted(json_object *o, const char *key, const char *val)
{
	char buf[UNTRUSTED_ESCAPE_MAX * 128 + 1];
	size_t len = val ? strlen(val) : 0;

	if (val && !untrusted_is_plain(val, len)) {
		untrusted_escape(val, len, buf, sizeof(buf));
		val = buf;
	}
	set_string(o, key, val);
}

static void set_int(json_object *o, const char *key, int64_t v)
{
	json_object *cur;

	if (json_object_object_get_ex(o, key, &cur) && json_object_is_type(cur, json_type_int))
		json_object_set_int64(cur, v);
	else
		set_value(o, key, json_object_new_int64(v));
}

static void set_bool(json_object *o, const char *key, bool v)
{
	json_object *cur;

	if (json_object_object_get_ex(o, key, &cur) && json_object_is_type(cur, json_type_boolean))
		json_object_set_boolean(cur, v);
	else
		set_value(o, key, json_object_new_boolean(v));
}

/* hand-rolled rather than snprintf: this runs several times per event (make bench) */
static void set_hex(json_object *o, const char *key, unsigned int v, int width)
{
	static const char digits[] = "0123456789abcdef";
	char buf[16];
	int i;

	for (i = width - 1; i >= 0; i--, v >>= 4)
		buf[i] = digits[v & 15];
	buf[width] = 0;
	set_string(o, key, buf);
}

/* the child object KEY of O, created when missing; NULL when WANT is false (removed) */
static json_object *child(json_object *o, const char *key, bool want)
{
	json_object *c;

	if (!want) {
		json_object_object_del(o, key);
		return NULL;
	}
	if (json_object_object_get_ex(o, key, &c) && json_object_is_type(c, json_type_object))
		return c;
	c = json_object_new_object();
	set_value(o, key, c);
	return c;
}

/* RFC 3339, UTC, microseconds; gmtime_r only when the second changes */
static void set_ts(json_object *o, int64_t real_ns)
{
	static __thread time_t cached_sec = -1;
	static __thread char prefix[32];
	time_t sec = real_ns / 1000000000;
	unsigned int usec = (unsigned int)((real_ns % 1000000000) / 1000) % 1000000;
	char buf[48];
	size_t len;
	int i;

	if (sec != cached_sec) {
		struct tm tm;

		gmtime_r(&sec, &tm);
		strftime(prefix, sizeof(prefix), "%Y-%m-%dT%H:%M:%S.", &tm);
		cached_sec = sec;
	}
	len = strlen(prefix);
	memcpy(buf, prefix, len);
	for (i = 5; i >= 0; i--, usec /= 10)
		buf[len + i] = '0' + usec % 10;
	buf[len + 6] = 'Z';
	buf[len + 7] = 0;
	set_string(o, "ts", buf);
}

static json_object *new_record(const char *type, int64_t ts_real_ns)
{
	json_object *o = json_object_new_object();

	ADD(o, "type", json_object_new_string(type));
	set_ts(o, ts_real_ns);
	return o;
}

static json_object *json_hooks(const struct hook_state *hooks)
{
	json_object *arr = json_object_new_array();
	unsigned int i;

	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		json_object *h = json_object_new_object();

		ADD(h, "name", json_object_new_string(hook_table[i].name));
		ADD(h, "mode", json_object_new_string(mode_name(hooks[i].mode)));
		ADD(h, "attached", json_object_new_boolean(hooks[i].attached));
		ADD(h, "reason", json_object_new_string(hooks[i].reason));
		json_object_array_add(arr, h);
	}
	return arr;
}

/* What imswatch cannot see in this run, in words: the honest part of the status record.
 * One item per thing not revealed (hooks with the same words are alternatives: the
 * pci_device_probe standby), in table order. */
static json_object *json_blind(const struct hook_state *hooks)
{
	json_object *arr = json_object_new_array();
	unsigned int i, j;

	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		if (hook_revealed(hooks, i))
			continue;
		for (j = 0; j < i; j++) /* said once, at its first hook */
			if (!strcmp(hook_table[j].reveals, hook_table[i].reveals))
				break;
		if (j == i)
			json_object_array_add(arr, json_object_new_string(hook_table[i].reveals));
	}
	/* the kernel counts kretprobe instances it could not take (maxactive), but libbpf 1.1
	 * attaches through the kprobe PMU and gives no way to read that count; the BPF side
	 * sees a miss only when a later return on the same thread finds the stale level */
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		if (hooks[i].attached && hooks[i].mode == IMSW_MODE_KPROBE &&
		    hook_table[i].prog_kretprobe) {
			json_object_array_add(arr, json_object_new_string(
				"kretprobe returns the kernel dropped (maxactive exhausted): "
				"those calls are not reported; kretprobe_missed counts one only "
				"when a later call of the same hook on its thread returns"));
			break;
		}
	return arr;
}

json_object *record_status(const struct status_info *st, int64_t ts_real_ns)
{
	json_object *o = new_record("status", ts_real_ns);
	char blind[1024];

	/* first, so text output says it on the line under the header */
	if (st->hooks && blind_summary(st->hooks, blind, sizeof(blind)))
		ADD(o, "blind_summary", json_object_new_string(blind));
	ADD(o, "version", json_object_new_string(IMSWATCH_VERSION));
	ADD(o, "format_version", json_object_new_int(IMSWATCH_FORMAT_VERSION));
	ADD(o, "kernel", json_untrusted_string(st->kernel));
	ADD(o, "attach", json_object_new_string(st->attach_pref));
	ADD(o, "ringbuf_kb", json_object_new_int(st->ringbuf_kb));
	if (st->bpf_problem)
		ADD(o, "bpf_problem", json_object_new_string(st->bpf_problem));
	ADD(o, "platform", platform_to_json(st->platform, true));
	ADD(o, "hooks", json_hooks(st->hooks));
	ADD(o, "blind", json_blind(st->hooks));
	return o;
}

json_object *record_platform(const struct platform *p, int64_t ts_real_ns)
{
	json_object *o = new_record("platform", ts_real_ns);

	ADD(o, "version", json_object_new_string(IMSWATCH_VERSION));
	ADD(o, "format_version", json_object_new_int(IMSWATCH_FORMAT_VERSION));
	ADD(o, "platform", platform_to_json(p, true));
	return o;
}

static void set_device(json_object *o, const struct imsw_event *e, const struct enrichment *en)
{
	json_object *d = child(o, "device", true);
	bool kernel = e->pci.bdf[0], sysfs = !kernel && en && en->bdf[0];
	bool ids = (kernel && e->pci.is_pci) || (sysfs && (en->vendor || en->device));

	set_untrusted(d, "bdf", kernel ? e->pci.bdf : sysfs ? en->bdf : NULL);
	if (ids) {
		set_hex(d, "vendor", kernel ? e->pci.vendor : en->vendor, 4);
		set_hex(d, "device", kernel ? e->pci.device : en->device, 4);
	} else {
		set_string(d, "vendor", NULL);
		set_string(d, "device", NULL);
	}
	if (kernel && e->pci.is_pci) {
		set_hex(d, "subvendor", e->pci.subvendor, 4);
		set_hex(d, "subdevice", e->pci.subdevice, 4);
		set_hex(d, "class", e->pci.class & 0xffffff, 6);
	} else {
		set_string(d, "subvendor", NULL);
		set_string(d, "subdevice", NULL);
		set_string(d, "class", NULL);
	}
	/* looked up in sysfs after the fact, not read by the kernel at event time */
	set_string(d, "source", sysfs ? "sysfs" : NULL);
}

void record_event_into(json_object *o, const struct imsw_event *e, const struct enrichment *en,
		       const struct finding *f, const struct platform *p,
		       const struct timebase *tb)
{
	bool alert = finding_is_alert(f);
	json_object *ctx, *v;
	const char *driver = e->driver[0] ? e->driver : (en ? en->driver : "");

	set_string(o, "type", alert ? "alert" : "event");
	set_ts(o, mono_to_real(tb, e->ts_ns));
	set_string(o, "kind", event_kind_name(e));
	set_string(o, "severity", severity_name(f->severity));
	set_string(o, "rule", f->rule);
	set_string(o, "hook", hook_name(e->hook));
	set_string(o, "mode", mode_name(e->mode));
	set_int(o, "mono_ns", (int64_t)e->ts_ns);
	ctx = child(o, "context", true);
	set_int(ctx, "cpu", e->cpu);
	set_int(ctx, "pid", e->pid);
	set_int(ctx, "tid", e->tid);
	set_untrusted(ctx, "comm", e->comm);
	set_device(o, e, en);
	set_untrusted(o, "driver", driver);
	set_untrusted(o, "module", e->module[0] ? e->module : NULL);
	if (e->module[0])
		set_bool(o, "builtin", e->builtin);
	else
		json_object_object_del(o, "builtin");
	set_int(o, "ret", e->ret);

	v = child(o, "vectors", e->kind == IMSW_KIND_IRQ_VECTORS);
	if (v) {
		set_int(v, "requested_min", e->req_min);
		set_int(v, "requested_max", e->req_max);
		set_int(v, "granted", e->ret > 0 ? e->ret : 0);
		set_int(v, "flags", e->flags);
	}
	v = child(o, "domain", e->kind == IMSW_KIND_MSI_DOMAIN || e->kind == IMSW_KIND_IMS_DOMAIN);
	if (v) {
		set_int(v, "id", e->domid);
		set_string(v, "kind", domain_kind_name(e->domain_kind));
		set_int(v, "bus_token", e->bus_token);
		set_int(v, "hwsize", e->req_max);
	}
	if (e->kind == IMSW_KIND_MSI_DOMAIN)
		set_bool(o, "within_ims_api", e->within_ims_api);
	else
		json_object_object_del(o, "within_ims_api");
	if (e->kind == IMSW_KIND_IMS_ALLOC || e->kind == IMSW_KIND_IMS_FREE) {
		set_int(o, "index", e->index);
		set_int(o, "virq", e->virq);
	}
	if (e->kind == IMSW_KIND_VECTOR) {
		set_string(o, "op", vector_op_name(e->vec_op));
		set_int(o, "irq", e->irq);
		set_int(o, "vector", e->vector);
		set_untrusted(o, "irq_chip", en ? en->chip : NULL);
		set_untrusted(o, "irq_actions", en && en->actions[0] ? en->actions : NULL);
		set_bool(o, "irq_gone", en && en->irq_gone);
	}
	if (f->ims_attempt) {
		set_bool(o, "ims_attempt", true);
		set_bool(o, "kernel_accepted", f->outcome == OUTCOME_ACCEPTED);
	}
	if (alert) {
		set_string(o, "summary", f->summary);
		set_value(o, "platform", platform_to_json(p, false));
	}
}

json_object *record_event(const struct imsw_event *e, const struct enrichment *en,
			  const struct finding *f, const struct platform *p,
			  const struct timebase *tb)
{
	json_object *o = json_object_new_object();

	if (o)
		record_event_into(o, e, en, f, p, tb);
	return o;
}

json_object *record_lost(const uint64_t lost[IMSW_HOOK_COUNT], uint64_t total,
			 int64_t ts_real_ns)
{
	json_object *o = new_record("lost", ts_real_ns), *by = json_object_new_object();
	unsigned int i;

	ADD(o, "total", json_object_new_int64((int64_t)total));
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		if (lost[i])
			ADD(by, hook_table[i].name, json_object_new_int64((int64_t)lost[i]));
	ADD(o, "by_hook", by);
	return o;
}

static const char *const kind_keys[] = {
	[IMSW_KIND_PROBE] = "probe",	     [IMSW_KIND_IRQ_VECTORS] = "irq_vectors",
	[IMSW_KIND_MSI_DOMAIN] = "msi_domain", [IMSW_KIND_IMS_DOMAIN] = "ims_domain",
	[IMSW_KIND_IMS_ALLOC] = "ims_alloc",   [IMSW_KIND_IMS_FREE] = "ims_free",
	[IMSW_KIND_VECTOR] = "vector",
};

json_object *record_summary(const struct summary_info *s, int64_t ts_real_ns)
{
	json_object *o = new_record("summary", ts_real_ns);
	json_object *ev = json_object_new_object(), *al = json_object_new_object();
	json_object *hooks = json_object_new_array(), *cov = json_object_new_object();
	/* per-hook key and summary total of each BPF counter, in enum imsw_counter order */
	static const struct {
		const char *per_hook, *total;
	} counters[IMSW_CNT_COUNT] = {
		[IMSW_CNT_HITS] = { "hits", NULL },
		[IMSW_CNT_LOST] = { "lost", "records_lost" },
		[IMSW_CNT_NO_ENTRY] = { "no_entry", "kretprobe_no_entry" },
		[IMSW_CNT_STASH_DROPPED] = { "stash_dropped", "kprobe_stash_dropped" },
		[IMSW_CNT_RET_MISSED] = { "ret_missed", "kretprobe_missed" },
	};
	uint64_t total[IMSW_CNT_COUNT] = { 0 };
	unsigned int i, c;
	char dur[32];

	/* milliseconds, fixed: json-c's %.17g printed float noise (15.872318188000008) */
	snprintf(dur, sizeof(dur), "%.3f", s->duration_s > 0 ? s->duration_s : 0.0);
	ADD(o, "duration_s", json_object_new_double_s(s->duration_s, dur));
	for (i = IMSW_KIND_PROBE; i <= IMSW_KIND_VECTOR; i++)
		ADD(ev, kind_keys[i], json_object_new_int64((int64_t)s->events_by_kind[i]));
	ADD(o, "events", ev);
	for (i = SEV_WARNING; i <= SEV_CRITICAL; i++)
		ADD(al, severity_name(i), json_object_new_int64((int64_t)s->alerts_by_severity[i]));
	ADD(o, "alerts", al);
	/* beside the alerts: 0 critical with ims "blind" means could not see, not none seen */
	for (i = 0; i < IMSW_GROUP_COUNT; i++)
		ADD(cov, group_table[i].name,
		    json_object_new_string(coverage_name(group_coverage(s->hooks, i))));
	ADD(o, "coverage", cov);
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		json_object *h = json_object_new_object();

		ADD(h, "name", json_object_new_string(hook_table[i].name));
		ADD(h, "attached", json_object_new_boolean(s->hooks && s->hooks[i].attached));
		for (c = 0; c < IMSW_CNT_COUNT; c++) {
			total[c] += s->counter[c][i];
			ADD(h, counters[c].per_hook, json_object_new_int64((int64_t)s->counter[c][i]));
		}
		json_object_array_add(hooks, h);
	}
	for (c = 0; c < IMSW_CNT_COUNT; c++)
		if (counters[c].total)
			ADD(o, counters[c].total, json_object_new_int64((int64_t)total[c]));
	ADD(o, "decode_errors", json_object_new_int64((int64_t)s->decode_errors));
	ADD(o, "hooks", hooks);
	return o;
}
