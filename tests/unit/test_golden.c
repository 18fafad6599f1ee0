// SPDX-License-Identifier: GPL-2.0
/*
 * Golden output: a fixed stream of hand-built records of every type (events of every kind
 * through the pipeline, with and without sysfs enrichment, alerts, status, platform, lost,
 * summary) rendered as JSON lines and as text, compared byte for byte with
 * tests/golden/records.{jsonl,txt}. The clock is injected (a fixed timebase and fixed
 * record times) and the host identity is a made-up one, so the output does not depend on
 * when or where the test runs.
 * IMSWATCH_GOLDEN_UPDATE=1 rewrites the files instead; do that only on purpose, and
 * review the diff: JSON bytes are the record format (README.md, "Records").
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

#include "config.h"
#include "hostfs.h"
#include "hostid.h"
#include "output.h"
#include "pipeline.h"
#include "platform.h"
#include "records.h"
#include "test_event.h"

#define GOLDEN_DIR "tests/golden"
/* 2025-11-24T16:00:00.123456Z, minus the events' monotonic stamps below */
#define REAL_NS 1764000000123456789LL

/* the unit tests' event with every field set, so the golden records show each one */
static struct imsw_event make_event(unsigned int kind)
{
	struct imsw_event e = test_event(kind);

	e.cpu = 1;
	e.pid = 77;
	e.tid = 78;
	e.pci.subvendor = 0x1af4;
	e.pci.subdevice = 0x1100;
	e.pci.class = 0xff0000;
	return e;
}

static void put(const char *root, const char *rel, const char *text)
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
	fputs(text, f);
	fclose(f);
}

static void assess(const char *name, struct platform *p)
{
	char root[256], cpuid[256], err[256];
	struct cpuid_source cpu;
	struct hostfs fs;

	snprintf(root, sizeof(root), "tests/fixtures/%s/root", name);
	snprintf(cpuid, sizeof(cpuid), "tests/fixtures/%s/cpuid", name);
	assert_int_equal(hostfs_open(&fs, root), 0);
	if (cpuid_source_load(&cpu, cpuid, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(platform_assess(&fs, &cpu, NULL, p), 0);
	cpuid_source_free(&cpu);
	hostfs_close(&fs);
}

/* every kind, and the variants that add or drop fields */
static size_t make_events(struct imsw_event *ev)
{
	size_t n = 0;
	struct imsw_event e;

	e = make_event(IMSW_KIND_PROBE);
	e.hook = IMSW_HOOK_PCI_DEVICE_PROBE;
	e.mode = IMSW_MODE_FENTRY;
	ev[n++] = e;
	e.module[0] = 0; /* no module: no builtin */
	e.pci.bdf[0] = 0;  /* no device */
	e.pci.is_pci = 0;
	e.ret = -19;
	ev[n++] = e;
	e = make_event(IMSW_KIND_PROBE);
	e.hook = IMSW_HOOK_PCI_DEVICE_PROBE;
	e.builtin = 1;
	strcpy(e.driver, "bad\x1b[2Jdrv\\\xff\xc3\xbc");
	strcpy(e.comm, "c\"q\x7f");
	ev[n++] = e;

	e = make_event(IMSW_KIND_IRQ_VECTORS);
	e.hook = IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS;
	e.irq_mode = IMSW_IRQ_MSIX;
	e.req_min = 1;
	e.req_max = 8;
	e.ret = 8;
	e.flags = 4;
	ev[n++] = e;
	e.irq_mode = IMSW_IRQ_MSI;
	e.ret = -28;
	ev[n++] = e;
	e.irq_mode = IMSW_IRQ_NONE;
	ev[n++] = e;

	e = make_event(IMSW_KIND_MSI_DOMAIN);
	e.hook = IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN;
	e.mode = IMSW_MODE_FENTRY;
	e.domain_kind = IMSW_DOMAIN_MSIX;
	e.bus_token = 10;
	e.req_max = 64;
	e.ret = 1;
	ev[n++] = e;
	e.domid = 1;
	e.domain_kind = IMSW_DOMAIN_IMS;
	e.within_ims_api = 1;
	ev[n++] = e;
	e.within_ims_api = 0; /* a secondary domain outside the IMS API: an attempt */
	ev[n++] = e;

	e = make_event(IMSW_KIND_IMS_DOMAIN);
	e.domid = 1;
	e.domain_kind = IMSW_DOMAIN_IMS;
	e.bus_token = 12;
	e.req_max = 2048;
	e.ret = 1;
	ev[n++] = e;
	e.ret = 0;
	ev[n++] = e;

	e = make_event(IMSW_KIND_IMS_ALLOC);
	e.hook = IMSW_HOOK_PCI_IMS_ALLOC_IRQ;
	e.index = 3;
	e.virq = 45;
	e.ret = 3;
	ev[n++] = e;
	e.ret = -28;
	e.index = -28;
	e.virq = 0;
	ev[n++] = e;

	e = make_event(IMSW_KIND_IMS_FREE);
	e.hook = IMSW_HOOK_PCI_IMS_FREE_IRQ;
	e.index = 3;
	e.virq = 45;
	ev[n++] = e;

	e = make_event(IMSW_KIND_VECTOR);
	e.mode = IMSW_MODE_TRACEPOINT;
	e.pci.bdf[0] = 0;
	e.pci.is_pci = 0;
	e.driver[0] = 0;
	e.module[0] = 0;
	strcpy(e.comm, "swapper/1");
	e.irq = 24;
	e.vector = 34;
	for (unsigned int op = IMSW_VEC_ALLOC; op <= IMSW_VEC_TEARDOWN; op++) {
		e.hook = IMSW_HOOK_VECTOR_ALLOC + op - IMSW_VEC_ALLOC;
		e.vec_op = op;
		ev[n++] = e;
	}
	e.irq = 99; /* gone from sysfs */
	ev[n++] = e;
	e.irq = 25; /* chip without a device */
	ev[n++] = e;
	return n;
}

static void write_stream(struct sink *s, const char *sysfs)
{
	static struct platform guest, host;
	struct imsw_event ev[64];
	struct hook_state hooks[IMSW_HOOK_COUNT];
	struct status_info st;
	struct summary_info sum;
	uint64_t lost[IMSW_HOOK_COUNT] = { 0 };
	struct pipeline pipe;
	struct hostfs live;
	size_t n, i, round;
	unsigned int h, c;

	assess("qemu-kvm", &guest);
	assess("baremetal-dell", &host);

	memset(hooks, 0, sizeof(hooks));
	for (h = 0; h < IMSW_HOOK_COUNT; h++) {
		hooks[h].mode = h % 3 == 0 ? IMSW_MODE_FENTRY :
				h % 3 == 1 ? IMSW_MODE_KPROBE : IMSW_MODE_TRACEPOINT;
		hooks[h].attached = h % 4 != 1;
		snprintf(hooks[h].reason, sizeof(hooks[h].reason), "%s",
			 hooks[h].attached ? "" : "symbol not in /proc/kallsyms");
	}
	memset(&st, 0, sizeof(st));
	st.kernel = "6.8.0-test\x1b]0;x\x07";
	st.platform = &guest;
	st.hooks = hooks;
	st.ringbuf_kb = 4096;
	st.attach_pref = "auto";
	assert_int_equal(sink_status(s, &st, REAL_NS), 0);
	/* nothing attached: a problem and every group blind */
	for (h = 0; h < IMSW_HOOK_COUNT; h++)
		hooks[h].attached = false;
	st.bpf_problem = "no BTF and no kprobes: nothing can be loaded";
	st.platform = &host;
	assert_int_equal(sink_status(s, &st, REAL_NS + 1000), 0);
	assert_int_equal(sink_platform(s, &guest, REAL_NS + 2000), 0);
	assert_int_equal(sink_platform(s, &host, REAL_NS + 3000), 0);

	n = make_events(ev);
	assert_true(n <= sizeof(ev) / sizeof(ev[0]));
	/* twice per platform, so reused records meet every predecessor; then enriched */
	for (round = 0; round < 5; round++) {
		const struct platform *p = round & 1 ? &host : &guest;

		if (round == 4)
			assert_int_equal(hostfs_open(&live, sysfs), 0);
		pipeline_init(&pipe, s, p, round == 4 ? &live : NULL);
		pipe.tb.mono_to_real_ns = REAL_NS - 100000000;
		pipe.tb.taken_mono_ns = INT64_MAX / 2; /* never taken again */
		for (i = 0; i < n; i++) {
			ev[i].ts_ns = 100000000 + round * 1000000 + i * 1001;
			assert_int_equal(pipeline_record(&pipe, &ev[i], sizeof(ev[i])), 0);
		}
		for (i = n; i-- > 0;) {
			ev[i].ts_ns += 500000;
			assert_int_equal(pipeline_record(&pipe, &ev[i], sizeof(ev[i])), 0);
		}
		pipeline_fini(&pipe);
		if (round == 4)
			hostfs_close(&live);
	}

	lost[IMSW_HOOK_PCI_CREATE_IMS_DOMAIN] = 3;
	lost[IMSW_HOOK_VECTOR_ALLOC] = 1;
	assert_int_equal(sink_lost(s, &(struct lost_info){ .by_hook = lost, .total = 4 }, REAL_NS + 4000), 0);

	memset(&sum, 0, sizeof(sum));
	sum.duration_s = 12.5;
	for (i = IMSW_KIND_PROBE; i <= IMSW_KIND_VECTOR; i++)
		sum.events_by_kind[i] = i * 3;
	sum.alerts_by_severity[SEV_WARNING] = 2;
	sum.alerts_by_severity[SEV_CRITICAL] = 1;
	for (c = 0; c < IMSW_CNT_COUNT; c++)
		for (h = 0; h < IMSW_HOOK_COUNT; h++)
			sum.counter[c][h] = c * 100 + h;
	sum.decode_errors = 2;
	for (h = 0; h < IMSW_HOOK_COUNT; h++)
		hooks[h].attached = h % 2;
	sum.hooks = hooks;
	assert_int_equal(sink_summary(s, &sum, REAL_NS + 5000), 0);
	sum.duration_s = 0.1;
	sum.hooks = NULL;
	assert_int_equal(sink_summary(s, &sum, REAL_NS + 6000), 0);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void check_golden(enum output_format fmt, const char *name)
{
	char tmp[] = "/tmp/imswatch-golden-XXXXXX", sysfs[] = "/tmp/imswatch-sysfs-XXXXXX";
	char golden[256], err[256], cmd[600];
	char *got, *want;
	size_t glen, wlen, i, line = 1;
	struct host_identity host;
	struct sink *s;
	int fd;

	assert_non_null(mkdtemp(sysfs));
	put(sysfs, "sys/kernel/irq/24/chip_name", "PCI-MSIX-0000:00:03.0\n");
	put(sysfs, "sys/kernel/irq/24/actions", "virtio2-input.0,virtio2-output.0\n");
	put(sysfs, "sys/kernel/irq/25/chip_name", "IR-IO-APIC\n");
	put(sysfs, "sys/kernel/irq/25/actions", "\n");
	put(sysfs, "sys/bus/pci/devices/0000:00:03.0/uevent",
	    "DRIVER=virtio-pci\nPCI_CLASS=20000\nPCI_ID=1AF4:1041\nPCI_SUBSYS_ID=1AF4:1100\n"
	    "PCI_SLOT_NAME=0000:00:03.0\n");
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	s = sink_open(fmt, tmp, err, sizeof(err));
	assert_non_null(s);
	/* a made-up machine: the records must not depend on the one the test runs on */
	hostid_set(&host, "golden-host", "0123456789abcdef0123456789abcdef",
		   "01234567-89ab-cdef-0123-456789abcdef");
	assert_false(hostid_empty(&host));
	assert_string_equal(host.boot_id, "01234567-89ab-cdef-0123-456789abcdef");
	sink_set_host(s, &host);
	write_stream(s, sysfs);
	assert_int_equal(sink_close(s), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysfs);
	assert_int_equal(system(cmd), 0);

	snprintf(golden, sizeof(golden), "%s/%s", GOLDEN_DIR, name);
	got = slurp(tmp, &glen);
	assert_non_null(got);
	if (getenv("IMSWATCH_GOLDEN_UPDATE")) {
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", tmp, golden);
		assert_int_equal(system(cmd), 0);
	}
	want = slurp(golden, &wlen);
	if (!want)
		fail_msg("%s: missing (IMSWATCH_GOLDEN_UPDATE=1 writes it)", golden);
	for (i = 0; i < glen && i < wlen && got[i] == want[i]; i++)
		line += got[i] == '\n';
	if (i < glen || i < wlen) {
		snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' | head -40 >&2", golden, tmp);
		if (system(cmd) < 0)
			perror("diff");
		fail_msg("%s: differs at byte %zu (line %zu); output kept in %s", golden, i, line,
			 tmp);
	}
	unlink(tmp);
	free(got);
	free(want);
}

static void test_golden_json(void **state)
{
	(void)state;
	check_golden(FORMAT_JSON, "records.jsonl");
}

static void test_golden_text(void **state)
{
	(void)state;
	check_golden(FORMAT_TEXT, "records.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_json),
		cmocka_unit_test(test_golden_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
