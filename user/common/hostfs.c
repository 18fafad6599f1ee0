// SPDX-License-Identifier: GPL-2.0
/*
 * hostfs: root-relative file access. On a live host the root is "/"; with --sysroot it is a
 * captured tree, which is untrusted input: absolute symlinks inside it (sysfs is full of
 * them) must resolve inside the tree, not on the host running imswatch.
 */
#define _GNU_SOURCE /* O_PATH */
#include "hostfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * openat2 is missing before 5.6 (ENOSYS) and some seccomp profiles of older container
 * runtimes refuse it (EPERM). Ask once, on the root itself, so that a later EPERM on a
 * file means what it says: present but not readable.
 */
static bool openat2_works(int root_fd)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	long fd = syscall(SYS_openat2, root_fd, ".", &how, sizeof(how));

	if (fd < 0)
		return errno != ENOSYS && errno != EPERM;
	close((int)fd);
	return true;
}

int hostfs_open(struct hostfs *fs, const char *root)
{
	int fd;

	if (!fs || !root || !*root)
		return -EINVAL;
	fs->root_fd = -1;
	snprintf(fs->root, sizeof(fs->root), "%s", root);

	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/*
	 * O_PATH opens a directory we may not list or enter (mode 000): refuse it here, or
	 * every signal below would read as "unreadable" and the run would look clean.
	 */
	if (faccessat(fd, ".", R_OK | X_OK, AT_EACCESS) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	fs->root_fd = fd;
	fs->is_slash = strcmp(root, "/") == 0;
	fs->has_openat2 = openat2_works(fd);
	if (!fs->has_openat2 && !fs->is_slash) {
		/* see hostfs_openat(): without openat2 a captured tree is not contained */
		close(fd);
		fs->root_fd = -1;
		return -ENOSYS;
	}
	return 0;
}

void hostfs_close(struct hostfs *fs)
{
	if (!fs || fs->root_fd < 0)
		return;
	close(fs->root_fd);
	fs->root_fd = -1;
}

/* Paths are relative to the root; accept "/sys/..." too so callers cannot escape by accident. */
static const char *relpath(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/*
 * Open PATH below the root. RESOLVE_IN_ROOT makes "/" and ".." in symlinks stop at the root,
 * so a captured tree's absolute links point into the tree. Without openat2 (see
 * openat2_works) plain openat is exact on a live host, where the root is "/"; under any
 * other root it would let an absolute symlink escape onto the host, so hostfs_open()
 * refuses such a root.
 */
static int hostfs_openat(const struct hostfs *fs, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT,
	};
	const char *rel;
	long fd;

	if (!fs || fs->root_fd < 0 || !path)
		return -EINVAL;
	rel = relpath(path);

	if (fs->has_openat2)
		fd = syscall(SYS_openat2, fs->root_fd, rel, &how, sizeof(how));
	else
		fd = openat(fs->root_fd, rel, flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return (int)fd;
}

/* Read until SIZE bytes or end of file; sysfs may hand out a file in several reads. */
static ssize_t read_full(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/*
 * O_NONBLOCK: a captured tree could hold a FIFO where a sysfs file belongs; it must not hang
 * start-up. Regular, sysfs and procfs files ignore the flag.
 */
#define HOSTFS_READ_FLAGS (O_RDONLY | O_NOCTTY | O_NONBLOCK)

ssize_t hostfs_read_bin(const struct hostfs *fs, const char *path, void *buf, size_t size)
{
	ssize_t n;
	int fd;

	if (!buf && size)
		return -EINVAL;
	fd = hostfs_openat(fs, path, HOSTFS_READ_FLAGS);
	if (fd < 0)
		return fd;
	n = read_full(fd, buf, size);
	close(fd);
	return n;
}

int hostfs_open_stream(const struct hostfs *fs, const char *path)
{
	return hostfs_openat(fs, path, HOSTFS_READ_FLAGS);
}

struct hostfs_file {
	FILE *fp;
	char *buf;
};

struct hostfs_file *hostfs_fopen(const struct hostfs *fs, const char *path, size_t bufsize,
				 int *err)
{
	struct hostfs_file *f = calloc(1, sizeof(*f));
	int fd;

	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	fd = hostfs_open_stream(fs, path);
	if (fd < 0) {
		*err = fd;
		free(f);
		return NULL;
	}
	/* opened non-blocking (a FIFO in a captured tree must not hang us); parsers block */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	f->fp = fdopen(fd, "r");
	if (!f->fp) {
		close(fd);
		free(f);
		*err = -ENOMEM;
		return NULL;
	}
	/* glibc ignores a size without a buffer: hundreds of MB come in 4 KiB reads then */
	if (bufsize && (f->buf = malloc(bufsize)))
		setvbuf(f->fp, f->buf, _IOFBF, bufsize);
	return f;
}

FILE *hostfs_file_stream(struct hostfs_file *f)
{
	return f->fp;
}

void hostfs_fclose(struct hostfs_file *f)
{
	if (!f)
		return;
	fclose(f->fp);
	free(f->buf);
	free(f);
}

/* One read: what a sysfs attribute (or a regular file) hands out at once is all of it. */
static ssize_t read_attr_bin(const struct hostfs *fs, const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = hostfs_openat(fs, path, HOSTFS_READ_FLAGS);
	if (fd < 0)
		return fd;
	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

static ssize_t read_text(const struct hostfs *fs, const char *path, char *buf, size_t size,
			 bool attr)
{
	ssize_t n;
	size_t len;

	if (!buf || !size)
		return -EINVAL;
	n = attr ? read_attr_bin(fs, path, buf, size - 1) : hostfs_read_bin(fs, path, buf, size - 1);
	if (n < 0) {
		buf[0] = '\0';
		return n;
	}
	buf[n] = '\0';
	/* A NUL inside a text file ends the text: callers treat BUF as a C string. */
	len = strlen(buf);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ' ||
		       buf[len - 1] == '\t' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return (ssize_t)len;
}

ssize_t hostfs_read_text(const struct hostfs *fs, const char *path, char *buf, size_t size)
{
	return read_text(fs, path, buf, size, false);
}

ssize_t hostfs_read_attr(const struct hostfs *fs, const char *path, char *buf, size_t size)
{
	return read_text(fs, path, buf, size, true);
}

static int cmp_names(const void *a, const void *b)
{
	/* strcmp, not strcoll: the order must not depend on the caller's locale. */
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

int hostfs_list(const struct hostfs *fs, const char *path,
		int (*fn)(const char *name, void *ctx), void *ctx)
{
	char **names = NULL, **grown;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *dir;
	int fd, ret = 0;

	if (!fn)
		return -EINVAL;
	fd = hostfs_openat(fs, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	dir = fdopendir(fd);
	if (!dir) {
		ret = -errno;
		close(fd);
		return ret;
	}

	/* Collect everything first, so FN runs in sorted order and may itself use hostfs. */
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			ret = errno ? -errno : 0;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			names = grown;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			ret = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(dir);

	if (!ret && n) {
		qsort(names, n, sizeof(*names), cmp_names);
		for (i = 0; i < n; i++) {
			ret = fn(names[i], ctx);
			if (ret)
				break;
		}
	}
	free_names(names, n);
	return ret;
}

ssize_t hostfs_readlink_name(const struct hostfs *fs, const char *path, char *buf, size_t size)
{
	char dir[512], target[512];
	const char *base, *slash;
	ssize_t n;
	size_t len;
	int fd;

	if (!buf || !size || !path)
		return -EINVAL;
	buf[0] = 0;
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	if (!*base)
		return -EINVAL;
	/* the parent directory through the root (RESOLVE_IN_ROOT), the link read relative to it */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	fd = hostfs_openat(fs, dir, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	n = readlinkat(fd, base, target, sizeof(target) - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	target[n] = 0;
	while (n > 1 && target[n - 1] == '/')
		target[--n] = 0;
	slash = strrchr(target, '/');
	base = slash ? slash + 1 : target;
	len = strlen(base);
	if (len >= size)
		len = size - 1;
	memcpy(buf, base, len);
	buf[len] = 0;
	return (ssize_t)len;
}
