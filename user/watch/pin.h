/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pin: what `watch --pin DIR` leaves on bpffs so the kernel side keeps recording while the
 * loader is down, and how the next run recognises it.
 *
 * DIR holds the ring buffer (events), the per-hook counters (counters), one link per
 * attached program (link_<hook>_entry, link_<hook>_return), the hook states of the run that
 * attached them (hooks) and, written last, an info map (info): a magic number, the record
 * ABI, the table sizes and a hash of the BPF object this binary embeds. A run takes DIR
 * over only when info matches it exactly; a DIR with pins but no info is a run that died
 * while pinning. DIR is flock()ed by the run that owns it: one consumer per ring buffer.
 */
#ifndef IMSWATCH_PIN_H
#define IMSWATCH_PIN_H

#include <stddef.h>
#include <stdint.h>

#include "imswatch.h"

#define PIN_MAGIC 0x31306e7077736d69ULL /* "imswpn01" */

struct pin_info {
	uint64_t magic;	      /* PIN_MAGIC */
	uint32_t abi;	      /* IMSW_ABI_VERSION */
	uint32_t hook_count;  /* IMSW_HOOK_COUNT */
	uint32_t cnt_count;   /* IMSW_CNT_COUNT */
	uint32_t ringbuf_kb;  /* size of the pinned ring buffer */
	uint64_t obj_hash;    /* FNV-1a 64 of the embedded BPF object */
	uint64_t created_real_ns; /* CLOCK_REALTIME when the pins were made */
	char version[32];     /* imswatch version that made them */
};

/* One hook as the pinning run left it: the status record of a takeover shows it. */
struct pin_hook {
	uint32_t mode;	   /* enum imsw_mode */
	uint32_t selected;
	uint32_t attached;
	uint32_t links;	   /* bit 0: link_<hook>_entry pinned, bit 1: link_<hook>_return */
	char reason[512];
};

enum pin_dir_state {
	PIN_DIR_EMPTY,	  /* nothing pinned: this run attaches and pins */
	PIN_DIR_COMPLETE, /* info present: take over (if it matches) */
	PIN_DIR_PARTIAL,  /* pins without info: a run died while pinning */
};

/* DIR/NAME into BUF */
void pin_path(char *buf, size_t len, const char *dir, const char *name);

/* Link pin names of hook I: SIDE 0 entry, 1 return ("link_irq_vectors_vector_alloc_entry") */
void pin_link_name(char *buf, size_t len, unsigned int hook, int side);

/*
 * Make DIR usable: its parent must be on bpffs (when the parent is /sys/fs/bpf and nothing
 * is mounted there, bpffs is mounted, and said on stderr), DIR is created (0700) when
 * missing and locked (flock, non-blocking) for this process. Returns the lock fd (kept open
 * for the run) or -errno with PROBLEM.
 */
int pin_prepare(const char *dir, char *problem, size_t len);

enum pin_dir_state pin_dir_state(const char *dir);

/* The hash that identifies this binary's BPF object in struct pin_info. */
uint64_t pin_object_hash(void);

/* Fill INFO for this binary. */
void pin_info_self(struct pin_info *info, unsigned int ringbuf_kb);

/* Does INFO (read from DIR) match this binary? 0 or -ESTALE with WHY. */
int pin_info_check(const struct pin_info *info, char *why, size_t len);

/* imswatch detach --pin DIR: unpin the links (detaching the hooks), count what the ring
 * buffer still held, remove every pin and DIR. Returns the exit code. */
int pin_detach(const char *dir);

#endif
