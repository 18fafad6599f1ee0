// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hooks.h"
#include "imswatch.skel.h"
#include "log.h"
#include "pin.h"
#include "records.h"

void pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

void pin_link_name(char *buf, size_t len, unsigned int hook, int side)
{
	char *p;

	snprintf(buf, len, "link_%s_%s", hook_table[hook].name, side ? "return" : "entry");
	for (p = buf; *p; p++) /* bpffs takes no '.'; ':' is kept out too */
		if (*p == ':' || *p == '.')
			*p = '_';
}

static bool on_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

int pin_prepare(const char *dir, char *problem, size_t len)
{
	char copy[4096], *parent;
	int fd;

	snprintf(copy, sizeof(copy), "%s", dir);
	parent = dirname(copy);
	if (!on_bpffs(parent)) {
		if (strcmp(parent, "/sys/fs/bpf")) {
			snprintf(problem, len, "--pin %s: %s is not on bpffs (mount -t bpf bpf DIR, "
				 "or pin under /sys/fs/bpf)", dir, parent);
			return -EXDEV;
		}
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=700")) {
			int err = -errno;

			snprintf(problem, len, "--pin %s: /sys/fs/bpf is not bpffs and mounting "
				 "it failed: %s", dir, strerror(-err));
			return err;
		}
		log_warn("bpffs was not mounted: mounted it on /sys/fs/bpf for --pin");
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		int err = -errno;

		snprintf(problem, len, "--pin %s: cannot create it: %s", dir, strerror(-err));
		return err;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !on_bpffs(dir)) {
		int err = fd < 0 ? -errno : -EXDEV;

		snprintf(problem, len, "--pin %s: %s", dir,
			 fd < 0 ? strerror(-err) : "not a directory on bpffs");
		if (fd >= 0)
			close(fd);
		return err;
	}
	/* two readers of one ring buffer would each get part of it */
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		snprintf(problem, len, "--pin %s: in use by another running imswatch (%s); one "
			 "reader per ring buffer", dir,
			 err == -EWOULDBLOCK ? "locked" : strerror(-err));
		close(fd);
		return err == -EWOULDBLOCK ? -EBUSY : err;
	}
	return fd;
}

enum pin_dir_state pin_dir_state(const char *dir)
{
	char path[4096];
	struct dirent *de;
	bool any = false;
	DIR *d;

	pin_path(path, sizeof(path), dir, "info");
	if (!access(path, F_OK))
		return PIN_DIR_COMPLETE;
	d = opendir(dir);
	if (!d)
		return PIN_DIR_EMPTY;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			any = true;
	closedir(d);
	return any ? PIN_DIR_PARTIAL : PIN_DIR_EMPTY;
}

uint64_t pin_object_hash(void)
{
	const unsigned char *p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t n, i;

	p = imswatch_bpf__elf_bytes(&n);
	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void pin_info_self(struct pin_info *info, unsigned int ringbuf_kb)
{
	struct timespec ts;

	memset(info, 0, sizeof(*info));
	clock_gettime(CLOCK_REALTIME, &ts);
	info->magic = PIN_MAGIC;
	info->abi = IMSW_ABI_VERSION;
	info->hook_count = IMSW_HOOK_COUNT;
	info->cnt_count = IMSW_CNT_COUNT;
	info->ringbuf_kb = ringbuf_kb;
	info->obj_hash = pin_object_hash();
	info->created_real_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	snprintf(info->version, sizeof(info->version), "%s", IMSWATCH_VERSION);
}

int pin_info_check(const struct pin_info *info, char *why, size_t len)
{
	uint64_t self = pin_object_hash();
	char version[sizeof(info->version) + 1];

	memcpy(version, info->version, sizeof(info->version));
	version[sizeof(info->version)] = 0;
	if (info->magic != PIN_MAGIC) {
		snprintf(why, len, "its info map is not imswatch's (magic %#llx)",
			 (unsigned long long)info->magic);
		return -ESTALE;
	}
	if (info->abi != IMSW_ABI_VERSION || info->hook_count != IMSW_HOOK_COUNT ||
	    info->cnt_count != IMSW_CNT_COUNT || info->obj_hash != self) {
		snprintf(why, len, "pinned by imswatch %s with record ABI %u, %u hooks, BPF object "
			 "%016llx; this binary is %s, ABI %d, %d hooks, object %016llx",
			 version, info->abi, info->hook_count,
			 (unsigned long long)info->obj_hash, IMSWATCH_VERSION, IMSW_ABI_VERSION,
			 IMSW_HOOK_COUNT, (unsigned long long)self);
		return -ESTALE;
	}
	return 0;
}

static int count_record(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* records the pinned ring buffer still holds (consumed: the buffer goes away next) */
static int count_left(const char *dir, uint64_t *left)
{
	struct ring_buffer *rb;
	char path[4096];
	int fd, r;

	*left = 0;
	pin_path(path, sizeof(path), dir, "events");
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	rb = ring_buffer__new(fd, count_record, left, NULL);
	if (!rb) {
		r = -errno;
		close(fd);
		return r;
	}
	r = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	close(fd);
	return r < 0 ? r : 0;
}

static int sum_counters(const char *dir, uint64_t *hits, uint64_t *lost)
{
	int ncpu = libbpf_num_possible_cpus(), fd, c;
	char path[4096];
	uint64_t *v;
	uint32_t key;

	*hits = *lost = 0;
	pin_path(path, sizeof(path), dir, "counters");
	fd = bpf_obj_get(path);
	if (fd < 0 || ncpu <= 0) {
		if (fd >= 0)
			close(fd);
		return -ENOENT;
	}
	v = calloc(ncpu, sizeof(*v));
	for (key = 0; v && key < IMSW_HOOK_COUNT * IMSW_CNT_COUNT; key++) {
		if (bpf_map_lookup_elem(fd, &key, v))
			continue;
		for (c = 0; c < ncpu; c++) {
			if (key % IMSW_CNT_COUNT == IMSW_CNT_HITS)
				*hits += v[c];
			else if (key % IMSW_CNT_COUNT == IMSW_CNT_LOST)
				*lost += v[c];
		}
	}
	free(v);
	close(fd);
	return 0;
}

/* unlink DIR's entries whose names start with PREFIX; returns how many, or -errno */
static int unlink_prefixed(const char *dir, const char *prefix, int *failed)
{
	char path[4096];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		pin_path(path, sizeof(path), dir, de->d_name);
		if (unlink(path)) {
			log_error("detach: cannot remove %s: %s", path, strerror(errno));
			(*failed)++;
		} else {
			n++;
		}
	}
	closedir(d);
	return n;
}

int pin_detach(const char *dir)
{
	static const char *const maps[] = { "info", "hooks", "events", "counters" };
	char problem[512], path[4096];
	uint64_t left = 0, hits = 0, lost = 0;
	int lock, links, failed = 0, maps_gone = 0, r;
	unsigned int i;

	if (access(dir, F_OK)) {
		log_warn("detach: %s does not exist: nothing pinned there", dir);
		return 0;
	}
	lock = pin_prepare(dir, problem, sizeof(problem));
	if (lock < 0) {
		log_error("detach: %s", problem);
		return 2;
	}
	/* links first: the hooks detach (no other holder), nothing new arrives */
	links = unlink_prefixed(dir, "link_", &failed);
	sum_counters(dir, &hits, &lost);
	r = count_left(dir, &left);
	if (r && r != -ENOENT)
		log_warn("detach: cannot read the pinned ring buffer: %s", strerror(-r));
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		pin_path(path, sizeof(path), dir, maps[i]);
		if (!unlink(path))
			maps_gone++;
		else if (errno != ENOENT)
			failed++, log_error("detach: cannot remove %s: %s", path, strerror(errno));
	}
	close(lock);
	if (rmdir(dir)) {
		log_error("detach: cannot remove %s: %s (files not made by imswatch?)", dir,
			  strerror(errno));
		failed++;
	}
	fprintf(stderr, "imswatch: detach: %s: %d link(s) and %d map(s) removed; hooks ran %llu "
		"time(s) since pinned, %llu record(s) lost (ring buffer full), %llu record(s) "
		"left undelivered in the ring buffer%s\n", dir, links < 0 ? 0 : links, maps_gone,
		(unsigned long long)hits, (unsigned long long)lost, (unsigned long long)left,
		left ? " (discarded with it)" : "");
	return failed || links < 0 ? 2 : 0;
}
