// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
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
	tb->mono_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
}

/* RFC 3339, UTC, microseconds */
static json_object *json_ts(int64_t real_ns)
{
	char buf[96];
	time_t sec = real_ns / 1000000000;
	unsigned int usec = (unsigned int)((real_ns % 1000000000) / 1000) % 1000000;
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
	return json_object_new_string(buf);
}

static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

json_object *json_untrusted_string(const char *s)
{
	const unsigned char *p;
	char *buf, *o;
	json_object *obj;
	bool clean = true;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80) {
			clean = false;
			break;
		}
	if (clean) /* json-c escapes quotes, backslashes and control characters itself */
		return json_object_new_string(s);

	buf = malloc(strlen(s) * 4 + 1);
	if (!buf)
		return NULL;
	for (p = (const unsigned char *)s, o = buf; *p;) {
		size_t n = utf8_seq_len(p);

		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			o += sprintf(o, "\\x%02x", *p++);
		}
	}
	*o = 0;
	obj = json_object_new_string(buf);
	free(buf);
	return obj;
}

#define ADD(obj, key, val) json_object_object_add(obj, key, val)

static json_object *hex16(unsigned int v)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "%04x", v & 0xffff);
	return json_object_new_string(buf);
}

static json_object *json_seed(const struct seed_verdict *s)
{
	json_object *o = json_object_new_object(), *ev = json_object_new_array();
	size_t i;

	ADD(o, "probably_on_bare_metal", json_object_new_boolean(s->probably_on_bare_metal));
	ADD(o, "cpuid_hypervisor_bit", json_object_new_boolean(s->cpuid_hypervisor));
	ADD(o, "cpuid_leaf1", json_object_new_string(signal_state_name(s->cpuid_state)));
	ADD(o, "dmi_hypervisor_vendor", json_object_new_boolean(s->dmi_hypervisor_vendor));
	for (i = 0; i < s->n_evidence; i++) {
		const struct evidence *e = &s->evidence[i];
		json_object *item = json_object_new_object();

		ADD(item, "source", json_object_new_string(e->source));
		ADD(item, "key", json_object_new_string(e->key));
		ADD(item, "state", json_object_new_string(signal_state_name(e->state)));
		ADD(item, "value", json_untrusted_string(e->value));
		ADD(item, "indicates_vm", json_object_new_boolean(e->indicates_vm));
		if (e->note[0])
			ADD(item, "note", json_untrusted_string(e->note));
		json_object_array_add(ev, item);
	}
	ADD(o, "evidence", ev);
	return o;
}

static json_object *json_platform(const struct platform *p)
{
	json_object *o = json_object_new_object();

	ADD(o, "cpuid_source", json_object_new_string(cpuid_kind_name(p->cpuid_kind)));
	ADD(o, "seed", json_seed(&p->seed));
	return o;
}

static json_object *new_record(const char *type, int64_t ts_real_ns)
{
	json_object *o = json_object_new_object();

	ADD(o, "type", json_object_new_string(type));
	ADD(o, "ts", json_ts(ts_real_ns));
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

/* What imswatch cannot see in this run, in words: the honest part of the status record. */
static json_object *json_blind(const struct hook_state *hooks)
{
	json_object *arr = json_object_new_array();
	bool probe = hooks[IMSW_HOOK_LOCAL_PCI_PROBE].attached ||
		     hooks[IMSW_HOOK_PCI_DEVICE_PROBE].attached;
	unsigned int i;

	if (!probe)
		json_object_array_add(arr, json_object_new_string("PCI driver probes"));
	for (i = IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS; i < IMSW_HOOK_COUNT; i++)
		if (!hooks[i].attached)
			json_object_array_add(arr, json_object_new_string(hook_table[i].reveals));
	return arr;
}

json_object *record_status(const struct status_info *st, int64_t ts_real_ns)
{
	json_object *o = new_record("status", ts_real_ns);

	ADD(o, "version", json_object_new_string(IMSWATCH_VERSION));
	ADD(o, "format_version", json_object_new_int(IMSWATCH_FORMAT_VERSION));
	ADD(o, "kernel", json_untrusted_string(st->kernel));
	ADD(o, "attach", json_object_new_string(st->attach_pref));
	ADD(o, "ringbuf_kb", json_object_new_int(st->ringbuf_kb));
	if (st->bpf_problem)
		ADD(o, "bpf_problem", json_object_new_string(st->bpf_problem));
	ADD(o, "platform", json_platform(st->platform));
	ADD(o, "hooks", json_hooks(st->hooks));
	ADD(o, "blind", json_blind(st->hooks));
	return o;
}

json_object *record_platform(const struct platform *p, int64_t ts_real_ns)
{
	json_object *o = new_record("platform", ts_real_ns);

	ADD(o, "version", json_object_new_string(IMSWATCH_VERSION));
	ADD(o, "format_version", json_object_new_int(IMSWATCH_FORMAT_VERSION));
	ADD(o, "platform", json_platform(p));
	return o;
}

static json_object *json_device(const struct imsw_event *e, const struct enrichment *en)
{
	json_object *d = json_object_new_object();

	if (e->pci.bdf[0]) {
		ADD(d, "bdf", json_untrusted_string(e->pci.bdf));
		if (e->pci.is_pci) {
			ADD(d, "vendor", hex16(e->pci.vendor));
			ADD(d, "device", hex16(e->pci.device));
			ADD(d, "subvendor", hex16(e->pci.subvendor));
			ADD(d, "subdevice", hex16(e->pci.subdevice));
			char cls[8];

			snprintf(cls, sizeof(cls), "%06x", e->pci.class & 0xffffff);
			ADD(d, "class", json_object_new_string(cls));
		}
	} else if (en && en->bdf[0]) {
		/* from sysfs after the fact, not from the kernel at event time */
		ADD(d, "bdf", json_object_new_string(en->bdf));
		if (en->vendor || en->device) {
			ADD(d, "vendor", hex16(en->vendor));
			ADD(d, "device", hex16(en->device));
		}
		ADD(d, "source", json_object_new_string("sysfs"));
	}
	return d;
}

json_object *record_event(const struct imsw_event *e, const struct enrichment *en,
			  const struct finding *f, const struct platform *p,
			  const struct timebase *tb)
{
	bool alert = finding_is_alert(f);
	json_object *o = new_record(alert ? "alert" : "event", (int64_t)e->ts_ns + tb->mono_to_real_ns);
	json_object *ctx = json_object_new_object();
	const char *driver = e->driver[0] ? e->driver : (en ? en->driver : "");

	ADD(o, "kind", json_object_new_string(event_kind_name(e)));
	ADD(o, "severity", json_object_new_string(severity_name(f->severity)));
	ADD(o, "rule", json_object_new_string(f->rule));
	ADD(o, "hook", json_object_new_string(hook_name(e->hook)));
	ADD(o, "mode", json_object_new_string(mode_name(e->mode)));
	ADD(o, "mono_ns", json_object_new_int64((int64_t)e->ts_ns));
	ADD(ctx, "cpu", json_object_new_int(e->cpu));
	ADD(ctx, "pid", json_object_new_int(e->pid));
	ADD(ctx, "tid", json_object_new_int(e->tid));
	ADD(ctx, "comm", json_untrusted_string(e->comm));
	ADD(o, "context", ctx);
	ADD(o, "device", json_device(e, en));
	ADD(o, "driver", json_untrusted_string(driver));
	if (e->module[0]) {
		ADD(o, "module", json_untrusted_string(e->module));
		ADD(o, "builtin", json_object_new_boolean(e->builtin));
	}
	ADD(o, "ret", json_object_new_int64(e->ret));

	switch (e->kind) {
	case IMSW_KIND_IRQ_VECTORS: {
		json_object *v = json_object_new_object();

		ADD(v, "requested_min", json_object_new_int64(e->req_min));
		ADD(v, "requested_max", json_object_new_int64(e->req_max));
		ADD(v, "granted", json_object_new_int64(e->ret > 0 ? e->ret : 0));
		ADD(o, "vectors", v);
		ADD(o, "flags", json_object_new_int64(e->flags));
		break;
	}
	case IMSW_KIND_MSI_DOMAIN:
	case IMSW_KIND_IMS_DOMAIN: {
		json_object *d = json_object_new_object();

		ADD(d, "id", json_object_new_int64(e->domid));
		ADD(d, "kind", json_object_new_string(domain_kind_name(e->domain_kind)));
		ADD(d, "bus_token", json_object_new_int64(e->bus_token));
		ADD(d, "hwsize", json_object_new_int64(e->req_max));
		ADD(o, "domain", d);
		break;
	}
	case IMSW_KIND_IMS_ALLOC:
	case IMSW_KIND_IMS_FREE:
		ADD(o, "index", json_object_new_int(e->index));
		ADD(o, "virq", json_object_new_int(e->virq));
		break;
	case IMSW_KIND_VECTOR:
		ADD(o, "op", json_object_new_string(vector_op_name(e->vec_op)));
		ADD(o, "irq", json_object_new_int64(e->irq));
		if (e->vec_op == IMSW_VEC_ALLOC)
			ADD(o, "vector", json_object_new_int64(e->vector));
		if (en) {
			ADD(o, "irq_chip", json_untrusted_string(en->chip));
			if (en->actions[0])
				ADD(o, "irq_actions", json_untrusted_string(en->actions));
			if (en->irq_gone)
				ADD(o, "irq_gone", json_object_new_boolean(true));
		}
		break;
	default:
		break;
	}

	if (f->ims_attempt) {
		ADD(o, "ims_attempt", json_object_new_boolean(true));
		ADD(o, "kernel_accepted", json_object_new_boolean(f->outcome == OUTCOME_ACCEPTED));
	}
	if (alert) {
		ADD(o, "summary", json_object_new_string(f->summary));
		ADD(o, "platform", json_platform(p));
	}
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
	json_object *hooks = json_object_new_array();
	uint64_t lost = 0, no_entry = 0;
	unsigned int i;

	ADD(o, "duration_s", json_object_new_double(s->duration_s));
	for (i = IMSW_KIND_PROBE; i <= IMSW_KIND_VECTOR; i++)
		ADD(ev, kind_keys[i], json_object_new_int64((int64_t)s->events_by_kind[i]));
	ADD(o, "events", ev);
	for (i = SEV_WARNING; i <= SEV_CRITICAL; i++)
		ADD(al, severity_name(i), json_object_new_int64((int64_t)s->alerts_by_severity[i]));
	ADD(o, "alerts", al);
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		json_object *h = json_object_new_object();

		lost += s->lost[i];
		no_entry += s->no_entry[i];
		ADD(h, "name", json_object_new_string(hook_table[i].name));
		ADD(h, "attached", json_object_new_boolean(s->hooks && s->hooks[i].attached));
		ADD(h, "hits", json_object_new_int64((int64_t)s->hits[i]));
		ADD(h, "lost", json_object_new_int64((int64_t)s->lost[i]));
		ADD(h, "no_entry", json_object_new_int64((int64_t)s->no_entry[i]));
		json_object_array_add(hooks, h);
	}
	ADD(o, "records_lost", json_object_new_int64((int64_t)lost));
	ADD(o, "kretprobe_no_entry", json_object_new_int64((int64_t)no_entry));
	ADD(o, "decode_errors", json_object_new_int64((int64_t)s->decode_errors));
	ADD(o, "hooks", hooks);
	return o;
}
