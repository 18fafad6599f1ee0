/* SPDX-License-Identifier: GPL-2.0 */
/*
 * output: the sink records go to, chosen once when it is opened. Records stay C structs
 * (records.h) up to here; each record type has its own callback, which renders it as one
 * JSON line (through the streaming writer below, with the field names of records.c) or
 * as text for people (text.c). Nothing else in imswatch writes to stdout.
 */
#ifndef IMSWATCH_OUTPUT_H
#define IMSWATCH_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "records.h"

struct sink;
struct host_identity;

/* PATH NULL means stdout. Returns NULL with ERR set when PATH cannot be created. */
struct sink *sink_open(enum output_format fmt, const char *path, char *err, size_t errlen);

/*
 * Every destination CFG names: the record stream (stdout, or --output FILE appended to;
 * none for --journal without --format/--output), journald (--journal) and the metrics
 * file (--metrics). Each is checked before anything is created: NULL with ERR set.
 */
struct sink *sink_open_config(const struct config *cfg, char *err, size_t errlen);

/* Text only: VERBOSE > 0 lists every platform signal, one aligned line each. */
void sink_set_verbose(struct sink *s, int verbose);

/*
 * The machine every record names (records.h, the host object), read once when the sink is
 * opened: for watch the machine it runs on (its events are this kernel's), for platform
 * and audit the tree they read (--sysroot). Tests set a fixed one here (NULL: none), so
 * their output does not depend on the machine they run on. The metrics file's too.
 */
void sink_set_host(struct sink *s, const struct host_identity *host);

/*
 * Write one record of each type. Each returns 0, or -EPIPE when the reader went away (the
 * run ends). Any other write error is counted (the summary's write_errors), reported on
 * stderr once per destination, and the run goes on: sink_close() returns it.
 */
int sink_status(struct sink *s, const struct status_info *st, int64_t ts_real_ns);
int sink_platform(struct sink *s, const struct platform *p, int64_t ts_real_ns);
int sink_event(struct sink *s, const struct event_record *r);
int sink_lost(struct sink *s, const struct lost_info *l, int64_t ts_real_ns);
int sink_summary(struct sink *s, const struct summary_info *sum, int64_t ts_real_ns);

/*
 * The audit snapshot: JSON, one device record per device, one irq-domain per domain, one
 * finding per finding and the audit-summary; text, one block of tables. FAIL_ON < 0 (watch's
 * snapshot): the summary says nothing of an exit code.
 */
int sink_audit(struct sink *s, const struct audit_snapshot *a, int fail_on, int64_t ts_real_ns);

/* Push buffered records out (after each batch, so a reader sees whole lines promptly). */
int sink_flush(struct sink *s);

/* The file descriptor records go to (for noticing a reader that went away); -1: none. */
int sink_fd(const struct sink *s);

/* Called every loop of a watch: writes the metrics file when its interval is up. */
void sink_tick(struct sink *s, double mono_s);

/* --output FILE: open FILE again (logrotate renamed it and sent SIGHUP). 0, or -EIO when
 * it cannot be opened (reported; records keep going to the file opened before). */
int sink_reopen(struct sink *s);

/* What could not be written so far, and what was folded. */
const struct sink_counts *sink_counts(const struct sink *s);

/* Flush and close; returns the first write error seen (already reported on stderr, but
 * for -EPIPE, which is a clean end), or 0. */
int sink_close(struct sink *s);

/* Exposed for tests: escape untrusted bytes for a terminal (control characters, DEL,
 * non-ASCII, backslash and double quote become escapes). Returns the length written. */
size_t text_escape(const char *in, char *out, size_t outlen);

/*
 * A streaming JSON writer (after bpftool's json_writer.c): one record, written straight
 * into a stdio stream, no tree. Objects and arrays nest; the writer places the commas.
 * Keys and trusted strings are written as JSON strings; jw_untrusted() first turns
 * untrusted bytes into safe text with the one escaper (records.h, untrusted_text()).
 * Output matches json-c's JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE.
 */
#define JW_MAX_DEPTH 8
#define JW_BUF_SIZE 16384

struct jw {
	FILE *fp;
	char *p;		      /* next byte in buf */
	unsigned int depth;
	bool first[JW_MAX_DEPTH + 1]; /* nothing written yet at this level */
	bool after_key;		      /* the next value completes a key: no comma */
	/* the machine the record comes from, written in its header (NULL: none); jw_init
	 * clears it, the sink sets it for each record */
	const struct host_identity *host;
	char buf[JW_BUF_SIZE];	      /* stdio is called once per buffer, not per token */
};

/* Start a record; jw_flush() hands what was written to the stream. */
void jw_init(struct jw *w, FILE *fp);
void jw_flush(struct jw *w);
void jw_object_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_string(struct jw *w, const char *s);
void jw_untrusted(struct jw *w, const char *s);
void jw_untrusted_n(struct jw *w, const char *s, size_t n); /* N bytes, NUL included */
void jw_int(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* fixed-width lower-case hex, as a string ("1af4") */
void jw_hex(struct jw *w, unsigned int v, int width);
/* a double as json-c prints it: %.17g, ".0" added to integral values */
void jw_fixed(struct jw *w, double v, int decimals);
void jw_double(struct jw *w, double v);
/* RFC 3339, UTC, microseconds, as a string */
void jw_ts(struct jw *w, int64_t real_ns);

/* key + value in one call */
void jw_kstring(struct jw *w, const char *key, const char *s);
void jw_kuntrusted(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kbool(struct jw *w, const char *key, bool v);

/* the RFC 3339 text of REAL_NS into BUF (at least 32 bytes); returns BUF */
char *format_ts(int64_t real_ns, char *buf);

#endif
