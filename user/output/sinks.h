/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sinks: what the one sink (output.h) fans a record out to besides the record stream:
 * journald (journal.c) and the metrics file (metrics.c). Each gets the record as the same
 * C structs, plus, for the journal, the record already rendered as JSON and as text.
 */
#ifndef IMSWATCH_SINKS_H
#define IMSWATCH_SINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#include "records.h"

struct host_identity;

enum record_type { RT_STATUS, RT_PLATFORM, RT_EVENT, RT_LOST, RT_SUMMARY,
		   /* the audit snapshot's records (imswatch audit, watch's start-up snapshot) */
		   RT_AUDIT_DEVICE, RT_AUDIT_DOMAIN, RT_AUDIT_FINDING, RT_AUDIT_SUMMARY };

/* One record of any type, as the sink got it. */
struct record {
	enum record_type type;
	int64_t ts_real_ns;
	const struct status_info *st;  /* RT_STATUS */
	const struct platform *p;      /* RT_PLATFORM */
	const struct event_record *ev; /* RT_EVENT */
	const struct lost_info *l;     /* RT_LOST */
	const struct summary_info *sum; /* RT_SUMMARY */
	const struct audit_snapshot *a; /* RT_AUDIT_*: the snapshot, */
	size_t idx;			/* the device, domain or finding in it, */
	int fail_on;			/* and --fail-on (< 0: watch's snapshot) */
};

static inline bool record_is_audit(const struct record *r)
{
	return r->type >= RT_AUDIT_DEVICE;
}

/* "status", "platform", "event" or "alert", "lost", "summary", "device", "irq-domain",
 * "finding", "audit-summary": the JSON "type" */
const char *record_type_name(const struct record *r);

/* ---- journald (journal.c) ---- */

/* PRIORITY of a severity: critical 2, warning 4, info 6 (syslog levels); an audit finding's
 * notice 5. */
int journal_priority(const struct record *r);

#define JOURNAL_MAX_FIELDS 24

/* bytes of SCRATCH journal_fields() needs */
static inline size_t journal_scratch_size(size_t msg_len, size_t json_len)
{
	return 8192 + msg_len + json_len;
}

/*
 * The journal fields of R as "NAME=value" iovecs, one whole field each (at most
 * JOURNAL_MAX_FIELDS), made in SCRATCH (journal_scratch_size() bytes); untrusted values
 * through the one escaper. MESSAGE is MSG (the text renderer's first line, without its
 * time stamp), IMSWATCH_JSON the JSON record (JSON_LEN bytes, no newline). Returns the
 * number of iovecs. Exposed for tests.
 */
size_t journal_fields(const struct record *r, const char *msg, size_t msg_len,
		      const char *json, size_t json_len, struct iovec *iov, char *scratch);

/* Is journald's socket there? 0, or -errno with ERR set. */
int journal_check(char *err, size_t errlen);

/* Send one record: 0 or -errno (sd_journal_sendv's). */
int journal_send(const struct record *r, const char *msg, size_t msg_len, const char *json,
		 size_t json_len);

/* ---- the metrics file (metrics.c) ---- */

struct metrics;

/*
 * PATH is written atomically (PATH.tmp.<pid> in the same directory, fsync, rename) every
 * INTERVAL seconds and at close. Checks at once that the directory takes the temporary
 * file: NULL with ERR set when not.
 */
struct metrics *metrics_open(const char *path, double interval, char *err, size_t errlen);
/* Count what R says (events, alerts, losses, hooks, verdicts). */
void metrics_note(struct metrics *m, const struct record *r);
/* Is an update due at MONO_S (CLOCK_MONOTONIC seconds)? */
int metrics_due(const struct metrics *m, double mono_s);
/* Write the file now; C the sink's write-error and fold counts. 0 or -errno. */
int metrics_write(struct metrics *m, const struct sink_counts *c, double mono_s);
/* The exposition text, for tests. */
void metrics_render(const struct metrics *m, const struct sink_counts *c, FILE *fp);
const char *metrics_path(const struct metrics *m);
/* The machine imswatch_host_info names (NULL or nothing read: no such metric). */
void metrics_set_host(struct metrics *m, const struct host_identity *host);
void metrics_free(struct metrics *m);

/* Prometheus label value escaping (backslash, double quote, newline), after the one
 * escaper for untrusted bytes. Exposed for tests. */
void metrics_label(FILE *fp, const char *value);

#endif
