/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_tree: write files of a captured tree (a sysroot) under a scratch directory, and
 * remove it. For the unit tests that read a tree through hostfs; include after cmocka.h.
 * (Several older test files still keep a private copy of these; new ones use this.)
 */
#ifndef IMSWATCH_TEST_TREE_H
#define IMSWATCH_TEST_TREE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ROOT/REL with LEN bytes of DATA (NUL bytes allowed), parents made as needed */
static inline void tree_put(const char *root, const char *rel, const void *data, size_t len)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* a string literal's bytes, without its terminating NUL */
#define TREE_PUT(root, rel, lit) tree_put(root, rel, lit, sizeof(lit) - 1)

static inline void tree_remove(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

#endif
