// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "hostid.h"
#include "output.h"
#include "text.h"

/* labels of the aligned blocks */
#define LABEL_WIDTH 24

/* untrusted bytes -> the one escaper, then terminal-safe ASCII */
static const char *safe_n(const char *s, size_t n, char *buf, size_t len)
{
	char tmp[4 * 512 + 1];

	text_escape(untrusted_text_n(s, n, tmp, sizeof(tmp)), buf, len);
	return buf;
}

static const char *safe(const char *s, char *buf, size_t len)
{
	return safe_n(s, strlen(s), buf, len);
}

/* trusted text (static strings, our own reasons) is still made terminal-safe */
static const char *plain(const char *s, char *buf, size_t len)
{
	text_escape(s, buf, len);
	return buf;
}

static void label(FILE *fp, const char *indent, const char *name)
{
	fprintf(fp, "%s%-*s ", indent, LABEL_WIDTH - 1, name);
}

/* ---- platform ---- */

/* the seed's DMI input: the item that said "hypervisor vendor", else sys_vendor */
static const struct signal *seed_dmi_item(const struct seed_verdict *s)
{
	const struct signal *vendor = NULL;
	size_t i;

	for (i = 0; i < s->n_items; i++) {
		const struct signal *e = &s->items[i];

		if (strcmp(e->source, "dmi"))
			continue;
		if (e->indicates == INDICATES_GUEST)
			return e;
		if (!vendor && !strcmp(e->key, "sys_vendor"))
			vendor = e;
	}
	return vendor;
}

static void seed_line(FILE *fp, const struct seed_verdict *s)
{
	const struct signal *dmi = seed_dmi_item(s);
	char v[600], k[300];

	label(fp, "  ", "Seed heuristic:");
	fputs(s->probably_on_bare_metal ? "probably bare metal (" : "not bare metal (", fp);
	if (s->cpuid_state != SIGNAL_PRESENT)
		fprintf(fp, "CPUID leaf 1 %s", signal_state_name(s->cpuid_state));
	else
		fputs(s->cpuid_hypervisor ? "CPUID hypervisor bit set" : "no CPUID hypervisor bit",
		      fp);
	if (!dmi)
		fputs(", no DMI", fp);
	else if (dmi->state != SIGNAL_PRESENT)
		fprintf(fp, ", DMI %s %s", safe(dmi->key, k, sizeof(k)),
			signal_state_name(dmi->state));
	else
		fprintf(fp, ", DMI %s '%s'%s", safe(dmi->key, k, sizeof(k)),
			safe(dmi->value, v, sizeof(v)),
			s->dmi_hypervisor_vendor ? ", a hypervisor vendor" : "");
	fputs(")\n", fp);
}

static void question_line(FILE *fp, const char *name, const struct question_verdict *q)
{
	char hv[300], reason[900];

	label(fp, "  ", name);
	fputs(guest_verdict_name(q->verdict), fp);
	if (q->hypervisor[0])
		fprintf(fp, ", %s", safe(q->hypervisor, hv, sizeof(hv)));
	fprintf(fp, ": %s\n", safe(q->reason, reason, sizeof(reason)));
}

static void signal_lines(FILE *fp, const struct signal_list *l)
{
	int wsrc = 0, wkey = 0, wval = 0;
	char key[300], val[600], names[300], note[700];
	size_t i;

	for (i = 0; i < l->n; i++) {
		int n = (int)strlen(l->items[i].source);

		wsrc = n > wsrc ? n : wsrc;
		n = (int)strlen(safe(l->items[i].key, key, sizeof(key)));
		wkey = n > wkey ? n : wkey;
		n = (int)strlen(safe_n(l->items[i].value, l->items[i].value_len, val,
				       sizeof(val))) + 2;
		wval = n > wval ? n : wval;
	}
	wval = wval > 32 ? 32 : wval; /* long values push their own line only */
	for (i = 0; i < l->n; i++) {
		const struct signal *s = &l->items[i];
		char line[2400], quoted[610];
		size_t n;

		if (s->value_len)
			snprintf(quoted, sizeof(quoted), "'%s'",
				 safe_n(s->value, s->value_len, val, sizeof(val)));
		else
			snprintf(quoted, sizeof(quoted), "-");
		n = (size_t)snprintf(line, sizeof(line), "    %-*s %-*s %-10s %-*s %-7s %-6s", wsrc,
				     s->source, wkey, safe(s->key, key, sizeof(key)),
				     signal_state_name(s->state), wval, quoted,
				     indication_name(s->indicates), strength_name(s->strength));
		if (s->names[0] && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, " [%s]",
					      safe(s->names, names, sizeof(names)));
		if (s->host_controlled && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, " (host-controlled)");
		if (s->note[0] && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s",
					      safe(s->note, note, sizeof(note)));
		n = n < sizeof(line) ? n : sizeof(line) - 1;
		while (n && line[n - 1] == ' ') /* no padding after the last column */
			n--;
		fprintf(fp, "%.*s\n", (int)n, line);
	}
}

static void platform_block(FILE *fp, const struct platform *p, int verbose)
{
	const struct signal_list *l = &p->signals;
	char buf[900];
	size_t i, unknown = 0;

	seed_line(fp, &p->seed);
	question_line(fp, "Q1 guest?:", &p->q1);
	question_line(fp, "Q2 hypervisor owns IR?:", &p->q2);
	label(fp, "  ", "Interrupt remapping:");
	fprintf(fp, "%s\n", ir_state_name(p->facts.ir));
	label(fp, "  ", "Virtual IOMMU:");
	fprintf(fp, "%s\n", p->facts.viommu ? safe(p->facts.viommu_what, buf, sizeof(buf)) : "none");
	label(fp, "  ", "IMS gate:");
	fprintf(fp, "%s: %s\n", ims_gate_name(p->ims_gate),
		plain(p->ims_gate_reason, buf, sizeof(buf)));
	label(fp, "  ", "Confidential VM:");
	fprintf(fp, "%s\n", cc_kind_name(p->facts.cc));
	label(fp, "  ", "CPUID source:");
	fprintf(fp, "%s\n", cpuid_kind_name(p->cpuid_kind));
	if (p->q1.n_contradictions || p->q2.n_contradictions) {
		fprintf(fp, "  Contradictions:\n");
		for (i = 0; i < p->q1.n_contradictions; i++)
			fprintf(fp, "    - Q1: %s\n", safe(p->q1.contradictions[i], buf, sizeof(buf)));
		for (i = 0; i < p->q2.n_contradictions; i++)
			fprintf(fp, "    - Q2: %s\n", safe(p->q2.contradictions[i], buf, sizeof(buf)));
	}
	for (i = 0; i < l->n; i++)
		if (l->items[i].state == SIGNAL_UNREADABLE) {
			char key[300];

			if (!unknown++) {
				label(fp, "  ", "Unknown (unreadable):");
			} else {
				fputs(", ", fp);
			}
			fprintf(fp, "%s %s", l->items[i].source,
				safe(l->items[i].key, key, sizeof(key)));
		}
	if (unknown)
		fputc('\n', fp);
	label(fp, "  ", "Signals:");
	fprintf(fp, "%zu read", l->n);
	if (l->dropped)
		fprintf(fp, ", %zu dropped (did not fit)", (size_t)l->dropped);
	if (!verbose) {
		fputs(" (-v lists every one)\n", fp);
		return;
	}
	fputc('\n', fp);
	signal_lines(fp, l);
}

/* "Host: NAME (machine-id ID, boot ID)", what was read of it; nothing when nothing was */
static void host_line(FILE *fp, const struct host_identity *h)
{
	char buf[4 * 4 * (HOSTID_NAME_MAX + 1) + 1]; /* both escapers: 4 x 4 bytes a byte */

	if (!h || hostid_empty(h))
		return;
	label(fp, "  ", "Host:");
	fputs(h->host[0] ? safe(h->host, buf, sizeof(buf)) : "-", fp);
	if (h->machine_id[0] || h->boot_id[0]) {
		fputs(" (", fp);
		if (h->machine_id[0])
			fprintf(fp, "machine-id %s", h->machine_id);
		if (h->boot_id[0])
			fprintf(fp, "%sboot %s", h->machine_id[0] ? ", " : "", h->boot_id);
		fputc(')', fp);
	}
	fputc('\n', fp);
}

void text_platform_record(FILE *fp, const struct platform *p, const struct host_identity *host,
			  int64_t ts_real_ns, int verbose)
{
	char ts[48];

	fprintf(fp, "%s platform: imswatch %s (record format %d)\n", format_ts(ts_real_ns, ts),
		IMSWATCH_VERSION, IMSWATCH_FORMAT_VERSION);
	if (verbose)
		host_line(fp, host);
	platform_block(fp, p, verbose);
}

/* ---- status ---- */

void text_status(FILE *fp, const struct status_info *st, const struct host_identity *host,
		 int64_t ts_real_ns, int verbose)
{
	const char *blind[IMSW_HOOK_COUNT + 1];
	char ts[48], buf[2100];
	unsigned int i, attached = 0;
	size_t n;
	int wname = 0;

	fprintf(fp, "%s status: imswatch %s (record format %d), kernel %s, attach %s, ring buffer %u KiB\n",
		format_ts(ts_real_ns, ts), IMSWATCH_VERSION, IMSWATCH_FORMAT_VERSION,
		safe(st->kernel, buf, sizeof(buf)), st->attach_pref, st->ringbuf_kb);
	if (st->hooks && blind_summary(st->hooks, buf, sizeof(buf))) {
		label(fp, "  ", "Blind:");
		fprintf(fp, "%s\n", buf);
	}
	host_line(fp, host); /* under Blind:, which stays the first line under the header */
	if (st->pin) {
		label(fp, "  ", "Pinned:");
		fprintf(fp, "%s%s\n", safe(st->pin->dir, buf, sizeof(buf)),
			st->pin->taken_over ? " (taken over from an earlier run)" : "");
	}
	if (st->bpf_problem) {
		label(fp, "  ", "BPF problem:");
		fprintf(fp, "%s\n", plain(st->bpf_problem, buf, sizeof(buf)));
	}
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		int w = (int)strlen(hook_table[i].name);

		wname = w > wname ? w : wname;
		attached += st->hooks[i].attached;
	}
	label(fp, "  ", "Hooks:");
	fprintf(fp, "%u of %u attached\n", attached, (unsigned int)IMSW_HOOK_COUNT);
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		const struct hook_state *h = &st->hooks[i];

		fprintf(fp, "    %-*s %-10s %s", wname, hook_table[i].name, mode_name(h->mode),
			h->attached ? "attached" : "not attached");
		if (h->reason[0])
			fprintf(fp, ": %s", plain(h->reason, buf, sizeof(buf)));
		fputc('\n', fp);
	}
	n = status_blind_items(st->hooks, blind, IMSW_HOOK_COUNT + 1);
	if (n) {
		fprintf(fp, "  Cannot see:\n");
		for (i = 0; i < n; i++)
			fprintf(fp, "    - %s\n", blind[i]);
	}
	platform_block(fp, st->platform, verbose);
}

/* ---- events and alerts ---- */

static void outcome(FILE *fp, const struct imsw_event *e, const struct finding *f)
{
	if (f->ims_attempt) {
		fputs(f->outcome == OUTCOME_ACCEPTED ? "kernel accepted" : "kernel refused", fp);
		return;
	}
	switch (e->kind) {
	case IMSW_KIND_PROBE:
		if (e->ret)
			fprintf(fp, "probe failed (%" PRId64 ")", (int64_t)e->ret);
		else
			fputs("bound", fp);
		break;
	case IMSW_KIND_IRQ_VECTORS:
		if (e->ret > 0)
			fprintf(fp, "granted %" PRId64 " of %u-%u", (int64_t)e->ret, e->req_min,
				e->req_max);
		else
			fprintf(fp, "failed (%" PRId64 "), wanted %u-%u", (int64_t)e->ret,
				e->req_min, e->req_max);
		break;
	case IMSW_KIND_MSI_DOMAIN:
	case IMSW_KIND_IMS_DOMAIN:
		fputs(e->ret > 0 ? "domain created" : "no domain", fp);
		break;
	case IMSW_KIND_IMS_FREE:
		fprintf(fp, "freed index %d virq %d", e->index, e->virq);
		break;
	case IMSW_KIND_VECTOR:
		fprintf(fp, "%s irq %u vector %u", vector_op_name(e->vec_op), e->irq, e->vector);
		break;
	default:
		fprintf(fp, "ret %" PRId64, (int64_t)e->ret);
	}
}

/*
 * One line: what happened first (time, severity, rule, kind, device, driver, outcome, and
 * for alerts the finding's words), then the details after " | ".
 */
void text_event(FILE *fp, const struct event_record *r)
{
	const struct imsw_event *e = r->e;
	const struct enrichment *en = r->en;
	const struct finding *f = r->f;
	struct device_view d;
	char ts[48], buf[600];
	const char *drv = event_driver(r);

	event_device(r, &d);
	fprintf(fp, "%s %-8s %-16s %-11s ", format_ts(r->ts_real_ns, ts), severity_name(f->severity),
		f->rule, event_kind_name(e));
	fputs(d.bdf ? safe(d.bdf, buf, sizeof(buf)) : "-", fp);
	if (d.ids)
		fprintf(fp, " [%04x:%04x]", d.vendor, d.device);
	fprintf(fp, " %s: ", drv[0] ? safe(drv, buf, sizeof(buf)) : "-");
	outcome(fp, e, f);
	if (finding_is_alert(f))
		fprintf(fp, ": %s", f->summary);
	fprintf(fp, " | hook %s (%s), ret %" PRId64 ", cpu %u pid %u tid %u comm %s", hook_name(e->hook),
		mode_name(e->mode), (int64_t)e->ret, e->cpu, e->pid, e->tid,
		safe(e->comm, buf, sizeof(buf)));
	if (e->module[0])
		fprintf(fp, ", module %s%s", safe(e->module, buf, sizeof(buf)),
			e->builtin ? " (built in)" : "");
	if (d.pci)
		fprintf(fp, ", subsystem %04x:%04x class %06x", d.subvendor, d.subdevice, d.class);
	if (d.sysfs)
		fputs(", device from sysfs", fp);
	switch (e->kind) {
	case IMSW_KIND_IRQ_VECTORS:
		fprintf(fp, ", flags 0x%x", e->flags);
		break;
	case IMSW_KIND_MSI_DOMAIN:
	case IMSW_KIND_IMS_DOMAIN:
		fprintf(fp, ", domain %u (%s) bus token %u hwsize %u", e->domid,
			domain_kind_name(e->domain_kind), e->bus_token, e->req_max);
		if (e->kind == IMSW_KIND_MSI_DOMAIN && e->within_ims_api)
			fputs(", inside pci_create_ims_domain", fp);
		break;
	case IMSW_KIND_IMS_ALLOC:
		fprintf(fp, ", index %d virq %d", e->index, e->virq);
		break;
	case IMSW_KIND_VECTOR:
		if (en && en->irq_gone)
			fputs(", irq gone from sysfs", fp);
		else if (en)
			fprintf(fp, ", chip %s", en->chip[0] ? safe(en->chip, buf, sizeof(buf)) : "-");
		if (en && en->actions[0])
			fprintf(fp, ", actions %s", safe(en->actions, buf, sizeof(buf)));
		break;
	}
	if (finding_is_alert(f))
		fprintf(fp, ", seed %s, Q1 %s, Q2 %s",
			r->p->seed.probably_on_bare_metal ? "bare metal" : "not bare metal",
			guest_verdict_name(r->p->q1.verdict), guest_verdict_name(r->p->q2.verdict));
	if (r->folded) {
		char first[48], last[48];

		fprintf(fp, ", folded %" PRIu64 " events %s to %s", r->folded->count,
			format_ts(r->folded->first_ts_real_ns, first),
			format_ts(r->folded->last_ts_real_ns, last));
	}
	fputc('\n', fp);
}

/* ---- lost and summary ---- */

void text_lost(FILE *fp, const struct lost_info *l, int64_t ts_real_ns)
{
	char ts[48];
	unsigned int i;
	bool first = true;

	fprintf(fp, "%s lost: %" PRIu64 " records (ring buffer full)", format_ts(ts_real_ns, ts),
		l->total);
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		if (l->by_hook[i]) {
			fprintf(fp, "%s%s %" PRIu64, first ? ": " : ", ", hook_table[i].name,
				l->by_hook[i]);
			first = false;
		}
	fputc('\n', fp);
}

void text_summary(FILE *fp, const struct summary_info *s, int64_t ts_real_ns)
{
	uint64_t total[IMSW_CNT_COUNT] = { 0 };
	char ts[48];
	unsigned int i, c;
	int wname = 0;

	fprintf(fp, "%s summary: %.1f s, %" PRIu64 " warning and %" PRIu64 " critical alerts\n",
		format_ts(ts_real_ns, ts), s->duration_s, s->alerts_by_severity[SEV_WARNING],
		s->alerts_by_severity[SEV_CRITICAL]);
	label(fp, "  ", "Events:");
	for (i = IMSW_KIND_PROBE; i <= IMSW_KIND_VECTOR; i++)
		fprintf(fp, "%s%s %" PRIu64, i == IMSW_KIND_PROBE ? "" : ", ", summary_event_keys[i],
			s->events_by_kind[i]);
	fputc('\n', fp);
	label(fp, "  ", "Coverage:");
	for (i = 0; i < IMSW_GROUP_COUNT; i++)
		fprintf(fp, "%s%s %s", i ? ", " : "", group_table[i].name,
			coverage_name(group_coverage(s->hooks, i)));
	fputc('\n', fp);
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		int w = (int)strlen(hook_table[i].name);

		wname = w > wname ? w : wname;
		for (c = 0; c < IMSW_CNT_COUNT; c++)
			total[c] += s->counter[c][i];
	}
	label(fp, "  ", "Not delivered:");
	for (c = 0; c < IMSW_CNT_COUNT; c++)
		if (summary_counters[c].total)
			fprintf(fp, "%s %" PRIu64 ", ", summary_counters[c].total, total[c]);
	fprintf(fp, "decode errors %" PRIu64 "\n", s->decode_errors);
	label(fp, "  ", "Folded:");
	fprintf(fp, "%" PRIu64 " records for %" PRIu64 " events\n", s->sinks.folded_records,
		s->sinks.folded_events);
	label(fp, "  ", "Write errors:");
	fprintf(fp, "output %" PRIu64 " records, journal %" PRIu64 " records, metrics %" PRIu64
		" updates\n", s->sinks.output_unwritten, s->sinks.journal_unwritten,
		s->sinks.metrics_failed);
	if (s->pin) {
		char dir[1100];

		label(fp, "  ", "Pinned:");
		fprintf(fp, "%s%s, %" PRIu64 " records drained from before the restart, %" PRIu64
			" lost before it\n", safe(s->pin->dir, dir, sizeof(dir)),
			s->pin->taken_over ? " (taken over)" : "", s->pin->drained_before_restart,
			s->pin->lost_before_takeover);
	}
	fprintf(fp, "  Hooks:\n    %-*s %-12s", wname, "", "");
	for (c = 0; c < IMSW_CNT_COUNT; c++)
		fprintf(fp, " %13s", summary_counters[c].per_hook);
	fputc('\n', fp);
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		fprintf(fp, "    %-*s %-12s", wname, hook_table[i].name,
			s->hooks && s->hooks[i].attached ? "attached" : "not attached");
		for (c = 0; c < IMSW_CNT_COUNT; c++)
			fprintf(fp, " %13" PRIu64, s->counter[c][i]);
		fputc('\n', fp);
	}
}

/* ---- the audit: aligned tables fitted to the terminal ---- */

#define TCOLS 14
#define TCELL 256

struct table {
	int ncol;
	const char *head[TCOLS];
	bool flex[TCOLS];  /* free text: cut first when the table is too wide */
	bool right[TCOLS]; /* numbers */
	size_t nrow;
	char (*row)[TCOLS][TCELL];
	char (*under)[TCELL * 2]; /* an optional indented line under the row ("" none) */
};

static char *cell(struct table *t, int c)
{
	return t->row[t->nrow - 1][c];
}

static bool table_row(struct table *t)
{
	if (!(t->nrow & (t->nrow - 1))) {
		size_t cap = t->nrow ? 2 * t->nrow : 8;
		void *r = realloc(t->row, cap * sizeof(*t->row));

		if (!r)
			return false;
		t->row = r;
	}
	memset(t->row[t->nrow++], 0, sizeof(*t->row));
	return true;
}

static void table_print(FILE *fp, const struct table *t, int width, int verbose)
{
	int w[TCOLS] = { 0 }, c, total;
	size_t r;

	for (c = 0; c < t->ncol; c++) {
		w[c] = (int)strlen(t->head[c]);
		for (r = 0; r < t->nrow; r++) {
			int n = (int)strlen(t->row[r][c]);

			w[c] = n > w[c] ? n : w[c];
		}
	}
	/* two spaces of indent, two between columns */
	for (total = 2, c = 0; c < t->ncol; c++)
		total += w[c] + (c ? 2 : 0);
	while (!verbose && total > width) {
		int widest = -1;

		for (c = 0; c < t->ncol; c++)
			if (t->flex[c] && w[c] > 8 && (widest < 0 || w[c] > w[widest]))
				widest = c;
		if (widest < 0)
			break; /* nothing left to cut: let the terminal wrap */
		w[widest]--;
		total--;
	}
	for (r = 0; r <= t->nrow; r++) {
		fputs("  ", fp);
		for (c = 0; c < t->ncol; c++) {
			const char *v = r ? t->row[r - 1][c] : t->head[c];
			int n = (int)strlen(v), pad;
			bool cut = n > w[c];

			if (c)
				fputs("  ", fp);
			if (cut) {
				fprintf(fp, "%.*s~", w[c] - 1, v);
				continue;
			}
			pad = c == t->ncol - 1 && !t->right[c] ? 0 : w[c] - n;
			if (t->right[c])
				fprintf(fp, "%*s%s", pad, "", v);
			else
				fprintf(fp, "%s%*s", v, pad, "");
		}
		fputc('\n', fp);
		if (r && t->under && t->under[r - 1][0])
			fprintf(fp, "%s\n", t->under[r - 1]);
	}
}

static void vectors_cell(char *out, size_t len, const struct audit_device *d)
{
	size_t n = 0;
	unsigned int k;

	out[0] = 0;
	for (k = IRQK_MSI; k < IRQK_COUNT; k++)
		if (d->vectors[k] && n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s %u", n ? ", " : "",
					      irq_kind_name(k), d->vectors[k]);
	if (!out[0])
		snprintf(out, len, "-");
}

static const char *tri_cell(enum answer t)
{
	return t == ANSWER_YES ? "yes" : t == ANSWER_NO ? "no" : "?";
}

static void devices_table(FILE *fp, const struct audit_snapshot *a, int width, int verbose)
{
	struct table t = { .ncol = verbose ? 14 : 10,
			   .head = { "DEVICE", "IDS", "CLASS", "DRIVER", "MSI", "MSI-X", "VECTORS",
				     "IR", "IMS-CAPABLE", "GATE" } };
	char buf[TCELL];
	size_t i;
	int c = 10;

	t.flex[3] = t.flex[6] = true;
	if (verbose) {
		t.head[c++] = "SR-IOV";
		t.head[c++] = "MODULE";
		t.head[c++] = "CONFIG";
		t.head[c++] = "NOTE";
	} else {
		t.head[9] = "GATE";
	}
	for (i = 0; i < a->inv.n; i++) {
		const struct audit_device *d = &a->dev[i];
		const struct pci_device *p = d->pci;
		const struct pci_caps *cp = &p->caps;

		if (!table_row(&t))
			break;
		snprintf(cell(&t, 0), TCELL, "%s", safe(p->bdf, buf, sizeof(buf)));
		if (p->ids)
			snprintf(cell(&t, 1), TCELL, "%04x:%04x", p->vendor, p->device);
		else
			snprintf(cell(&t, 1), TCELL, "?");
		snprintf(cell(&t, 2), TCELL, "%06x", p->class);
		snprintf(cell(&t, 3), TCELL, "%s", p->driver[0] ? safe(p->driver, buf, sizeof(buf))
								 : "-");
		if (cp->msi == ANSWER_YES)
			snprintf(cell(&t, 4), TCELL, "%u%s", cp->msi_max, cp->msi_enabled ? " on" : "");
		else
			snprintf(cell(&t, 4), TCELL, "%s", cp->msi == ANSWER_NO ? "-" : "?");
		if (cp->msix == ANSWER_YES)
			snprintf(cell(&t, 5), TCELL, "%u%s", cp->msix_table,
				 cp->msix_enabled ? " on" : "");
		else
			snprintf(cell(&t, 5), TCELL, "%s", cp->msix == ANSWER_NO ? "-" : "?");
		vectors_cell(cell(&t, 6), TCELL, d);
		snprintf(cell(&t, 7), TCELL, "%s", d->remap_known ? irq_remap_name(d->remap) : "-");
		snprintf(cell(&t, 8), TCELL, "%s%s%s", tri_cell(d->ims_capable),
			 p->known_ims ? " (id)" : "", cp->siov == ANSWER_YES ? " (SIOV)" : "");
		snprintf(cell(&t, 9), TCELL, "%s", device_gate_name(d->gate));
		if (!verbose)
			continue;
		if (p->sriov_total >= 0)
			snprintf(cell(&t, 10), TCELL, "PF %d/%d VFs", p->sriov_num, p->sriov_total);
		else if (p->physfn[0])
			snprintf(cell(&t, 10), TCELL, "VF of %s", safe(p->physfn, buf, sizeof(buf)));
		else
			snprintf(cell(&t, 10), TCELL, "-");
		snprintf(cell(&t, 11), TCELL, "%s", p->module[0] ? safe(p->module, buf, sizeof(buf))
								 : "-");
		snprintf(cell(&t, 12), TCELL, "%s %zu", cfg_state_name(cp->state), cp->len);
		snprintf(cell(&t, 13), TCELL, "%s%s%s", cfg_state_note(cp->state), cp->problem,
			 p->unreadable[0] ? " unreadable: " : "");
		if (p->unreadable[0])
			strncat(cell(&t, 13), p->unreadable, TCELL - strlen(cell(&t, 13)) - 1);
	}
	fprintf(fp, "  Devices (%zu):\n", a->inv.n);
	if (t.nrow)
		table_print(fp, &t, width, verbose);
	free(t.row);
}

static void domains_table(FILE *fp, const struct audit_snapshot *a, int width, int verbose)
{
	struct table t = { .ncol = 7,
			   .head = { "DOMAIN (CHIP)", "KIND", "NAMING", "REMAP", "DEVICE",
				     "VECTORS", "INTERRUPTS" } };
	char buf[TCELL];
	size_t i;

	t.flex[0] = true;
	t.right[5] = t.right[6] = true;
	for (i = 0; i < a->irqs.n_dom; i++) {
		const struct irq_domain_info *d = &a->irqs.dom[i];

		if (!table_row(&t))
			break;
		snprintf(cell(&t, 0), TCELL, "%s", safe(d->chip, buf, sizeof(buf)));
		snprintf(cell(&t, 1), TCELL, "%s",
			 d->naming == NAMING_GLOBAL ? "msi-msix" : irq_kind_name(d->kind));
		snprintf(cell(&t, 2), TCELL, "%s", irq_naming_name(d->naming));
		snprintf(cell(&t, 3), TCELL, "%s", irq_remap_name(d->remap));
		if (d->bdf[0])
			snprintf(cell(&t, 4), TCELL, "%s", safe(d->bdf, buf, sizeof(buf)));
		else
			snprintf(cell(&t, 4), TCELL, "%u device(s)", d->devices);
		snprintf(cell(&t, 5), TCELL, "%u", d->vectors);
		if (d->count_known)
			snprintf(cell(&t, 6), TCELL, "%" PRIu64, d->count);
		else
			snprintf(cell(&t, 6), TCELL, "?");
	}
	fprintf(fp, "  Interrupt domains (%zu, %zu interrupts, %u CPUs):\n", a->irqs.n_dom,
		a->irqs.n, a->irqs.ncpus);
	if (t.nrow)
		table_print(fp, &t, width, verbose);
	free(t.row);
}

static void findings_table(FILE *fp, const struct audit_snapshot *a, int width, int verbose)
{
	struct table t = { .ncol = 4, .head = { "SEVERITY", "RULE", "DEVICE", "FINDING" } };
	char buf[TCELL * 2];
	size_t i, k;

	t.flex[3] = true;
	t.under = calloc(a->findings.n ? a->findings.n : 1, sizeof(*t.under));
	if (!t.under)
		return;
	for (i = 0; i < a->findings.n; i++) {
		const struct audit_finding *f = &a->findings.f[i];
		size_t n = 0;

		if (!table_row(&t))
			break;
		snprintf(cell(&t, 0), TCELL, "%s", audit_severity_name(f->severity));
		snprintf(cell(&t, 1), TCELL, "%s", f->rule);
		snprintf(cell(&t, 2), TCELL, "%s", f->bdf[0] ? safe(f->bdf, buf, sizeof(buf)) : "-");
		snprintf(cell(&t, 3), TCELL, "%s", f->summary);
		/* the evidence chain, one line each under its finding */
		for (k = 0; k < f->n_evidence && n < sizeof(t.under[0]); k++)
			n += (size_t)snprintf(t.under[i] + n, sizeof(t.under[0]) - n, "%s      <- %s",
					      k ? "\n" : "",
					      safe(f->evidence[k], buf, sizeof(buf)));
	}
	fprintf(fp, "  Findings (%zu):\n", a->findings.n);
	if (t.nrow)
		table_print(fp, &t, width, verbose);
	free(t.under);
	free(t.row);
}

void text_audit(FILE *fp, const struct audit_snapshot *a, int fail_on, int64_t ts_real_ns,
		int verbose, int width)
{
	char ts[48], buf[300];
	unsigned int k;
	size_t i;
	int max = audit_max_severity(a);

	fprintf(fp, "%s %saudit: %zu devices, %zu interrupts in %zu domains; findings:",
		format_ts(ts_real_ns, ts), a->snapshot ? "snapshot " : "", a->inv.n, a->irqs.n,
		a->irqs.n_dom);
	for (k = ASEV_COUNT; k-- > 0;)
		fprintf(fp, " %u %s%s", a->by_severity[k], audit_severity_name(k), k ? "," : "\n");
	label(fp, "  ", "IMS API:");
	fprintf(fp, "%s\n", a->kcaps.ims_api == ANSWER_YES  ? "present (pci_create_ims_domain)"
			    : a->kcaps.ims_api == ANSWER_NO ? "absent (no pci_create_ims_domain)"
							 : "unknown (proc/kallsyms unreadable)");
	label(fp, "  ", "Watch hooks:");
	for (k = 0; k < IMSW_GROUP_COUNT; k++)
		fprintf(fp, "%s%s %s", k ? ", " : "", group_table[k].name,
			hook_reach_name(a->kcaps.group[k]));
	fputc('\n', fp);
	devices_table(fp, a, width, verbose);
	domains_table(fp, a, width, verbose);
	findings_table(fp, a, width, verbose);
	if (a->n_unreadable) {
		fprintf(fp, "  Unreadable (%zu%s):\n", a->n_unreadable,
			a->unreadable_dropped ? ", more not listed" : "");
		for (i = 0; i < a->n_unreadable; i++)
			fprintf(fp, "    - %s\n", safe(a->unreadable[i], buf, sizeof(buf)));
	}
	if (fail_on < 0)
		return;
	label(fp, "  ", "Result:");
	if (max >= fail_on)
		fprintf(fp, "exit 1: a %s finding, at or above --fail-on %s\n",
			audit_severity_name(max), audit_severity_name(fail_on));
	else
		fprintf(fp, "exit 0: nothing at or above --fail-on %s\n",
			audit_severity_name(fail_on));
}
