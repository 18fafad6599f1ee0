// SPDX-License-Identifier: GPL-2.0
/* signals: the evidence list shared by the collectors, and the order they run in. */
#include "signals.h"
#include "names.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void copy_str(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	if (!size)
		return;
	if (src)
		for (; i + 1 < size && src[i]; i++)
			dst[i] = src[i];
	dst[i] = '\0';
}

enum signal_state state_of_errno(long err)
{
	if (err >= 0)
		return SIGNAL_PRESENT;
	/* missing is a normal answer; anything else means we could not look */
	return (err == -ENOENT || err == -ENOTDIR) ? SIGNAL_ABSENT : SIGNAL_UNREADABLE;
}

struct signal *signal_add_bytes(struct signal_list *l, const char *source, const char *key,
				const void *value, size_t len, enum signal_state state)
{
	struct signal *s;

	if (l->n >= SIGNALS_MAX) {
		l->dropped++;
		return NULL;
	}
	s = &l->items[l->n++];
	memset(s, 0, sizeof(*s));
	s->source = source;
	copy_str(s->key, sizeof(s->key), key);
	if (len > sizeof(s->value) - 1)
		len = sizeof(s->value) - 1;
	memcpy(s->value, value, len);
	s->value[len] = '\0';
	s->value_len = len;
	s->state = state;
	return s;
}

struct signal *signal_add(struct signal_list *l, const char *source, const char *key,
			  const char *value, enum signal_state state)
{
	return signal_add_bytes(l, source, key, value ? value : "", value ? strlen(value) : 0,
				state);
}

void signal_mark(struct signal *s, enum indication ind, enum strength strength,
		 const char *names, const char *fmt, ...)
{
	va_list ap;

	if (!s)
		return;
	s->indicates = ind;
	s->strength = strength;
	copy_str(s->names, sizeof(s->names), names);
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(s->note, sizeof(s->note), fmt, ap);
		va_end(ap);
	}
}

void signals_mark_host_controlled(struct signal_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const char *src = l->items[i].source;

		if (!strcmp(src, "dmi") || !strcmp(src, "smbios") || !strcmp(src, "acpi") ||
		    !strcmp(src, "pci") || !strcmp(src, "fw_cfg"))
			l->items[i].host_controlled = true;
	}
}

const char *indication_name(enum indication i)
{
	static const char *const names[] = {
		[INDICATES_NOTHING] = "nothing",
		[INDICATES_GUEST] = "guest",
		[INDICATES_HOST] = "host",
	};

	return NAME_FROM(names, i, "nothing");
}

const char *strength_name(enum strength s)
{
	static const char *const names[] = {
		[STRENGTH_WEAK] = "weak",
		[STRENGTH_STRONG] = "strong",
		[STRENGTH_MEDIUM] = "medium",
	};

	return NAME_FROM(names, s, "weak");
}

const char *ir_state_name(enum ir_state s)
{
	static const char *const names[] = {
		[IR_UNKNOWN] = "unknown",
		[IR_OFF] = "off",
		[IR_ON] = "on",
	};

	return NAME_FROM(names, s, "unknown");
}

const char *cc_kind_name(enum cc_kind c)
{
	static const char *const names[] = {
		[CC_NONE] = "none",
		[CC_TDX] = "tdx",
		[CC_SEV_SNP] = "sev-snp",
	};

	return NAME_FROM(names, c, "none");
}

#define KMSG_PATH "dev/kmsg"
#define KMSG_MAX_BYTES (16u << 20) /* bound the walk on servers with huge log buffers */

/* One log line: a /dev/kmsg record ("6,12,0,-;text") or a captured dmesg line. */
static bool kmsg_one(const char *text, bool (*line)(const char *, void *), void *ctx,
		     struct kmsg_walk *w)
{
	unsigned long long seq;
	unsigned int pri;
	bool record = sscanf(text, "%u,%llu,", &pri, &seq) == 2;

	if (record && !w->first_seen) {
		w->first_seen = true;
		w->wrapped = seq != 0; /* the boot messages have been overwritten */
	}
	if (record && pri >= 8)
		return false;
	return line(text, ctx);
}

int kmsg_walk(const struct hostfs *fs, bool (*line)(const char *text, void *ctx), void *ctx,
	      struct kmsg_walk *w)
{
	static char buf[16384];
	size_t have = 0, total = 0;
	bool done = false;
	int fd = hostfs_open_stream(fs, KMSG_PATH);

	memset(w, 0, sizeof(*w));
	if (fd < 0)
		return fd;
	while (!done && total < KMSG_MAX_BYTES) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *text, *nl;

		if (n < 0 && errno == EPIPE)
			continue; /* a record was overwritten while reading: go on */
		if (n <= 0)
			break; /* EAGAIN: end of the log; 0: end of a captured file */
		total += (size_t)n;
		have += (size_t)n;
		buf[have] = '\0';
		for (text = buf; !done && (nl = strchr(text, '\n')); text = nl + 1) {
			*nl = '\0';
			done = kmsg_one(text, line, ctx, w);
		}
		if (done)
			break;
		have = strlen(text);
		memmove(buf, text, have);
		if (have == sizeof(buf) - 1) /* one line longer than the buffer */
			have = 0;
	}
	if (have && !done) {
		buf[have] = '\0';
		kmsg_one(buf, line, ctx, w);
	}
	close(fd);
	return 0;
}
