/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hostfs: every file the platform code reads goes through here, relative to a root
 * directory ("/" on a live host, a captured tree under --sysroot). Nothing else in
 * imswatch opens /sys, /proc or /sys/firmware by absolute path, which is what lets the
 * heuristic be tested against fixture trees.
 */
#ifndef IMSWATCH_HOSTFS_H
#define IMSWATCH_HOSTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct hostfs {
	int root_fd;	/* O_PATH|O_DIRECTORY descriptor of the root */
	char root[256]; /* as given, for messages only */
	bool is_slash;	/* the live host's own root */
	bool has_openat2; /* RESOLVE_IN_ROOT available: a captured tree stays contained */
};

/*
 * Open ROOT. Returns 0 or -errno: -ENOENT, -ENOTDIR, -EACCES (not listable and enterable),
 * -ENOSYS (a root other than "/" on a kernel without openat2: symlinks could escape it).
 */
int hostfs_open(struct hostfs *fs, const char *root);
void hostfs_close(struct hostfs *fs);

/*
 * Read the text file PATH (relative to the root, no leading '/') into BUF, NUL-terminated,
 * with trailing newlines and spaces removed. Returns the length kept, or -errno:
 * -ENOENT when absent (a normal result: the signal is not there), -EACCES/-EPERM when
 * present but unreadable (the signal is unknown). Longer files are truncated to SIZE-1.
 */
ssize_t hostfs_read_text(const struct hostfs *fs, const char *path, char *buf, size_t size);

/*
 * hostfs_read_text for a sysfs attribute: one read(), no second one to see the end. A sysfs
 * attribute's show() output comes whole from the first read (kernfs), and a short read of a
 * regular file is its end, so the result is the same for both at a third fewer syscalls;
 * for files read in pieces (procfs seq_files, pipes) use hostfs_read_text.
 */
ssize_t hostfs_read_attr(const struct hostfs *fs, const char *path, char *buf, size_t size);
/* Read up to SIZE raw bytes of PATH from offset 0. Returns bytes read or -errno as above. */
ssize_t hostfs_read_bin(const struct hostfs *fs, const char *path, void *buf, size_t size);

/*
 * Open PATH for reading (non-blocking) and return the descriptor, or -errno as above. For
 * files read record by record (/dev/kmsg), where read-to-end semantics do not apply.
 */
int hostfs_open_stream(const struct hostfs *fs, const char *path);

/*
 * The same stream as a blocking stdio FILE for line-by-line parsers (proc/interrupts,
 * proc/kallsyms), with a stdio buffer of BUFSIZE bytes when non-zero (freed by
 * hostfs_fclose). NULL and *ERR = -errno when it cannot be opened.
 */
struct hostfs_file;
struct hostfs_file *hostfs_fopen(const struct hostfs *fs, const char *path, size_t bufsize,
				 int *err);
FILE *hostfs_file_stream(struct hostfs_file *f);
void hostfs_fclose(struct hostfs_file *f);

/*
 * Call FN for each entry of directory PATH (not "." and ".."), in sorted order so output is
 * stable. Stops early and returns FN's value when FN returns non-zero. Returns 0, or -errno
 * when the directory cannot be opened.
 */
int hostfs_list(const struct hostfs *fs, const char *path,
		int (*fn)(const char *name, void *ctx), void *ctx);

/*
 * The last component of the target of symlink PATH (sysfs's driver, module, physfn and
 * virtfn links name what they point at) into BUF. The link itself is read, never followed.
 * Returns its length, or -errno (-ENOENT absent, -EINVAL not a link).
 */
ssize_t hostfs_readlink_name(const struct hostfs *fs, const char *path, char *buf, size_t size);

#endif
