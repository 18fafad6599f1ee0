// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* the *_unlocked stdio calls: one sink, one thread */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "output.h"
#include "text.h"

struct sink {
	FILE *fp;
	bool own_fp;
	int error; /* first write error, sticky */
	enum output_format fmt;
	int verbose;
	struct jw jw; /* JSON: one writer, reused for every record */
};

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

struct sink *sink_open(enum output_format fmt, const char *path, char *err, size_t errlen)
{
	struct sink *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (path) {
		s->fp = fopen(path, "we");
		if (!s->fp) {
			snprintf(err, errlen, "cannot create output file '%s': %s", path,
				 strerror(errno));
			free(s);
			return NULL;
		}
		s->own_fp = true;
	} else {
		s->fp = stdout;
	}
	/* whole batches per write(2); flushed after every ring-buffer drain anyway */
	setvbuf(s->fp, NULL, _IOFBF, 1 << 16);
	s->fmt = fmt;
	return s;
}

void sink_set_verbose(struct sink *s, int verbose)
{
	s->verbose = verbose;
}

/* after a record: the sticky error, from errno when stdio set one */
static int sink_done(struct sink *s)
{
	if (ferror(s->fp) && !s->error)
		s->error = errno ? -errno : -EIO;
	return s->error;
}

#define SINK_RECORD(s, json_call, text_call)                                                 \
	do {                                                                                 \
		if ((s)->error)                                                              \
			return (s)->error;                                                   \
		errno = 0;                                                                   \
		if ((s)->fmt == FORMAT_JSON) {                                               \
			struct jw *jw = &(s)->jw;                                            \
			jw_init(jw, (s)->fp);                                                \
			json_call;                                                           \
			jw_put(jw, '\n');                                                    \
			jw_flush(jw);                                                        \
		} else {                                                                     \
			text_call;                                                           \
		}                                                                            \
		return sink_done(s);                                                         \
	} while (0)

int sink_status(struct sink *s, const struct status_info *st, int64_t ts_real_ns)
{
	SINK_RECORD(s, json_status(jw, st, ts_real_ns),
		    text_status(s->fp, st, ts_real_ns, s->verbose));
}

int sink_platform(struct sink *s, const struct platform *p, int64_t ts_real_ns)
{
	SINK_RECORD(s, json_platform_record(jw, p, ts_real_ns),
		    text_platform_record(s->fp, p, ts_real_ns, s->verbose));
}

int sink_event(struct sink *s, const struct event_record *r)
{
	SINK_RECORD(s, json_event(jw, r), text_event(s->fp, r));
}

int sink_lost(struct sink *s, const struct lost_info *l, int64_t ts_real_ns)
{
	SINK_RECORD(s, json_lost(jw, l, ts_real_ns), text_lost(s->fp, l, ts_real_ns));
}

int sink_summary(struct sink *s, const struct summary_info *sum, int64_t ts_real_ns)
{
	SINK_RECORD(s, json_summary(jw, sum, ts_real_ns), text_summary(s->fp, sum, ts_real_ns));
}

/* the terminal's width when records go to one, else COLUMNS, else 100 */
static int sink_width(const struct sink *s)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	char *end;
	long v;

	if (isatty(fileno(s->fp)) && !ioctl(fileno(s->fp), TIOCGWINSZ, &ws) && ws.ws_col >= 40)
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
	struct jw *jw = &s->jw;
	size_t i;

	if (s->error)
		return s->error;
	errno = 0;
	if (s->fmt != FORMAT_JSON) {
		text_audit(s->fp, a, fail_on, ts_real_ns, s->verbose, sink_width(s));
		return sink_done(s);
	}
	/* one line per record, each handed to stdio whole */
#define AUDIT_LINE(call)                                                                     \
	do {                                                                                 \
		jw_init(jw, s->fp);                                                          \
		call;                                                                        \
		jw_put(jw, '\n');                                                            \
		jw_flush(jw);                                                                \
		if (sink_done(s))                                                            \
			return s->error;                                                     \
	} while (0)
	for (i = 0; i < a->inv.n; i++)
		AUDIT_LINE(json_audit_device(jw, a, i, ts_real_ns));
	for (i = 0; i < a->irqs.n_dom; i++)
		AUDIT_LINE(json_audit_domain(jw, a, i, ts_real_ns));
	for (i = 0; i < a->findings.n; i++)
		AUDIT_LINE(json_audit_finding(jw, a, i, ts_real_ns));
	AUDIT_LINE(json_audit_summary(jw, a, fail_on, ts_real_ns));
#undef AUDIT_LINE
	return 0;
}

int sink_flush(struct sink *s)
{
	if (!s->error && fflush(s->fp))
		s->error = -errno;
	return s->error;
}

int sink_fd(const struct sink *s)
{
	return fileno(s->fp);
}

int sink_close(struct sink *s)
{
	int r;

	if (!s)
		return 0;
	r = sink_flush(s);
	if (s->own_fp && fclose(s->fp) && !r)
		r = -errno;
	free(s);
	return r;
}
