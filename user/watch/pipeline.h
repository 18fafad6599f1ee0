/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pipeline: one ring-buffer record -> decode -> enrich -> policy -> record -> sink, with the
 * counts the summary reports. No libbpf here, so tests and benchmarks push hand-built
 * records through exactly the code the live run uses.
 */
#ifndef IMSWATCH_PIPELINE_H
#define IMSWATCH_PIPELINE_H

#include <stdint.h>

#include "fold.h"
#include "hostfs.h"
#include "output.h"
#include "platform.h"
#include "records.h"

struct pipeline {
	struct sink *sink;
	const struct platform *platform;
	const struct hostfs *live; /* for sysfs enrichment; NULL disables it */
	struct timebase tb;
	uint64_t events_by_kind[IMSW_KIND_VECTOR + 1];
	uint64_t alerts_by_severity[SEV_CRITICAL + 1];
	uint64_t decode_errors;
	int write_error; /* first sink error; stops the run */
	struct fold *fold; /* --fold; NULL: off */
	/* the audit snapshot the watch began with (NULL: none), and the events that may be in
	 * it too: about a device it lists, stamped before its read ended (audit_overlaps) */
	const struct audit_snapshot *snapshot;
	uint64_t snapshot_overlap;
	/* --pin: push every record out before the next is taken from the ring buffer, so a
	 * loader killed at any point has lost none it consumed (at most the last one is
	 * delivered again by the next run: same kernel time, cpu and hook) */
	bool flush_each;
};

void pipeline_init(struct pipeline *p, struct sink *sink, const struct platform *platform,
		   const struct hostfs *live);

/* Writes what --fold still holds, and releases it. */
void pipeline_fini(struct pipeline *p);

/* --fold SECONDS: 0, or -ENOMEM. */
int pipeline_set_fold(struct pipeline *p, double seconds);

/* Every loop of a watch, at MONO_NS (CLOCK_MONOTONIC): writes the records of fold windows
 * that closed, and lets the sink update the metrics file. */
void pipeline_tick(struct pipeline *p, int64_t mono_ns);

/* Loader callback. Returns 0, or the sink's -errno (which stops the ring-buffer drain). */
int pipeline_record(void *ctx, const void *data, size_t size);

#endif
