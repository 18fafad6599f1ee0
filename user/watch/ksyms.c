// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hooks.h"
#include "kview.h"
#include "ksyms.h"
#include "log.h"

struct ksym {
	char *name;
	size_t len;
	enum ksym_found found;
	unsigned long long addr;
};

struct ksyms {
	const char *path;
	struct ksym *syms;
	size_t n, cap;
	bool read;	    /* every wanted name has been looked for */
	bool readable;	    /* and the file could be read */
	unsigned int reads;
	unsigned char first[256 / 8]; /* first bytes of wanted names: most lines skip at once */
};

struct ksyms *ksyms_new_at(const char *path)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));

	if (ks)
		ks->path = path;
	return ks;
}

struct ksyms *ksyms_new(void)
{
	return ksyms_new_at("/proc/kallsyms");
}

static struct ksym *lookup(struct ksyms *ks, const char *name)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (!strcmp(ks->syms[i].name, name))
			return &ks->syms[i];
	return NULL;
}

int ksyms_want(struct ksyms *ks, const char *name)
{
	struct ksym *s;

	if (!name[0] || lookup(ks, name))
		return 0;
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 16;

		s = realloc(ks->syms, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		ks->syms = s;
		ks->cap = cap;
	}
	s = &ks->syms[ks->n];
	*s = (struct ksym){ .name = strdup(name), .len = strlen(name) };
	if (!s->name)
		return -ENOMEM;
	ks->n++;
	ks->first[(unsigned char)name[0] / 8] |= 1u << ((unsigned char)name[0] % 8);
	ks->read = false; /* a new name: the next lookup reads again */
	return 0;
}

int ksyms_want_all(struct ksyms *ks)
{
	unsigned int i;
	int err = ksyms_want(ks, KVIEW_HYPER_TYPE_SYMBOL) ?: ksyms_want(ks, KVIEW_CPU_INFO_SYMBOL);

	for (i = 0; i < IMSW_HOOK_COUNT && !err; i++)
		if (hook_table[i].has_kprobe)
			err = ksyms_want(ks, hook_table[i].name);
	return err;
}

/* one line of kallsyms, "<addr> <type> <name>[\t[module]]", without its newline */
static void scan_line(struct ksyms *ks, const char *line, const char *end)
{
	const char *name, *name_end;
	unsigned long long addr = 0;
	const char *p;
	size_t i, len;

	name = memchr(line, ' ', end - line);
	if (!name || end - name < 4 || name[2] != ' ')
		return;
	name += 3;
	if (!(ks->first[(unsigned char)name[0] / 8] & (1u << ((unsigned char)name[0] % 8))))
		return;
	name_end = memchr(name, '\t', end - name);
	if (!name_end)
		name_end = end;
	len = name_end - name;
	for (i = 0; i < ks->n; i++) {
		struct ksym *s = &ks->syms[i];

		if (len < s->len || memcmp(name, s->name, s->len))
			continue;
		if (len == s->len) {
			if (s->found == KSYM_PRESENT)
				continue; /* the first address wins */
			for (p = line; p < name - 3; p++) {
				unsigned int d = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;

				addr = addr << 4 | (d & 0xf);
			}
			s->found = KSYM_PRESENT;
			s->addr = addr;
		} else if (name[s->len] == '.' && s->found == KSYM_ABSENT) {
			s->found = KSYM_CLONE;
		}
	}
}

/* One pass over /proc/kallsyms for every wanted name. */
static void read_kallsyms(struct ksyms *ks)
{
	static char buf[1 << 16];
	size_t have = 0, i;
	ssize_t n;
	int fd;

	for (i = 0; i < ks->n; i++)
		ks->syms[i] = (struct ksym){ .name = ks->syms[i].name, .len = ks->syms[i].len };
	ks->read = true;
	ks->readable = false;
	ks->reads++;
	fd = open(ks->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_debug("%s: %s", ks->path, strerror(errno));
		return;
	}
	ks->readable = true;
	for (;;) {
		char *line = buf, *eol;

		n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_debug("%s: %s", ks->path, strerror(errno));
			ks->readable = false;
		}
		if (n <= 0) {
			if (have) /* a last line without its newline */
				scan_line(ks, buf, buf + have);
			break;
		}
		have += n;
		while ((eol = memchr(line, '\n', buf + have - line))) {
			scan_line(ks, line, eol);
			line = eol + 1;
		}
		have = buf + have - line;
		if (have == sizeof(buf)) /* a line longer than the buffer: no symbol's */
			have = 0;
		memmove(buf, line, have);
	}
	close(fd);
}

enum ksym_found ksyms_find(struct ksyms *ks, const char *name, unsigned long long *addr)
{
	struct ksym *s;

	if (addr)
		*addr = 0;
	if (!lookup(ks, name) && ksyms_want(ks, name))
		return KSYM_ABSENT;
	if (!ks->read)
		read_kallsyms(ks);
	s = lookup(ks, name);
	if (addr && s->found == KSYM_PRESENT)
		*addr = s->addr;
	return s->found;
}

bool ksyms_readable(struct ksyms *ks)
{
	if (!ks->read)
		read_kallsyms(ks);
	return ks->readable;
}

unsigned int ksyms_reads(const struct ksyms *ks)
{
	return ks->reads;
}

void ksyms_free(struct ksyms *ks)
{
	size_t i;

	if (!ks)
		return;
	for (i = 0; i < ks->n; i++)
		free(ks->syms[i].name);
	free(ks->syms);
	free(ks);
}
