/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksyms: /proc/kallsyms read once, in one pass, for a small set of names (the hook table's
 * kprobe targets, the kernel view's x86_hyper_type), shared by every reader of one run. The
 * file is 5 MB of text the kernel generates on each read, so it is read only when a lookup
 * first needs it, and never twice.
 */
#ifndef IMSWATCH_KSYMS_H
#define IMSWATCH_KSYMS_H

#include <stdbool.h>
#include <stddef.h>

struct ksyms;

/* An empty set; NULL on ENOMEM. Names are copied. */
struct ksyms *ksyms_new(void);
/* The same for a file in kallsyms format other than /proc/kallsyms (tests); PATH is kept,
 * not copied. */
struct ksyms *ksyms_new_at(const char *path);
/* Add NAME to the names the one pass looks for. 0 or -ENOMEM. */
int ksyms_want(struct ksyms *ks, const char *name);
/* The hook table's kprobe targets and the kernel view's symbol: all a run looks up. */
int ksyms_want_all(struct ksyms *ks);

enum ksym_found {
	KSYM_ABSENT = 0,  /* not in /proc/kallsyms (or it was unreadable) */
	KSYM_PRESENT = 1, /* the plain name is there */
	KSYM_CLONE = -2,  /* only compiler clones ("local_pci_probe.isra.0") */
};

/*
 * Look NAME up, reading /proc/kallsyms (once) if not yet done; a name not wanted before the
 * read costs a second read. *ADDR (may be NULL) gets the first address of the plain name:
 * 0 when kptr_restrict hides addresses.
 */
enum ksym_found ksyms_find(struct ksyms *ks, const char *name, unsigned long long *addr);
/* Could /proc/kallsyms be read? (reads it if not yet done) */
bool ksyms_readable(struct ksyms *ks);
/* How many times /proc/kallsyms was read (0 or 1 in a run; tests and -vv) */
unsigned int ksyms_reads(const struct ksyms *ks);

void ksyms_free(struct ksyms *ks);

#endif
