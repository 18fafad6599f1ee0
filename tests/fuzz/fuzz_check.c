// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_check.h"

/* Length of the strictly valid UTF-8 sequence at S (N bytes left), or 0. */
static size_t utf8_one(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint8_t c = s[0];
	size_t len, i;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

bool utf8_valid(const uint8_t *s, size_t n)
{
	uint32_t cp;
	size_t i = 0, k;

	while (i < n) {
		k = utf8_one(s + i, n - i, &cp);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

/* ---- strict JSON ------------------------------------------------------------------ */

struct parser {
	const uint8_t *s;
	size_t n, i;
	int depth;
	const char *fault;
};

#define FAIL(p, msg) ((p)->fault = (p)->fault ? (p)->fault : (msg), false)

static void ws(struct parser *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\r'))
		p->i++; /* '\n' ends a record: not whitespace inside one */
}

static bool lit(struct parser *p, const char *w)
{
	size_t l = strlen(w);

	if (p->n - p->i < l || memcmp(p->s + p->i, w, l))
		return FAIL(p, "bad literal");
	p->i += l;
	return true;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool u4(struct parser *p, uint32_t *v)
{
	int k, h;

	*v = 0;
	if (p->n - p->i < 4)
		return FAIL(p, "short \\u escape");
	for (k = 0; k < 4; k++) {
		h = hexval(p->s[p->i + k]);
		if (h < 0)
			return FAIL(p, "bad \\u escape");
		*v = *v << 4 | (uint32_t)h;
	}
	p->i += 4;
	return true;
}

static bool string(struct parser *p)
{
	uint32_t cp, lo;
	size_t k;

	p->i++; /* '"' */
	while (p->i < p->n) {
		uint8_t c = p->s[p->i];

		if (c == '"') {
			p->i++;
			return true;
		}
		if (c < 0x20)
			return FAIL(p, "raw control character in a string");
		if (c == '\\') {
			if (++p->i >= p->n)
				return FAIL(p, "truncated escape");
			c = p->s[p->i++];
			if (strchr("\"\\/bfnrt", c) && c)
				continue;
			if (c != 'u')
				return FAIL(p, "bad escape");
			if (!u4(p, &cp))
				return false;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return FAIL(p, "lone low surrogate escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
					return FAIL(p, "lone high surrogate escape");
				p->i += 2;
				if (!u4(p, &lo))
					return false;
				if (lo < 0xdc00 || lo > 0xdfff)
					return FAIL(p, "high surrogate escape without its low half");
			}
			continue;
		}
		k = utf8_one(p->s + p->i, p->n - p->i, &cp);
		if (!k)
			return FAIL(p, "invalid UTF-8 in a string");
		p->i += k;
	}
	return FAIL(p, "unterminated string");
}

static bool number(struct parser *p)
{
	size_t start;

	if (p->s[p->i] == '-')
		p->i++;
	if (p->i >= p->n)
		return FAIL(p, "bad number");
	if (p->s[p->i] == '0') {
		p->i++;
	} else if (p->s[p->i] >= '1' && p->s[p->i] <= '9') {
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	} else {
		return FAIL(p, "bad number");
	}
	if (p->i < p->n && p->s[p->i] == '.') {
		start = ++p->i;
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
		if (p->i == start)
			return FAIL(p, "bad fraction");
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		start = p->i;
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
		if (p->i == start)
			return FAIL(p, "bad exponent");
	}
	return true;
}

static bool value(struct parser *p);

static bool container(struct parser *p, uint8_t close, bool object)
{
	if (++p->depth > 64)
		return FAIL(p, "nested deeper than 64");
	p->i++;
	ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		p->depth--;
		return true;
	}
	for (;;) {
		if (object) {
			ws(p);
			if (p->i >= p->n || p->s[p->i] != '"')
				return FAIL(p, "object key is not a string");
			if (!string(p))
				return false;
			ws(p);
			if (p->i >= p->n || p->s[p->i] != ':')
				return FAIL(p, "missing ':'");
			p->i++;
		}
		if (!value(p))
			return false;
		ws(p);
		if (p->i >= p->n)
			return FAIL(p, "unterminated container");
		if (p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->s[p->i] == close) {
			p->i++;
			p->depth--;
			return true;
		}
		return FAIL(p, "expected ',' or the closing bracket");
	}
}

static bool value(struct parser *p)
{
	ws(p);
	if (p->i >= p->n)
		return FAIL(p, "missing value");
	switch (p->s[p->i]) {
	case '{':
		return container(p, '}', true);
	case '[':
		return container(p, ']', false);
	case '"':
		return string(p);
	case 't':
		return lit(p, "true");
	case 'f':
		return lit(p, "false");
	case 'n':
		return lit(p, "null");
	default:
		return number(p);
	}
}

const char *jsonl_check(const uint8_t *s, size_t n)
{
	struct parser p = { .s = s, .n = n };

	if (!n)
		return "no output";
	while (p.i < n) {
		p.depth = 0;
		if (!value(&p))
			return p.fault;
		ws(&p);
		if (p.i >= n || s[p.i] != '\n')
			return "a record is not exactly one JSON value followed by a newline";
		p.i++;
	}
	return NULL;
}

/* ---- escaping --------------------------------------------------------------------- */

const char *untrusted_check(const uint8_t *in, size_t inlen, const char *s)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t n = strlen(s), i = 0, o = 0, k;
	uint8_t *back;
	uint32_t cp;
	const char *fault = NULL;

	if (!utf8_valid(u, n))
		return "escaped text is not strictly valid UTF-8";
	while (i < n) {
		k = utf8_one(u + i, n - i, &cp);
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
		    cp == 0x2029)
			return "escaped text keeps a control character, C1 control or U+2028/9";
		i += k;
	}
	back = malloc(n + 1);
	if (!back)
		abort();
	for (i = 0; i < n;) {
		if (u[i] == '\\') {
			int h, l;

			if (n - i < 4 || u[i + 1] != 'x' || (h = hexval(u[i + 2])) < 0 ||
			    (l = hexval(u[i + 3])) < 0) {
				fault = "a backslash that does not start \\xNN";
				goto out;
			}
			back[o++] = (uint8_t)(h << 4 | l);
			i += 4;
		} else {
			back[o++] = u[i++];
		}
	}
	if (o != inlen || memcmp(back, in, o))
		fault = "un-escaping does not give the original bytes back";
out:
	free(back);
	return fault;
}

bool fuzz_contains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle), i, k;

	for (i = 0; m && i + m <= n; i++) {
		for (k = 0; k < m && hay[i + k] == (uint8_t)needle[k]; k++)
			;
		if (k == m)
			return true;
	}
	return false;
}

void fuzz_require(const char *fault, const char *what, const void *text, size_t len)
{
	if (!fault)
		return;
	fprintf(stderr, "FUZZ CHECK FAILED: %s: %s\n--- %zu bytes:\n", what, fault, len);
	fwrite(text, 1, len > 4096 ? 4096 : len, stderr);
	fputs("\n---\n", stderr);
	abort();
}

/* ---- files ------------------------------------------------------------------------ */

static char tmpdir[256];

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (type == FTW_DP)
		return rmdir(path) ? 0 : 0;
	unlink(path);
	return 0;
}

void fuzz_rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void tmpdir_cleanup(void)
{
	if (tmpdir[0])
		fuzz_rm_rf(tmpdir);
}

const char *fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	struct stat st;

	if (tmpdir[0])
		return tmpdir;
	if (!base || !*base)
		base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/imswatch-fuzz-XXXXXX", base);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		abort();
	}
	atexit(tmpdir_cleanup);
	return tmpdir;
}

void fuzz_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len)) {
		fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
		abort();
	}
	close(fd);
}

uint8_t *fuzz_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f) {
		fprintf(stderr, "fuzz: cannot read %s: %s\n", path, strerror(errno));
		abort();
	}
	do {
		if (n + 4096 + 1 > cap) {
			cap = (cap + 4096) * 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		r = fread(buf + n, 1, 4096, f);
		n += r;
	} while (r);
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}
