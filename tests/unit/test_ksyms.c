// SPDX-License-Identifier: GPL-2.0
/*
 * ksyms: the one /proc/kallsyms pass, on files in its format: plain names, compiler clones
 * ("name.isra.0"), module symbols ("name\t[mod]"), the first address of a duplicate, hidden
 * addresses, names that only share a prefix, a file that cannot be read, a line cut by the
 * read buffer, and one read for every lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ksyms.h"

static char path[] = "/tmp/imswatch-ksyms-XXXXXX";

static const char *sample =
	"ffffffff81000000 T _stext\n"
	"ffffffff81234560 t local_pci_probe.isra.0\n"
	"ffffffff81234570 T pci_device_probe\n"
	"ffffffff81234578 t pci_device_probe.part.0\n"
	"ffffffff81234580 T pci_device_probe_extra\n"
	"ffffffff81234590 T xpci_alloc_irq_vectors_affinity\n"
	"ffffffff812345a0 T pci_alloc_irq_vectors_affinity.cold\n"
	"ffffffff812345b0 T pci_alloc_irq_vectors_affinity\n"
	"ffffffff812345c0 T pci_alloc_irq_vectors_affinity\n"
	"000000000001a2b0 D cpu_info\n"
	"ffffffffc0001000 t pci_create_ims_domain\t[ims_standin]\n"
	"ffffffff82000010 d x86_hyper_type"; /* the last line without its newline */

static void write_file(const char *text, size_t len)
{
	FILE *fp = fopen(path, "we");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void test_lookups(void **state)
{
	struct ksyms *ks = ksyms_new_at(path);
	unsigned long long addr = 1;

	(void)state;
	write_file(sample, strlen(sample));
	assert_non_null(ks);
	assert_int_equal(ksyms_want(ks, "local_pci_probe"), 0);
	assert_int_equal(ksyms_want(ks, "pci_device_probe"), 0);
	assert_int_equal(ksyms_want(ks, "pci_alloc_irq_vectors_affinity"), 0);
	assert_int_equal(ksyms_want(ks, "pci_create_ims_domain"), 0);
	assert_int_equal(ksyms_want(ks, "cpu_info"), 0);
	assert_int_equal(ksyms_want(ks, "x86_hyper_type"), 0);
	assert_int_equal(ksyms_want(ks, "pci_ims_alloc_irq"), 0);
	assert_int_equal(ksyms_want(ks, "pci_device"), 0);

	assert_int_equal(ksyms_find(ks, "local_pci_probe", &addr), KSYM_CLONE);
	assert_int_equal(addr, 0);
	/* the plain name wins over a clone seen after it, */
	assert_int_equal(ksyms_find(ks, "pci_device_probe", &addr), KSYM_PRESENT);
	assert_int_equal(addr, 0xffffffff81234570ULL);
	/* or before it; the first address of duplicates */
	assert_int_equal(ksyms_find(ks, "pci_alloc_irq_vectors_affinity", &addr), KSYM_PRESENT);
	assert_int_equal(addr, 0xffffffff812345b0ULL);
	assert_int_equal(ksyms_find(ks, "pci_create_ims_domain", &addr), KSYM_PRESENT);
	assert_int_equal(addr, 0xffffffffc0001000ULL);
	assert_int_equal(ksyms_find(ks, "cpu_info", &addr), KSYM_PRESENT);
	assert_int_equal(addr, 0x1a2b0);
	assert_int_equal(ksyms_find(ks, "x86_hyper_type", &addr), KSYM_PRESENT);
	assert_int_equal(addr, 0xffffffff82000010ULL);
	assert_int_equal(ksyms_find(ks, "pci_ims_alloc_irq", &addr), KSYM_ABSENT);
	/* a prefix of other names ("pci_device_probe", "_extra") is not a clone */
	assert_int_equal(ksyms_find(ks, "pci_device", NULL), KSYM_ABSENT);
	assert_true(ksyms_readable(ks));
	assert_int_equal(ksyms_reads(ks), 1);

	/* a name not wanted before the read costs a second one, and is found */
	assert_int_equal(ksyms_find(ks, "_stext", &addr), KSYM_PRESENT);
	assert_int_equal(addr, 0xffffffff81000000ULL);
	assert_int_equal(ksyms_reads(ks), 2);
	assert_int_equal(ksyms_find(ks, "pci_device_probe", NULL), KSYM_PRESENT);
	assert_int_equal(ksyms_reads(ks), 2);
	ksyms_free(ks);
}

/* kptr_restrict: names listed, addresses zero */
static void test_hidden_addresses(void **state)
{
	const char *text = "0000000000000000 T pci_device_probe\n"
			   "0000000000000000 D x86_hyper_type\n";
	struct ksyms *ks = ksyms_new_at(path);
	unsigned long long addr = 1;

	(void)state;
	write_file(text, strlen(text));
	assert_int_equal(ksyms_find(ks, "x86_hyper_type", &addr), KSYM_PRESENT);
	assert_int_equal(addr, 0);
	ksyms_free(ks);
}

static void test_unreadable(void **state)
{
	struct ksyms *ks = ksyms_new_at("/nonexistent/kallsyms");
	unsigned long long addr = 1;

	(void)state;
	assert_int_equal(ksyms_find(ks, "pci_device_probe", &addr), KSYM_ABSENT);
	assert_int_equal(addr, 0);
	assert_false(ksyms_readable(ks));
	ksyms_free(ks);
}

/* names on both sides of the read buffer's edge (64 KiB), and a line longer than it */
static void test_buffer_edges(void **state)
{
	size_t cap = 400000, len = 0, i, n;
	char *text = malloc(cap);
	struct ksyms *ks = ksyms_new_at(path);
	unsigned long long addr;
	char name[32];

	(void)state;
	assert_non_null(text);
	for (n = 0; len < 200000; n++) /* some 7,000 lines: three buffers and more */
		len += snprintf(text + len, cap - len, "ffffffff8%07zx t sym_%zu\n", n, n);
	len += snprintf(text + len, cap - len, "ffffffff81000000 t ");
	memset(text + len, 'y', 70000);
	len += 70000;
	len += snprintf(text + len, cap - len, "\nffffffff8abcdef0 T after_long_line\n");
	write_file(text, len);
	for (i = 0; i < n; i += 7) {
		snprintf(name, sizeof(name), "sym_%zu", i);
		assert_int_equal(ksyms_want(ks, name), 0);
	}
	assert_int_equal(ksyms_want(ks, "after_long_line"), 0);
	for (i = 0; i < n; i += 7) {
		snprintf(name, sizeof(name), "sym_%zu", i);
		assert_int_equal(ksyms_find(ks, name, &addr), KSYM_PRESENT);
		assert_int_equal(addr, 0xffffffff80000000ULL + i);
	}
	assert_int_equal(ksyms_find(ks, "after_long_line", &addr), KSYM_PRESENT);
	assert_int_equal(addr, 0xffffffff8abcdef0ULL);
	assert_int_equal(ksyms_reads(ks), 1);
	ksyms_free(ks);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_hidden_addresses),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_buffer_edges),
	};

	return cmocka_run_group_tests_name("ksyms", tests, setup, teardown);
}
