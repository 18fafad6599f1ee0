// SPDX-License-Identifier: GPL-2.0
/*
 * metrics: the Prometheus text exposition format, written to a file for node_exporter's
 * textfile collector (--metrics FILE). The file is replaced atomically (FILE.tmp.<pid> in
 * the same directory, fsync, rename), so a scrape never reads half of it, every
 * --metrics-interval seconds and at exit. Everything in it is counted from the records the
 * sink writes, so it says what the records say.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "hostid.h"
#include "records.h"
#include "sinks.h"

#define MAX_RULES 64

struct rule_count {
	const char *rule; /* the policy's static strings */
	enum severity severity;
	uint64_t events, alerts;
};

struct metrics {
	char *path, *tmp;
	double interval, next_due;
	struct rule_count rules[MAX_RULES];
	size_t n_rules;
	uint64_t rules_dropped; /* (rule, severity) pairs past MAX_RULES: counted apart */
	uint64_t lost_by_hook[IMSW_HOOK_COUNT];
	bool have_hooks;
	bool attached[IMSW_HOOK_COUNT], revealed[IMSW_HOOK_COUNT];
	bool have_platform, seed_bare_metal;
	enum guest_verdict q1, q2;
	enum ims_gate gate;
	bool have_summary;
	uint64_t decode_errors;
	struct host_identity host; /* imswatch_host_info's labels */
};

struct metrics *metrics_open(const char *path, double interval, char *err, size_t errlen)
{
	struct metrics *m = calloc(1, sizeof(*m));
	int fd;

	if (!m || !(m->path = strdup(path)) || asprintf(&m->tmp, "%s.tmp.%d", path, getpid()) < 0) {
		snprintf(err, errlen, "out of memory");
		if (m)
			free(m->path);
		free(m);
		return NULL;
	}
	/* the directory must take the temporary file: said now, not at the first update */
	fd = open(m->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write metrics file '%s': %s (creating '%s')", path,
			 strerror(errno), m->tmp);
		metrics_free(m);
		return NULL;
	}
	close(fd);
	unlink(m->tmp);
	m->interval = interval > 0 ? interval : 15;
	m->next_due = 0; /* the first tick writes it: the file exists soon after start */
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->path);
	free(m->tmp);
	free(m);
}

const char *metrics_path(const struct metrics *m)
{
	return m->path;
}

void metrics_set_host(struct metrics *m, const struct host_identity *host)
{
	if (host)
		m->host = *host;
	else
		memset(&m->host, 0, sizeof(m->host));
}

static void note_platform(struct metrics *m, const struct platform *p)
{
	m->have_platform = true;
	m->seed_bare_metal = p->seed.probably_on_bare_metal;
	m->q1 = p->q1.verdict;
	m->q2 = p->q2.verdict;
	m->gate = p->ims_gate;
}

static void note_hooks(struct metrics *m, const struct hook_state *hooks)
{
	unsigned int i;

	if (!hooks)
		return;
	m->have_hooks = true;
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		m->attached[i] = hooks[i].attached;
		m->revealed[i] = hook_revealed(hooks, i);
	}
}

static void note_event(struct metrics *m, const struct event_record *ev)
{
	uint64_t n = ev->folded ? ev->folded->count : 1;
	size_t i;

	for (i = 0; i < m->n_rules; i++)
		if (!strcmp(m->rules[i].rule, ev->f->rule) && m->rules[i].severity == ev->f->severity)
			break;
	if (i == m->n_rules) {
		if (i == MAX_RULES) {
			m->rules_dropped += n;
			return;
		}
		m->rules[i].rule = ev->f->rule;
		m->rules[i].severity = ev->f->severity;
		m->n_rules++;
	}
	m->rules[i].events += n;
	if (finding_is_alert(ev->f))
		m->rules[i].alerts += n;
}

void metrics_note(struct metrics *m, const struct record *r)
{
	unsigned int i;

	switch (r->type) {
	case RT_STATUS:
		note_platform(m, r->st->platform);
		note_hooks(m, r->st->hooks);
		break;
	case RT_PLATFORM:
		note_platform(m, r->p);
		break;
	case RT_EVENT:
		note_event(m, r->ev);
		break;
	case RT_LOST: /* cumulative counts */
		for (i = 0; i < IMSW_HOOK_COUNT; i++)
			if (r->l->by_hook[i] > m->lost_by_hook[i])
				m->lost_by_hook[i] = r->l->by_hook[i];
		break;
	case RT_SUMMARY:
		m->have_summary = true;
		m->decode_errors = r->sum->decode_errors;
		for (i = 0; i < IMSW_HOOK_COUNT; i++)
			if (r->sum->counter[IMSW_CNT_LOST][i] > m->lost_by_hook[i])
				m->lost_by_hook[i] = r->sum->counter[IMSW_CNT_LOST][i];
		note_hooks(m, r->sum->hooks);
		break;
	case RT_AUDIT_DEVICE: /* a snapshot, not events: the audit records count nothing */
	case RT_AUDIT_DOMAIN:
	case RT_AUDIT_FINDING:
	case RT_AUDIT_SUMMARY:
		break;
	}
}

int metrics_due(const struct metrics *m, double mono_s)
{
	return mono_s >= m->next_due;
}

/* a label value: the one escaper for untrusted bytes, then the exposition format's own
 * escapes (backslash, double quote, newline) */
void metrics_label(FILE *fp, const char *value)
{
	char buf[4 * 256 + 1];
	const char *p = untrusted_text(value, buf, sizeof(buf));

	for (; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', fp);
		if (*p == '\n') {
			fputs("\\n", fp);
			continue;
		}
		fputc(*p, fp);
	}
}

static void header(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void labelled(FILE *fp, const char *name, const char *k1, const char *v1, const char *k2,
		     const char *v2, uint64_t value)
{
	fprintf(fp, "%s{%s=\"", name, k1);
	metrics_label(fp, v1);
	if (k2) {
		fprintf(fp, "\",%s=\"", k2);
		metrics_label(fp, v2);
	}
	fprintf(fp, "\"} %" PRIu64 "\n", value);
}

/* an info metric, as build_info: the identity in labels of one series, not on every one
 * (a join on instance brings it to the others); only the labels that were read */
static void host_info(FILE *fp, const struct host_identity *h)
{
	const char *const name[] = { "host", "machine_id", "boot_id" };
	const char *const value[] = { h->host, h->machine_id, h->boot_id };
	const char *sep = "";
	unsigned int i;

	if (hostid_empty(h))
		return;
	header(fp, "imswatch_host_info", "gauge",
	       "The machine the records come from: host name, machine id and boot id.");
	fputs("imswatch_host_info{", fp);
	for (i = 0; i < 3; i++) {
		if (!value[i][0])
			continue;
		fprintf(fp, "%s%s=\"", sep, name[i]);
		metrics_label(fp, value[i]);
		fputc('"', fp);
		sep = ",";
	}
	fputs("} 1\n", fp);
}

void metrics_render(const struct metrics *m, const struct sink_counts *c, FILE *fp)
{
	static const char *const questions[] = { "q1", "q2" };
	char fv[16];
	unsigned int i, v, q;
	size_t r;

	header(fp, "imswatch_build_info", "gauge", "imswatch version and record format version.");
	snprintf(fv, sizeof(fv), "%d", IMSWATCH_FORMAT_VERSION);
	labelled(fp, "imswatch_build_info", "version", IMSWATCH_VERSION, "record_format", fv, 1);
	host_info(fp, &m->host);

	header(fp, "imswatch_events_total", "counter",
	       "Events seen, alerts included, by policy rule and severity (folded repeats counted).");
	for (r = 0; r < m->n_rules; r++)
		labelled(fp, "imswatch_events_total", "rule", m->rules[r].rule, "severity",
			 severity_name(m->rules[r].severity), m->rules[r].events);
	header(fp, "imswatch_alerts_total", "counter",
	       "Alerts (warning and critical events) by policy rule and severity.");
	for (r = 0; r < m->n_rules; r++)
		if (m->rules[r].severity != SEV_INFO)
			labelled(fp, "imswatch_alerts_total", "rule", m->rules[r].rule, "severity",
				 severity_name(m->rules[r].severity), m->rules[r].alerts);
	header(fp, "imswatch_events_uncounted_total", "counter",
	       "Events whose rule and severity did not fit the table above.");
	fprintf(fp, "imswatch_events_uncounted_total %" PRIu64 "\n", m->rules_dropped);

	header(fp, "imswatch_records_lost_total", "counter",
	       "Records the BPF side could not deliver (ring buffer full), by hook.");
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		labelled(fp, "imswatch_records_lost_total", "hook", hook_table[i].name, NULL, NULL,
			 m->lost_by_hook[i]);
	if (m->have_hooks) {
		header(fp, "imswatch_hook_attached", "gauge", "1 when the hook is attached.");
		for (i = 0; i < IMSW_HOOK_COUNT; i++)
			labelled(fp, "imswatch_hook_attached", "hook", hook_table[i].name, NULL, NULL,
				 m->attached[i]);
		header(fp, "imswatch_hook_blind", "gauge",
		       "1 when what the hook reveals cannot be seen in this run (no attached hook "
		       "reveals it).");
		for (i = 0; i < IMSW_HOOK_COUNT; i++)
			labelled(fp, "imswatch_hook_blind", "hook", hook_table[i].name, NULL, NULL,
				 !m->revealed[i]);
	}
	if (m->have_platform) {
		header(fp, "imswatch_platform_verdict", "gauge",
		       "The platform verdicts: 1 for the verdict given to each question (q1: is "
		       "this OS a guest? q2: does a hypervisor own interrupt remapping?).");
		for (q = 0; q < 2; q++)
			for (v = VERDICT_UNKNOWN; v <= VERDICT_DEFINITELY_GUEST; v++)
				labelled(fp, "imswatch_platform_verdict", "question", questions[q],
					 "verdict", guest_verdict_name(v),
					 (q ? m->q2 : m->q1) == v);
		header(fp, "imswatch_platform_seed_bare_metal", "gauge",
		       "1 when the seed heuristic says probably bare metal.");
		fprintf(fp, "imswatch_platform_seed_bare_metal %d\n", m->seed_bare_metal);
		header(fp, "imswatch_platform_ims_gate", "gauge",
		       "What a 6.2-6.9 kernel's IMS gate does here: 1 for the state given.");
		for (v = IMS_GATE_UNKNOWN; v <= IMS_GATE_OPEN; v++)
			labelled(fp, "imswatch_platform_ims_gate", "state", ims_gate_name(v), NULL,
				 NULL, m->gate == v);
	}
	header(fp, "imswatch_write_errors_total", "counter",
	       "What could not be written: records for output and journal, updates for "
	       "metrics.");
	labelled(fp, "imswatch_write_errors_total", "sink", "output", NULL, NULL,
		 c->output_unwritten);
	labelled(fp, "imswatch_write_errors_total", "sink", "journal", NULL, NULL,
		 c->journal_unwritten);
	labelled(fp, "imswatch_write_errors_total", "sink", "metrics", NULL, NULL,
		 c->metrics_failed);
	header(fp, "imswatch_folded_records_total", "counter",
	       "Records written for folded repeats (--fold).");
	fprintf(fp, "imswatch_folded_records_total %" PRIu64 "\n", c->folded_records);
	header(fp, "imswatch_folded_events_total", "counter",
	       "Events those folded records stand for.");
	fprintf(fp, "imswatch_folded_events_total %" PRIu64 "\n", c->folded_events);
	if (m->have_summary) {
		header(fp, "imswatch_decode_errors_total", "counter",
		       "Ring-buffer records userspace rejected.");
		fprintf(fp, "imswatch_decode_errors_total %" PRIu64 "\n", m->decode_errors);
	}
	header(fp, "imswatch_last_update_timestamp_seconds", "gauge",
	       "When imswatch wrote this file (Unix time).");
	fprintf(fp, "imswatch_last_update_timestamp_seconds %lld\n", (long long)time(NULL));
}

int metrics_write(struct metrics *m, const struct sink_counts *c, double mono_s)
{
	int fd, err = 0;
	FILE *fp;

	m->next_due = mono_s + m->interval;
	fd = open(m->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	fp = fdopen(fd, "w");
	if (!fp) {
		err = -errno;
		close(fd);
		goto out;
	}
	metrics_render(m, c, fp);
	if (fflush(fp) || ferror(fp))
		err = errno ? -errno : -EIO;
	else if (fsync(fd))
		err = -errno;
	if (fclose(fp) && !err)
		err = -errno;
	if (!err && rename(m->tmp, m->path))
		err = -errno;
out:
	if (err)
		unlink(m->tmp); /* the last good file stays as it was */
	return err;
}
