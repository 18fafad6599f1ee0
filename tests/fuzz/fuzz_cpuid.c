// SPDX-License-Identifier: GPL-2.0
/*
 * --cpuid-file: the replay parser (user/platform/cpuid.c) on arbitrary file contents. A file that
 * loads must answer every leaf it holds and nothing else, its dump must load again to the
 * same leaves, and a file that does not load must say why in one line naming the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid.h"
#include "fuzz_check.h"
#include "log.h"

static void check(int cond, const char *what, const uint8_t *data, size_t size)
{
	if (!cond)
		fuzz_require("property violated", what, data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[300], dump[300];
	struct cpuid_source src, again;
	struct cpuid_regs r;
	char err[512];
	size_t i;
	int ret;

	if (!path[0]) {
		log_verbosity = -1;
		snprintf(path, sizeof(path), "%s/cpuid", fuzz_tmpdir());
		snprintf(dump, sizeof(dump), "%s/cpuid.dump", fuzz_tmpdir());
	}
	fuzz_write_file(path, data, size);
	ret = cpuid_source_load(&src, path, err, sizeof(err));
	if (ret) {
		check(err[0] && !strchr(err, '\n') && !strncmp(err, path, strlen(path)),
		      "a refused file gets one line of error naming the file", data, size);
		return 0;
	}
	check(src.kind == CPUID_REPLAY, "a loaded file is a replay source", data, size);
	for (i = 0; i < src.count; i++) {
		const struct cpuid_entry *e = &src.entries[i];

		check(cpuid_query(&src, e->leaf, e->subleaf, &r) == 0 &&
			      !memcmp(&r, &e->regs, sizeof(r)),
		      "every loaded leaf answers with its registers", data, size);
	}
	if (!src.count)
		check(cpuid_query(&src, 0, 0, &r) == -ENOENT, "an empty replay knows no leaf", data,
		      size);

	/* what `imswatch cpuid` writes from it must load again */
	{
		FILE *f = fopen(dump, "w");

		if (!f)
			abort();
		check(cpuid_dump(&src, f) == 0, "cpuid_dump succeeds", data, size);
		fclose(f);
		check(cpuid_source_load(&again, dump, err, sizeof(err)) == 0,
		      "a dump loads again", data, size);
		for (i = 0; i < again.count; i++) {
			const struct cpuid_entry *e = &again.entries[i];

			check(cpuid_query(&src, e->leaf, e->subleaf, &r) == 0 &&
				      !memcmp(&r, &e->regs, sizeof(r)),
			      "a dumped leaf has the replayed registers", data, size);
		}
		cpuid_source_free(&again);
	}
	cpuid_source_free(&src);
	return 0;
}
