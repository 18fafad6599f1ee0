// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* the *_unlocked stdio calls: one sink, one thread */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hostid.h"
#include "log.h"
#include "output.h"
#include "sinks.h"
#include "text.h"

size_t text_escape(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;

	if (!outlen)
		return 0;
	for (; *p && o + 5 < outlen; p++) {
		if (*p == '\\' || *p == '"') {
			out[o++] = '\\';
			out[o++] = *p;
		} else if (*p < 0x20 || *p >= 0x7f) {
			/* a hostile DMI string must not drive the terminal */
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		} else {
			out[o++] = *p;
		}
	}
	out[o] = 0;
	return o;
}

/*
 * The JSON writer. It writes into its own buffer, handed to stdio once per record (or when
 * full): no tree, no printbuf, no snprintf for integers (make bench). Strings are escaped as json-c does with
 * JSON_C_TO_STRING_NOSLASHESCAPE: '"', '\\' and the named controls by name, every other
 * byte below 0x20 as \u00XX, everything else (UTF-8 included) as is.
 */
void jw_flush(struct jw *w)
{
	if (w->p > w->buf)
		fwrite_unlocked(w->buf, 1, (size_t)(w->p - w->buf), w->fp);
	w->p = w->buf;
}

/* room for N more bytes (N <= JW_BUF_SIZE) */
static inline void jw_room(struct jw *w, size_t n)
{
	if ((size_t)(w->buf + sizeof(w->buf) - w->p) < n)
		jw_flush(w);
}

static inline void jw_put(struct jw *w, char c)
{
	jw_room(w, 1);
	*w->p++ = c;
}

static void jw_write(struct jw *w, const char *s, size_t n)
{
	if (n <= (size_t)(w->buf + sizeof(w->buf) - w->p)) {
		memcpy(w->p, s, n);
		w->p += n;
		return;
	}
	while (n) {
		size_t room, k;

		jw_room(w, 1);
		room = (size_t)(w->buf + sizeof(w->buf) - w->p);
		k = n < room ? n : room;
		memcpy(w->p, s, k);
		w->p += k;
		s += k;
		n -= k;
	}
}

/* no byte of V below 0x20, '"' or '\\' (bit tricks from "Bit Twiddling Hacks", hasless and
 * haszero: exact for "any byte", which is all that is asked) */
static inline bool word_plain(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');

	return !((((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high);
}

static void jw_raw_string(struct jw *w, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)str, *run = p, *end;

	end = p + strlen(str);
	jw_put(w, '"');
	while (p < end) {
		unsigned char c;

		if (end - p >= 8) { /* eight plain bytes at a time: the common case */
			uint64_t v;

			memcpy(&v, p, 8);
			if (word_plain(v)) {
				p += 8;
				continue;
			}
		}
		c = *p++;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw_write(w, (const char *)run, (size_t)(p - 1 - run));
		run = p;
		jw_room(w, 6);
		*w->p++ = '\\';
		switch (c) {
		case '"': *w->p++ = '"'; break;
		case '\\': *w->p++ = '\\'; break;
		case '\b': *w->p++ = 'b'; break;
		case '\f': *w->p++ = 'f'; break;
		case '\n': *w->p++ = 'n'; break;
		case '\r': *w->p++ = 'r'; break;
		case '\t': *w->p++ = 't'; break;
		default:
			*w->p++ = 'u';
			*w->p++ = '0';
			*w->p++ = '0';
			*w->p++ = hex[c >> 4];
			*w->p++ = hex[c & 15];
		}
	}
	jw_write(w, (const char *)run, (size_t)(p - run));
	jw_put(w, '"');
}

void jw_init(struct jw *w, FILE *fp)
{
	w->fp = fp;
	w->p = w->buf;
	w->depth = 0;
	w->first[0] = true;
	w->after_key = false;
	w->host = NULL;
}

/* before any value or key: the comma between siblings */
static inline void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		jw_put(w, ',');
	w->first[w->depth] = false;
}

static void jw_open(struct jw *w, char c)
{
	jw_sep(w);
	jw_put(w, c);
	if (w->depth < JW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void jw_close(struct jw *w, char c)
{
	jw_put(w, c);
	if (w->depth)
		w->depth--;
}

void jw_object_begin(struct jw *w) { jw_open(w, '{'); }
void jw_object_end(struct jw *w) { jw_close(w, '}'); }
void jw_array_begin(struct jw *w) { jw_open(w, '['); }
void jw_array_end(struct jw *w) { jw_close(w, ']'); }

void jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	jw_raw_string(w, key);
	jw_put(w, ':');
	w->after_key = true;
}

void jw_string(struct jw *w, const char *s)
{
	jw_sep(w);
	jw_raw_string(w, s);
}

/* the escaper's output is at most 4 bytes per input byte */
void jw_untrusted(struct jw *w, const char *s)
{
	jw_untrusted_n(w, s, strlen(s));
}

void jw_untrusted_n(struct jw *w, const char *s, size_t n)
{
	char stack[4 * 256 + 1], *buf = stack;
	size_t need = 4 * n + 1;

	if (need > sizeof(stack)) {
		buf = malloc(need);
		if (!buf) { /* never the raw bytes */
			jw_null(w);
			return;
		}
	}
	jw_string(w, untrusted_text_n(s, n, buf, need));
	if (buf != stack)
		free(buf);
}

void jw_int(struct jw *w, int64_t v)
{
	char buf[24], *o = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	jw_sep(w);
	do {
		*--o = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--o = '-';
	jw_write(w, o, (size_t)(buf + sizeof(buf) - o));
}

void jw_bool(struct jw *w, bool v)
{
	jw_sep(w);
	if (v)
		jw_write(w, "true", 4);
	else
		jw_write(w, "false", 5);
}

void jw_null(struct jw *w)
{
	jw_sep(w);
	jw_write(w, "null", 4);
}

/* hand-rolled rather than snprintf: this runs several times per event (make bench) */
void jw_hex(struct jw *w, unsigned int v, int width)
{
	static const char digits[] = "0123456789abcdef";
	char buf[16];
	int i;

	for (i = width - 1; i >= 0; i--, v >>= 4)
		buf[i] = digits[v & 15];
	buf[width] = 0;
	jw_string(w, buf);
}

/* a fixed number of decimals: no float noise such as 15.872318188000008 */
void jw_fixed(struct jw *w, double v, int decimals)
{
	char buf[48], *comma;

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	comma = strchr(buf, ',');
	if (comma) /* a locale's decimal comma */
		*comma = '.';
	jw_sep(w);
	jw_write(w, buf, strlen(buf));
}

void jw_double(struct jw *w, double v)
{
	char buf[40], *comma;

	snprintf(buf, sizeof(buf) - 2, "%.17g", v);
	comma = strchr(buf, ',');
	if (comma) /* a locale's decimal comma */
		*comma = '.';
	if ((buf[0] >= '0' && buf[0] <= '9') || (buf[0] == '-' && buf[1] >= '0' && buf[1] <= '9'))
		if (!strchr(buf, '.') && !strchr(buf, 'e'))
			strcat(buf, ".0");
	jw_sep(w);
	jw_write(w, buf, strlen(buf));
}

/* gmtime_r only when the second changes */
char *format_ts(int64_t real_ns, char *buf)
{
	static __thread time_t cached_sec = -1;
	static __thread char prefix[32];
	static __thread size_t prefix_len;
	time_t sec = real_ns / 1000000000;
	unsigned int usec = (unsigned int)((real_ns % 1000000000) / 1000) % 1000000;
	int i;

	if (sec != cached_sec) {
		struct tm tm;

		gmtime_r(&sec, &tm);
		prefix_len = strftime(prefix, sizeof(prefix), "%Y-%m-%dT%H:%M:%S.", &tm);
		cached_sec = sec;
	}
	memcpy(buf, prefix, prefix_len);
	for (i = 5; i >= 0; i--, usec /= 10)
		buf[prefix_len + i] = '0' + usec % 10;
	buf[prefix_len + 6] = 'Z';
	buf[prefix_len + 7] = 0;
	return buf;
}

void jw_ts(struct jw *w, int64_t real_ns)
{
	char buf[48];

	jw_string(w, format_ts(real_ns, buf));
}

void jw_kstring(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void jw_kuntrusted(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_untrusted(w, s);
}

void jw_kint(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kbool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

/* ---- the sink ---- */

/*
 * Each record is rendered whole into memory first (a cookie stream: the renderers keep
 * writing to a FILE), then handed to every destination: the record stream (stdout or
 * --output FILE) as whole records, one write(2) per batch; journald as one entry; the
 * metrics counts. A write error is counted, reported once on stderr, and the run goes on
 * (a full disk may empty again); only a reader that left (EPIPE) ends it.
 */
#define OUT_BATCH (1 << 16)

struct membuf {
	char *data;
	size_t len, cap;
	bool failed; /* out of memory: the record is counted as not written */
};

struct sink {
	FILE *fp;		   /* the renderers write here: appends to *target */
	struct membuf *target;
	struct membuf json, text;  /* the record being written, in each format */
	struct membuf out;	   /* whole records waiting for one write(2) */
	size_t out_records;
	int fd;			   /* the record stream; -1: none (--journal alone) */
	bool own_fd, regular;
	char *path;		   /* --output, reopened on request (SIGHUP) */
	enum output_format fmt;
	int verbose;
	struct jw jw;		   /* JSON: one writer, reused for every record */
	struct host_identity host; /* named by every record (sink_set_host) */
	bool journal;
	struct metrics *metrics;
	struct sink_counts counts;
	int error;		   /* the first write error of any destination */
	bool gone;		   /* EPIPE: the reader left, nothing more is written */
	bool output_reported, journal_reported, metrics_reported;
};

static int membuf_add(struct membuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d) {
			b->failed = true;
			return -ENOMEM;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t n)
{
	struct sink *s = cookie;

	if (membuf_add(s->target, buf, n)) {
		errno = ENOMEM;
		return 0;
	}
	return (ssize_t)n;
}

const char *record_type_name(const struct record *r)
{
	switch (r->type) {
	case RT_STATUS: return "status";
	case RT_PLATFORM: return "platform";
	case RT_EVENT: return finding_is_alert(r->ev->f) ? "alert" : "event";
	case RT_LOST: return "lost";
	case RT_SUMMARY: return "summary";
	case RT_AUDIT_DEVICE: return "device";
	case RT_AUDIT_DOMAIN: return "irq-domain";
	case RT_AUDIT_FINDING: return "finding";
	case RT_AUDIT_SUMMARY: return "audit-summary";
	}
	return "unknown";
}

/*
 * An audit record in one line, for journald's MESSAGE (the stream's text is text_audit()'s
 * tables, written whole by sink_audit()). Names from sysfs are untrusted: escaped.
 */
static void audit_line(FILE *fp, const struct record *r)
{
	const struct audit_snapshot *a = r->a;
	char ts[48], e1[4 * 64 + 1], e2[4 * 64 + 1];
	unsigned int k;

	fputs(format_ts(r->ts_real_ns, ts), fp);
	switch (r->type) {
	case RT_AUDIT_DEVICE: {
		const struct pci_device *p = a->dev[r->idx].pci;

		text_escape(p->bdf, e1, sizeof(e1));
		text_escape(p->driver[0] ? p->driver : "none", e2, sizeof(e2));
		fprintf(fp, " device %s %04x:%04x class %06x driver %s, IMS-capable %s\n", e1,
			p->vendor, p->device, p->class, e2, tri_name(a->dev[r->idx].ims_capable));
		break;
	}
	case RT_AUDIT_DOMAIN: {
		const struct irq_domain_info *d = &a->irqs.dom[r->idx];

		text_escape(d->chip, e1, sizeof(e1));
		text_escape(d->bdf[0] ? d->bdf : "-", e2, sizeof(e2));
		fprintf(fp, " irq-domain %s device %s, %u vectors\n", e1, e2, d->vectors);
		break;
	}
	case RT_AUDIT_FINDING: {
		const struct audit_finding *f = &a->findings.f[r->idx];

		text_escape(f->bdf[0] ? f->bdf : "machine", e1, sizeof(e1));
		fprintf(fp, " %s %s %s: %s\n", audit_severity_name(f->severity), f->rule, e1,
			f->summary);
		break;
	}
	default:
		fprintf(fp, " audit: %zu devices, %zu irq domains, findings", a->inv.n,
			a->irqs.n_dom);
		for (k = 0; k < ASEV_COUNT; k++)
			fprintf(fp, " %s %u", audit_severity_name(k), a->by_severity[k]);
		fputc('\n', fp);
		break;
	}
}

/* R in FMT into B, whole: the JSON line ends in '\n', the text record too */
static void render(struct sink *s, const struct record *r, enum output_format fmt,
		   struct membuf *b)
{
	b->len = 0;
	b->failed = false;
	s->target = b;
	if (fmt == FORMAT_JSON) {
		struct jw *jw = &s->jw;

		jw_init(jw, s->fp);
		jw->host = &s->host;
		switch (r->type) {
		case RT_STATUS: json_status(jw, r->st, r->ts_real_ns); break;
		case RT_PLATFORM: json_platform_record(jw, r->p, r->ts_real_ns); break;
		case RT_EVENT: json_event(jw, r->ev); break;
		case RT_LOST: json_lost(jw, r->l, r->ts_real_ns); break;
		case RT_SUMMARY: json_summary(jw, r->sum, r->ts_real_ns); break;
		case RT_AUDIT_DEVICE: json_audit_device(jw, r->a, r->idx, r->ts_real_ns); break;
		case RT_AUDIT_DOMAIN: json_audit_domain(jw, r->a, r->idx, r->ts_real_ns); break;
		case RT_AUDIT_FINDING: json_audit_finding(jw, r->a, r->idx, r->ts_real_ns); break;
		case RT_AUDIT_SUMMARY: json_audit_summary(jw, r->a, r->fail_on, r->ts_real_ns); break;
		}
		jw_put(jw, '\n');
		jw_flush(jw);
	} else {
		switch (r->type) {
		case RT_STATUS: text_status(s->fp, r->st, &s->host, r->ts_real_ns, s->verbose); break;
		case RT_PLATFORM:
			text_platform_record(s->fp, r->p, &s->host, r->ts_real_ns, s->verbose);
			break;
		case RT_EVENT: text_event(s->fp, r->ev); break;
		case RT_LOST: text_lost(s->fp, r->l, r->ts_real_ns); break;
		case RT_SUMMARY: text_summary(s->fp, r->sum, r->ts_real_ns); break;
		default: audit_line(s->fp, r); break;
		}
	}
	if (fflush(s->fp))
		b->failed = true;
	clearerr(s->fp);
}

static void note_error(struct sink *s, int err)
{
	if (!s->error)
		s->error = err;
}

/* a destination's first error, on stderr once; the counts go on in the summary */
static void output_error(struct sink *s, int err, size_t records)
{
	s->counts.output_unwritten += records;
	note_error(s, err);
	if (s->output_reported)
		return;
	s->output_reported = true;
	log_error("writing records to %s failed: %s; records not written are counted in the "
		  "summary", s->path ? s->path : "stdout", strerror(-err));
}

/* the batch of whole records in one write(2) (more only when the kernel takes less) */
static void out_write(struct sink *s)
{
	size_t off = 0;
	off_t start = -1;
	struct stat st;

	if (s->fd < 0 || !s->out.len || s->gone)
		goto done;
	if (s->regular && !fstat(s->fd, &st))
		start = st.st_size;
	while (off < s->out.len) {
		ssize_t n = write(s->fd, s->out.data + off, s->out.len - off);
		int err;

		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		err = n < 0 ? -errno : -EIO;
		/* a full disk took part of the batch: take it back, so no reader of the file
		 * ever sees half a record (the whole batch is counted as not written) */
		if (off && start >= 0 && ftruncate(s->fd, start))
			log_warn("cannot take back a partly written batch from %s: %s",
				 s->path ? s->path : "stdout", strerror(errno));
		if (err == -EPIPE) {
			s->gone = true;
			note_error(s, err);
		} else {
			output_error(s, err, s->out_records);
		}
		break;
	}
done:
	s->out.len = 0;
	s->out.failed = false;
	s->out_records = 0;
}

static void stream_add(struct sink *s, const struct membuf *b)
{
	if (b->failed) {
		output_error(s, -ENOMEM, 1);
		return;
	}
	if (s->out.len && s->out.len + b->len > OUT_BATCH)
		out_write(s);
	if (membuf_add(&s->out, b->data, b->len)) {
		output_error(s, -ENOMEM, 1);
		return;
	}
	s->out_records++;
	if (s->out.len >= OUT_BATCH)
		out_write(s);
}

/* the text renderer's first line, without its time stamp (journald stamps each entry) */
static void first_line(const struct membuf *b, const char **msg, size_t *len)
{
	const char *p = b->data, *end = b->data + b->len, *nl, *sp;

	nl = memchr(p, '\n', b->len);
	if (nl)
		end = nl;
	sp = memchr(p, ' ', (size_t)(end - p));
	if (sp)
		p = sp + 1;
	*msg = p;
	*len = (size_t)(end - p);
}

static void journal_add(struct sink *s, const struct record *r)
{
	const char *msg;
	size_t msg_len;
	int err;

	if (s->json.failed || s->text.failed) {
		err = -ENOMEM;
	} else {
		first_line(&s->text, &msg, &msg_len);
		/* the JSON without its newline */
		err = journal_send(r, msg, msg_len, s->json.data, s->json.len - 1);
	}
	if (!err)
		return;
	s->counts.journal_unwritten++;
	note_error(s, err);
	if (s->journal_reported)
		return;
	s->journal_reported = true;
	log_error("sending records to journald failed: %s; records not sent are counted in "
		  "the summary", strerror(-err));
}

static void metrics_update(struct sink *s, double mono)
{
	int err = metrics_write(s->metrics, &s->counts, mono);

	if (!err)
		return;
	s->counts.metrics_failed++;
	note_error(s, err);
	if (s->metrics_reported)
		return;
	s->metrics_reported = true;
	log_error("writing metrics to %s failed: %s; failed updates are counted in the summary",
		  metrics_path(s->metrics), strerror(-err));
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sink_emit(struct sink *s, const struct record *r)
{
	struct summary_info sum;
	struct record with_counts;
	bool stream;

	if (r->type == RT_EVENT && r->ev->folded) {
		s->counts.folded_records++;
		s->counts.folded_events += r->ev->folded->count;
	}
	if (s->metrics)
		metrics_note(s->metrics, r);
	if (r->type == RT_SUMMARY) {
		/* the summary reports what could not be written up to itself: the metrics
		 * file is brought up to date first, so its last failure is counted too */
		if (s->metrics)
			metrics_update(s, mono_now());
		sum = *r->sum;
		sum.sinks = s->counts;
		with_counts = *r;
		with_counts.sum = &sum;
		r = &with_counts;
	}
	/* the audit's records go to a text stream as one block of tables (sink_audit) */
	stream = s->fd >= 0 && !s->gone && !(record_is_audit(r) && s->fmt == FORMAT_TEXT);
	if ((stream && s->fmt == FORMAT_JSON) || s->journal)
		render(s, r, FORMAT_JSON, &s->json);
	if ((stream && s->fmt == FORMAT_TEXT) || s->journal)
		render(s, r, FORMAT_TEXT, &s->text);
	if (stream)
		stream_add(s, s->fmt == FORMAT_JSON ? &s->json : &s->text);
	if (s->journal)
		journal_add(s, r);
	return s->gone ? -EPIPE : 0;
}

static int open_output(const char *path, int *fd, bool *regular, char *err, size_t errlen)
{
	struct stat st;

	/* appended to, never truncated: an audit log keeps what earlier runs wrote */
	*fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
	if (*fd < 0) {
		snprintf(err, errlen, "cannot create output file '%s': %s", path,
			 strerror(errno));
		return -errno;
	}
	*regular = !fstat(*fd, &st) && S_ISREG(st.st_mode);
	return 0;
}

struct sink *sink_open_config(const struct config *cfg, char *err, size_t errlen)
{
	cookie_io_functions_t io = { .write = cookie_write };
	struct sink *s = calloc(1, sizeof(*s));
	struct stat st;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->fd = -1;
	s->fmt = cfg->format;
	/* read once, here: watch's events are the running kernel's whatever --sysroot says;
	 * platform and audit describe the tree they read */
	hostid_read_root(cfg->command != CMD_WATCH && cfg->sysroot ? cfg->sysroot : "/",
			 &s->host);
	/* every destination is checked before --output is created: bad input writes nothing */
	if (cfg->journal) {
		if (journal_check(err, errlen))
			goto fail;
		s->journal = true;
	}
	if (cfg->metrics) {
		s->metrics = metrics_open(cfg->metrics, cfg->metrics_interval, err, errlen);
		if (!s->metrics)
			goto fail;
		metrics_set_host(s->metrics, &s->host);
	}
	s->fp = fopencookie(s, "w", io);
	if (!s->fp) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	setvbuf(s->fp, NULL, _IOFBF, 1 << 16);
	if (cfg->output) {
		s->path = strdup(cfg->output);
		if (!s->path) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (open_output(s->path, &s->fd, &s->regular, err, errlen))
			goto fail;
		s->own_fd = true;
	} else if (!cfg->journal || cfg->format_given) {
		/* --journal alone sends records to the journal only; with --format, to both */
		s->fd = STDOUT_FILENO;
		s->regular = !fstat(s->fd, &st) && S_ISREG(st.st_mode);
	}
	return s;
fail:
	if (s->fp)
		fclose(s->fp);
	metrics_free(s->metrics);
	free(s->path);
	free(s);
	return NULL;
}

struct sink *sink_open(enum output_format fmt, const char *path, char *err, size_t errlen)
{
	struct config cfg = { .format = fmt, .output = path, .format_given = true };

	return sink_open_config(&cfg, err, errlen);
}

void sink_set_verbose(struct sink *s, int verbose)
{
	s->verbose = verbose;
}

void sink_set_host(struct sink *s, const struct host_identity *host)
{
	if (host)
		s->host = *host;
	else
		memset(&s->host, 0, sizeof(s->host));
	if (s->metrics)
		metrics_set_host(s->metrics, &s->host);
}

int sink_status(struct sink *s, const struct status_info *st, int64_t ts_real_ns)
{
	return sink_emit(s, &(struct record){ .type = RT_STATUS, .ts_real_ns = ts_real_ns,
					      .st = st });
}

int sink_platform(struct sink *s, const struct platform *p, int64_t ts_real_ns)
{
	return sink_emit(s, &(struct record){ .type = RT_PLATFORM, .ts_real_ns = ts_real_ns,
					      .p = p });
}

int sink_event(struct sink *s, const struct event_record *r)
{
	return sink_emit(s, &(struct record){ .type = RT_EVENT, .ts_real_ns = r->ts_real_ns,
					      .ev = r });
}

int sink_lost(struct sink *s, const struct lost_info *l, int64_t ts_real_ns)
{
	return sink_emit(s, &(struct record){ .type = RT_LOST, .ts_real_ns = ts_real_ns,
					      .l = l });
}

int sink_summary(struct sink *s, const struct summary_info *sum, int64_t ts_real_ns)
{
	return sink_emit(s, &(struct record){ .type = RT_SUMMARY, .ts_real_ns = ts_real_ns,
					      .sum = sum });
}

/* the terminal's width when records go to one, else COLUMNS, else 100 */
static int sink_width(const struct sink *s)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	char *end;
	long v;

	if (s->fd >= 0 && isatty(s->fd) && !ioctl(s->fd, TIOCGWINSZ, &ws) && ws.ws_col >= 40)
		return ws.ws_col;
	if (env && *env) {
		v = strtol(env, &end, 10);
		if (!*end && v >= 40 && v <= 10000)
			return (int)v;
	}
	return 100;
}

int sink_audit(struct sink *s, const struct audit_snapshot *a, int fail_on, int64_t ts_real_ns)
{
	struct record r = { .ts_real_ns = ts_real_ns, .a = a, .fail_on = fail_on };
	size_t i;

	if (s->fd >= 0 && !s->gone && s->fmt == FORMAT_TEXT) {
		/* for people: the tables, one whole record of the stream */
		s->text.len = 0;
		s->text.failed = false;
		s->target = &s->text;
		text_audit(s->fp, a, fail_on, ts_real_ns, s->verbose, sink_width(s));
		if (fflush(s->fp))
			s->text.failed = true;
		clearerr(s->fp);
		stream_add(s, &s->text);
	}
	/* JSON: one line per record; journald: one entry per record */
	r.type = RT_AUDIT_DEVICE;
	for (i = 0; i < a->inv.n; i++) {
		r.idx = i;
		sink_emit(s, &r);
	}
	r.type = RT_AUDIT_DOMAIN;
	for (i = 0; i < a->irqs.n_dom; i++) {
		r.idx = i;
		sink_emit(s, &r);
	}
	r.type = RT_AUDIT_FINDING;
	for (i = 0; i < a->findings.n; i++) {
		r.idx = i;
		sink_emit(s, &r);
	}
	r.type = RT_AUDIT_SUMMARY;
	r.idx = 0;
	return sink_emit(s, &r);
}

int sink_flush(struct sink *s)
{
	out_write(s);
	return s->gone ? -EPIPE : 0;
}

void sink_tick(struct sink *s, double mono_s)
{
	if (s->metrics && metrics_due(s->metrics, mono_s))
		metrics_update(s, mono_s);
}

int sink_reopen(struct sink *s)
{
	char err[512];
	bool regular;
	int fd;

	if (!s->own_fd)
		return 0;
	out_write(s); /* what was written before the signal goes to the old file */
	if (open_output(s->path, &fd, &regular, err, sizeof(err))) {
		/* the records keep going to the old (renamed) file: nothing is lost */
		log_error("%s; records still go to the file opened before", err);
		return -EIO;
	}
	close(s->fd);
	s->fd = fd;
	s->regular = regular;
	log_info("reopened %s", s->path);
	return 0;
}

const struct sink_counts *sink_counts(const struct sink *s)
{
	return &s->counts;
}

int sink_fd(const struct sink *s)
{
	return s->gone ? -1 : s->fd;
}

int sink_close(struct sink *s)
{
	int r;

	if (!s)
		return 0;
	out_write(s);
	if (s->metrics)
		metrics_update(s, mono_now());
	if (s->own_fd && close(s->fd) && !s->gone)
		output_error(s, -errno, 0);
	r = s->error;
	fclose(s->fp);
	metrics_free(s->metrics);
	free(s->json.data);
	free(s->text.data);
	free(s->out.data);
	free(s->path);
	free(s);
	return r;
}
