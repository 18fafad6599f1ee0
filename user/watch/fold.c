// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "fold.h"

void fold_init(struct fold *f, double seconds, const struct platform *platform,
	       fold_emit_fn emit, void *ctx)
{
	memset(f, 0, sizeof(*f));
	f->window_ns = (int64_t)(seconds * 1e9);
	f->platform = platform;
	f->emit = emit;
	f->ctx = ctx;
}

static void key_of(const struct event_record *r, const char **bdf, const char **driver)
{
	struct device_view d;

	event_device(r, &d);
	*bdf = d.bdf ? d.bdf : "";
	*driver = event_driver(r);
}

/* the slot's held repeats as one record; the window stays open (the caller decides) */
static int emit_slot(struct fold *f, struct fold_slot *s)
{
	struct fold_info info = {
		.count = s->count,
		.first_ts_real_ns = s->first_real_ns,
		.last_ts_real_ns = s->last_real_ns,
	};
	struct event_record rec = {
		.e = &s->e,
		.en = s->has_en ? &s->en : NULL,
		.f = &s->f,
		.p = f->platform,
		.ts_real_ns = s->last_real_ns,
		.folded = &info,
	};

	if (!s->count)
		return 0;
	s->count = 0;
	return f->emit(f->ctx, &rec);
}

static bool closed(const struct fold *f, const struct fold_slot *s, int64_t mono_ns)
{
	return mono_ns == INT64_MAX || mono_ns - s->start_mono_ns >= f->window_ns;
}

int fold_expire(struct fold *f, int64_t mono_ns)
{
	int r, first = 0;
	size_t i;

	for (i = 0; i < FOLD_MAX_KEYS; i++) {
		struct fold_slot *s = &f->slots[i];

		if (!s->used || !closed(f, s, mono_ns))
			continue;
		r = emit_slot(f, s);
		if (r && !first)
			first = r;
		s->used = false;
	}
	return first;
}

int fold_event(struct fold *f, const struct event_record *r, int64_t mono_ns)
{
	struct fold_slot *s, *free_slot = NULL;
	const char *bdf, *driver;
	int err = 0;
	size_t i;

	key_of(r, &bdf, &driver);
	for (i = 0; i < FOLD_MAX_KEYS; i++) {
		s = &f->slots[i];
		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (strcmp(s->rule, r->f->rule) || s->severity != r->f->severity ||
		    strcmp(s->bdf, bdf) || strcmp(s->driver, driver))
			continue;
		if (mono_ns < s->start_mono_ns || closed(f, s, mono_ns)) {
			/* the window closed: its repeats first, then this event opens a new one */
			err = emit_slot(f, s);
			s->start_mono_ns = mono_ns;
			return err;
		}
		if (!s->count)
			s->first_real_ns = r->ts_real_ns;
		s->count++;
		s->last_real_ns = r->ts_real_ns;
		s->e = *r->e;
		s->has_en = r->en != NULL;
		if (r->en)
			s->en = *r->en;
		s->f = *r->f;
		return 1;
	}
	if (!free_slot) {
		/* full: close what has closed by now, else this key goes unfolded */
		err = fold_expire(f, mono_ns);
		for (i = 0; i < FOLD_MAX_KEYS && !free_slot; i++)
			if (!f->slots[i].used)
				free_slot = &f->slots[i];
		if (!free_slot)
			return err;
	}
	/* a key longer than the slot's fields is never folded: keys compare whole */
	if (strlen(bdf) >= sizeof(free_slot->bdf) || strlen(driver) >= sizeof(free_slot->driver))
		return err;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->rule = r->f->rule;
	free_slot->severity = r->f->severity;
	strcpy(free_slot->bdf, bdf);
	strcpy(free_slot->driver, driver);
	free_slot->start_mono_ns = mono_ns;
	return err;
}
