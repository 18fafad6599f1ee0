/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostid: which machine the records come from, read once at start: the host name, the
 * machine id (/etc/machine-id) and the boot id (/proc/sys/kernel/random/boot_id). Records
 * shipped off the machine (a log collector, journal-remote, one Prometheus for many hosts)
 * are told apart by them; the boot id also says which boot's CLOCK_MONOTONIC an event's
 * mono_ns counts. A value that cannot be read or is malformed is left empty, and the
 * records leave it out: never a made-up one.
 */
#ifndef IMSWATCH_HOSTID_H
#define IMSWATCH_HOSTID_H

#include <stdbool.h>

#include "hostfs.h"

#define HOSTID_NAME_MAX 64	  /* the kernel's limit (__NEW_UTS_LEN) */
#define HOSTID_MACHINE_ID_LEN 32  /* 128 bits, lower-case hex, no dashes */
#define HOSTID_BOOT_ID_LEN 36	  /* 8-4-4-4-12 lower-case hex */

struct host_identity {
	char host[HOSTID_NAME_MAX + 1];	/* untrusted text: escaped wherever written */
	char machine_id[HOSTID_MACHINE_ID_LEN + 1];
	char boot_id[HOSTID_BOOT_ID_LEN + 1];
};

/*
 * Read the identity of the machine FS is the root of. The live root ("/"): uname()'s node
 * name, etc/machine-id, proc/sys/kernel/random/boot_id. A captured tree (--sysroot): its
 * proc/sys/kernel/hostname, etc/machine-id and proc/sys/kernel/random/boot_id, each left
 * empty when absent. Bounded reads through hostfs (a captured tree is untrusted).
 */
void hostid_read(const struct hostfs *fs, struct host_identity *id);

/* hostid_read of the tree at ROOT. 0, or -errno when ROOT cannot be opened (ID empty). */
int hostid_read_root(const char *root, struct host_identity *id);

/*
 * Fill ID from the three strings (NULL: none) with the rules of hostid_read: a host name of
 * 1 to HOSTID_NAME_MAX bytes other than the kernel's "(none)", a machine id of 32 lower-case
 * hex digits (not all zero), a boot id in the UUID form. What breaks a rule is left empty.
 * For tests and fixed output (the golden files).
 */
void hostid_set(struct host_identity *id, const char *host, const char *machine_id,
		const char *boot_id);

bool hostid_machine_id_valid(const char *s);
bool hostid_boot_id_valid(const char *s);

/* nothing was read: the records carry no host object */
bool hostid_empty(const struct host_identity *id);

#endif
