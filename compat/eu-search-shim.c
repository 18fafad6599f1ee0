// SPDX-License-Identifier: GPL-2.0
/*
 * eu_search_tree_init/fini for a static link against elfutils 0.192's libelf.a, which calls
 * them (elf_begin, elf_end) but does not contain them: sourceware bug 32293, fixed in 0.193
 * by building lib/eu-search.c into libelf. Linked only when tools/static-probe finds a
 * static link needs it; written from the documented semantics, not copied.
 *
 * elfutils' search_tree is { void *root; rwlock_define(, lock); }. The lock is a
 * pthread_rwlock_t when elfutils was built with thread safety (USE_LOCKS) and a plain
 * placeholder otherwise; tools/static-probe reads which from libelf.a (does it call the
 * pthread rwlock functions?) and compiles this file with IMSW_EU_LOCKS=1 or 0.
 *
 * init: an empty tree (root NULL) and an initialised lock.
 * fini: every node freed with FREE_NODE (tdestroy, under the write lock), root NULL again,
 *       the lock destroyed.
 */
#define _GNU_SOURCE /* tdestroy */
#include <search.h>
#include <stddef.h>

#ifndef IMSW_EU_LOCKS
#error "tools/static-probe defines IMSW_EU_LOCKS"
#endif

#if IMSW_EU_LOCKS
#include <pthread.h>
typedef struct {
	void *root;
	pthread_rwlock_t lock;
} eu_search_tree;
#else
typedef struct {
	void *root;
} eu_search_tree; /* the lock placeholder after root is never touched */
#endif

void eu_search_tree_init(eu_search_tree *tree);
void eu_search_tree_fini(eu_search_tree *tree, void (*free_node)(void *));

static void keep_node(void *node)
{
	(void)node;
}

void eu_search_tree_init(eu_search_tree *tree)
{
	tree->root = NULL;
#if IMSW_EU_LOCKS
	pthread_rwlock_init(&tree->lock, NULL);
#endif
}

void eu_search_tree_fini(eu_search_tree *tree, void (*free_node)(void *))
{
#if IMSW_EU_LOCKS
	pthread_rwlock_wrlock(&tree->lock);
#endif
	if (tree->root)
		tdestroy(tree->root, free_node ? free_node : keep_node);
	tree->root = NULL;
#if IMSW_EU_LOCKS
	pthread_rwlock_unlock(&tree->lock);
	pthread_rwlock_destroy(&tree->lock);
#endif
}
