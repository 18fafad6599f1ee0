/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fold (--fold SECONDS): repeats of one (rule, severity, device, driver) become one record. The
 * first event of a key is written at once, as always (an alert is never delayed), and opens
 * a window of SECONDS; the repeats inside the window are held, and when the window closes
 * (or the run ends) one record stands for them: the last repeat's fields plus
 * "folded": {count, first_ts, last_ts}. So every event is in exactly one record: an
 * unfolded record is one event, a folded one COUNT. Nothing is folded away without a count:
 * when the table of open windows is full, an event of a new key is written unfolded.
 */
#ifndef IMSWATCH_FOLD_H
#define IMSWATCH_FOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "enrich.h"
#include "imswatch.h"
#include "policy.h"
#include "records.h"

#define FOLD_MAX_KEYS 256

struct fold_slot {
	bool used;
	const char *rule; /* the policy's static string */
	enum severity severity; /* part of the key: a critical is never folded into a warning */
	char bdf[32], driver[64];
	int64_t start_mono_ns; /* the window: [start, start + window) */
	uint64_t count;	       /* repeats held */
	int64_t first_real_ns, last_real_ns;
	struct imsw_event e;   /* the last repeat */
	struct enrichment en;
	bool has_en;
	struct finding f;
};

/* writes one record; returns 0 or the sink's -errno */
typedef int (*fold_emit_fn)(void *ctx, const struct event_record *r);

struct fold {
	int64_t window_ns;
	fold_emit_fn emit;
	void *ctx;
	const struct platform *platform;
	struct fold_slot slots[FOLD_MAX_KEYS];
};

void fold_init(struct fold *f, double seconds, const struct platform *platform,
	       fold_emit_fn emit, void *ctx);
/*
 * R at MONO_NS (its kernel stamp): 1 when it was held (a repeat inside its key's window),
 * 0 when the caller writes it now, or the -errno of writing a closed window's record.
 */
int fold_event(struct fold *f, const struct event_record *r, int64_t mono_ns);
/* Write the records of the windows closed at MONO_NS (every one when MONO_NS is
 * INT64_MAX, at exit). Returns 0 or the first -errno. */
int fold_expire(struct fold *f, int64_t mono_ns);

#endif
