/* SPDX-License-Identifier: GPL-2.0 */
/*
 * records: the data model of every output record, built once as a json-c object whatever
 * the output format; output.c renders it as JSON or text. Field names here are the
 * documented record format (README.md, "Records").
 */
#ifndef IMSWATCH_RECORDS_H
#define IMSWATCH_RECORDS_H

#include <json-c/json.h>
#include <stdint.h>

#include "enrich.h"
#include "hooks.h"
#include "imswatch.h"
#include "platform.h"
#include "policy.h"

#define IMSWATCH_VERSION "0.1.0"
/* of the output records; bump on incompatible change. 2: status.blind_summary,
 * summary.coverage */
#define IMSWATCH_FORMAT_VERSION 2

/*
 * Converts the BPF side's CLOCK_MONOTONIC stamps to wall-clock time. The offset moves when
 * the clock is stepped (NTP, an operator's date, resume from suspend): it is taken again
 * at most once a second of event time, so a long audit does not drift.
 */
struct timebase {
	int64_t mono_to_real_ns;
	int64_t taken_mono_ns; /* when the offset was taken */
};

void timebase_init(struct timebase *tb);
/* Take the offset again when MONO_NS is a second or more past the last time. */
void timebase_refresh(struct timebase *tb, int64_t mono_ns);
int64_t now_real_ns(void);

struct status_info {
	const char *kernel;	      /* uname release */
	const struct platform *platform;
	const struct hook_state *hooks; /* IMSW_HOOK_COUNT entries, NULL: not loaded */
	const char *bpf_problem;     /* why nothing could be loaded, or NULL */
	unsigned int ringbuf_kb;
	const char *attach_pref;
};

struct summary_info {
	double duration_s;
	uint64_t events_by_kind[IMSW_KIND_VECTOR + 1];
	uint64_t alerts_by_severity[SEV_CRITICAL + 1];
	/* the BPF side's per-hook counters, by enum imsw_counter (include/imswatch.h) */
	uint64_t counter[IMSW_CNT_COUNT][IMSW_HOOK_COUNT];
	uint64_t decode_errors;		    /* records userspace rejected */
	const struct hook_state *hooks;
};

/* Builders return a new object (caller puts it) or NULL on allocation failure. */
json_object *record_status(const struct status_info *st, int64_t ts_real_ns);
json_object *record_platform(const struct platform *p, int64_t ts_real_ns);
/* Fill or update O in place (the pipeline reuses one object per kind for speed). */
void record_event_into(json_object *o, const struct imsw_event *e, const struct enrichment *en,
		       const struct finding *f, const struct platform *p,
		       const struct timebase *tb);
json_object *record_event(const struct imsw_event *e, const struct enrichment *en,
			  const struct finding *f, const struct platform *p,
			  const struct timebase *tb);
json_object *record_lost(const uint64_t lost[IMSW_HOOK_COUNT], uint64_t total,
			 int64_t ts_real_ns);
json_object *record_summary(const struct summary_info *s, int64_t ts_real_ns);

/* Untrusted bytes -> JSON string through the one escaper (escape.h): bytes that are not
 * printed raw, invalid UTF-8 among them, become the text "\xNN". */
json_object *json_untrusted_string(const char *s);
/* The same for N bytes that may hold NUL (a CPUID signature). */
json_object *json_untrusted_bytes(const void *s, size_t n);

#endif
