/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpuid: the only way imswatch asks the CPU. Either the native instruction (x86 only) or a
 * replay file (--cpuid-file), so the heuristic can be tested with any CPU's answers.
 *
 * Replay file: one leaf per line, "leaf subleaf eax ebx ecx edx", all hex (0x optional);
 * blank lines and lines starting with '#' are ignored. It is a regular file of at most
 * 16 MiB and 2^20 leaves, with lines for leaves 0 and 1 (subleaf 0) at least.
 */
#ifndef IMSWATCH_CPUID_H
#define IMSWATCH_CPUID_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

enum cpuid_kind {
	CPUID_ABSENT, /* not x86: there is no CPUID to ask */
	CPUID_NATIVE,
	CPUID_REPLAY,
};

struct cpuid_entry {
	uint32_t leaf, subleaf;
	struct cpuid_regs regs;
};

struct cpuid_source {
	enum cpuid_kind kind;
	size_t count;
	struct cpuid_entry *entries; /* REPLAY only */
};

/* Native CPUID where the architecture has one, CPUID_ABSENT elsewhere. Always 0. */
int cpuid_source_native(struct cpuid_source *src);

/*
 * Load a replay file. Returns 0, -errno when it cannot be read (-EISDIR, -EFBIG past the
 * size bound), or -EINVAL for a malformed line or what is not a dump (not a regular file,
 * empty, no leaf 0 or leaf 1, too many leaves); in every error case ERR gets one line
 * naming the file (and line number). Never blocks on a FIFO.
 */
int cpuid_source_load(struct cpuid_source *src, const char *path, char *err, size_t errlen);

void cpuid_source_free(struct cpuid_source *src);

/*
 * Query LEAF/SUBLEAF. Returns 0, -ENODEV when the source is CPUID_ABSENT, or -ENOENT when a
 * replay file has no such line (the leaf is unknown, not zero).
 */
int cpuid_query(const struct cpuid_source *src, uint32_t leaf, uint32_t subleaf,
		struct cpuid_regs *out);

const char *cpuid_kind_name(enum cpuid_kind kind);

/*
 * Write every leaf the platform engine may query (0, 1, 0x21, the hypervisor ranges
 * 0x40000000-0x4000FF00 and their sub-leaves, 0x80000000) to FP in replay format, so a
 * capture can be replayed with --cpuid-file. Leaves the source cannot answer are left out.
 * Returns 0 or -errno (write error: -EPIPE when the reader went away).
 */
int cpuid_dump(const struct cpuid_source *src, FILE *fp);

#endif
