// SPDX-License-Identifier: GPL-2.0
/*
 * The host identity every record names (user/common/hostid.c): what is taken as a host
 * name, a machine id and a boot id and what is left out (never a made-up value), reading
 * it from a captured tree (--sysroot) with and without those files, and a hostile host
 * name escaped in each place it is written: the JSON host object, the status record's
 * text and the metrics file's imswatch_host_info labels.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "config.h"
#include "hostfs.h"
#include "hostid.h"
#include "output.h"
#include "records.h"
#include "sinks.h"
#include "test_tree.h"

#define MID "0123456789abcdef0123456789abcdef"
#define BID "01234567-89ab-cdef-0123-456789abcdef"
/* a control sequence, a newline, a quote, a backslash and a byte that is not UTF-8 */
#define EVIL "evil\x1b[2J\n\"q\\\xff"

/* ---- what is taken ---- */

static void test_machine_id_rules(void **state)
{
	(void)state;
	assert_true(hostid_machine_id_valid(MID));
	assert_false(hostid_machine_id_valid(NULL));
	assert_false(hostid_machine_id_valid(""));
	assert_false(hostid_machine_id_valid("uninitialized")); /* systemd's first boot */
	assert_false(hostid_machine_id_valid("0123456789ABCDEF0123456789ABCDEF"));
	assert_false(hostid_machine_id_valid("0123456789abcdef0123456789abcde"));
	assert_false(hostid_machine_id_valid("0123456789abcdef0123456789abcdef0"));
	assert_false(hostid_machine_id_valid("0123456789abcdef0123456789abcdeg"));
	assert_false(hostid_machine_id_valid("01234567-89ab-cdef-0123-456789abcdef"));
	assert_false(hostid_machine_id_valid("00000000000000000000000000000000"));
}

static void test_boot_id_rules(void **state)
{
	(void)state;
	assert_true(hostid_boot_id_valid(BID));
	assert_false(hostid_boot_id_valid(NULL));
	assert_false(hostid_boot_id_valid(MID "0000")); /* 36 characters, no dashes */
	assert_false(hostid_boot_id_valid("01234567-89AB-CDEF-0123-456789ABCDEF"));
	assert_false(hostid_boot_id_valid("0123456-789ab-cdef-0123-456789abcdef"));
	assert_false(hostid_boot_id_valid("01234567-89ab-cdef-0123-456789abcde"));
	assert_false(hostid_boot_id_valid("01234567-89ab-cdef-0123-456789abcdef\n"));
	assert_false(hostid_boot_id_valid("00000000-0000-0000-0000-000000000000"));
}

static void test_set_leaves_out_what_breaks_a_rule(void **state)
{
	char longest[HOSTID_NAME_MAX + 2];
	struct host_identity id;

	(void)state;
	hostid_set(&id, "h1", "not-a-machine-id", "not-a-boot-id");
	assert_string_equal(id.host, "h1");
	assert_string_equal(id.machine_id, "");
	assert_string_equal(id.boot_id, "");
	assert_false(hostid_empty(&id));
	/* the kernel's placeholder before a name is set is not a name */
	hostid_set(&id, "(none)", NULL, NULL);
	assert_true(hostid_empty(&id));
	hostid_set(&id, "", NULL, BID);
	assert_string_equal(id.host, "");
	assert_string_equal(id.boot_id, BID);
	/* 64 bytes is the kernel's limit: taken; one more is not a host name */
	memset(longest, 'a', HOSTID_NAME_MAX);
	longest[HOSTID_NAME_MAX] = 0;
	hostid_set(&id, longest, NULL, NULL);
	assert_int_equal(strlen(id.host), HOSTID_NAME_MAX);
	longest[HOSTID_NAME_MAX] = 'a';
	longest[HOSTID_NAME_MAX + 1] = 0;
	hostid_set(&id, longest, NULL, NULL);
	assert_true(hostid_empty(&id));
	/* untrusted bytes are kept as they are: escaped where written, not here */
	hostid_set(&id, EVIL, MID, BID);
	assert_string_equal(id.host, EVIL);
}

/* ---- read from a captured tree ---- */

static void test_read_sysroot(void **state)
{
	char root[] = "/tmp/imswatch-hostid-XXXXXX";
	struct host_identity id;

	(void)state;
	assert_non_null(mkdtemp(root));
	TREE_PUT(root, "proc/sys/kernel/hostname", "captured-host\n");
	TREE_PUT(root, "etc/machine-id", MID "\n");
	TREE_PUT(root, "proc/sys/kernel/random/boot_id", BID "\n");
	assert_int_equal(hostid_read_root(root, &id), 0);
	assert_string_equal(id.host, "captured-host");
	assert_string_equal(id.machine_id, MID);
	assert_string_equal(id.boot_id, BID);

	/* malformed ids are left out, each on its own: the host name stays */
	TREE_PUT(root, "etc/machine-id", "uninitialized\n");
	TREE_PUT(root, "proc/sys/kernel/random/boot_id", MID "\n");
	assert_int_equal(hostid_read_root(root, &id), 0);
	assert_string_equal(id.host, "captured-host");
	assert_string_equal(id.machine_id, "");
	assert_string_equal(id.boot_id, "");

	/* a valid id with more after it (a second line, a NUL) is not the file's format */
	TREE_PUT(root, "etc/machine-id", MID "\n" MID "\n");
	tree_put(root, "proc/sys/kernel/random/boot_id", BID "\0x\n", sizeof(BID) + 2);
	assert_int_equal(hostid_read_root(root, &id), 0);
	assert_string_equal(id.machine_id, "");
	assert_string_equal(id.boot_id, "");

	/* a host name longer than the kernel allows, or with a NUL inside: left out, not cut */
	TREE_PUT(root, "proc/sys/kernel/hostname",
	    "a-name-of-sixty-five-bytes-which-no-kernel-would-ever-hand-out-xy\n");
	assert_int_equal(hostid_read_root(root, &id), 0);
	assert_string_equal(id.host, "");
	tree_put(root, "proc/sys/kernel/hostname", "ab\0cd\n", 6);
	assert_int_equal(hostid_read_root(root, &id), 0);
	assert_true(hostid_empty(&id));

	/* no files at all: nothing */
	tree_remove(root);
	assert_non_null(mkdtemp(strcpy(root, "/tmp/imswatch-hostid-XXXXXX")));
	assert_int_equal(hostid_read_root(root, &id), 0);
	assert_true(hostid_empty(&id));
	tree_remove(root);
	/* a root that cannot be opened: an error, and nothing */
	assert_int_equal(hostid_read_root("/nonexistent-imswatch-root", &id), -ENOENT);
	assert_true(hostid_empty(&id));
}

/* the live root: whatever is read follows the rules (the machine decides what is there) */
static void test_read_live(void **state)
{
	struct host_identity id;

	(void)state;
	assert_int_equal(hostid_read_root("/", &id), 0);
	assert_true(!id.machine_id[0] || hostid_machine_id_valid(id.machine_id));
	assert_true(!id.boot_id[0] || hostid_boot_id_valid(id.boot_id));
	if (!access("/proc/sys/kernel/random/boot_id", R_OK))
		assert_true(hostid_boot_id_valid(id.boot_id));
}

/* ---- through the sink ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static struct platform plat(void)
{
	struct platform p;

	memset(&p, 0, sizeof(p));
	p.q1.verdict = p.q2.verdict = VERDICT_PROBABLY_HOST;
	p.cpuid_kind = CPUID_REPLAY;
	return p;
}

/*
 * A platform record from `imswatch platform --sysroot ROOT` as the sink writes it: the
 * identity read by sink_open_config, the record in PATH, the metrics in PATH.prom.
 */
static char *platform_record(const char *root, enum output_format fmt, int verbose,
			     char **metrics)
{
	char path[] = "/tmp/imswatch-hostid-out-XXXXXX", prom[64], err[256];
	struct config cfg = { .command = CMD_PLATFORM, .format = fmt, .format_given = true,
			      .sysroot = root, .metrics_interval = 15 };
	struct platform p = plat();
	struct sink *s;
	char *out;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	snprintf(prom, sizeof(prom), "%s.prom", path);
	cfg.output = path;
	cfg.metrics = prom;
	s = sink_open_config(&cfg, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	sink_set_verbose(s, verbose);
	assert_int_equal(sink_platform(s, &p, 0), 0);
	assert_int_equal(sink_close(s), 0);
	out = slurp(path);
	*metrics = slurp(prom);
	unlink(path);
	unlink(prom);
	return out;
}

static void test_sysroot_without_identity_no_host_object(void **state)
{
	char root[] = "/tmp/imswatch-hostid-XXXXXX", *out, *prom;
	json_object *o;

	(void)state;
	assert_non_null(mkdtemp(root));
	out = platform_record(root, FORMAT_JSON, 0, &prom);
	o = json_tokener_parse(out);
	assert_non_null(o);
	assert_false(json_object_object_get_ex(o, "host", NULL));
	assert_int_equal(json_object_get_int(json_object_object_get(o, "format_version")), 4);
	json_object_put(o);
	assert_null(strstr(prom, "imswatch_host_info"));
	free(out);
	free(prom);
	out = platform_record(root, FORMAT_TEXT, 1, &prom);
	assert_null(strstr(out, "Host:"));
	free(out);
	free(prom);
	tree_remove(root);
}

static void test_sysroot_identity_in_every_format(void **state)
{
	char root[] = "/tmp/imswatch-hostid-XXXXXX", *out, *prom;
	json_object *o, *h, *v;

	(void)state;
	assert_non_null(mkdtemp(root));
	TREE_PUT(root, "proc/sys/kernel/hostname", EVIL "\n");
	TREE_PUT(root, "etc/machine-id", MID "\n");
	/* the boot id of the tree is malformed: left out of every format */
	TREE_PUT(root, "proc/sys/kernel/random/boot_id", "01234567-89ab-cdef-0123\n");

	out = platform_record(root, FORMAT_JSON, 0, &prom);
	assert_null(strchr(out, '\x1b'));
	/* right after ts: the fields every record shares */
	assert_non_null(strstr(out, "\"ts\":\"1970-01-01T00:00:00.000000Z\",\"host\":{\"name\":"));
	o = json_tokener_parse(out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "host", &h));
	/* the one escaper's text: every unsafe byte and the backslash as \xNN */
	assert_string_equal(json_object_get_string(json_object_object_get(h, "name")),
			    "evil\\x1b[2J\\x0a\"q\\x5c\\xff");
	assert_string_equal(json_object_get_string(json_object_object_get(h, "machine_id")), MID);
	assert_false(json_object_object_get_ex(h, "boot_id", &v));
	json_object_put(o);
	/* the metrics: one info series, labels escaped for the exposition format */
	assert_non_null(strstr(prom, "# TYPE imswatch_host_info gauge\n"));
	assert_non_null(strstr(prom, "\nimswatch_host_info{"
				     "host=\"evil\\\\x1b[2J\\\\x0a\\\"q\\\\x5c\\\\xff\","
				     "machine_id=\"" MID "\"} 1\n"));
	assert_null(strchr(prom, '\x1b'));
	free(out);
	free(prom);

	/* text: the platform record names the host with -v, escaped for a terminal */
	out = platform_record(root, FORMAT_TEXT, 1, &prom);
	assert_null(strchr(out, '\x1b'));
	assert_non_null(strstr(out, "\n  Host:                   evil\\\\x1b[2J\\\\x0a\\\"q\\\\x5c\\\\xff "
				    "(machine-id " MID ")\n"));
	free(out);
	free(prom);
	/* without -v it does not */
	out = platform_record(root, FORMAT_TEXT, 0, &prom);
	assert_null(strstr(out, "Host:"));
	free(out);
	free(prom);
	tree_remove(root);
}

/* the status record's text names the host once; JSON records all carry it */
static void test_status_text_names_host(void **state)
{
	char path[] = "/tmp/imswatch-hostid-st-XXXXXX", err[256], *out;
	struct hook_state hooks[IMSW_HOOK_COUNT];
	struct platform p = plat();
	struct status_info st = { .kernel = "6.18", .platform = &p, .hooks = hooks,
				  .attach_pref = "auto", .ringbuf_kb = 256 };
	struct host_identity id;
	struct sink *s;
	const char *host;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	memset(hooks, 0, sizeof(hooks));
	hostid_set(&id, "h\xc3\xb6st\t1", MID, BID);
	s = sink_open(FORMAT_TEXT, path, err, sizeof(err));
	assert_non_null(s);
	sink_set_host(s, &id);
	assert_int_equal(sink_status(s, &st, 0), 0);
	assert_int_equal(sink_close(s), 0);
	out = slurp(path);
	/* UTF-8 is kept by the one escaper and the tab becomes \x09; then the text escaper
	 * writes every non-ASCII byte as \xNN and doubles the backslash */
	host = strstr(out, "\n  Host:                   h\\xc3\\xb6st\\\\x091 (machine-id " MID
			   ", boot " BID ")\n");
	assert_non_null(host);
	assert_null(strstr(strstr(host, "Host:") + 1, "Host:")); /* once */
	/* every hook blind here: the Blind: line stays first under the header, then Host: */
	assert_memory_equal(strchr(out, '\n') + 1, "  Blind:", 8);
	assert_ptr_equal(host, strchr(strchr(out, '\n') + 1, '\n'));
	free(out);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_machine_id_rules),
		cmocka_unit_test(test_boot_id_rules),
		cmocka_unit_test(test_set_leaves_out_what_breaks_a_rule),
		cmocka_unit_test(test_read_sysroot),
		cmocka_unit_test(test_read_live),
		cmocka_unit_test(test_sysroot_without_identity_no_host_object),
		cmocka_unit_test(test_sysroot_identity_in_every_format),
		cmocka_unit_test(test_status_text_names_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
