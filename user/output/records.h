/* SPDX-License-Identifier: GPL-2.0 */
/*
 * records: the data model of every output record, as C structs gathered once from the ring
 * buffer, the platform engine and the loader, and handed to the sink (output.h) as they
 * are. records.c holds the JSON shape of each record type: the one place for its field
 * names, the documented record format (README.md, "Records"); text.c renders the same
 * structs for people.
 */
#ifndef IMSWATCH_RECORDS_H
#define IMSWATCH_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "enrich.h"
#include "hooks.h"
#include "imswatch.h"
#include "platform.h"
#include "policy.h"

#define IMSWATCH_VERSION "0.1.0"
/* of the output records; bump on incompatible change. 2: status.blind_summary,
 * summary.coverage; 3: the audit's device, irq-domain, finding and audit-summary records,
 * summary.snapshot_overlap; event.folded, summary.folded and
 * summary.write_errors; 4: the host object (name, machine_id, boot_id) in every record */
#define IMSWATCH_FORMAT_VERSION 4

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
/* Wall-clock time of a CLOCK_MONOTONIC stamp, saturated (a corrupt stamp cannot overflow). */
int64_t mono_to_real(const struct timebase *tb, uint64_t mono_ns);
int64_t now_real_ns(void);

/* --pin: where the hooks are pinned, and what a takeover found (status and summary). */
struct pin_record {
	const char *dir;
	bool taken_over;		 /* an earlier run's pins were taken over */
	int64_t pinned_real_ns;		 /* when they were made */
	uint64_t drained_before_restart; /* records delivered from before the takeover */
	uint64_t lost_before_takeover;	 /* ring buffer full while no one read */
};

struct status_info {
	const char *kernel;	      /* uname release */
	const struct platform *platform;
	const struct hook_state *hooks; /* IMSW_HOOK_COUNT entries, NULL: not loaded */
	const char *bpf_problem;     /* why nothing could be loaded, or NULL */
	unsigned int ringbuf_kb;
	const char *attach_pref;
	const struct pin_record *pin; /* NULL: no --pin */
};

/*
 * What the sinks could not write, and what --fold folded: counted by the sink itself
 * (output.c) and reported in the summary record and the metrics file, never dropped silently.
 */
struct sink_counts {
	uint64_t output_unwritten;  /* records --output (or stdout) could not take */
	uint64_t journal_unwritten; /* records journald refused */
	uint64_t metrics_failed;    /* metrics file updates that failed */
	uint64_t folded_records;    /* records with "folded" written */
	uint64_t folded_events;     /* the events those records stand for */
};

struct summary_info {
	double duration_s;
	struct sink_counts sinks; /* filled in by the sink when it writes the summary */
	uint64_t events_by_kind[IMSW_KIND_VECTOR + 1];
	uint64_t alerts_by_severity[SEV_CRITICAL + 1];
	/* the BPF side's per-hook counters, by enum imsw_counter (include/imswatch.h) */
	uint64_t counter[IMSW_CNT_COUNT][IMSW_HOOK_COUNT];
	uint64_t decode_errors;		    /* records userspace rejected */
	const struct hook_state *hooks;
	bool snapshot;		/* watch began with the audit snapshot */
	uint64_t snapshot_overlap; /* events that may also be in it (audit_overlaps) */
	const struct pin_record *pin; /* NULL: no --pin */
};

/* --fold: the repeats of one (rule, device, driver) one record stands for */
struct fold_info {
	uint64_t count;		  /* events folded into this record (>= 1) */
	int64_t first_ts_real_ns; /* the first and the last of them */
	int64_t last_ts_real_ns;
};

/* One event or alert: the decoded record, what sysfs added and the policy's finding. */
struct event_record {
	const struct imsw_event *e;
	const struct enrichment *en; /* NULL: not looked up */
	const struct finding *f;
	const struct platform *p;    /* alerts carry its verdicts */
	int64_t ts_real_ns;
	const struct fold_info *folded; /* NULL: one event, not folded */
};

struct lost_info {
	const uint64_t *by_hook; /* IMSW_HOOK_COUNT entries */
	uint64_t total;
};

/* The device an event names: read in the kernel at event time, or looked up in sysfs
 * afterwards (vector events). */
struct device_view {
	const char *bdf;    /* NULL: none */
	bool ids;	    /* vendor and device known */
	unsigned int vendor, device;
	bool pci;	    /* subvendor, subdevice and class known (read by the kernel) */
	unsigned int subvendor, subdevice, class;
	bool sysfs;	    /* looked up after the fact */
};

void event_device(const struct event_record *r, struct device_view *d);
/* bound driver: the kernel's, else sysfs's, else "" */
const char *event_driver(const struct event_record *r);

/* The JSON shape of each record type, written with the streaming writer (output.h). */
struct jw;
void json_status(struct jw *w, const struct status_info *st, int64_t ts_real_ns);
void json_platform_record(struct jw *w, const struct platform *p, int64_t ts_real_ns);
void json_event(struct jw *w, const struct event_record *r);
void json_lost(struct jw *w, const struct lost_info *l, int64_t ts_real_ns);
void json_summary(struct jw *w, const struct summary_info *s, int64_t ts_real_ns);
/* The audit snapshot's records (one line each): device I, irq-domain I, finding I, summary */
void json_audit_device(struct jw *w, const struct audit_snapshot *a, size_t i, int64_t ts_real_ns);
void json_audit_domain(struct jw *w, const struct audit_snapshot *a, size_t i, int64_t ts_real_ns);
void json_audit_finding(struct jw *w, const struct audit_snapshot *a, size_t i,
			int64_t ts_real_ns);
void json_audit_summary(struct jw *w, const struct audit_snapshot *a, int fail_on,
			int64_t ts_real_ns);

/* Names of the summary's per-family event counts (by enum imsw_kind) and of the BPF
 * counters (by enum imsw_counter): per hook, and the summary total (NULL: none). */
extern const char *const summary_event_keys[IMSW_KIND_VECTOR + 1];
extern const struct counter_name {
	const char *per_hook, *total;
} summary_counters[IMSW_CNT_COUNT];

/* Items of blind[] (what this run cannot see), in order: N items into ITEMS (at most MAX). */
size_t status_blind_items(const struct hook_state *hooks, const char **items, size_t max);

/*
 * Untrusted bytes -> text safe to print: S itself when nothing needs escaping, else BUF
 * (LEN bytes) holding S with every unsafe byte written as "\xNN" by the one escaper
 * (escape.h). LEN of 4 * N + 1 always fits. The _n form takes N bytes that may hold NUL.
 */
const char *untrusted_text_n(const char *s, size_t n, char *buf, size_t len);
const char *untrusted_text(const char *s, char *buf, size_t len);

#endif
