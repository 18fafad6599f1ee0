/* SPDX-License-Identifier: GPL-2.0 */
/*
 * text: records for people (--format text). Not a flattening of the JSON: the verdicts and
 * the deciding evidence first, in short aligned blocks; events one line each, what
 * happened first. Untrusted bytes go through the one escaper (records.h) and then
 * text_escape() (output.h), so nothing printed can drive a terminal.
 */
#ifndef IMSWATCH_TEXT_H
#define IMSWATCH_TEXT_H

#include <stdint.h>
#include <stdio.h>

#include "records.h"

struct host_identity;

/* VERBOSE > 0: every platform signal, one aligned line each. HOST (NULL: none) is named in
 * the status record, and in the platform record with VERBOSE; event lines do not repeat it. */
void text_status(FILE *fp, const struct status_info *st, const struct host_identity *host,
		 int64_t ts_real_ns, int verbose);
void text_platform_record(FILE *fp, const struct platform *p, const struct host_identity *host,
			  int64_t ts_real_ns, int verbose);
void text_event(FILE *fp, const struct event_record *r);
void text_lost(FILE *fp, const struct lost_info *l, int64_t ts_real_ns);
void text_summary(FILE *fp, const struct summary_info *s, int64_t ts_real_ns);
/*
 * The audit snapshot as tables for people (devices, interrupt domains, findings), fitted to
 * WIDTH columns: the widest free-text columns are cut (marked '~') unless VERBOSE, which also
 * adds columns. FAIL_ON < 0: no verdict line (watch's snapshot).
 */
void text_audit(FILE *fp, const struct audit_snapshot *a, int fail_on, int64_t ts_real_ns,
		int verbose, int width);

#endif
