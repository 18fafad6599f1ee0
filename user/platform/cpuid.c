// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid: native CPUID or a replay file. The replay file is user input and may describe a CPU
 * that lies (hidden hypervisor bit, forged vendor leaf): the parser is strict so a typo cannot
 * silently turn into "leaf absent" and change a verdict.
 */
#include "cpuid.h"
#include "names.h"
#include "escape.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Not GCC's <cpuid.h>: with -Iuser that name resolves to this module's own header, so the
 * instruction is issued directly (what __cpuid_count expands to).
 */
#if defined(__x86_64__) || defined(__i386__)
#define HAVE_NATIVE_CPUID 1
#else
#define HAVE_NATIVE_CPUID 0
#endif

#define CPUID_FIELDS 6

/*
 * A replay line is at most six hex words and a comment: anything longer is not a CPUID
 * file (--cpuid-file /dev/zero must fail, not grow a buffer until memory runs out).
 */
#define CPUID_LINE_MAX 512

static const char *const field_names[CPUID_FIELDS] = {
	"leaf", "subleaf", "eax", "ebx", "ecx", "edx",
};

int cpuid_source_native(struct cpuid_source *src)
{
	memset(src, 0, sizeof(*src));
	src->kind = HAVE_NATIVE_CPUID ? CPUID_NATIVE : CPUID_ABSENT;
	return 0;
}

void cpuid_source_free(struct cpuid_source *src)
{
	if (!src)
		return;
	free(src->entries);
	src->entries = NULL;
	src->count = 0;
}

const char *cpuid_kind_name(enum cpuid_kind kind)
{
	static const char *const names[] = {
		[CPUID_ABSENT] = "absent",
		[CPUID_NATIVE] = "native",
		[CPUID_REPLAY] = "replay",
	};

	return NAME_FROM(names, kind, "unknown");
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Copy an offending token for an error message: through the one escaper (escape.h), since
 * the message ends up on a terminal, and bounded: a token that does not fit ends in "...".
 */
static void quote_token(char *dst, size_t size, const char *tok)
{
	char full[CPUID_LINE_MAX * UNTRUSTED_ESCAPE_MAX + 1];
	size_t len = strlen(tok);

	if (untrusted_escape(tok, len, full, sizeof(full)) < size) {
		memcpy(dst, full, strlen(full) + 1);
		return;
	}
	untrusted_escape(tok, len, dst, size - 3);
	strcat(dst, "...");
}

/*
 * Parse one hex number: optional 0x/0X, then one or more hex digits, nothing else (strtoul
 * would also take signs, leading spaces and silently wrap). Returns 0, -EINVAL for non-hex,
 * -ERANGE above 32 bits.
 */
static int parse_hex32(const char *tok, uint32_t *out)
{
	uint64_t v = 0;
	const char *p = tok;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -EINVAL;
		v = (v << 4) | (uint64_t)d;
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Parse LINE (NUL-terminated, may be modified). Returns 1 for an entry, 0 to skip, -EINVAL. */
static int parse_line(char *line, struct cpuid_entry *e, char *what, size_t whatlen)
{
	uint32_t v[CPUID_FIELDS];
	char *tok[CPUID_FIELDS + 1];
	char quoted[24];
	char *p = line;
	int n = 0, i, ret;

	while (is_blank(*p))
		p++;
	if (!*p || *p == '#')
		return 0;

	/* One token past the six, only to tell "trailing junk" apart from "too few". */
	while (*p && n < CPUID_FIELDS + 1) {
		tok[n++] = p;
		while (*p && !is_blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
		while (is_blank(*p))
			p++;
	}
	if (n < CPUID_FIELDS) {
		snprintf(what, whatlen,
			 "expected 6 hex fields (leaf subleaf eax ebx ecx edx), found %d", n);
		return -EINVAL;
	}
	if (n > CPUID_FIELDS) {
		quote_token(quoted, sizeof(quoted), tok[CPUID_FIELDS]);
		snprintf(what, whatlen, "trailing junk after edx: '%s'", quoted);
		return -EINVAL;
	}
	for (i = 0; i < CPUID_FIELDS; i++) {
		ret = parse_hex32(tok[i], &v[i]);
		if (ret) {
			quote_token(quoted, sizeof(quoted), tok[i]);
			snprintf(what, whatlen, "%s '%s' %s", field_names[i], quoted,
				 ret == -ERANGE ? "does not fit in 32 bits" : "is not a hex number");
			return -EINVAL;
		}
	}
	e->leaf = v[0];
	e->subleaf = v[1];
	e->regs.eax = v[2];
	e->regs.ebx = v[3];
	e->regs.ecx = v[4];
	e->regs.edx = v[5];
	return 1;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct cpuid_entry *x = a, *y = b;

	if (x->leaf != y->leaf)
		return x->leaf < y->leaf ? -1 : 1;
	if (x->subleaf != y->subleaf)
		return x->subleaf < y->subleaf ? -1 : 1;
	return 0;
}

/* ENTRIES sorted by leaf, subleaf (cpuid_source_load sorts them): a binary search */
static const struct cpuid_entry *find_entry(const struct cpuid_entry *entries, size_t count,
					    uint32_t leaf, uint32_t subleaf)
{
	const struct cpuid_entry key = { .leaf = leaf, .subleaf = subleaf };

	if (!count)
		return NULL;
	return bsearch(&key, entries, count, sizeof(*entries), entry_cmp);
}

/* an entry and the line it came from, while loading */
struct loaded_entry {
	struct cpuid_entry e;
	unsigned long line;
};

static int loaded_cmp(const void *a, const void *b)
{
	const struct loaded_entry *x = a, *y = b;
	int r = entry_cmp(&x->e, &y->e);

	return r ? r : (x->line < y->line ? -1 : x->line > y->line);
}

/* leaf and subleaf only: finds a leaf among sorted loaded entries, whatever its line */
static int leaf_cmp(const void *a, const void *b)
{
	return entry_cmp(&((const struct loaded_entry *)a)->e,
			 &((const struct loaded_entry *)b)->e);
}

static const char *file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a file";
}

/*
 * Sort the COUNT entries of L by leaf, subleaf and line. Two answers for one leaf would make
 * the result depend on line order: returns the duplicate that comes first in the file (its
 * .line), with *FIRST_LINE where that leaf was first given, or NULL.
 */
static const struct loaded_entry *sort_find_dup(struct loaded_entry *l, size_t count,
						unsigned long *first_line)
{
	const struct loaded_entry *dup = NULL;
	size_t i;

	if (!count)
		return NULL;
	qsort(l, count, sizeof(*l), loaded_cmp);
	for (i = 1; i < count; i++)
		if (!entry_cmp(&l[i - 1].e, &l[i].e) && (!dup || l[i].line < dup->line)) {
			dup = &l[i];
			*first_line = l[i - 1].line;
		}
	return dup;
}

/*
 * What `imswatch cpuid` writes is a few dozen lines; a full scan of every hypervisor range
 * with sub-leaves stays under 5,000. These bounds only keep a wrong file (a log, a disk
 * image) from costing memory and time; they are far above any real dump.
 */
#define CPUID_FILE_MAX_BYTES (16 << 20)
#define CPUID_FILE_MAX_LEAVES (1 << 20)

/*
 * Read one line into BUF (without its newline). Returns its length, -1 at end of file,
 * -E2BIG when longer than the buffer, or -errno. *HAS_NUL is set when the line holds a
 * NUL byte, which would otherwise cut it short unnoticed.
 */
static ssize_t read_line(FILE *f, char *buf, size_t size, bool *has_nul)
{
	size_t len = 0;
	int c;

	*has_nul = false;
	errno = 0;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (len + 1 >= size)
			return -E2BIG;
		*has_nul |= c == 0;
		buf[len++] = (char)c;
	}
	buf[len] = 0;
	if (c == EOF) {
		if (ferror(f))
			return errno ? -errno : -EIO;
		if (!len)
			return -1;
	}
	return (ssize_t)len;
}

int cpuid_source_load(struct cpuid_source *src, const char *path, char *err, size_t errlen)
{
	struct loaded_entry *loaded = NULL, *grown;
	const struct loaded_entry *dup;
	struct cpuid_entry *entries = NULL;
	size_t count = 0, cap = 0, i;
	unsigned long lineno = 0, first_line;
	char what[160], line[CPUID_LINE_MAX];
	size_t bytes = 0;
	bool has_nul;
	struct stat st;
	ssize_t len;
	FILE *f;
	int fd, ret = 0;

	if (!src || !path)
		return -EINVAL;
	memset(src, 0, sizeof(*src));
	if (err && errlen)
		err[0] = '\0';

	/*
	 * O_NONBLOCK: opening a FIFO with no writer must not hang. Only a regular file is a
	 * dump; a FIFO, a terminal or a device is refused before anything is read from it.
	 */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		set_err(err, errlen, "%s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	if (S_ISDIR(st.st_mode)) {
		set_err(err, errlen, "%s: %s", path, strerror(EISDIR));
		close(fd);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, "%s: not a regular file (%s): a CPUID dump is a file written "
			"by 'imswatch cpuid'", path, file_kind(st.st_mode));
		close(fd);
		return -EINVAL;
	}
	if (st.st_size == 0) {
		set_err(err, errlen, "%s: empty file: not a CPUID dump (write one with "
			"'imswatch cpuid')", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_size > CPUID_FILE_MAX_BYTES) {
		set_err(err, errlen, "%s: %lld bytes: too large for a CPUID dump (at most %d MiB)",
			path, (long long)st.st_size, CPUID_FILE_MAX_BYTES >> 20);
		close(fd);
		return -EFBIG;
	}
	f = fdopen(fd, "r");
	if (!f) {
		ret = -errno;
		set_err(err, errlen, "%s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}

	for (;;) {
		struct cpuid_entry e;
		int r;

		len = read_line(f, line, sizeof(line), &has_nul);
		if (len == -1)
			break;
		lineno++;
		bytes += len > 0 ? (size_t)len + 1 : 1;
		if (bytes > CPUID_FILE_MAX_BYTES) { /* it grew while being read */
			set_err(err, errlen, "%s: too large for a CPUID dump (at most %d MiB)", path,
				CPUID_FILE_MAX_BYTES >> 20);
			ret = -EFBIG;
			break;
		}
		if (len == -E2BIG) {
			set_err(err, errlen, "%s:%lu: line longer than %d bytes", path, lineno,
				CPUID_LINE_MAX - 1);
			ret = -EINVAL;
			break;
		}
		if (len < 0) { /* EISDIR for a directory, EIO */
			ret = (int)len;
			set_err(err, errlen, "%s: %s", path, strerror(-ret));
			break;
		}
		if (has_nul) {
			set_err(err, errlen, "%s:%lu: NUL byte in line", path, lineno);
			ret = -EINVAL;
			break;
		}
		r = parse_line(line, &e, what, sizeof(what));
		if (r < 0) {
			set_err(err, errlen, "%s:%lu: %s", path, lineno, what);
			ret = r;
			break;
		}
		if (!r)
			continue;
		if (count == CPUID_FILE_MAX_LEAVES) {
			set_err(err, errlen, "%s:%lu: more than %d leaves: not a CPUID dump", path,
				lineno, CPUID_FILE_MAX_LEAVES);
			ret = -EINVAL;
			break;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(loaded, cap * sizeof(*loaded));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			loaded = grown;
		}
		loaded[count].e = e;
		loaded[count++].line = lineno;
	}
	fclose(f);

	/*
	 * Duplicates are found once everything is read (sorted, not one scan per line: a file of
	 * many leaves must not take quadratic time). The first one in the file is reported, and
	 * it comes before a malformed line that stopped the read.
	 */
	if ((!ret || ret == -EINVAL) && (dup = sort_find_dup(loaded, count, &first_line))) {
		set_err(err, errlen, "%s:%lu: duplicate leaf 0x%x subleaf 0x%x (first on line %lu)",
			path, dup->line, dup->e.leaf, dup->e.subleaf, first_line);
		ret = -EINVAL;
	}
	/*
	 * A dump has leaf 0 (vendor, highest leaf) and leaf 1 (the hypervisor bit). Without
	 * leaf 1 the seed heuristic would read "no hypervisor bit" and say bare metal: a file
	 * of comments, or the wrong file, must not pass for a machine.
	 */
	if (!ret && !count) {
		set_err(err, errlen, "%s: no leaf lines (leaf subleaf eax ebx ecx edx): not a CPUID "
			"dump (write one with 'imswatch cpuid')", path);
		ret = -EINVAL;
	}
	for (i = 0; !ret && i < 2; i++) {
		const struct loaded_entry key = { .e = { .leaf = (uint32_t)i } };

		if (!bsearch(&key, loaded, count, sizeof(*loaded), leaf_cmp)) {
			set_err(err, errlen, "%s: no line for leaf 0x%zx subleaf 0x0: not a whole "
				"CPUID dump (write one with 'imswatch cpuid')", path, i);
			ret = -EINVAL;
		}
	}
	if (!ret && count) {
		entries = malloc(count * sizeof(*entries));
		if (!entries)
			ret = -ENOMEM;
	}
	if (ret) {
		if (ret == -ENOMEM)
			set_err(err, errlen, "%s: %s", path, strerror(ENOMEM));
		free(loaded);
		return ret;
	}
	for (i = 0; i < count; i++)
		entries[i] = loaded[i].e;
	free(loaded);
	src->kind = CPUID_REPLAY;
	src->count = count;
	src->entries = entries;
	return 0;
}

#if HAVE_NATIVE_CPUID
/*
 * Outside a range's maximum, Intel CPUs answer with the highest basic leaf instead of zeros,
 * so a leaf past the maximum is "unknown", not data. The hypervisor range 0x40000000-0x4fffffff
 * has no architectural maximum (it is only meaningful when a hypervisor answers it): pass it
 * through and let the caller judge the signature.
 */
static void native_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			     : "0"(leaf), "2"(subleaf));
}

static int native_query(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	struct cpuid_regs max;

	if (leaf < 0x40000000u || leaf >= 0x80000000u) {
		native_cpuid(leaf & 0x80000000u, 0, &max);
		if (leaf > max.eax)
			return -ENOENT;
	}
	native_cpuid(leaf, subleaf, out);
	return 0;
}
#endif

int cpuid_query(const struct cpuid_source *src, uint32_t leaf, uint32_t subleaf,
		struct cpuid_regs *out)
{
	const struct cpuid_entry *e;

	if (!src || !out)
		return -EINVAL;
	switch (src->kind) {
	case CPUID_ABSENT:
		return -ENODEV;
	case CPUID_NATIVE:
#if HAVE_NATIVE_CPUID
		return native_query(leaf, subleaf, out);
#else
		return -ENODEV;
#endif
	case CPUID_REPLAY:
		e = find_entry(src->entries, src->count, leaf, subleaf);
		if (!e)
			return -ENOENT;
		*out = e->regs;
		return 0;
	}
	return -EINVAL;
}

static void dump_leaf(const struct cpuid_source *src, FILE *fp, uint32_t leaf)
{
	struct cpuid_regs r;

	if (!cpuid_query(src, leaf, 0, &r))
		fprintf(fp, "0x%08x 0x0 0x%08x 0x%08x 0x%08x 0x%08x\n", leaf, r.eax, r.ebx, r.ecx,
			r.edx);
}

static bool looks_like_signature(const struct cpuid_regs *r)
{
	const uint32_t w[3] = { r->ebx, r->ecx, r->edx };
	int i, b, printable = 0;

	for (i = 0; i < 3; i++)
		for (b = 0; b < 32; b += 8) {
			unsigned int c = (w[i] >> b) & 0xffu;

			if (c >= 0x20 && c < 0x7f)
				printable++;
			else if (c)
				return false;
		}
	return printable >= 4;
}

int cpuid_dump(const struct cpuid_source *src, FILE *fp)
{
	struct cpuid_regs r;
	uint32_t base, leaf;

	errno = 0;
	fprintf(fp, "# leaf subleaf eax ebx ecx edx (hex): the leaves imswatch's platform "
		    "engine reads\n");
	dump_leaf(src, fp, 0);
	dump_leaf(src, fp, 1);
	if (!cpuid_query(src, 0, 0, &r) && r.eax >= 0x21)
		dump_leaf(src, fp, 0x21);
	for (base = 0x40000000u; base <= 0x4000FF00u; base += 0x100u) {
		if (cpuid_query(src, base, 0, &r))
			continue;
		/* beyond 0x40000000 keep only ranges that carry a signature-like string (real
		 * CPUs answer unknown leaves with the last basic leaf's registers) */
		if (base != 0x40000000u && !looks_like_signature(&r))
			continue;
		dump_leaf(src, fp, base);
		if (r.eax > base && r.eax <= base + 0xFFu)
			for (leaf = base + 1; leaf <= r.eax && leaf <= base + 0x10u; leaf++)
				dump_leaf(src, fp, leaf);
	}
	dump_leaf(src, fp, 0x80000000u);
	/* the brand string, when the CPU has one */
	if (!cpuid_query(src, 0x80000000u, 0, &r) && r.eax >= 0x80000004u)
		for (leaf = 0x80000002u; leaf <= 0x80000004u; leaf++)
			dump_leaf(src, fp, leaf);
	if (fflush(fp) || ferror(fp))
		return errno ? -errno : -EIO;
	return 0;
}
