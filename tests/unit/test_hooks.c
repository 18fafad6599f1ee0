// SPDX-License-Identifier: GPL-2.0
/*
 * The hook table (include/imswatch_hooks.h) against the BPF object it describes: every
 * program a row names exists, sits in the section its variant and symbol say, and every
 * program of the object (but the one-shot kernel_view) belongs to exactly one row. So a
 * hook added to bpf/imswatch.bpf.c without its row, or a row with a misspelt program,
 * fails here, not silently at attach time. Opens the object only: no BPF load, no root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <bpf/libbpf.h>

#include "hooks.h"
#include "imswatch.skel.h"

static struct imswatch_bpf *skel;

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	libbpf_set_print(quiet);
	skel = imswatch_bpf__open();
	return skel ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	imswatch_bpf__destroy(skel);
	return 0;
}

/* PROG exists and sits in section "<KIND>/<SYMBOL>" */
static void check_prog(const char *prog, const char *kind, const char *symbol)
{
	struct bpf_program *p;
	char want[128];

	if (!prog)
		return;
	p = bpf_object__find_program_by_name(skel->obj, prog);
	if (!p)
		fail_msg("program '%s' of the hook table is not in the BPF object", prog);
	snprintf(want, sizeof(want), "%s/%s", kind, symbol);
	if (strcmp(bpf_program__section_name(p), want))
		fail_msg("program '%s': section '%s', the table says '%s'", prog,
			 bpf_program__section_name(p), want);
}

static void test_rows_match_object(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		const struct hook_info *h = &hook_table[i];
		const char *colon = strchr(h->name, ':');

		assert_int_equal(h->id, i);
		if (h->is_tracepoint) {
			/* a tracepoint hook has its raw_tp program and nothing else */
			assert_non_null(colon);
			assert_false(h->has_fentry || h->has_kprobe || h->prog_fentry ||
				     h->prog_kretprobe);
			check_prog(h->prog_raw_tp, "raw_tp", colon + 1);
			continue;
		}
		assert_null(colon);
		assert_true(h->has_fentry || h->has_kprobe);
		/* the entry marker goes with an fexit, a kretprobe with its kprobe */
		assert_true(!h->prog_fentry || h->prog_fexit);
		assert_true(!h->prog_kretprobe || h->prog_kprobe);
		check_prog(h->prog_fentry, "fentry", h->name);
		check_prog(h->prog_fexit, "fexit", h->name);
		check_prog(h->prog_kprobe, "kprobe", h->name);
		check_prog(h->prog_kretprobe, "kretprobe", h->name);
	}
}

static bool named_by_table(const char *prog)
{
	unsigned int i, n = 0;

	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		const struct hook_info *h = &hook_table[i];
		const char *names[] = { h->prog_fentry, h->prog_fexit, h->prog_kprobe,
					h->prog_kretprobe, h->prog_raw_tp };
		unsigned int k;

		for (k = 0; k < 5; k++)
			n += names[k] && !strcmp(names[k], prog);
	}
	return n == 1;
}

static void test_every_program_has_one_row(void **state)
{
	struct bpf_program *p;
	unsigned int seen = 0;

	(void)state;
	bpf_object__for_each_program(p, skel->obj) {
		const char *name = bpf_program__name(p);

		if (!strcmp(name, "kernel_view")) /* run once by kview.c, never attached */
			continue;
		if (!named_by_table(name))
			fail_msg("program '%s' is in no row of the hook table (or in two)", name);
		seen++;
	}
	assert_true(seen >= IMSW_HOOK_COUNT);
}

static void test_table_is_sane(void **state)
{
	unsigned int i, j, all = 0;

	(void)state;
	for (i = 0; i < IMSW_GROUP_COUNT; i++)
		all |= group_table[i].bit;
	for (i = 0; i < IMSW_HOOK_COUNT; i++) {
		const struct hook_info *h = &hook_table[i];

		assert_true(h->groups && !(h->groups & ~all));
		assert_true(h->reveals && h->reveals[0]);
		/* a standby follows its hook: the loader decides in table order */
		assert_true(h->standby_for == IMSW_NO_HOOK ||
			    (h->standby_for >= 0 && (unsigned int)h->standby_for < i));
		assert_int_equal(hook_by_name(h->name), (int)i);
		for (j = 0; j < i; j++)
			assert_string_not_equal(hook_table[j].name, h->name);
	}
	assert_int_equal(group_by_name("ims"), IMSW_GROUP_BIT_IMS);
	assert_int_equal(group_by_name("msi"), IMSW_GROUP_BIT_MSI);
	assert_int_equal(group_by_name("nope"), -1);
	assert_int_equal(hook_by_name("nope"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_match_object),
		cmocka_unit_test(test_every_program_has_one_row),
		cmocka_unit_test(test_table_is_sane),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
