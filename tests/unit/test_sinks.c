// SPDX-License-Identifier: GPL-2.0
/*
 * The sinks beside the record stream, on hand-built records: --fold (windows, counts, what
 * is held and when it is written), the journald fields of a record (names, PRIORITY,
 * escaping of untrusted values, the JSON record whole), the metrics exposition text (label
 * escaping, counters from records, the host info series) and the stream's whole records
 * and write-error counts (/dev/full).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "config.h"
#include "fold.h"
#include "hostid.h"
#include "output.h"
#include "pipeline.h"
#include "records.h"
#include "sinks.h"
#include "test_event.h"

#define SEC 1000000000LL

static struct platform plat(bool bare_metal)
{
	struct platform p;

	memset(&p, 0, sizeof(p));
	p.seed.probably_on_bare_metal = bare_metal;
	p.q1.verdict = bare_metal ? VERDICT_PROBABLY_HOST : VERDICT_DEFINITELY_GUEST;
	p.q2.verdict = p.q1.verdict;
	p.cpuid_kind = CPUID_REPLAY;
	return p;
}

/* ---- fold ---- */

struct emitted {
	int n;
	uint64_t count[16];
	int64_t first[16], last[16], ts[16];
	char driver[16][64];
};

static int collect(void *ctx, const struct event_record *r)
{
	struct emitted *em = ctx;

	assert_true(em->n < 16);
	assert_non_null(r->folded);
	em->count[em->n] = r->folded->count;
	em->first[em->n] = r->folded->first_ts_real_ns;
	em->last[em->n] = r->folded->last_ts_real_ns;
	em->ts[em->n] = r->ts_real_ns;
	strcpy(em->driver[em->n], event_driver(r));
	em->n++;
	return 0;
}

static int fold_one(struct fold *f, struct imsw_event *e, const struct platform *p,
		    int64_t mono)
{
	struct finding fi;
	struct event_record r = { .e = e, .p = p };

	policy_judge(e, p, &fi);
	r.f = &fi;
	r.ts_real_ns = 1000 * SEC + mono; /* wall clock: mono + 1000 s */
	return fold_event(f, &r, mono);
}

static void test_fold_window(void **state)
{
	struct platform p = plat(false);
	struct fold *f = malloc(sizeof(*f));
	struct emitted em = { 0 };
	struct imsw_event e = test_event(IMSW_KIND_IMS_DOMAIN), other;

	(void)state;
	e.ret = 1;
	fold_init(f, 10, &p, collect, &em);
	/* the first is written at once (0), the repeats within 10 s are held (1) */
	assert_int_equal(fold_one(f, &e, &p, 1 * SEC), 0);
	assert_int_equal(fold_one(f, &e, &p, 2 * SEC), 1);
	assert_int_equal(fold_one(f, &e, &p, 3 * SEC), 1);
	assert_int_equal(fold_one(f, &e, &p, 4 * SEC), 1);
	/* another driver is another key: written at once */
	other = e;
	strcpy(other.driver, "other_drv");
	assert_int_equal(fold_one(f, &other, &p, 4 * SEC), 0);
	/* another severity (refused: warning, not critical) is another key too */
	other = e;
	other.ret = 0;
	assert_int_equal(fold_one(f, &other, &p, 4 * SEC), 0);
	assert_int_equal(em.n, 0);
	/* the window has not closed at 10.9 s; at 11 s it has: one record for three */
	assert_int_equal(fold_expire(f, 10 * SEC + 900000000), 0);
	assert_int_equal(em.n, 0);
	assert_int_equal(fold_expire(f, 11 * SEC), 0);
	assert_int_equal(em.n, 1);
	assert_int_equal(em.count[0], 3);
	assert_int_equal(em.first[0], 1002 * SEC);
	assert_int_equal(em.last[0], 1004 * SEC);
	assert_int_equal(em.ts[0], 1004 * SEC); /* the record is the last repeat's */
	assert_string_equal(em.driver[0], "edu_ims");
	/* a key without repeats closes without a record: its one event was written */
	assert_int_equal(fold_expire(f, INT64_MAX), 0);
	assert_int_equal(em.n, 1);
	free(f);
}

static void test_fold_window_reopens_and_exit_flushes(void **state)
{
	struct platform p = plat(false);
	struct fold *f = malloc(sizeof(*f));
	struct emitted em = { 0 };
	struct imsw_event e = test_event(IMSW_KIND_PROBE);

	(void)state;
	fold_init(f, 5, &p, collect, &em);
	assert_int_equal(fold_one(f, &e, &p, 0), 0);
	assert_int_equal(fold_one(f, &e, &p, 1 * SEC), 1);
	/* past the window without a tick: its repeat is written first, then this event
	 * opens a new window and is written at once */
	assert_int_equal(fold_one(f, &e, &p, 6 * SEC), 0);
	assert_int_equal(em.n, 1);
	assert_int_equal(em.count[0], 1);
	assert_int_equal(fold_one(f, &e, &p, 7 * SEC), 1);
	assert_int_equal(fold_one(f, &e, &p, 8 * SEC), 1);
	/* at exit every held repeat is written with its count: nothing folded away */
	assert_int_equal(fold_expire(f, INT64_MAX), 0);
	assert_int_equal(em.n, 2);
	assert_int_equal(em.count[1], 2);
	free(f);
}

static void test_fold_table_full_writes_unfolded(void **state)
{
	struct platform p = plat(false);
	struct fold *f = malloc(sizeof(*f));
	struct emitted em = { 0 };
	struct imsw_event e = test_event(IMSW_KIND_PROBE);
	int i;

	(void)state;
	fold_init(f, 60, &p, collect, &em);
	for (i = 0; i < FOLD_MAX_KEYS; i++) {
		snprintf(e.driver, sizeof(e.driver), "drv%d", i);
		assert_int_equal(fold_one(f, &e, &p, SEC), 0);
	}
	/* a new key with the table full: written, never held without a window */
	strcpy(e.driver, "one_more");
	assert_int_equal(fold_one(f, &e, &p, 2 * SEC), 0);
	assert_int_equal(fold_one(f, &e, &p, 3 * SEC), 0);
	assert_int_equal(fold_expire(f, INT64_MAX), 0);
	assert_int_equal(em.n, 0);
	free(f);
}

/* the pipeline with --fold: events in, records out, the summary's counts */
static void test_pipeline_fold_counts(void **state)
{
	struct platform p = plat(false);
	char path[] = "/tmp/imswatch-fold-XXXXXX", line[65536];
	struct summary_info sum = { 0 };
	struct pipeline pipe;
	struct sink *s;
	char err[256];
	FILE *fp;
	int fd = mkstemp(path), i, records = 0, folded = 0;
	uint64_t events = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	s = sink_open(FORMAT_JSON, path, err, sizeof(err));
	assert_non_null(s);
	pipeline_init(&pipe, s, &p, NULL);
	assert_int_equal(pipeline_set_fold(&pipe, 30), 0);
	for (i = 0; i < 5; i++) {
		struct imsw_event e = test_event(IMSW_KIND_IMS_DOMAIN);

		e.ret = 1;
		e.ts_ns = (uint64_t)(100 + i) * SEC;
		assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	}
	pipeline_fini(&pipe); /* exit: the held four are written as one record */
	assert_int_equal(pipe.events_by_kind[IMSW_KIND_IMS_DOMAIN], 5);
	assert_int_equal(sink_summary(s, &sum, 0), 0);
	assert_int_equal(sink_counts(s)->folded_records, 1);
	assert_int_equal(sink_counts(s)->folded_events, 4);
	assert_int_equal(sink_close(s), 0);

	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		json_object *o = json_tokener_parse(line), *fo, *v;

		assert_non_null(o);
		if (!strcmp(json_object_get_string(json_object_object_get(o, "type")), "summary")) {
			fo = json_object_object_get(o, "folded");
			assert_int_equal(json_object_get_int(json_object_object_get(fo, "records")), 1);
			assert_int_equal(json_object_get_int(json_object_object_get(fo, "events")), 4);
			assert_true(json_object_object_get_ex(o, "write_errors", &v));
			json_object_put(o);
			continue;
		}
		records++;
		if (json_object_object_get_ex(o, "folded", &fo)) {
			folded++;
			events += (uint64_t)json_object_get_int64(json_object_object_get(fo, "count"));
			assert_non_null(json_object_object_get(fo, "first_ts"));
			assert_non_null(json_object_object_get(fo, "last_ts"));
		} else {
			events++;
		}
		json_object_put(o);
	}
	fclose(fp);
	unlink(path);
	/* two records stand for the five events: every event in exactly one record */
	assert_int_equal(records, 2);
	assert_int_equal(folded, 1);
	assert_int_equal(events, 5);
}

/* ---- journald fields ---- */

static const char *iov_field(const struct iovec *iov, size_t n, const char *name)
{
	size_t k = strlen(name), i;

	for (i = 0; i < n; i++)
		if (iov[i].iov_len > k && !memcmp(iov[i].iov_base, name, k) &&
		    ((char *)iov[i].iov_base)[k] == '=')
			return (char *)iov[i].iov_base + k + 1;
	return NULL;
}

static void test_journal_fields(void **state)
{
	struct platform p = plat(false);
	struct imsw_event e = test_event(IMSW_KIND_IMS_DOMAIN);
	struct finding f;
	struct fold_info fi = { .count = 7 };
	struct event_record ev = { .e = &e, .f = &f, .p = &p, .folded = &fi };
	struct record r = { .type = RT_EVENT, .ev = &ev };
	struct iovec iov[JOURNAL_MAX_FIELDS];
	static const char json[] = "{\"type\":\"alert\"}", msg[] = "critical IMSW-IMS-VM ...";
	char *scratch = malloc(journal_scratch_size(sizeof(msg) - 1, sizeof(json) - 1));
	size_t n, i;

	(void)state;
	e.ret = 1;
	/* a hostile driver name: an escape sequence and a newline */
	strcpy(e.driver, "evil\x1b[2J\ndrv");
	policy_judge(&e, &p, &f);
	n = journal_fields(&r, msg, sizeof(msg) - 1, json, sizeof(json) - 1, iov, scratch);
	/* values end at the iovec's length: copy them to compare */
#define FIELD_IS(name, want)                                                                   \
	do {                                                                                   \
		const char *v = iov_field(iov, n, name);                                       \
		assert_non_null(v);                                                            \
		assert_memory_equal(v, want, strlen(want));                                    \
	} while (0)
	FIELD_IS("PRIORITY", "2");
	FIELD_IS("SYSLOG_IDENTIFIER", "imswatch");
	FIELD_IS("IMSWATCH_RECORD", "alert");
	FIELD_IS("IMSWATCH_RULE", "IMSW-IMS-VM");
	FIELD_IS("IMSWATCH_SEVERITY", "critical");
	FIELD_IS("IMSWATCH_KIND", "ims-domain");
	FIELD_IS("IMSWATCH_HOOK", "pci_create_ims_domain");
	FIELD_IS("IMSWATCH_BDF", "0000:00:04.0");
	FIELD_IS("IMSWATCH_DRIVER", "evil\\x1b[2J\\x0adrv");
	FIELD_IS("IMSWATCH_Q1", "definitely-guest");
	FIELD_IS("IMSWATCH_SEED", "not-bare-metal");
	FIELD_IS("IMSWATCH_FOLDED_COUNT", "7");
	FIELD_IS("MESSAGE", msg);
	FIELD_IS("IMSWATCH_JSON", json);
	/* no control byte in any field: journald is binary-safe, its readers are not */
	for (i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < iov[i].iov_len; j++)
			assert_true(((unsigned char *)iov[i].iov_base)[j] >= 0x20);
	}
	/* the whole JSON and the message: lengths exact, not cut */
	for (i = 0; i < n; i++)
		if (!memcmp(iov[i].iov_base, "IMSWATCH_JSON=", 14))
			assert_int_equal(iov[i].iov_len, 14 + sizeof(json) - 1);
	/* severities -> PRIORITY; records without one: 6 */
	f.severity = SEV_WARNING;
	assert_int_equal(journal_priority(&r), 4);
	f.severity = SEV_INFO;
	assert_int_equal(journal_priority(&r), 6);
	r.type = RT_SUMMARY;
	assert_int_equal(journal_priority(&r), 6);
	free(scratch);
}

/* ---- metrics ---- */

static char *render_metrics(struct metrics *m, const struct sink_counts *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	metrics_render(m, c, fp);
	fclose(fp);
	return buf;
}

static void test_metrics_label_escaping(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	metrics_label(fp, "a\"b\\c\nd\x1b");
	fclose(fp);
	/* the one escaper first (\ -> \x5c, newline and ESC -> \xNN), then the exposition
	 * format's own: no raw quote, newline or lone backslash can end the label */
	assert_string_equal(buf, "a\\\"b\\\\x5cc\\\\x0ad\\\\x1b");
	free(buf);
}

static void test_metrics_counts_from_records(void **state)
{
	char dir[] = "/tmp/imswatch-metrics-XXXXXX", path[128], err[256], *text;
	struct platform p = plat(false);
	struct imsw_event e = test_event(IMSW_KIND_IMS_DOMAIN);
	struct finding f;
	struct fold_info fi = { .count = 4 };
	struct event_record ev = { .e = &e, .f = &f, .p = &p };
	struct sink_counts c = { .output_unwritten = 2 };
	uint64_t lost[IMSW_HOOK_COUNT] = { 0 };
	struct lost_info li = { .by_hook = lost, .total = 3 };
	struct host_identity host;
	struct metrics *m;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/imswatch.prom", dir);
	m = metrics_open(path, 15, err, sizeof(err));
	assert_non_null(m);
	e.ret = 1;
	policy_judge(&e, &p, &f);
	metrics_note(m, &(struct record){ .type = RT_PLATFORM, .p = &p });
	metrics_note(m, &(struct record){ .type = RT_EVENT, .ev = &ev });
	ev.folded = &fi; /* a folded record counts its events */
	metrics_note(m, &(struct record){ .type = RT_EVENT, .ev = &ev });
	lost[IMSW_HOOK_VECTOR_ALLOC] = 3;
	metrics_note(m, &(struct record){ .type = RT_LOST, .l = &li });
	/* no identity: no host info series */
	text = render_metrics(m, &c);
	assert_null(strstr(text, "imswatch_host_info"));
	free(text);
	hostid_set(&host, "node-1", "0123456789abcdef0123456789abcdef",
		   "01234567-89ab-cdef-0123-456789abcdef");
	metrics_set_host(m, &host);
	text = render_metrics(m, &c);
	/* one info series beside build_info, not a label on every series */
	assert_non_null(strstr(text, "record_format=\"4\"} 1\n"
				     "# HELP imswatch_host_info The machine the records come from: "
				     "host name, machine id and boot id.\n"
				     "# TYPE imswatch_host_info gauge\n"
				     "imswatch_host_info{host=\"node-1\",machine_id=\"0123456789abcdef"
				     "0123456789abcdef\",boot_id=\"01234567-89ab-cdef-0123-456789abcdef\"} 1\n"));
	assert_null(strstr(text, "node-1\",rule"));
	assert_non_null(strstr(text, "imswatch_events_total{rule=\"IMSW-IMS-VM\",severity=\"critical\"} 5\n"));
	assert_non_null(strstr(text, "imswatch_alerts_total{rule=\"IMSW-IMS-VM\",severity=\"critical\"} 5\n"));
	assert_non_null(strstr(text, "imswatch_records_lost_total{hook=\"irq_vectors:vector_alloc\"} 3\n"));
	assert_non_null(strstr(text, "imswatch_platform_verdict{question=\"q1\",verdict=\"definitely-guest\"} 1\n"));
	assert_non_null(strstr(text, "imswatch_platform_verdict{question=\"q1\",verdict=\"probably-host\"} 0\n"));
	assert_non_null(strstr(text, "imswatch_write_errors_total{sink=\"output\"} 2\n"));
	assert_non_null(strstr(text, "# TYPE imswatch_events_total counter\n"));
	free(text);
	/* the file: written whole, no temporary file left beside it */
	assert_int_equal(metrics_write(m, &c, 0), 0);
	assert_int_equal(access(path, R_OK), 0);
	{
		char tmp[200];

		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid());
		assert_int_not_equal(access(tmp, F_OK), 0);
	}
	metrics_free(m);
	unlink(path);
	rmdir(dir);
	/* a directory that cannot take the file: refused at open */
	assert_null(metrics_open("/nonexistent-dir/imswatch.prom", 15, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent-dir/imswatch.prom"));
}

/* ---- the record stream: whole records, errors counted ---- */

static void test_stream_write_error_counted(void **state)
{
	struct platform p = plat(false);
	struct summary_info sum = { 0 };
	char err[256];
	struct sink *s;
	int i;

	(void)state;
	s = sink_open(FORMAT_JSON, "/dev/full", err, sizeof(err));
	assert_non_null(s);
	for (i = 0; i < 3; i++) {
		assert_int_equal(sink_platform(s, &p, 0), 0); /* counted, the run goes on */
		assert_int_equal(sink_flush(s), 0);
	}
	assert_int_equal(sink_counts(s)->output_unwritten, 3);
	assert_int_equal(sink_summary(s, &sum, 0), 0);
	assert_int_equal(sink_close(s), -ENOSPC);
}

static void test_output_appends(void **state)
{
	char path[] = "/tmp/imswatch-append-XXXXXX", err[256], buf[256];
	struct platform p = plat(true);
	struct sink *s;
	FILE *fp;
	int fd = mkstemp(path), lines = 0;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "earlier run\n", 12), 12);
	close(fd);
	s = sink_open(FORMAT_JSON, path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(sink_platform(s, &p, 0), 0);
	assert_int_equal(sink_close(s), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	assert_string_equal(buf, "earlier run\n");
	while (fgets(buf, sizeof(buf), fp))
		if (strchr(buf, '\n'))
			lines++;
	fclose(fp);
	unlink(path);
	assert_int_equal(lines, 1);
}

/* ---- the audit snapshot through the sink (imswatch audit, watch's start-up snapshot) ---- */

/* one device with a hostile driver name, one critical finding about it */
static struct audit_snapshot *hand_snapshot(struct pci_device *pd, struct audit_device *ad,
					    struct audit_finding *af)
{
	struct audit_snapshot *a = calloc(1, sizeof(*a));

	assert_non_null(a);
	memset(pd, 0, sizeof(*pd));
	memset(ad, 0, sizeof(*ad));
	memset(af, 0, sizeof(*af));
	strcpy(pd->bdf, "0000:00:04.0");
	strcpy(pd->driver, "evil\x1b[2J\ndrv");
	pd->ids = true;
	pd->vendor = 0x1234;
	pd->device = 0x11e8;
	pd->sriov_total = pd->sriov_num = -1;
	ad->pci = pd;
	af->rule = "IMSW-AUDIT-IMS-VM";
	af->severity = ASEV_CRITICAL;
	strcpy(af->bdf, "0000:00:04.0");
	af->summary = "an IMS domain in a guest";
	a->snapshot = true;
	a->dev = ad;
	a->inv.dev = pd;
	a->inv.n = 1;
	a->findings.f = af;
	a->findings.n = 1;
	a->by_severity[ASEV_CRITICAL] = 1;
	return a;
}

static void test_journal_audit_fields(void **state)
{
	struct pci_device pd;
	struct audit_device ad;
	struct audit_finding af;
	struct audit_snapshot *a = hand_snapshot(&pd, &ad, &af);
	struct record r = { .type = RT_AUDIT_FINDING, .a = a, .idx = 0, .fail_on = -1 };
	struct iovec iov[JOURNAL_MAX_FIELDS];
	static const char json[] = "{\"type\":\"finding\"}", msg[] = "critical IMSW-AUDIT-IMS-VM";
	char *scratch = malloc(journal_scratch_size(sizeof(msg) - 1, sizeof(json) - 1));
	size_t n;

	(void)state;
	n = journal_fields(&r, msg, sizeof(msg) - 1, json, sizeof(json) - 1, iov, scratch);
	FIELD_IS("PRIORITY", "2");
	FIELD_IS("IMSWATCH_RECORD", "finding");
	FIELD_IS("IMSWATCH_RULE", "IMSW-AUDIT-IMS-VM");
	FIELD_IS("IMSWATCH_SEVERITY", "critical");
	FIELD_IS("IMSWATCH_BDF", "0000:00:04.0");
	FIELD_IS("IMSWATCH_SNAPSHOT", "true");
	af.severity = ASEV_NOTICE;
	assert_int_equal(journal_priority(&r), 5);
	af.severity = ASEV_INFO;
	assert_int_equal(journal_priority(&r), 6);
	r.type = RT_AUDIT_DEVICE;
	n = journal_fields(&r, msg, sizeof(msg) - 1, json, sizeof(json) - 1, iov, scratch);
	FIELD_IS("IMSWATCH_RECORD", "device");
	FIELD_IS("IMSWATCH_DRIVER", "evil\\x1b[2J\\x0adrv");
	assert_int_equal(journal_priority(&r), 6);
	/* imswatch audit's records: no snapshot field */
	a->snapshot = false;
	n = journal_fields(&r, msg, sizeof(msg) - 1, json, sizeof(json) - 1, iov, scratch);
	assert_null(iov_field(iov, n, "IMSWATCH_SNAPSHOT"));
	free(scratch);
	free(a);
}

/* JSON: one line per record, in order; text: the tables, once */
static void test_sink_audit_records(void **state)
{
	char path[] = "/tmp/imswatch-audit-XXXXXX", err[256], buf[8192];
	const char *want[] = { "device", "finding", "audit-summary" };
	struct pci_device pd;
	struct audit_device ad;
	struct audit_finding af;
	struct audit_snapshot *a = hand_snapshot(&pd, &ad, &af);
	struct sink *s;
	FILE *fp;
	int fd = mkstemp(path), lines = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	s = sink_open(FORMAT_JSON, path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(sink_audit(s, a, -1, 0), 0);
	assert_int_equal(sink_close(s), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(buf, sizeof(buf), fp)) {
		json_object *o = json_tokener_parse(buf), *v;

		assert_non_null(o);
		assert_true(lines < 3);
		assert_true(json_object_object_get_ex(o, "type", &v));
		assert_string_equal(json_object_get_string(v), want[lines]);
		assert_true(json_object_object_get_ex(o, "snapshot", &v));
		json_object_put(o);
		lines++;
	}
	fclose(fp);
	assert_int_equal(lines, 3);
	/* text: the tables, one block; the driver name escaped */
	assert_int_equal(truncate(path, 0), 0);
	s = sink_open(FORMAT_TEXT, path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(sink_audit(s, a, -1, 0), 0);
	assert_int_equal(sink_close(s), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	lines = 0;
	while (fgets(buf, sizeof(buf), fp)) {
		assert_null(strchr(buf, '\x1b'));
		if (strstr(buf, "IMSW-AUDIT-IMS-VM"))
			lines++;
	}
	fclose(fp);
	assert_int_equal(lines, 1);
	unlink(path);
	free(a);
}

static void test_fold_refused_with_pin(void **state)
{
	char *argv[] = { "imswatch", "watch", "--fold", "10", "--pin", "/sys/fs/bpf/x", NULL };
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(config_parse(6, argv, &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--fold cannot be combined with --pin"));
	assert_int_equal(config_parse(4, argv, &cfg, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_window),
		cmocka_unit_test(test_fold_window_reopens_and_exit_flushes),
		cmocka_unit_test(test_fold_table_full_writes_unfolded),
		cmocka_unit_test(test_pipeline_fold_counts),
		cmocka_unit_test(test_journal_fields),
		cmocka_unit_test(test_metrics_label_escaping),
		cmocka_unit_test(test_metrics_counts_from_records),
		cmocka_unit_test(test_stream_write_error_counted),
		cmocka_unit_test(test_output_appends),
		cmocka_unit_test(test_journal_audit_fields),
		cmocka_unit_test(test_sink_audit_records),
		cmocka_unit_test(test_fold_refused_with_pin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
