// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "enrich.h"
#include "log.h"
#include "pipeline.h"
#include "policy.h"

void pipeline_init(struct pipeline *p, struct sink *sink, const struct platform *platform,
		   const struct hostfs *live)
{
	memset(p, 0, sizeof(*p));
	p->sink = sink;
	p->platform = platform;
	p->live = live;
	timebase_init(&p->tb);
}

static void note(struct pipeline *p, int r)
{
	if (r && !p->write_error)
		p->write_error = r;
}

static int emit_folded(void *ctx, const struct event_record *r)
{
	struct pipeline *p = ctx;
	int err = sink_event(p->sink, r);

	note(p, err);
	return err;
}

int pipeline_set_fold(struct pipeline *p, double seconds)
{
	if (seconds <= 0)
		return 0;
	p->fold = malloc(sizeof(*p->fold));
	if (!p->fold)
		return -ENOMEM;
	fold_init(p->fold, seconds, p->platform, emit_folded, p);
	return 0;
}

void pipeline_tick(struct pipeline *p, int64_t mono_ns)
{
	if (p->fold)
		fold_expire(p->fold, mono_ns);
	sink_tick(p->sink, mono_ns / 1e9);
}

void pipeline_fini(struct pipeline *p)
{
	if (!p->fold)
		return;
	/* at exit every window closes: what it held is written, with its count */
	fold_expire(p->fold, INT64_MAX);
	free(p->fold);
	p->fold = NULL;
}

int pipeline_record(void *ctx, const void *data, size_t size)
{
	struct pipeline *p = ctx;
	struct enrichment en, *enp = NULL;
	struct imsw_event e;
	struct finding f;
	struct event_record rec;
	int r;

	r = decode_event(data, size, &e);
	if (r) {
		/* counted and reported in the summary, never dropped silently */
		if (!p->decode_errors++)
			log_warn("rejected a ring-buffer record (%s); counting further ones",
				 strerror(-r));
		return 0;
	}
	/* only the vector tracepoints lack the device: look it up by irq */
	if (p->live && e.kind == IMSW_KIND_VECTOR) {
		enrich_vector(p->live, e.irq, &en);
		enp = &en;
	}
	if (p->snapshot && audit_overlaps(p->snapshot, e.pci.bdf[0] ? e.pci.bdf : enp ? enp->bdf : "",
					  e.ts_ns))
		p->snapshot_overlap++;
	timebase_refresh(&p->tb, (int64_t)e.ts_ns);
	policy_judge(&e, p->platform, &f);
	p->events_by_kind[e.kind]++;
	if (finding_is_alert(&f))
		p->alerts_by_severity[f.severity]++;
	/* the record stays a struct up to the sink: nothing is built, only written */
	rec.e = &e;
	rec.en = enp;
	rec.f = &f;
	rec.p = p->platform;
	rec.ts_real_ns = mono_to_real(&p->tb, e.ts_ns);
	rec.folded = NULL;
	if (p->fold) {
		r = fold_event(p->fold, &rec, (int64_t)e.ts_ns);
		if (r == 1) /* held: written with its count when the window closes */
			return 0;
		if (r)
			return r;
	}
	r = sink_event(p->sink, &rec);
	if (!r && p->flush_each)
		r = sink_flush(p->sink);
	if (r && !p->write_error)
		p->write_error = r;
	return r;
}
