// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "escape.h"
#include "hostid.h"
#include "output.h"
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
int64_t mono_to_real(const struct timebase *tb, uint64_t mono_ns)
{
	int64_t real_ns;

	if (__builtin_add_overflow((int64_t)mono_ns, tb->mono_to_real_ns, &real_ns))
		real_ns = tb->mono_to_real_ns < 0 ? INT64_MIN : INT64_MAX;
	return real_ns;
}

/* Untrusted bytes through the one escaper (escape.h). N bytes need not end in NUL, so
 * even plain ones are copied into BUF. */
const char *untrusted_text_n(const char *s, size_t n, char *buf, size_t len)
{
	if (!len)
		return "";
	if (untrusted_is_plain(s, n)) {
		n = n < len ? n : len - 1;
		memcpy(buf, s, n);
		buf[n] = 0;
		return buf;
	}
	untrusted_escape(s, n, buf, len);
	return buf;
}

/* A NUL-terminated string: S itself when nothing changes (the common, fast case). */
const char *untrusted_text(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);

	if (untrusted_is_plain(s, n))
		return s;
	untrusted_escape(s, n, buf, len);
	return buf;
}

/* ---- the device and driver of an event, for both renderers ---- */

void event_device(const struct event_record *r, struct device_view *d)
{
	const struct imsw_event *e = r->e;
	const struct enrichment *en = r->en;
	bool kernel = e->pci.bdf[0], sysfs = !kernel && en && en->bdf[0];

	memset(d, 0, sizeof(*d));
	d->bdf = kernel ? e->pci.bdf : sysfs ? en->bdf : NULL;
	d->ids = (kernel && e->pci.is_pci) || (sysfs && (en->vendor || en->device));
	if (d->ids) {
		d->vendor = kernel ? e->pci.vendor : en->vendor;
		d->device = kernel ? e->pci.device : en->device;
	}
	d->pci = kernel && e->pci.is_pci;
	if (d->pci) {
		d->subvendor = e->pci.subvendor;
		d->subdevice = e->pci.subdevice;
		d->class = e->pci.class & 0xffffff;
	}
	d->sysfs = sysfs;
}

const char *event_driver(const struct event_record *r)
{
	return r->e->driver[0] ? r->e->driver : (r->en ? r->en->driver : "");
}

/* ---- platform: the verdicts and their evidence (status, platform and alert records) ---- */

static void json_seed(struct jw *w, const struct seed_verdict *s, bool with_signals)
{
	size_t i;

	jw_object_begin(w);
	jw_kbool(w, "probably_on_bare_metal", s->probably_on_bare_metal);
	jw_kbool(w, "cpuid_hypervisor_bit", s->cpuid_hypervisor);
	if (with_signals)
		jw_kstring(w, "cpuid_leaf1", signal_state_name(s->cpuid_state));
	jw_kbool(w, "dmi_hypervisor_vendor", s->dmi_hypervisor_vendor);
	if (!with_signals) { /* alerts carry the verdicts only; the evidence is in status */
		jw_object_end(w);
		return;
	}
	jw_key(w, "evidence");
	jw_array_begin(w);
	for (i = 0; i < s->n_items; i++) {
		const struct signal *e = &s->items[i];

		jw_object_begin(w);
		jw_kstring(w, "source", e->source);
		jw_kstring(w, "key", e->key);
		jw_kstring(w, "state", signal_state_name(e->state));
		jw_kuntrusted(w, "value", e->value);
		jw_kbool(w, "indicates_vm", e->indicates == INDICATES_GUEST);
		if (e->note[0])
			jw_kuntrusted(w, "note", e->note);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

/* the fields of a question; the caller closes the object (Q2 adds its own) */
static void json_question(struct jw *w, const struct question_verdict *q)
{
	size_t i;

	jw_object_begin(w);
	jw_kstring(w, "verdict", guest_verdict_name(q->verdict));
	/* names come from CPUID, DMI or ACPI: untrusted */
	jw_kuntrusted(w, "hypervisor", q->hypervisor);
	jw_kuntrusted(w, "reason", q->reason);
	jw_key(w, "contradictions");
	jw_array_begin(w);
	for (i = 0; i < q->n_contradictions; i++)
		jw_untrusted(w, q->contradictions[i]);
	jw_array_end(w);
}

static void json_platform(struct jw *w, const struct platform *p, bool with_signals)
{
	const struct signal_list *l = &p->signals;
	char what[96];
	size_t i;

	jw_object_begin(w);
	/* the answers first */
	jw_key(w, "q1");
	json_question(w, &p->q1);
	jw_object_end(w);
	jw_key(w, "q2");
	json_question(w, &p->q2);
	jw_kstring(w, "interrupt_remapping", ir_state_name(p->facts.ir));
	jw_key(w, "virtual_iommu");
	if (p->facts.viommu)
		jw_untrusted(w, p->facts.viommu_what);
	else
		jw_null(w);
	jw_kstring(w, "ims_gate", ims_gate_name(p->ims_gate));
	jw_kstring(w, "ims_gate_reason", p->ims_gate_reason);
	jw_object_end(w);
	jw_kstring(w, "confidential_vm", cc_kind_name(p->facts.cc));
	jw_kstring(w, "cpuid_source", cpuid_kind_name(p->cpuid_kind));
	jw_key(w, "seed");
	json_seed(w, &p->seed, with_signals);
	if (!with_signals) {
		jw_object_end(w);
		return;
	}
	jw_key(w, "signals");
	jw_array_begin(w);
	for (i = 0; i < l->n; i++) {
		const struct signal *s = &l->items[i];

		jw_object_begin(w);
		jw_kstring(w, "source", s->source);
		jw_kuntrusted(w, "key", s->key);
		jw_kstring(w, "state", signal_state_name(s->state));
		/* raw bytes, NUL included (CPUID signatures): escaped here, once */
		jw_key(w, "value");
		jw_untrusted_n(w, s->value, s->value_len);
		jw_kstring(w, "indicates", indication_name(s->indicates));
		jw_kstring(w, "strength", strength_name(s->strength));
		if (s->host_controlled)
			jw_kbool(w, "host_controlled", true);
		if (s->names[0])
			jw_kuntrusted(w, "names", s->names);
		if (s->note[0])
			jw_kuntrusted(w, "note", s->note);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "unknown");
	jw_array_begin(w);
	for (i = 0; i < l->n; i++)
		if (l->items[i].state == SIGNAL_UNREADABLE) {
			snprintf(what, sizeof(what), "%s %s", l->items[i].source, l->items[i].key);
			jw_untrusted(w, what);
		}
	jw_array_end(w);
	jw_kint(w, "signals_dropped", (int64_t)l->dropped);
	jw_object_end(w);
}

/* ---- the records ---- */

/* the machine the record comes from: only what was read, nothing when nothing was */
static void json_host(struct jw *w, const struct host_identity *h)
{
	if (!h || hostid_empty(h))
		return;
	jw_key(w, "host");
	jw_object_begin(w);
	if (h->host[0]) /* any bytes sethostname() took: untrusted */
		jw_kuntrusted(w, "name", h->host);
	if (h->machine_id[0]) /* checked to be hex (hostid.c) */
		jw_kstring(w, "machine_id", h->machine_id);
	if (h->boot_id[0])
		jw_kstring(w, "boot_id", h->boot_id);
	jw_object_end(w);
}

/* the fields every record shares, first in every record */
static void json_header(struct jw *w, const char *type, int64_t ts_real_ns)
{
	jw_object_begin(w);
	jw_kstring(w, "type", type);
	jw_key(w, "ts");
	jw_ts(w, ts_real_ns);
	json_host(w, w->host);
}

static const char kretprobe_blind[] =
	"kretprobe returns the kernel dropped (maxactive exhausted): those calls are not "
	"reported; kretprobe_missed counts one only when a later call of the same hook on "
	"its thread returns";

/* What imswatch cannot see in this run, in words: the honest part of the status record.
 * One item per thing not revealed (hooks with the same words are alternatives: the
 * pci_device_probe standby), in table order. */
size_t status_blind_items(const struct hook_state *hooks, const char **items, size_t max)
{
	size_t n = 0;
	unsigned int i, j;

	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		if (hook_revealed(hooks, i))
			continue;
		for (j = 0; j < i; j++) /* said once, at its first hook */
			if (!strcmp(hook_table[j].reveals, hook_table[i].reveals))
				break;
		if (j == i && n < max)
			items[n++] = hook_table[i].reveals;
	}
	/* the kernel counts kretprobe instances it could not take (maxactive), but libbpf 1.1
	 * attaches through the kprobe PMU and gives no way to read that count; the BPF side
	 * sees a miss only when a later return on the same thread finds the stale level */
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		if (hooks[i].attached && hooks[i].mode == IMSW_MODE_KPROBE &&
		    hook_table[i].prog_kretprobe) {
			if (n < max)
				items[n++] = kretprobe_blind;
			break;
		}
	return n;
}

void json_status(struct jw *w, const struct status_info *st, int64_t ts_real_ns)
{
	const char *blind_items[IMSW_HOOK_COUNT + 1];
	char blind[1024];
	size_t i, n;

	json_header(w, "status", ts_real_ns);
	/* first, so a reader sees it right under the header */
	if (st->hooks && blind_summary(st->hooks, blind, sizeof(blind)))
		jw_kstring(w, "blind_summary", blind);
	jw_kstring(w, "version", IMSWATCH_VERSION);
	jw_kint(w, "format_version", IMSWATCH_FORMAT_VERSION);
	jw_kuntrusted(w, "kernel", st->kernel);
	jw_kstring(w, "attach", st->attach_pref);
	jw_kint(w, "ringbuf_kb", st->ringbuf_kb);
	if (st->pin) {
		jw_key(w, "pin");
		jw_object_begin(w);
		jw_kstring(w, "dir", st->pin->dir);
		jw_kbool(w, "taken_over", st->pin->taken_over);
		jw_key(w, "pinned_at");
		jw_ts(w, st->pin->pinned_real_ns);
		jw_object_end(w);
	}
	if (st->bpf_problem)
		jw_kstring(w, "bpf_problem", st->bpf_problem);
	jw_key(w, "platform");
	json_platform(w, st->platform, true);
	jw_key(w, "hooks");
	jw_array_begin(w);
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		jw_object_begin(w);
		jw_kstring(w, "name", hook_table[i].name);
		jw_kstring(w, "mode", mode_name(st->hooks[i].mode));
		jw_kbool(w, "attached", st->hooks[i].attached);
		jw_kstring(w, "reason", st->hooks[i].reason);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "blind");
	jw_array_begin(w);
	n = status_blind_items(st->hooks, blind_items, IMSW_HOOK_COUNT + 1);
	for (i = 0; i < n; i++)
		jw_string(w, blind_items[i]);
	jw_array_end(w);
	jw_object_end(w);
}

void json_platform_record(struct jw *w, const struct platform *p, int64_t ts_real_ns)
{
	json_header(w, "platform", ts_real_ns);
	jw_kstring(w, "version", IMSWATCH_VERSION);
	jw_kint(w, "format_version", IMSWATCH_FORMAT_VERSION);
	jw_key(w, "platform");
	json_platform(w, p, true);
	jw_object_end(w);
}

static void jw_khex(struct jw *w, const char *key, unsigned int v, int width)
{
	jw_key(w, key);
	jw_hex(w, v, width);
}

void json_event(struct jw *w, const struct event_record *r)
{
	const struct imsw_event *e = r->e;
	const struct enrichment *en = r->en;
	const struct finding *f = r->f;
	bool alert = finding_is_alert(f);
	struct device_view d;

	json_header(w, alert ? "alert" : "event", r->ts_real_ns);
	jw_kstring(w, "kind", event_kind_name(e));
	jw_kstring(w, "severity", severity_name(f->severity));
	jw_kstring(w, "rule", f->rule);
	jw_kstring(w, "hook", hook_name(e->hook));
	jw_kstring(w, "mode", mode_name(e->mode));
	jw_kint(w, "mono_ns", (int64_t)e->ts_ns);
	jw_key(w, "context");
	jw_object_begin(w);
	jw_kint(w, "cpu", e->cpu);
	jw_kint(w, "pid", e->pid);
	jw_kint(w, "tid", e->tid);
	jw_kuntrusted(w, "comm", e->comm);
	jw_object_end(w);
	event_device(r, &d);
	jw_key(w, "device");
	jw_object_begin(w);
	if (d.bdf)
		jw_kuntrusted(w, "bdf", d.bdf);
	if (d.ids) {
		jw_khex(w, "vendor", d.vendor, 4);
		jw_khex(w, "device", d.device, 4);
	}
	if (d.pci) {
		jw_khex(w, "subvendor", d.subvendor, 4);
		jw_khex(w, "subdevice", d.subdevice, 4);
		jw_khex(w, "class", d.class, 6);
	}
	/* looked up in sysfs after the fact, not read by the kernel at event time */
	if (d.sysfs)
		jw_kstring(w, "source", "sysfs");
	jw_object_end(w);
	jw_kuntrusted(w, "driver", event_driver(r));
	if (e->module[0]) {
		jw_kuntrusted(w, "module", e->module);
		jw_kbool(w, "builtin", e->builtin);
	}
	jw_kint(w, "ret", e->ret);
	if (e->kind == IMSW_KIND_IRQ_VECTORS) {
		jw_key(w, "vectors");
		jw_object_begin(w);
		jw_kint(w, "requested_min", e->req_min);
		jw_kint(w, "requested_max", e->req_max);
		jw_kint(w, "granted", e->ret > 0 ? e->ret : 0);
		jw_kint(w, "flags", e->flags);
		jw_object_end(w);
	}
	if (e->kind == IMSW_KIND_MSI_DOMAIN || e->kind == IMSW_KIND_IMS_DOMAIN) {
		jw_key(w, "domain");
		jw_object_begin(w);
		jw_kint(w, "id", e->domid);
		jw_kstring(w, "kind", domain_kind_name(e->domain_kind));
		jw_kint(w, "bus_token", e->bus_token);
		jw_kint(w, "hwsize", e->req_max);
		jw_object_end(w);
	}
	if (e->kind == IMSW_KIND_MSI_DOMAIN)
		jw_kbool(w, "within_ims_api", e->within_ims_api);
	if (e->kind == IMSW_KIND_IMS_ALLOC || e->kind == IMSW_KIND_IMS_FREE) {
		jw_kint(w, "index", e->index);
		jw_kint(w, "virq", e->virq);
	}
	if (e->kind == IMSW_KIND_VECTOR) {
		jw_kstring(w, "op", vector_op_name(e->vec_op));
		jw_kint(w, "irq", e->irq);
		jw_kint(w, "vector", e->vector);
		if (en) {
			jw_kuntrusted(w, "irq_chip", en->chip);
			if (en->actions[0])
				jw_kuntrusted(w, "irq_actions", en->actions);
		}
		jw_kbool(w, "irq_gone", en && en->irq_gone);
	}
	if (f->ims_attempt) {
		jw_kbool(w, "ims_attempt", true);
		jw_kbool(w, "kernel_accepted", f->outcome == OUTCOME_ACCEPTED);
	}
	if (alert) {
		jw_kstring(w, "summary", f->summary);
		jw_key(w, "platform");
		json_platform(w, r->p, false);
	}
	/* --fold: this record stands for COUNT events; its other fields are the last one's */
	if (r->folded) {
		jw_key(w, "folded");
		jw_object_begin(w);
		jw_kint(w, "count", (int64_t)r->folded->count);
		jw_key(w, "first_ts");
		jw_ts(w, r->folded->first_ts_real_ns);
		jw_key(w, "last_ts");
		jw_ts(w, r->folded->last_ts_real_ns);
		jw_object_end(w);
	}
	jw_object_end(w);
}

void json_lost(struct jw *w, const struct lost_info *l, int64_t ts_real_ns)
{
	unsigned int i;

	json_header(w, "lost", ts_real_ns);
	jw_kint(w, "total", (int64_t)l->total);
	jw_key(w, "by_hook");
	jw_object_begin(w);
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		if (l->by_hook[i])
			jw_kint(w, hook_table[i].name, (int64_t)l->by_hook[i]);
	jw_object_end(w);
	jw_object_end(w);
}

const char *const summary_event_keys[IMSW_KIND_VECTOR + 1] = {
	[IMSW_KIND_PROBE] = "probe",	     [IMSW_KIND_IRQ_VECTORS] = "irq_vectors",
	[IMSW_KIND_MSI_DOMAIN] = "msi_domain", [IMSW_KIND_IMS_DOMAIN] = "ims_domain",
	[IMSW_KIND_IMS_ALLOC] = "ims_alloc",   [IMSW_KIND_IMS_FREE] = "ims_free",
	[IMSW_KIND_VECTOR] = "vector",
};

/* per-hook key and summary total of each BPF counter, in enum imsw_counter order */
const struct counter_name summary_counters[IMSW_CNT_COUNT] = {
	[IMSW_CNT_HITS] = { "hits", NULL },
	[IMSW_CNT_LOST] = { "lost", "records_lost" },
	[IMSW_CNT_NO_ENTRY] = { "no_entry", "kretprobe_no_entry" },
	[IMSW_CNT_STASH_DROPPED] = { "stash_dropped", "kprobe_stash_dropped" },
	[IMSW_CNT_RET_MISSED] = { "ret_missed", "kretprobe_missed" },
};

void json_summary(struct jw *w, const struct summary_info *s, int64_t ts_real_ns)
{
	uint64_t total[IMSW_CNT_COUNT] = { 0 };
	unsigned int i, c;

	json_header(w, "summary", ts_real_ns);
	/* milliseconds: the figure's real precision, not %.17g float noise */
	jw_key(w, "duration_s");
	jw_fixed(w, s->duration_s, 3);
	jw_key(w, "events");
	jw_object_begin(w);
	for (i = IMSW_KIND_PROBE; i <= IMSW_KIND_VECTOR; i++)
		jw_kint(w, summary_event_keys[i], (int64_t)s->events_by_kind[i]);
	jw_object_end(w);
	jw_key(w, "alerts");
	jw_object_begin(w);
	for (i = SEV_WARNING; i <= SEV_CRITICAL; i++)
		jw_kint(w, severity_name(i), (int64_t)s->alerts_by_severity[i]);
	jw_object_end(w);
	/* beside the alerts: 0 critical with ims "blind" means could not see, not none seen */
	jw_key(w, "coverage");
	jw_object_begin(w);
	for (i = 0; i < IMSW_GROUP_COUNT; i++)
		jw_kstring(w, group_table[i].name, coverage_name(group_coverage(s->hooks, i)));
	jw_object_end(w);
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		for (c = 0; c < IMSW_CNT_COUNT; c++)
			total[c] += s->counter[c][i];
	for (c = 0; c < IMSW_CNT_COUNT; c++)
		if (summary_counters[c].total)
			jw_kint(w, summary_counters[c].total, (int64_t)total[c]);
	jw_kint(w, "decode_errors", (int64_t)s->decode_errors);
	/* --fold: records that stand for several events, and how many events they hold */
	jw_key(w, "folded");
	jw_object_begin(w);
	jw_kint(w, "records", (int64_t)s->sinks.folded_records);
	jw_kint(w, "events", (int64_t)s->sinks.folded_events);
	jw_object_end(w);
	/* what could not be written, up to this record: records per sink, metrics updates */
	jw_key(w, "write_errors");
	jw_object_begin(w);
	jw_kint(w, "output", (int64_t)s->sinks.output_unwritten);
	jw_kint(w, "journal", (int64_t)s->sinks.journal_unwritten);
	jw_kint(w, "metrics", (int64_t)s->sinks.metrics_failed);
	jw_object_end(w);
	if (s->snapshot)
		jw_kint(w, "snapshot_overlap", (int64_t)s->snapshot_overlap);
	if (s->pin) {
		jw_key(w, "pin");
		jw_object_begin(w);
		jw_kstring(w, "dir", s->pin->dir);
		jw_kbool(w, "taken_over", s->pin->taken_over);
		jw_kint(w, "drained_before_restart", (int64_t)s->pin->drained_before_restart);
		jw_kint(w, "lost_before_takeover", (int64_t)s->pin->lost_before_takeover);
		jw_object_end(w);
	}
	jw_key(w, "hooks");
	jw_array_begin(w);
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		jw_object_begin(w);
		jw_kstring(w, "name", hook_table[i].name);
		jw_kbool(w, "attached", s->hooks && s->hooks[i].attached);
		for (c = 0; c < IMSW_CNT_COUNT; c++)
			jw_kint(w, summary_counters[c].per_hook, (int64_t)s->counter[c][i]);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

/* ---- the audit snapshot ---- */

static void jw_ktri(struct jw *w, const char *key, enum answer t)
{
	jw_key(w, key);
	if (t == ANSWER_UNKNOWN)
		jw_null(w);
	else
		jw_bool(w, t == ANSWER_YES);
}

/* an untrusted string, or null when empty */
static void jw_kuntrusted_or_null(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (s && s[0])
		jw_untrusted(w, s);
	else
		jw_null(w);
}

static void audit_header(struct jw *w, const struct audit_snapshot *a, const char *type,
			 int64_t ts_real_ns)
{
	json_header(w, type, ts_real_ns);
	if (a->snapshot)
		jw_kbool(w, "snapshot", true);
}

void json_audit_device(struct jw *w, const struct audit_snapshot *a, size_t i, int64_t ts_real_ns)
{
	const struct audit_device *d = &a->dev[i];
	const struct pci_device *p = d->pci;
	const struct pci_caps *c = &p->caps;
	char buf[160];
	unsigned int k;

	audit_header(w, a, "device", ts_real_ns);
	/* names come from a directory listing a captured tree controls: untrusted */
	jw_kuntrusted(w, "bdf", p->bdf);
	if (p->ids) {
		jw_khex(w, "vendor", p->vendor, 4);
		jw_khex(w, "device", p->device, 4);
	}
	jw_khex(w, "subvendor", p->subvendor, 4);
	jw_khex(w, "subdevice", p->subdevice, 4);
	jw_khex(w, "class", p->class, 6);
	jw_kuntrusted_or_null(w, "driver", p->driver);
	jw_kuntrusted_or_null(w, "module", p->module);
	jw_key(w, "config");
	jw_object_begin(w);
	jw_kstring(w, "state", cfg_state_name(c->state));
	jw_kint(w, "bytes", (int64_t)c->len);
	if (cfg_state_note(c->state)[0])
		jw_kstring(w, "note", cfg_state_note(c->state));
	if (c->problem[0])
		jw_kstring(w, "problem", c->problem);
	jw_object_end(w);
	jw_key(w, "msi");
	jw_object_begin(w);
	jw_ktri(w, "capable", c->msi);
	if (c->msi == ANSWER_YES) {
		jw_kint(w, "max_vectors", c->msi_max);
		jw_kbool(w, "enabled", c->msi_enabled);
	}
	jw_object_end(w);
	jw_key(w, "msix");
	jw_object_begin(w);
	jw_ktri(w, "capable", c->msix);
	if (c->msix == ANSWER_YES) {
		jw_kint(w, "table_size", c->msix_table);
		jw_kbool(w, "enabled", c->msix_enabled);
	}
	jw_object_end(w);
	jw_ktri(w, "pcie", c->pcie);
	jw_key(w, "siov");
	jw_object_begin(w);
	jw_ktri(w, "dvsec", c->siov);
	jw_ktri(w, "ims_supported", c->siov_ims);
	if (c->siov == ANSWER_YES)
		jw_kint(w, "offset", c->siov_offset);
	jw_object_end(w);
	jw_key(w, "known_ims_device");
	if (p->known_ims)
		jw_string(w, p->known_ims);
	else
		jw_null(w);
	jw_ktri(w, "ims_capable", d->ims_capable);
	if (d->ims_capable_why[0])
		jw_kstring(w, "ims_capable_why", d->ims_capable_why);
	if (p->sriov_total >= 0 || p->n_vfs) {
		jw_key(w, "sriov");
		jw_object_begin(w);
		jw_kint(w, "total_vfs", p->sriov_total);
		jw_kint(w, "num_vfs", p->sriov_num);
		jw_key(w, "vfs");
		jw_array_begin(w);
		for (k = 0; k < p->n_vfs; k++)
			jw_untrusted(w, p->vfs[k]);
		jw_array_end(w);
		jw_object_end(w);
	}
	if (p->physfn[0])
		jw_kuntrusted(w, "physfn", p->physfn);
	jw_kstring(w, "msi_irqs", p->msi_irqs_dir == ANSWER_YES ? "present"
				  : p->msi_irqs_dir == ANSWER_NO ? "absent" : "unreadable");
	jw_key(w, "vectors");
	jw_object_begin(w);
	for (k = IRQK_MSI; k < IRQK_COUNT; k++)
		jw_kint(w, irq_kind_name(k), d->vectors[k]);
	jw_kint(w, "listed_in_msi_irqs", p->n_irqs);
	jw_object_end(w);
	jw_key(w, "interrupt_remapping");
	if (d->remap_known)
		jw_string(w, irq_remap_name(d->remap));
	else
		jw_null(w);
	jw_kstring(w, "ims_gate", device_gate_name(d->gate));
	jw_key(w, "unreadable");
	jw_array_begin(w);
	if (p->unreadable[0]) {
		snprintf(buf, sizeof(buf), "%s", p->unreadable);
		jw_string(w, buf);
	}
	if (c->state == CFG_TRUNCATED || c->state == CFG_UNREADABLE)
		jw_string(w, cfg_state_note(c->state));
	jw_array_end(w);
	jw_object_end(w);
}

void json_audit_domain(struct jw *w, const struct audit_snapshot *a, size_t i, int64_t ts_real_ns)
{
	const struct irq_domain_info *d = &a->irqs.dom[i];

	audit_header(w, a, "irq-domain", ts_real_ns);
	jw_kuntrusted(w, "chip", d->chip);
	/* before 6.2 one domain served MSI and MSI-X alike */
	jw_kstring(w, "kind", d->naming == NAMING_GLOBAL ? "msi-msix" : irq_kind_name(d->kind));
	jw_kstring(w, "naming", irq_naming_name(d->naming));
	jw_kstring(w, "remapping", irq_remap_name(d->remap));
	jw_kuntrusted_or_null(w, "device", d->bdf);
	jw_kint(w, "vectors", d->vectors);
	jw_kint(w, "devices", d->devices);
	jw_key(w, "interrupts");
	if (d->count_known)
		jw_int(w, (int64_t)d->count);
	else
		jw_null(w);
	jw_object_end(w);
}

void json_audit_finding(struct jw *w, const struct audit_snapshot *a, size_t i,
			int64_t ts_real_ns)
{
	const struct audit_finding *f = &a->findings.f[i];
	size_t k;

	audit_header(w, a, "finding", ts_real_ns);
	jw_kstring(w, "rule", f->rule);
	jw_kstring(w, "severity", audit_severity_name(f->severity));
	jw_kuntrusted_or_null(w, "device", f->bdf);
	jw_kstring(w, "summary", f->summary);
	/* the evidence quotes verdict reasons and chip names: untrusted */
	jw_key(w, "evidence");
	jw_array_begin(w);
	for (k = 0; k < f->n_evidence; k++)
		jw_untrusted(w, f->evidence[k]);
	jw_array_end(w);
	jw_object_end(w);
}

void json_audit_summary(struct jw *w, const struct audit_snapshot *a, int fail_on,
			int64_t ts_real_ns)
{
	unsigned int k;
	size_t i;

	audit_header(w, a, "audit-summary", ts_real_ns);
	jw_kint(w, "read_start_mono_ns", a->read_start_ns);
	jw_kint(w, "read_end_mono_ns", a->read_end_ns);
	jw_kint(w, "devices", (int64_t)a->inv.n);
	jw_kint(w, "irq_domains", (int64_t)a->irqs.n_dom);
	jw_kint(w, "interrupts", (int64_t)a->irqs.n);
	jw_key(w, "vectors");
	jw_object_begin(w);
	for (k = 0; k < IRQK_COUNT; k++)
		jw_kint(w, irq_kind_name(k), a->vectors[k]);
	jw_object_end(w);
	jw_key(w, "findings");
	jw_object_begin(w);
	for (k = 0; k < ASEV_COUNT; k++)
		jw_kint(w, audit_severity_name(k), a->by_severity[k]);
	jw_object_end(w);
	jw_kstring(w, "ims_api", a->kcaps.ims_api == ANSWER_YES  ? "present"
				 : a->kcaps.ims_api == ANSWER_NO ? "absent"
							      : "unknown");
	jw_key(w, "watch_hooks");
	jw_object_begin(w);
	for (k = 0; k < IMSW_GROUP_COUNT; k++)
		jw_kstring(w, group_table[k].name, hook_reach_name(a->kcaps.group[k]));
	jw_object_end(w);
	jw_key(w, "unreadable");
	jw_array_begin(w);
	for (i = 0; i < a->n_unreadable; i++)
		jw_untrusted(w, a->unreadable[i]);
	jw_array_end(w);
	jw_kint(w, "unreadable_dropped", (int64_t)a->unreadable_dropped);
	if (fail_on >= 0) {
		jw_kstring(w, "fail_on", audit_severity_name(fail_on));
		jw_kbool(w, "failed", audit_max_severity(a) >= fail_on);
	}
	jw_object_end(w);
}
