// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* the *_unlocked stdio calls: one sink, one thread */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

struct sink {
	FILE *fp;
	bool own_fp;
	int error; /* first write error, sticky */
	int (*render)(struct sink *s, json_object *rec);
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
 * JSON writer. json-c's own serializer builds each line in a printbuf through many small
 * appends and formats every integer with snprintf; for event records that was about half
 * the pipeline's time (make bench). This walks the same object tree and writes straight
 * into the sink's stdio buffer. Output is what json-c writes with JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE (tests/unit/test_core.c compares the two).
 */
static void json_write_string(FILE *fp, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)str, *end = p + len, *run = p;

	putc_unlocked('"', fp);
	for (; p < end; p++) {
		unsigned char c = *p;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		fwrite_unlocked(run, 1, (size_t)(p - run), fp);
		run = p + 1;
		putc_unlocked('\\', fp);
		switch (c) {
		case '"': putc_unlocked('"', fp); break;
		case '\\': putc_unlocked('\\', fp); break;
		case '\b': putc_unlocked('b', fp); break;
		case '\f': putc_unlocked('f', fp); break;
		case '\n': putc_unlocked('n', fp); break;
		case '\r': putc_unlocked('r', fp); break;
		case '\t': putc_unlocked('t', fp); break;
		default:
			fputs_unlocked("u00", fp);
			putc_unlocked(hex[c >> 4], fp);
			putc_unlocked(hex[c & 15], fp);
		}
	}
	fwrite_unlocked(run, 1, (size_t)(p - run), fp);
	putc_unlocked('"', fp);
}

static void json_write_int(FILE *fp, int64_t v)
{
	char buf[24], *o = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--o = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--o = '-';
	fwrite_unlocked(o, 1, (size_t)(buf + sizeof(buf) - o), fp);
}

static void json_write(FILE *fp, json_object *v)
{
	size_t i, n;
	bool first = true;

	switch (json_object_get_type(v)) {
	case json_type_null:
		fputs_unlocked("null", fp);
		break;
	case json_type_boolean:
		fputs_unlocked(json_object_get_boolean(v) ? "true" : "false", fp);
		break;
	case json_type_int:
		json_write_int(fp, json_object_get_int64(v));
		break;
	case json_type_string:
		json_write_string(fp, json_object_get_string(v),
				  (size_t)json_object_get_string_len(v));
		break;
	case json_type_object:
		putc_unlocked('{', fp);
		json_object_object_foreach(v, key, val) {
			if (!first)
				putc_unlocked(',', fp);
			first = false;
			json_write_string(fp, key, strlen(key));
			putc_unlocked(':', fp);
			json_write(fp, val);
		}
		putc_unlocked('}', fp);
		break;
	case json_type_array:
		putc_unlocked('[', fp);
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			if (i)
				putc_unlocked(',', fp);
			json_write(fp, json_object_array_get_idx(v, i));
		}
		putc_unlocked(']', fp);
		break;
	default: /* doubles (summary durations): json-c's own formatting */
		fputs_unlocked(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), fp);
		break;
	}
}

static int render_json(struct sink *s, json_object *rec)
{
	errno = 0;
	json_write(s->fp, rec);
	putc_unlocked('\n', s->fp);
	return ferror(s->fp) ? (errno ? -errno : -EIO) : 0;
}

static void text_value(FILE *fp, json_object *v)
{
	char buf[1024];

	switch (json_object_get_type(v)) {
	case json_type_string:
		text_escape(json_object_get_string(v), buf, sizeof(buf));
		if (!buf[0] || strchr(buf, ' ') || strchr(buf, '='))
			fprintf(fp, "\"%s\"", buf);
		else
			fputs(buf, fp);
		break;
	case json_type_null:
		fputs("-", fp);
		break;
	default: /* numbers and booleans print as JSON does */
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), fp);
		break;
	}
}

/* key=value pairs for the leaves of V, nested keys joined with dots */
static void text_flat(FILE *fp, const char *prefix, json_object *v, const char *sep)
{
	char key[128];

	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, child)
		{
			if (!prefix[0] && (!strcmp(k, "type") || !strcmp(k, "ts")))
				continue;
			snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "." : "", k);
			text_flat(fp, key, child, sep);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		size_t i, n = json_object_array_length(v);

		for (i = 0; i < n; i++) {
			snprintf(key, sizeof(key), "%s[%zu]", prefix, i);
			text_flat(fp, key, json_object_array_get_idx(v, i), sep);
		}
	} else {
		fprintf(fp, "%s%s=", sep, prefix);
		text_value(fp, v);
	}
}

/*
 * Text: one line per event or alert, "<ts> <type> key=value ...". Status, platform and
 * summary records are long, so their leaves go one per indented line under the header.
 */
static int render_text(struct sink *s, json_object *rec)
{
	json_object *type = json_object_object_get(rec, "type");
	json_object *ts = json_object_object_get(rec, "ts");
	const char *t = type ? json_object_get_string(type) : NULL;
	const char *when = ts ? json_object_get_string(ts) : NULL;
	bool one_line;

	t = t ? t : "record";
	one_line = !strcmp(t, "event") || !strcmp(t, "alert") || !strcmp(t, "lost");
	fprintf(s->fp, "%s %s", when ? when : "-", t);
	if (!strcmp(t, "alert")) {
		json_object *sev = json_object_object_get(rec, "severity");

		fprintf(s->fp, " %s", json_object_get_string(sev));
	}
	text_flat(s->fp, "", rec, one_line ? " " : "\n  ");
	return fputc('\n', s->fp) < 0 ? -errno : 0;
}

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
	s->render = fmt == FORMAT_JSON ? render_json : render_text;
	return s;
}

int sink_emit(struct sink *s, json_object *rec)
{
	if (!rec)
		return -ENOMEM;
	if (s->error)
		return s->error;
	errno = 0;
	if (s->render(s, rec) || ferror(s->fp))
		s->error = errno ? -errno : -EIO;
	return s->error;
}

int sink_write(struct sink *s, json_object *rec)
{
	int r = sink_emit(s, rec);

	json_object_put(rec);
	return r;
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
