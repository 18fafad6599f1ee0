// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the modules after the loader: config, decode, policy, records, output,
 * enrich, fed with hand-built records exactly as the ring buffer would deliver them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "config.h"
#include "decode.h"
#include "enrich.h"
#include "hostid.h"
#include "output.h"
#include "pipeline.h"
#include "policy.h"
#include "records.h"
#include "test_event.h"

static struct imsw_event make_event(unsigned int kind)
{
	return test_event(kind);
}

static struct platform platform_with(bool bare_metal)
{
	struct platform p;

	memset(&p, 0, sizeof(p));
	p.seed.probably_on_bare_metal = bare_metal;
	p.seed.cpuid_hypervisor = !bare_metal;
	p.cpuid_kind = CPUID_REPLAY;
	return p;
}

/* ---- config ---- */

static int parse(struct config *cfg, char *err, ...)
{
	char *argv[16] = { "imswatch" };
	int argc = 1;
	va_list ap;

	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	return config_parse(argc, argv, cfg, err, 256);
}

static void test_config_defaults_and_commands(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(&cfg, err, NULL), 0);
	assert_int_equal(cfg.command, CMD_WATCH);
	assert_int_equal(cfg.format, FORMAT_TEXT);
	assert_string_equal(cfg.sysroot, "/");
	assert_int_equal(parse(&cfg, err, "--format", "json", "platform", "--sysroot", "/tmp",
			       NULL), 0);
	assert_int_equal(cfg.command, CMD_PLATFORM);
	assert_int_equal(cfg.format, FORMAT_JSON);
	assert_string_equal(cfg.sysroot, "/tmp");
	assert_int_equal(parse(&cfg, err, "watch", "--duration", "2.5", "--attach", "kprobe",
			       NULL), 0);
	assert_true(cfg.duration > 2.4 && cfg.duration < 2.6);
	assert_int_equal(cfg.attach, ATTACH_KPROBE);
}

static void test_config_rejects_bad_input(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(&cfg, err, "--bogus", NULL), -EINVAL);
	assert_non_null(strstr(err, "--bogus"));
	assert_int_equal(parse(&cfg, err, "--format", "xml", NULL), -EINVAL);
	assert_non_null(strstr(err, "xml"));
	assert_non_null(strstr(err, "--format"));
	assert_int_equal(parse(&cfg, err, "--duration", "-1", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, err, "--duration", "abc", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, err, "--ringbuf-kb", "100", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, err, "frobnicate", NULL), -EINVAL);
	assert_non_null(strstr(err, "frobnicate"));
	assert_int_equal(parse(&cfg, err, "watch", "platform", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, err, "--format", NULL), -EINVAL);
	assert_string_equal(err, "option '--format' needs a value");
	/* a bad letter inside a cluster is named on its own */
	assert_int_equal(parse(&cfg, err, "-vx", NULL), -EINVAL);
	assert_non_null(strstr(err, "'-x'"));
	/* an option the command ignores is refused, not silently dropped */
	assert_int_equal(parse(&cfg, err, "platform", "--duration", "3", NULL), -EINVAL);
	assert_non_null(strstr(err, "--duration does not apply to 'platform'"));
	assert_int_equal(parse(&cfg, err, "cpuid", "--sysroot", "/tmp", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, err, "--format", "json", "cpuid", NULL), -EINVAL);
}

static void test_config_require(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse(&cfg, err, NULL), 0);
	assert_int_equal(cfg.require_hooks | cfg.require_groups, 0);
	assert_int_equal(parse(&cfg, err, "watch", "--require", "ims,pci_ims_alloc_irq,msi",
			       NULL), 0);
	assert_int_equal(cfg.require_groups, (1u << IMSW_GROUP_BIT_IMS) | (1u << IMSW_GROUP_BIT_MSI));
	assert_int_equal(cfg.require_hooks, 1u << IMSW_HOOK_PCI_IMS_ALLOC_IRQ);
	assert_int_equal(parse(&cfg, err, "--require", "irq_vectors:vector_alloc", NULL), 0);
	assert_int_equal(cfg.require_hooks, 1u << IMSW_HOOK_VECTOR_ALLOC);
	assert_int_equal(parse(&cfg, err, "--require", "ims,imz", NULL), -EINVAL);
	assert_non_null(strstr(err, "'imz'"));
	assert_int_equal(parse(&cfg, err, "--require", "ims,", NULL), -EINVAL);
	assert_int_equal(parse(&cfg, err, "--require", "", NULL), -EINVAL);
	/* watch only */
	assert_int_equal(parse(&cfg, err, "platform", "--require", "ims", NULL), -EINVAL);
}

/* operands are taken in order, so POSIXLY_CORRECT does not change the meaning of a line */
static void test_config_posixly_correct(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	setenv("POSIXLY_CORRECT", "1", 1);
	assert_int_equal(parse(&cfg, err, "platform", "--format", "json", NULL), 0);
	unsetenv("POSIXLY_CORRECT");
	assert_int_equal(cfg.command, CMD_PLATFORM);
	assert_int_equal(cfg.format, FORMAT_JSON);
}

/* ---- decode ---- */

static void test_decode_validates(void **state)
{
	struct imsw_event in = make_event(IMSW_KIND_IMS_DOMAIN), out;
	unsigned char raw[sizeof(in) + 8];

	(void)state;
	assert_int_equal(decode_event(&in, sizeof(in), &out), 0);
	assert_string_equal(out.driver, "edu_ims");
	assert_int_equal(decode_event(&in, 4, &out), -EBADMSG);
	assert_int_equal(decode_event(&in, sizeof(in) - 1, &out), -EBADMSG);

	in.hdr.abi = IMSW_ABI_VERSION + 1;
	assert_int_equal(decode_event(&in, sizeof(in), &out), -EPROTO);
	in.hdr.abi = IMSW_ABI_VERSION;
	in.hdr.size = sizeof(in) + 8;
	memcpy(raw, &in, sizeof(in));
	assert_int_equal(decode_event(raw, sizeof(raw), &out), -EBADMSG);
	in.hdr.size = sizeof(in);
	in.kind = 99;
	assert_int_equal(decode_event(&in, sizeof(in), &out), -EBADMSG);

	/* a kernel string without its NUL is cut, never over-read */
	in = make_event(IMSW_KIND_PROBE);
	memset(in.driver, 'A', sizeof(in.driver));
	assert_int_equal(decode_event(&in, sizeof(in), &out), 0);
	assert_int_equal(strlen(out.driver), sizeof(out.driver) - 1);
}

static void test_kind_names(void **state)
{
	struct imsw_event e = make_event(IMSW_KIND_IRQ_VECTORS);

	(void)state;
	e.irq_mode = IMSW_IRQ_MSIX;
	assert_string_equal(event_kind_name(&e), "msix");
	e.irq_mode = IMSW_IRQ_MSI;
	assert_string_equal(event_kind_name(&e), "msi");
	e.irq_mode = IMSW_IRQ_NONE;
	assert_string_equal(event_kind_name(&e), "irq-vectors");
	e.kind = IMSW_KIND_MSI_DOMAIN;
	e.domain_kind = IMSW_DOMAIN_IMS;
	assert_string_equal(event_kind_name(&e), "ims-domain");
}

/* ---- policy ---- */

static void test_policy_ims_on_vm_is_critical(void **state)
{
	struct platform p = platform_with(false);
	struct imsw_event e = make_event(IMSW_KIND_IMS_DOMAIN);
	struct finding f;

	(void)state;
	e.ret = 1;
	policy_judge(&e, &p, &f);
	assert_int_equal(f.severity, SEV_CRITICAL);
	assert_string_equal(f.rule, "IMSW-IMS-VM");
	assert_true(f.ims_attempt);
	assert_int_equal(f.outcome, OUTCOME_ACCEPTED);
	/* refused: nothing was enabled, the gate held */
	e.ret = 0;
	policy_judge(&e, &p, &f);
	assert_int_equal(f.outcome, OUTCOME_REFUSED);
	assert_int_equal(f.severity, SEV_WARNING);
	assert_string_equal(f.rule, "IMSW-IMS-VM");
	assert_non_null(strstr(f.summary, "refused"));
}

static void test_policy_ims_on_probable_bare_metal_is_a_guess(void **state)
{
	struct platform p = platform_with(true);
	struct imsw_event e = make_event(IMSW_KIND_IMS_ALLOC);
	struct finding f;

	(void)state;
	e.index = -28; /* -ENOSPC */
	policy_judge(&e, &p, &f);
	assert_int_equal(f.severity, SEV_INFO);
	assert_string_equal(f.rule, "IMSW-IMS-GUESS");
	assert_true(f.ims_attempt);
	assert_int_equal(f.outcome, OUTCOME_REFUSED);
	e.index = 0;
	policy_judge(&e, &p, &f);
	assert_int_equal(f.outcome, OUTCOME_ACCEPTED);
	assert_int_equal(f.severity, SEV_WARNING);
	assert_non_null(strstr(f.summary, "guess"));
	/* enabled on a "host" whose own evidence disagrees with itself */
	p.q1.n_contradictions = 1;
	policy_judge(&e, &p, &f);
	assert_int_equal(f.severity, SEV_CRITICAL);
	assert_string_equal(f.rule, "IMSW-IMS-GUESS");
	e.index = -19;
	policy_judge(&e, &p, &f);
	assert_int_equal(f.severity, SEV_INFO);
}

/* the seed is fooled (hidden bit, spoofed DMI) but the evidence engine is not */
static void test_policy_ims_cloaked_guest_is_critical(void **state)
{
	struct platform p = platform_with(true);
	struct imsw_event e = make_event(IMSW_KIND_IMS_ALLOC);
	struct finding f;

	(void)state;
	p.q2.verdict = VERDICT_DEFINITELY_GUEST;
	policy_judge(&e, &p, &f);
	assert_int_equal(f.severity, SEV_CRITICAL);
	assert_string_equal(f.rule, "IMSW-IMS-CLOAKED");
	e.index = -19; /* the seed's FAIL cell with the gate closed: refused */
	policy_judge(&e, &p, &f);
	assert_int_equal(f.severity, SEV_WARNING);
	assert_string_equal(f.rule, "IMSW-IMS-CLOAKED");
	e.index = 0;
	p.q2.verdict = VERDICT_PROBABLY_GUEST;
	policy_judge(&e, &p, &f);
	assert_string_equal(f.rule, "IMSW-IMS-CLOAKED");
	/* the engine agreeing with the seed leaves the guess a guess */
	p.q2.verdict = VERDICT_PROBABLY_HOST;
	policy_judge(&e, &p, &f);
	assert_string_equal(f.rule, "IMSW-IMS-GUESS");
}

static void test_policy_secondary_domain_counts_as_ims(void **state)
{
	struct platform p = platform_with(false);
	struct imsw_event e = make_event(IMSW_KIND_MSI_DOMAIN);
	struct finding f;

	(void)state;
	e.domid = 0;
	e.domain_kind = IMSW_DOMAIN_MSIX;
	policy_judge(&e, &p, &f);
	assert_int_equal(f.severity, SEV_INFO);
	assert_false(f.ims_attempt);
	/* no IMS enum in this kernel's BTF, but domain id 1 is MSI_SECONDARY_DOMAIN */
	e.domid = 1;
	e.domain_kind = IMSW_DOMAIN_UNKNOWN;
	e.ret = 1;
	policy_judge(&e, &p, &f);
	assert_int_equal(f.severity, SEV_CRITICAL);
}

/* a sink on a temporary file, and the Nth (from 1) JSON record written to it */
static struct sink *tmp_sink(char *path)
{
	char err[256];
	int fd = mkstemp(path);
	struct sink *s;

	assert_true(fd >= 0);
	close(fd);
	s = sink_open(FORMAT_JSON, path, err, sizeof(err));
	assert_non_null(s);
	return s;
}

static json_object *nth_record(const char *path, int n)
{
	char line[65536];
	json_object *o = NULL;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	while (n-- > 0)
		assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	o = json_tokener_parse(line);
	assert_non_null(o);
	return o;
}

/* 6.2-6.9: pci_create_ims_domain() creates its domain through msi_create_device_irq_domain(
 * dev, MSI_SECONDARY_DOMAIN): one attempt, two events, one alert */
static void test_policy_domain_inside_ims_api_is_not_a_second_attempt(void **state)
{
	struct platform p = platform_with(false);
	struct imsw_event outer = make_event(IMSW_KIND_IMS_DOMAIN);
	struct imsw_event inner = make_event(IMSW_KIND_MSI_DOMAIN);
	struct pipeline pipe;
	struct finding f;
	char path[] = "/tmp/imswatch-test-XXXXXX";
	struct sink *s = tmp_sink(path);
	json_object *t, *v;

	(void)state;
	inner.domid = 1;
	inner.domain_kind = IMSW_DOMAIN_IMS;
	inner.within_ims_api = 1;
	inner.ret = outer.ret = 1;
	policy_judge(&inner, &p, &f);
	assert_false(f.ims_attempt);
	assert_int_equal(f.severity, SEV_INFO);
	assert_string_equal(f.rule, "IMSW-MSI-DOMAIN");
	/* the same domain outside the API (a driver calling the domain function itself) is
	 * still an attempt */
	inner.within_ims_api = 0;
	policy_judge(&inner, &p, &f);
	assert_true(f.ims_attempt);
	assert_int_equal(f.severity, SEV_CRITICAL);

	assert_non_null(s);
	pipeline_init(&pipe, s, &p, NULL);
	inner.within_ims_api = 1;
	assert_int_equal(pipeline_record(&pipe, &inner, sizeof(inner)), 0);
	assert_int_equal(pipeline_record(&pipe, &outer, sizeof(outer)), 0);
	assert_int_equal(pipe.alerts_by_severity[SEV_CRITICAL], 1);
	assert_int_equal(pipe.events_by_kind[IMSW_KIND_MSI_DOMAIN], 1);
	pipeline_fini(&pipe);
	assert_int_equal(sink_close(s), 0);
	t = nth_record(path, 1);
	assert_true(json_object_object_get_ex(t, "within_ims_api", &v));
	assert_true(json_object_get_boolean(v));
	assert_false(json_object_object_get_ex(t, "ims_attempt", NULL));
	json_object_put(t);
	unlink(path);
}

static void test_policy_msi_is_info(void **state)
{
	struct platform p = platform_with(false);
	struct imsw_event e = make_event(IMSW_KIND_IRQ_VECTORS);
	struct finding f;

	(void)state;
	policy_judge(&e, &p, &f);
	assert_int_equal(f.severity, SEV_INFO);
	assert_string_equal(f.rule, "IMSW-MSI");
	assert_false(finding_is_alert(&f));
}

/* ---- records and output ---- */

enum rec_type { REC_EVENT, REC_PLATFORM, REC_SUMMARY, REC_STATUS };

/* one record through a sink on a temporary file; the bytes written */
static char *render(enum output_format fmt, enum rec_type type, const void *arg)
{
	char path[] = "/tmp/imswatch-test-XXXXXX", err[256];
	int fd = mkstemp(path);
	struct host_identity host;
	struct sink *s;
	char *buf = calloc(1, 65536);
	FILE *fp;
	int r = -EINVAL;

	assert_true(fd >= 0);
	close(fd);
	s = sink_open(fmt, path, err, sizeof(err));
	assert_non_null(s);
	/* a fixed machine: the records must not depend on the one the test runs on */
	hostid_set(&host, "test-host", "0123456789abcdef0123456789abcdef",
		   "01234567-89ab-cdef-0123-456789abcdef");
	sink_set_host(s, &host);
	switch (type) {
	case REC_EVENT: r = sink_event(s, arg); break;
	case REC_PLATFORM: r = sink_platform(s, arg, 1764000000123456789LL); break;
	case REC_SUMMARY: r = sink_summary(s, arg, 0); break;
	case REC_STATUS: r = sink_status(s, arg, 0); break;
	}
	assert_int_equal(r, 0);
	assert_int_equal(sink_close(s), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_true(fread(buf, 1, 65535, fp) > 0);
	fclose(fp);
	unlink(path);
	return buf;
}

static json_object *render_json(enum rec_type type, const void *arg)
{
	char *out = render(FORMAT_JSON, type, arg);
	json_object *o;

	/* exactly one line, and a parser accepts it */
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	o = json_tokener_parse(out);
	assert_non_null(o);
	free(out);
	return o;
}

static struct event_record event_rec(const struct imsw_event *e, const struct finding *f,
				     const struct platform *p)
{
	return (struct event_record){ .e = e, .f = f, .p = p, .ts_real_ns = 0 };
}

/* imswatch writes JSON itself (output.c): byte for byte what json-c would write */
static void check_same_as_json_c(const char *got)
{
	json_object *o = json_tokener_parse(got);
	char *want;

	assert_non_null(o);
	want = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	assert_non_null(want);
	assert_int_equal(got[strlen(got) - 1], '\n');
	assert_memory_equal(got, want, strlen(want));
	assert_int_equal(strlen(got), strlen(want) + 1);
	free(want);
	json_object_put(o);
}

static void test_json_writer_matches_json_c(void **state)
{
	struct platform p = platform_with(true);
	struct imsw_event e = make_event(IMSW_KIND_IMS_DOMAIN);
	struct summary_info sum = { .duration_s = 2.5 };
	struct finding f;
	struct event_record r;
	json_object *o, *a;
	char *out, *buf = NULL;
	size_t len = 0;
	FILE *m;
	struct jw w;

	(void)state;
	policy_judge(&e, &p, &f);
	r = event_rec(&e, &f, &p);
	out = render(FORMAT_JSON, REC_EVENT, &r);
	check_same_as_json_c(out);
	free(out);
	out = render(FORMAT_JSON, REC_PLATFORM, &p);
	check_same_as_json_c(out);
	free(out);
	out = render(FORMAT_JSON, REC_SUMMARY, &sum);
	check_same_as_json_c(out);
	free(out);

	/* the writer's corners against json-c's serializer of the same object */
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	jw_init(&w, m);
	jw_object_begin(&w);
	jw_kstring(&w, "ctl", "a\"b\\c/d\b\f\n\r\t\x01\x1f\x7f");
	jw_kstring(&w, "utf8", "Gr\xc3\xbc\xc3\x9f" "e");
	jw_kint(&w, "min", INT64_MIN);
	jw_kint(&w, "max", INT64_MAX);
	jw_kint(&w, "zero", 0);
	jw_key(&w, "null");
	jw_null(&w);
	jw_kbool(&w, "f", false);
	jw_key(&w, "empty_obj");
	jw_object_begin(&w);
	jw_object_end(&w);
	jw_key(&w, "arr");
	jw_array_begin(&w);
	jw_array_begin(&w);
	jw_array_end(&w);
	jw_double(&w, -0.125);
	jw_double(&w, 3);
	jw_double(&w, 0.1);
	jw_string(&w, "");
	jw_array_end(&w);
	jw_kbool(&w, "key\twith\"quote", true);
	jw_object_end(&w);
	jw_flush(&w);
	fclose(m);

	o = json_object_new_object();
	json_object_object_add(o, "ctl", json_object_new_string("a\"b\\c/d\b\f\n\r\t\x01\x1f\x7f"));
	json_object_object_add(o, "utf8", json_object_new_string("Gr\xc3\xbc\xc3\x9f" "e"));
	json_object_object_add(o, "min", json_object_new_int64(INT64_MIN));
	json_object_object_add(o, "max", json_object_new_int64(INT64_MAX));
	json_object_object_add(o, "zero", json_object_new_int64(0));
	json_object_object_add(o, "null", NULL);
	json_object_object_add(o, "f", json_object_new_boolean(0));
	json_object_object_add(o, "empty_obj", json_object_new_object());
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_array());
	json_object_array_add(a, json_object_new_double(-0.125));
	json_object_array_add(a, json_object_new_double(3));
	json_object_array_add(a, json_object_new_double(0.1));
	json_object_array_add(a, json_object_new_string(""));
	json_object_object_add(o, "arr", a);
	json_object_object_add(o, "key\twith\"quote", json_object_new_boolean(1));
	assert_string_equal(buf, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	free(buf);
}

static void test_alert_record_json(void **state)
{
	struct platform p = platform_with(false);
	struct imsw_event e = make_event(IMSW_KIND_IMS_DOMAIN);
	struct finding f;
	struct event_record r;
	json_object *parsed, *v;

	(void)state;
	e.ret = 1;
	policy_judge(&e, &p, &f);
	r = event_rec(&e, &f, &p);
	parsed = render_json(REC_EVENT, &r);
	assert_string_equal(json_object_get_string(json_object_object_get(parsed, "type")),
			    "alert");
	assert_string_equal(json_object_get_string(json_object_object_get(parsed, "severity")),
			    "critical");
	assert_true(json_object_object_get_ex(parsed, "kernel_accepted", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(parsed, "platform", &v));
	assert_true(json_object_object_get_ex(parsed, "device", &v));
	assert_string_equal(json_object_get_string(json_object_object_get(v, "vendor")), "1234");
	json_object_put(parsed);
}

static void test_hostile_strings_escaped(void **state)
{
	struct platform p = platform_with(true);
	struct imsw_event e = make_event(IMSW_KIND_PROBE);
	struct finding f;
	struct event_record r;
	json_object *parsed;
	char *out, *buf = NULL;
	size_t len = 0;
	struct jw w;
	FILE *m;

	(void)state;
	/*
	 * In a driver name: ESC, a C1 CSI (UTF-8 c2 9b, which terminals obey like ESC [), a
	 * backslash that spells a fake escape, a newline, a quote and a byte that is not UTF-8.
	 */
	strcpy(e.driver, "ev\x1b[2J\xc2\x9b\\x41\n\"x\xff");
	policy_judge(&e, &p, &f);
	r = event_rec(&e, &f, &p);
	out = render(FORMAT_JSON, REC_EVENT, &r);
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\xc2'));
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	parsed = json_tokener_parse(out);
	assert_non_null(parsed);
	/* every unsafe byte is "\xNN" text, the backslash too: the mapping is reversible */
	assert_string_equal(json_object_get_string(json_object_object_get(parsed, "driver")),
			    "ev\\x1b[2J\\xc2\\x9b\\x5cx41\\x0a\"x\\xff");
	json_object_put(parsed);
	free(out);

	out = render(FORMAT_TEXT, REC_EVENT, &r);
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\xc2'));
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	/* text mode escapes the model's '\' once more */
	assert_non_null(strstr(out, " ev\\\\x1b[2J\\\\xc2\\\\x9b\\\\x5cx41"));
	free(out);

	/* comm is set by any local user: a surrogate, an overlong '/' and a code point above
	 * U+10FFFF are escaped byte by byte in the event record, like any ill-formed UTF-8 */
	strcpy(e.comm, "\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80ok");
	out = render(FORMAT_JSON, REC_EVENT, &r);
	parsed = json_tokener_parse(out);
	assert_non_null(parsed);
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_object_get(parsed, "context"), "comm")),
			    "\\xed\\xa0\\x80\\xc0\\xaf\\xf4\\x90\\x80\\x80ok");
	json_object_put(parsed);
	free(out);

	/* valid UTF-8 is kept; U+2028 (a line break to JavaScript) is not */
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	jw_init(&w, m);
	jw_untrusted(&w, "Gr\xc3\xbc\xc3\x9f" "e\xe2\x80\xa8");
	jw_flush(&w);
	fclose(m);
	assert_string_equal(buf, "\"Gr\xc3\xbc\xc3\x9f" "e\\\\xe2\\\\x80\\\\xa8\"");
	free(buf);
}

static void test_text_escape_bounds(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(text_escape("\x01\x02\x03", out, sizeof(out)), 4);
	assert_string_equal(out, "\\x01");
	assert_int_equal(text_escape("abc", out, sizeof(out)), 3);
}

static void test_pipeline_counts_and_rejects(void **state)
{
	struct platform p = platform_with(false);
	struct imsw_event e = make_event(IMSW_KIND_IMS_DOMAIN);
	struct pipeline pipe;
	char path[] = "/tmp/imswatch-test-XXXXXX";
	struct sink *s = tmp_sink(path);
	json_object *t, *d, *v;

	(void)state;
	pipeline_init(&pipe, s, &p, NULL);
	e.ret = 1; /* accepted */
	assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	assert_int_equal(pipeline_record(&pipe, &e, 3), 0);
	assert_int_equal(pipe.events_by_kind[IMSW_KIND_IMS_DOMAIN], 1);
	assert_int_equal(pipe.alerts_by_severity[SEV_CRITICAL], 1);
	assert_int_equal(pipe.decode_errors, 1);
	/* a record never keeps fields of the previous one of its kind or device */
	e = make_event(IMSW_KIND_PROBE);
	assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	e.pci.bdf[0] = 0;
	e.module[0] = 0;
	assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	/* MSI enablement: flags inside vectors, as README documents, never at the top level */
	e = make_event(IMSW_KIND_IRQ_VECTORS);
	e.flags = 4; /* PCI_IRQ_MSIX */
	assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	pipeline_fini(&pipe);
	assert_int_equal(sink_close(s), 0);

	t = nth_record(path, 3);
	assert_false(json_object_object_get_ex(t, "module", NULL));
	assert_true(json_object_object_get_ex(t, "device", &d));
	assert_false(json_object_object_get_ex(d, "bdf", NULL));
	assert_false(json_object_object_get_ex(d, "vendor", NULL));
	json_object_put(t);
	t = nth_record(path, 4);
	assert_false(json_object_object_get_ex(t, "flags", NULL));
	assert_true(json_object_object_get_ex(t, "vectors", &v));
	assert_int_equal(json_object_get_int(json_object_object_get(v, "flags")), 4);
	json_object_put(t);
	unlink(path);
}

static void test_summary_reports_losses(void **state)
{
	struct summary_info s = { 0 };
	json_object *o;

	(void)state;
	s.counter[IMSW_CNT_LOST][IMSW_HOOK_VECTOR_ALLOC] = 7;
	s.counter[IMSW_CNT_NO_ENTRY][IMSW_HOOK_LOCAL_PCI_PROBE] = 2;
	s.counter[IMSW_CNT_STASH_DROPPED][IMSW_HOOK_LOCAL_PCI_PROBE] = 1;
	s.counter[IMSW_CNT_RET_MISSED][IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS] = 3;
	s.events_by_kind[IMSW_KIND_VECTOR] = 3;
	o = render_json(REC_SUMMARY, &s);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "records_lost")), 7);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "kretprobe_no_entry")),
			 2);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "kprobe_stash_dropped")),
			 1);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "kretprobe_missed")), 3);
	json_object_put(o);
}

/* ---- blind runs: coverage, the blind summary, --require ---- */

static void attach(struct hook_state *hooks, enum imsw_hook id)
{
	hooks[id].attached = true;
	hooks[id].selected = true;
	snprintf(hooks[id].reason, sizeof(hooks[id].reason), "attached");
}

static const char *summary_coverage(const struct hook_state *hooks, const char *group)
{
	static char got[16];
	struct summary_info s = { .hooks = hooks };
	json_object *o = render_json(REC_SUMMARY, &s), *cov;

	assert_true(json_object_object_get_ex(o, "coverage", &cov));
	snprintf(got, sizeof(got), "%s", json_object_get_string(json_object_object_get(cov, group)));
	json_object_put(o);
	return got;
}

/* 0 critical alerts from a run that could not see IMS must say so */
static void test_summary_coverage(void **state)
{
	struct hook_state hooks[IMSW_HOOK_COUNT];

	(void)state;
	memset(hooks, 0, sizeof(hooks));
	/* this machine: only the vector tracepoints */
	attach(hooks, IMSW_HOOK_VECTOR_ALLOC);
	attach(hooks, IMSW_HOOK_VECTOR_ACTIVATE);
	attach(hooks, IMSW_HOOK_VECTOR_DEACTIVATE);
	attach(hooks, IMSW_HOOK_VECTOR_TEARDOWN);
	assert_string_equal(summary_coverage(hooks, "ims"), "blind");
	assert_string_equal(summary_coverage(hooks, "msi"), "blind");
	assert_string_equal(summary_coverage(hooks, "probe"), "blind");
	assert_string_equal(summary_coverage(hooks, "vector"), "full");
	/* 6.10+ with kprobes: the domain hook sees IMS domains, the IMS API is gone */
	attach(hooks, IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN);
	assert_string_equal(summary_coverage(hooks, "ims"), "partial");
	assert_string_equal(summary_coverage(hooks, "msi"), "partial");
	attach(hooks, IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS);
	assert_string_equal(summary_coverage(hooks, "msi"), "full");
	/* the standby is an alternative: one of the two probe hooks is enough */
	attach(hooks, IMSW_HOOK_LOCAL_PCI_PROBE);
	assert_string_equal(summary_coverage(hooks, "probe"), "full");
	attach(hooks, IMSW_HOOK_PCI_CREATE_IMS_DOMAIN);
	attach(hooks, IMSW_HOOK_PCI_IMS_ALLOC_IRQ);
	attach(hooks, IMSW_HOOK_PCI_IMS_FREE_IRQ);
	assert_string_equal(summary_coverage(hooks, "ims"), "full");
}

static void test_status_says_what_is_blind(void **state)
{
	struct hook_state hooks[IMSW_HOOK_COUNT];
	struct platform p = platform_with(false);
	struct status_info st = { .kernel = "6.18", .platform = &p, .hooks = hooks,
				  .attach_pref = "auto" };
	json_object *o, *v;
	const char *line;
	unsigned int i;

	(void)state;
	memset(hooks, 0, sizeof(hooks));
	attach(hooks, IMSW_HOOK_VECTOR_ALLOC);
	o = render_json(REC_STATUS, &st);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "format_version")), IMSWATCH_FORMAT_VERSION);
	assert_true(json_object_object_get_ex(o, "blind_summary", &v));
	line = json_object_get_string(v);
	assert_null(strchr(line, '\n'));
	assert_non_null(strstr(line, "no IMS hook attached (msi_create_device_irq_domain, "
				     "pci_create_ims_domain, pci_ims_alloc_irq, pci_ims_free_irq): "
				     "IMS attempts cannot be seen"));
	assert_non_null(strstr(line, "MSI/MSI-X enablement cannot be seen"));
	assert_null(strstr(line, "x86 vector")); /* one tracepoint attached: not blind */
	/* first after the header every record has (type, ts, host): text output shows it
	 * under the header */
	{
		struct json_object_iterator it = json_object_iter_begin(o);

		json_object_iter_next(&it);
		json_object_iter_next(&it);
		assert_string_equal(json_object_iter_peek_name(&it), "host");
		json_object_iter_next(&it);
		assert_string_equal(json_object_iter_peek_name(&it), "blind_summary");
	}
	json_object_put(o);
	/* nothing blind: no line */
	for (i = 0; i < IMSW_HOOK_COUNT; i++)
		attach(hooks, i);
	o = render_json(REC_STATUS, &st);
	assert_false(json_object_object_get_ex(o, "blind_summary", &v));
	json_object_put(o);
}

static void test_unmet_requirements(void **state)
{
	struct hook_state hooks[IMSW_HOOK_COUNT];
	char buf[1024];

	(void)state;
	memset(hooks, 0, sizeof(hooks));
	snprintf(hooks[IMSW_HOOK_PCI_IMS_ALLOC_IRQ].reason, sizeof(hooks[0].reason),
		 "kprobe: kernel has no kprobe support");
	attach(hooks, IMSW_HOOK_VECTOR_ALLOC);
	assert_int_equal(unmet_requirements(hooks, 0, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(unmet_requirements(hooks, 1u << IMSW_HOOK_VECTOR_ALLOC,
					    1u << IMSW_GROUP_BIT_VECTOR, buf, sizeof(buf)), 0);
	assert_int_equal(unmet_requirements(hooks, 1u << IMSW_HOOK_PCI_IMS_ALLOC_IRQ,
					    1u << IMSW_GROUP_BIT_IMS, buf, sizeof(buf)), 2);
	assert_non_null(strstr(buf, "ims: no hook attached (msi_create_device_irq_domain"));
	assert_non_null(strstr(buf, "pci_ims_alloc_irq: not attached (kprobe: kernel has no "
				    "kprobe support)"));
	/* a group is met by any of its hooks */
	attach(hooks, IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN);
	assert_int_equal(unmet_requirements(hooks, 0, 1u << IMSW_GROUP_BIT_IMS, buf,
					    sizeof(buf)), 0);
	/* a short buffer truncates, never overflows */
	assert_int_equal(unmet_requirements(hooks, 1u << IMSW_HOOK_PCI_IMS_FREE_IRQ, 0, buf, 8), 1);
	assert_int_equal(strlen(buf), 7);
}

/* duration_s has a fixed precision (milliseconds), never %.17g float noise */
static void test_summary_duration_fixed_precision(void **state)
{
	struct summary_info s = { 0 };
	char *out;

	(void)state;
	s.duration_s = 15.872318188000008;
	out = render(FORMAT_JSON, REC_SUMMARY, &s);
	assert_non_null(strstr(out, ",\"duration_s\":15.872,"));
	free(out);
	out = render(FORMAT_TEXT, REC_SUMMARY, &s);
	assert_non_null(strstr(out, " summary: 15.9 s,"));
	free(out);
	s.duration_s = 2.0;
	out = render(FORMAT_JSON, REC_SUMMARY, &s);
	assert_non_null(strstr(out, ",\"duration_s\":2.000,"));
	free(out);
}

/* ---- enrich ---- */

static void test_enrich_bdf(void **state)
{
	char bdf[16];

	(void)state;
	assert_int_equal(enrich_bdf_from_chip("IR-PCI-MSIX-0000:00:03.0", bdf, sizeof(bdf)), 0);
	assert_string_equal(bdf, "0000:00:03.0");
	assert_int_equal(enrich_bdf_from_chip("PCI-MSI-0000:6a:01.0", bdf, sizeof(bdf)), 0);
	assert_string_equal(bdf, "0000:6a:01.0");
	assert_int_equal(enrich_bdf_from_chip("IO-APIC", bdf, sizeof(bdf)), -ENOENT);
	assert_int_equal(enrich_bdf_from_chip("PCI-MSI", bdf, sizeof(bdf)), -ENOENT);
	/* "IR-PCI-MSI 524288-edge": hwirq 524288 = devid 0x100 << 11: bus 1, dev 0, fn 0 */
	enrich_bdf_from_hwirq(524288, bdf, sizeof(bdf));
	assert_string_equal(bdf, "0000:01:00.0");
	enrich_bdf_from_hwirq((3ULL << 11) | (1ULL << 27) | 5, bdf, sizeof(bdf));
	assert_string_equal(bdf, "0001:00:00.3");
}

/*
 * A small sysfs tree for the vector enrichment: /sys/kernel/irq/N/{chip_name,actions,hwirq}
 * and /sys/bus/pci/devices/BDF/{uevent,msi_irqs/N}, as a 6.12 and a pre-6.2 kernel lay
 * them out.
 */
static void put(const char *root, const char *rel, const char *content)
{
	char path[512], dir[512], *slash;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(content, fp);
	fclose(fp);
}

static void make_irq_tree(char *root)
{
	assert_non_null(mkdtemp(root));
	/* 6.2+: per-device domain, the BDF in the chip name; nvme bound */
	put(root, "sys/kernel/irq/24/chip_name", "IR-PCI-MSIX-0000:00:03.0\n");
	put(root, "sys/kernel/irq/24/actions", "nvme0q0\n");
	put(root, "sys/bus/pci/devices/0000:00:03.0/msi_irqs/24", "msix\n");
	put(root, "sys/bus/pci/devices/0000:00:03.0/uevent",
	    "DRIVER=nvme\nPCI_CLASS=10802\nPCI_ID=1B36:0010\nPCI_SUBSYS_ID=1AF4:1100\n"
	    "PCI_SLOT_NAME=0000:00:03.0\n"
	    "MODALIAS=pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02\n");
	/* before 6.2: one global PCI-MSI domain, the device encoded in hwirq (bus 1, dev 0) */
	put(root, "sys/kernel/irq/25/chip_name", "PCI-MSI\n");
	put(root, "sys/kernel/irq/25/hwirq", "0x80000\n");
	put(root, "sys/kernel/irq/25/actions", "edu\n");
	put(root, "sys/bus/pci/devices/0000:01:00.0/msi_irqs/25", "msi\n");
	put(root, "sys/bus/pci/devices/0000:01:00.0/uevent",
	    "DRIVER=edu_msi\nPCI_CLASS=FF0000\nPCI_ID=1234:11E8\nPCI_SLOT_NAME=0000:01:00.0\n");
	/* an MSI irq whose device has no driver bound (uevent without DRIVER=) */
	put(root, "sys/kernel/irq/26/chip_name", "PCI-MSIX-0000:00:05.0\n");
	put(root, "sys/bus/pci/devices/0000:00:05.0/uevent",
	    "PCI_CLASS=20000\nPCI_ID=1AF4:1041\nPCI_SLOT_NAME=0000:00:05.0\n");
	/* not a PCI MSI interrupt */
	put(root, "sys/kernel/irq/9/chip_name", "IR-IO-APIC\n");
	put(root, "sys/kernel/irq/9/actions", "acpi\n");
	/* irq 77 does not exist: it was torn down before userspace looked */
}

static void rm_tree(const char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_enrich_vector_sysfs_tree(void **state)
{
	char root[] = "/tmp/imswatch-enrich-XXXXXX";
	struct enrichment en;
	struct hostfs fs;

	(void)state;
	make_irq_tree(root);
	assert_int_equal(hostfs_open(&fs, root), 0);

	enrich_vector(&fs, 24, &en);
	assert_false(en.irq_gone);
	assert_string_equal(en.chip, "IR-PCI-MSIX-0000:00:03.0");
	assert_string_equal(en.actions, "nvme0q0");
	assert_string_equal(en.bdf, "0000:00:03.0");
	assert_string_equal(en.driver, "nvme");
	assert_int_equal(en.vendor, 0x1b36);
	assert_int_equal(en.device, 0x0010);

	enrich_vector(&fs, 25, &en);
	assert_false(en.irq_gone);
	assert_string_equal(en.chip, "PCI-MSI");
	assert_string_equal(en.bdf, "0000:01:00.0");
	assert_string_equal(en.driver, "edu_msi");
	assert_int_equal(en.vendor, 0x1234);
	assert_int_equal(en.device, 0x11e8);

	enrich_vector(&fs, 26, &en);
	assert_false(en.irq_gone);
	assert_string_equal(en.bdf, "0000:00:05.0");
	assert_string_equal(en.driver, ""); /* no DRIVER= line: no driver, not a stale one */
	assert_int_equal(en.vendor, 0x1af4);
	assert_int_equal(en.device, 0x1041);

	enrich_vector(&fs, 9, &en);
	assert_false(en.irq_gone);
	assert_string_equal(en.chip, "IR-IO-APIC");
	assert_string_equal(en.bdf, "");
	assert_string_equal(en.driver, "");

	enrich_vector(&fs, 77, &en);
	assert_true(en.irq_gone);
	assert_string_equal(en.chip, "");
	assert_string_equal(en.bdf, "");
	assert_string_equal(en.driver, "");

	hostfs_close(&fs);
	rm_tree(root);
}

/* The same through the pipeline: what a vector event record says about device and driver. */
static void test_enrich_vector_records(void **state)
{
	static const struct {
		unsigned int irq;
		const char *bdf, *vendor, *driver; /* NULL: field absent or null */
		bool gone;
	} cases[] = {
		{ 24, "0000:00:03.0", "1b36", "nvme", false },
		{ 25, "0000:01:00.0", "1234", "edu_msi", false },
		{ 26, "0000:00:05.0", "1af4", NULL, false },
		{ 9, NULL, NULL, NULL, false },
		{ 77, NULL, NULL, NULL, true },
	};
	char root[] = "/tmp/imswatch-enrich-XXXXXX", path[] = "/tmp/imswatch-test-XXXXXX";
	struct platform p = platform_with(false);
	struct pipeline pipe;
	struct hostfs fs;
	struct sink *s;
	size_t i;

	(void)state;
	make_irq_tree(root);
	assert_int_equal(hostfs_open(&fs, root), 0);
	s = tmp_sink(path);
	pipeline_init(&pipe, s, &p, &fs);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct imsw_event e = make_event(IMSW_KIND_VECTOR);
		json_object *t, *d, *v;
		const char *got;

		/* the tracepoint knows only the irq */
		e.hook = IMSW_HOOK_VECTOR_ACTIVATE;
		e.mode = IMSW_MODE_TRACEPOINT;
		memset(&e.pci, 0, sizeof(e.pci));
		e.driver[0] = e.module[0] = '\0';
		e.irq = cases[i].irq;
		assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
		assert_int_equal(sink_flush(s), 0);
		t = nth_record(path, (int)i + 1);
		assert_true(json_object_object_get_ex(t, "device", &d));
		v = json_object_object_get(d, "bdf");
		got = v ? json_object_get_string(v) : NULL;
		if (cases[i].bdf ? !got || strcmp(got, cases[i].bdf) : got != NULL)
			fail_msg("irq %u: device.bdf '%s', want '%s'", cases[i].irq,
				 got ? got : "(none)", cases[i].bdf ? cases[i].bdf : "(none)");
		v = json_object_object_get(d, "vendor");
		got = v ? json_object_get_string(v) : NULL;
		if (cases[i].vendor ? !got || strcmp(got, cases[i].vendor) : got != NULL)
			fail_msg("irq %u: device.vendor '%s', want '%s'", cases[i].irq,
				 got ? got : "(none)", cases[i].vendor ? cases[i].vendor : "(none)");
		if (cases[i].bdf) {
			v = json_object_object_get(d, "source");
			assert_non_null(v);
			assert_string_equal(json_object_get_string(v), "sysfs");
		}
		v = json_object_object_get(t, "driver");
		got = v ? json_object_get_string(v) : NULL;
		if (got && !*got)
			got = NULL;
		if (cases[i].driver ? !got || strcmp(got, cases[i].driver) : got != NULL)
			fail_msg("irq %u: driver '%s', want '%s'", cases[i].irq, got ? got : "(none)",
				 cases[i].driver ? cases[i].driver : "(none)");
		v = json_object_object_get(t, "irq_gone");
		assert_non_null(v);
		if (json_object_get_boolean(v) != cases[i].gone)
			fail_msg("irq %u: irq_gone %d, want %d", cases[i].irq,
				 json_object_get_boolean(v), cases[i].gone);
		json_object_put(t);
	}
	pipeline_fini(&pipe);
	assert_int_equal(sink_close(s), 0);
	unlink(path);
	hostfs_close(&fs);
	rm_tree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults_and_commands),
		cmocka_unit_test(test_config_rejects_bad_input),
		cmocka_unit_test(test_config_posixly_correct),
		cmocka_unit_test(test_config_require),
		cmocka_unit_test(test_summary_coverage),
		cmocka_unit_test(test_status_says_what_is_blind),
		cmocka_unit_test(test_unmet_requirements),
		cmocka_unit_test(test_decode_validates),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_policy_ims_on_vm_is_critical),
		cmocka_unit_test(test_policy_ims_on_probable_bare_metal_is_a_guess),
		cmocka_unit_test(test_policy_ims_cloaked_guest_is_critical),
		cmocka_unit_test(test_policy_secondary_domain_counts_as_ims),
		cmocka_unit_test(test_policy_domain_inside_ims_api_is_not_a_second_attempt),
		cmocka_unit_test(test_policy_msi_is_info),
		cmocka_unit_test(test_alert_record_json),
		cmocka_unit_test(test_json_writer_matches_json_c),
		cmocka_unit_test(test_hostile_strings_escaped),
		cmocka_unit_test(test_text_escape_bounds),
		cmocka_unit_test(test_pipeline_counts_and_rejects),
		cmocka_unit_test(test_summary_reports_losses),
		cmocka_unit_test(test_summary_duration_fixed_precision),
		cmocka_unit_test(test_enrich_bdf),
		cmocka_unit_test(test_enrich_vector_sysfs_tree),
		cmocka_unit_test(test_enrich_vector_records),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
