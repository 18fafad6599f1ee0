// SPDX-License-Identifier: GPL-2.0
/*
 * elfutils' thread-safe search-tree helpers for a static link against elfutils 0.192's
 * libelf.a, which calls them (elf_begin, elf_end, elf_getdata_rawchunk) but does not contain
 * them: sourceware bug 32293, fixed in 0.193 by building lib/eu-search.c into libelf.
 * Linked only when tools/static-probe finds a static link needs it; written from the
 * documented semantics (lib/eu-search.h), not copied. Every definition is weak, so a libelf.a
 * that does carry one wins.
 *
 * elfutils' search_tree is { void *root; rwlock_define(, lock); }. The lock is a
 * pthread_rwlock_t when elfutils was built with thread safety (USE_LOCKS) and an unused
 * placeholder otherwise; tools/static-probe reads which from libelf.a (does it call the
 * pthread rwlock functions?) and compiles this file with IMSW_EU_LOCKS=1 or 0.
 *
 * eu_tsearch/eu_tfind/eu_tdelete: tsearch/tfind/tdelete on the tree's root, under its lock
 *   (write, read, write).
 * eu_tdestroy: every node freed with FREE_NODE (tdestroy), root NULL again.
 * eu_search_tree_init: an empty tree (root NULL) and an initialised lock.
 * eu_search_tree_fini: eu_tdestroy, then the lock destroyed.
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
#define WRLOCK(t) pthread_rwlock_wrlock(&(t)->lock)
#define RDLOCK(t) pthread_rwlock_rdlock(&(t)->lock)
#define UNLOCK(t) pthread_rwlock_unlock(&(t)->lock)
#else
typedef struct {
	void *root; /* the lock placeholder after it is never touched */
} eu_search_tree;
#define WRLOCK(t) ((void)(t))
#define RDLOCK(t) ((void)(t))
#define UNLOCK(t) ((void)(t))
#endif

#define WEAK __attribute__((weak))
typedef int (*compare_fn)(const void *, const void *);

WEAK void *eu_tsearch(const void *key, eu_search_tree *tree, compare_fn compare);
WEAK void *eu_tfind(const void *key, eu_search_tree *tree, compare_fn compare);
WEAK void *eu_tdelete(const void *key, eu_search_tree *tree, compare_fn compare);
WEAK void eu_tdestroy(eu_search_tree *tree, void (*free_node)(void *));
WEAK void eu_search_tree_init(eu_search_tree *tree);
WEAK void eu_search_tree_fini(eu_search_tree *tree, void (*free_node)(void *));

void *eu_tsearch(const void *key, eu_search_tree *tree, compare_fn compare)
{
	void *r;

	WRLOCK(tree);
	r = tsearch(key, &tree->root, compare);
	UNLOCK(tree);
	return r;
}

void *eu_tfind(const void *key, eu_search_tree *tree, compare_fn compare)
{
	void *r;

	RDLOCK(tree);
	r = tfind(key, &tree->root, compare);
	UNLOCK(tree);
	return r;
}

void *eu_tdelete(const void *key, eu_search_tree *tree, compare_fn compare)
{
	void *r;

	WRLOCK(tree);
	r = tdelete(key, &tree->root, compare);
	UNLOCK(tree);
	return r;
}

static void keep_node(void *node)
{
	(void)node;
}

void eu_tdestroy(eu_search_tree *tree, void (*free_node)(void *))
{
	WRLOCK(tree);
	if (tree->root)
		tdestroy(tree->root, free_node ? free_node : keep_node);
	tree->root = NULL;
	UNLOCK(tree);
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
	eu_tdestroy(tree, free_node);
#if IMSW_EU_LOCKS
	pthread_rwlock_destroy(&tree->lock);
#endif
}
