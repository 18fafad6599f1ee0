// SPDX-License-Identifier: GPL-2.0
/*
 * journal: each record as one journald entry of structured fields (--journal), through
 * libsystemd's sd_journal_sendv(). MESSAGE is for people: the text renderer's first line
 * (already escaped for a terminal). The IMSWATCH_* fields are for queries
 * (journalctl IMSWATCH_RULE=IMSW-IMS-VM); IMSWATCH_JSON is the whole JSON record.
 * Untrusted values (driver names, the hypervisor's name, a BDF) go through the one
 * escaper, as in every other format.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifndef IMSW_NO_LIBSYSTEMD
/* no CODE_FILE/CODE_LINE/CODE_FUNC of this file in every entry: they say nothing */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
#endif

#include "decode.h"
#include "output.h"
#include "records.h"
#include "sinks.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

int journal_priority(const struct record *r)
{
	if (r->type == RT_AUDIT_FINDING) {
		switch (r->a->findings.f[r->idx].severity) {
		case ASEV_CRITICAL: return 2;
		case ASEV_WARNING: return 4;
		case ASEV_NOTICE: return 5;
		default: return 6;
		}
	}
	if (r->type != RT_EVENT)
		return 6;
	switch (r->ev->f->severity) {
	case SEV_CRITICAL: return 2;
	case SEV_WARNING: return 4;
	default: return 6;
	}
}

struct fields {
	struct iovec *iov;
	size_t n;
	char *scratch, *p, *end;
};

/* NAME=VALUE, VALUE trusted (our own names and numbers) */
static void field(struct fields *f, const char *name, const char *value)
{
	int k;

	if (f->n >= JOURNAL_MAX_FIELDS || f->p >= f->end)
		return;
	k = snprintf(f->p, (size_t)(f->end - f->p), "%s=%s", name, value);
	if (k < 0 || k >= f->end - f->p) /* never a cut value: the field is left out */
		return;
	f->iov[f->n].iov_base = f->p;
	f->iov[f->n].iov_len = (size_t)k;
	f->n++;
	f->p += k + 1;
}

static void field_untrusted(struct fields *f, const char *name, const char *value)
{
	char buf[4 * 256 + 1];

	/* longer values than 256 bytes do not reach here (driver, BDF, hypervisor) */
	field(f, name, untrusted_text(value, buf, sizeof(buf)));
}

static void field_u64(struct fields *f, const char *name, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	field(f, name, buf);
}

/* NAME=V, N bytes (the message, the JSON): one iovec is one whole field */
static void field_n(struct fields *f, const char *name, const char *v, size_t n)
{
	size_t k = strlen(name);

	if (f->n >= JOURNAL_MAX_FIELDS || (size_t)(f->end - f->p) < k + n + 2)
		return;
	memcpy(f->p, name, k);
	f->p[k] = '=';
	memcpy(f->p + k + 1, v, n);
	f->iov[f->n].iov_base = f->p;
	f->iov[f->n].iov_len = k + 1 + n;
	f->n++;
	f->p += k + n + 2;
}

static void verdict_fields(struct fields *f, const struct platform *p)
{
	field(f, "IMSWATCH_SEED", p->seed.probably_on_bare_metal ? "probably-bare-metal"
								  : "not-bare-metal");
	field(f, "IMSWATCH_Q1", guest_verdict_name(p->q1.verdict));
	field(f, "IMSWATCH_Q2", guest_verdict_name(p->q2.verdict));
	if (p->q1.hypervisor[0])
		field_untrusted(f, "IMSWATCH_HYPERVISOR", p->q1.hypervisor);
	field(f, "IMSWATCH_IMS_GATE", ims_gate_name(p->ims_gate));
}

size_t journal_fields(const struct record *r, const char *msg, size_t msg_len,
		      const char *json, size_t json_len, struct iovec *iov, char *scratch)
{
	struct fields f = { .iov = iov, .scratch = scratch, .p = scratch,
			    .end = scratch + journal_scratch_size(msg_len, json_len) };
	char prio[4], ts[48];

	snprintf(prio, sizeof(prio), "%d", journal_priority(r));
	field(&f, "PRIORITY", prio);
	field(&f, "SYSLOG_IDENTIFIER", "imswatch");
	field(&f, "IMSWATCH_RECORD", record_type_name(r));
	field(&f, "IMSWATCH_TS", format_ts(r->ts_real_ns, ts));
	field_u64(&f, "IMSWATCH_FORMAT_VERSION", IMSWATCH_FORMAT_VERSION);
	/* no IMSWATCH_HOST, _MACHINE_ID or _BOOT_ID copies: journald stamps every entry with
	 * trusted _HOSTNAME, _MACHINE_ID and _BOOT_ID, which journal-remote and exports keep;
	 * the record's own host object (a --sysroot tree's machine) is in IMSWATCH_JSON */
	switch (r->type) {
	case RT_EVENT: {
		const struct event_record *ev = r->ev;
		struct device_view d;

		event_device(ev, &d);
		field(&f, "IMSWATCH_RULE", ev->f->rule);
		field(&f, "IMSWATCH_SEVERITY", severity_name(ev->f->severity));
		field(&f, "IMSWATCH_KIND", event_kind_name(ev->e));
		field(&f, "IMSWATCH_HOOK", hook_name(ev->e->hook));
		if (d.bdf)
			field_untrusted(&f, "IMSWATCH_BDF", d.bdf);
		if (event_driver(ev)[0])
			field_untrusted(&f, "IMSWATCH_DRIVER", event_driver(ev));
		if (ev->f->ims_attempt)
			field(&f, "IMSWATCH_KERNEL_ACCEPTED",
			      ev->f->outcome == OUTCOME_ACCEPTED ? "true" : "false");
		if (ev->folded)
			field_u64(&f, "IMSWATCH_FOLDED_COUNT", ev->folded->count);
		if (finding_is_alert(ev->f))
			verdict_fields(&f, ev->p);
		break;
	}
	case RT_STATUS:
		verdict_fields(&f, r->st->platform);
		break;
	case RT_PLATFORM:
		verdict_fields(&f, r->p);
		break;
	case RT_LOST:
		field_u64(&f, "IMSWATCH_LOST", r->l->total);
		break;
	case RT_SUMMARY:
		field_u64(&f, "IMSWATCH_ALERTS_CRITICAL", r->sum->alerts_by_severity[SEV_CRITICAL]);
		field_u64(&f, "IMSWATCH_ALERTS_WARNING", r->sum->alerts_by_severity[SEV_WARNING]);
		break;
	case RT_AUDIT_DEVICE: {
		const struct pci_device *p = r->a->dev[r->idx].pci;

		field_untrusted(&f, "IMSWATCH_BDF", p->bdf);
		if (p->driver[0])
			field_untrusted(&f, "IMSWATCH_DRIVER", p->driver);
		break;
	}
	case RT_AUDIT_FINDING: {
		const struct audit_finding *af = &r->a->findings.f[r->idx];

		field(&f, "IMSWATCH_RULE", af->rule);
		field(&f, "IMSWATCH_SEVERITY", audit_severity_name(af->severity));
		if (af->bdf[0])
			field_untrusted(&f, "IMSWATCH_BDF", af->bdf);
		break;
	}
	case RT_AUDIT_DOMAIN:
	case RT_AUDIT_SUMMARY:
		break;
	}
	if (record_is_audit(r) && r->a->snapshot)
		field(&f, "IMSWATCH_SNAPSHOT", "true");
	field_n(&f, "MESSAGE", msg, msg_len);
	field_n(&f, "IMSWATCH_JSON", json, json_len);
	return f.n;
}

int journal_check(char *err, size_t errlen)
{
	const char *why = NULL;

#ifdef IMSW_NO_LIBSYSTEMD
	snprintf(err, errlen, "--journal: this build has no journald support (the static "
		 "build links no libsystemd)");
	return -ENOTSUP;
#endif
	struct stat st;

	if (stat(JOURNAL_SOCKET, &st))
		why = strerror(errno);
	else if (!S_ISSOCK(st.st_mode))
		why = "not a socket";
	if (why) {
		snprintf(err, errlen, "--journal: no journald socket at %s (%s): is "
			 "systemd-journald running?", JOURNAL_SOCKET, why);
		return -ENOENT;
	}
	return 0;
}

int journal_send(const struct record *r, const char *msg, size_t msg_len, const char *json,
		 size_t json_len)
{
	struct iovec iov[JOURNAL_MAX_FIELDS];
	char *scratch = malloc(journal_scratch_size(msg_len, json_len));
	size_t n;
	int r2;

	if (!scratch)
		return -ENOMEM;
	n = journal_fields(r, msg, msg_len, json, json_len, iov, scratch);
#ifdef IMSW_NO_LIBSYSTEMD
	r2 = -ENOTSUP;
	(void)n;
#else
	r2 = sd_journal_sendv(iov, (int)n);
#endif
	free(scratch);
	return r2;
}
