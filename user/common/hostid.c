// SPDX-License-Identifier: GPL-2.0
/*
 * hostid: the host name, machine id and boot id, read once at start through hostfs (the
 * live root or a captured tree). Each file is read whole into a small bounded buffer and
 * checked against its format; anything else (absent, unreadable, too long, a NUL inside,
 * not the documented form) leaves the value empty.
 */
#include "hostid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/utsname.h>

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* LEN characters of lower-case hex, with the UUID form's dashes when UUID; not all zero */
static bool hex_id_valid(const char *s, size_t len, bool uuid)
{
	bool nonzero = false;
	size_t i;

	if (!s || strlen(s) != len)
		return false;
	for (i = 0; i < len; i++) {
		if (uuid && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i] != '-')
				return false;
			continue;
		}
		if (!is_lower_hex(s[i]))
			return false;
		nonzero |= s[i] != '0';
	}
	return nonzero; /* an all-zero id is systemd's "null", never a machine's */
}

/* machine-id(5): 32 lower-case hexadecimal characters */
bool hostid_machine_id_valid(const char *s)
{
	return hex_id_valid(s, HOSTID_MACHINE_ID_LEN, false);
}

/* the kernel's random boot id, printed as a UUID (%pU): 8-4-4-4-12 */
bool hostid_boot_id_valid(const char *s)
{
	return hex_id_valid(s, HOSTID_BOOT_ID_LEN, true);
}

/* "(none)" is what the kernel reports before anyone set a name: not a name */
static bool host_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n && n <= HOSTID_NAME_MAX && strcmp(s, "(none)");
}

void hostid_set(struct host_identity *id, const char *host, const char *machine_id,
		const char *boot_id)
{
	memset(id, 0, sizeof(*id));
	if (host_valid(host))
		snprintf(id->host, sizeof(id->host), "%s", host);
	if (hostid_machine_id_valid(machine_id))
		snprintf(id->machine_id, sizeof(id->machine_id), "%s", machine_id);
	if (hostid_boot_id_valid(boot_id))
		snprintf(id->boot_id, sizeof(id->boot_id), "%s", boot_id);
}

bool hostid_empty(const struct host_identity *id)
{
	return !id->host[0] && !id->machine_id[0] && !id->boot_id[0];
}

/*
 * PATH's value into BUF (SIZE bytes): the file's bytes without the newline that ends them
 * (a host name may hold others: the kernel takes any bytes but NUL). NULL when absent or
 * unreadable, longer than BUF holds or holding a NUL: not what the kernel or systemd
 * writes, and no part of it is used (the callers' checks do the rest).
 */
static const char *read_value(const struct hostfs *fs, const char *path, char *buf, size_t size)
{
	ssize_t n = hostfs_read_bin(fs, path, buf, size);

	if (n <= 0 || (size_t)n == size) /* absent, empty, or longer than any valid value */
		return NULL;
	if (buf[n - 1] == '\n')
		n--;
	buf[n] = 0;
	if (memchr(buf, 0, (size_t)n))
		return NULL;
	return buf;
}

void hostid_read(const struct hostfs *fs, struct host_identity *id)
{
	/* room for the longest valid value, its newline and one byte more (too long) */
	char host[HOSTID_NAME_MAX + 2], mid[HOSTID_MACHINE_ID_LEN + 2], bid[HOSTID_BOOT_ID_LEN + 2];
	const char *h = NULL;
	struct utsname u;

	if (fs->is_slash) {
		/* the node name of this UTS namespace, as /proc/sys/kernel/hostname says it,
		 * without needing /proc mounted */
		if (!uname(&u))
			h = u.nodename;
	} else {
		h = read_value(fs, "proc/sys/kernel/hostname", host, sizeof(host));
	}
	hostid_set(id, h, read_value(fs, "etc/machine-id", mid, sizeof(mid)),
		   read_value(fs, "proc/sys/kernel/random/boot_id", bid, sizeof(bid)));
}

int hostid_read_root(const char *root, struct host_identity *id)
{
	struct hostfs fs;
	int r;

	memset(id, 0, sizeof(*id));
	r = hostfs_open(&fs, root);
	if (r)
		return r;
	hostid_read(&fs, id);
	hostfs_close(&fs);
	return 0;
}
