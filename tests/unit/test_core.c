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
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "config.h"
#include "decode.h"
#include "enrich.h"
#include "output.h"
#include "pipeline.h"
#include "policy.h"
#include "records.h"

static struct imsw_event make_event(unsigned int kind)
{
	struct imsw_event e;

	memset(&e, 0, sizeof(e));
	e.hdr.type = IMSW_REC_EVENT;
	e.hdr.size = sizeof(e);
	e.hdr.abi = IMSW_ABI_VERSION;
	e.kind = kind;
	e.hook = IMSW_HOOK_PCI_CREATE_IMS_DOMAIN;
	e.mode = IMSW_MODE_KPROBE;
	e.ts_ns = 123456789;
	strcpy(e.comm, "kworker/0:1");
	strcpy(e.pci.bdf, "0000:00:04.0");
	e.pci.is_pci = 1;
	e.pci.vendor = 0x1234;
	e.pci.device = 0x11e8;
	strcpy(e.driver, "edu_ims");
	strcpy(e.module, "edu_ims");
	return e;
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
	e.ret = 0;
	policy_judge(&e, &p, &f);
	assert_int_equal(f.outcome, OUTCOME_REFUSED);
	assert_int_equal(f.severity, SEV_CRITICAL);
}

static void test_policy_ims_on_probable_bare_metal_is_a_guess(void **state)
{
	struct platform p = platform_with(true);
	struct imsw_event e = make_event(IMSW_KIND_IMS_ALLOC);
	struct finding f;

	(void)state;
	e.index = -28; /* -ENOSPC */
	policy_judge(&e, &p, &f);
	assert_int_equal(f.severity, SEV_WARNING);
	assert_string_equal(f.rule, "IMSW-IMS-GUESS");
	assert_non_null(strstr(f.summary, "guess"));
	assert_int_equal(f.outcome, OUTCOME_REFUSED);
	e.index = 0;
	policy_judge(&e, &p, &f);
	assert_int_equal(f.outcome, OUTCOME_ACCEPTED);
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
	policy_judge(&e, &p, &f);
	assert_int_equal(f.severity, SEV_CRITICAL);
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
	char err[256];
	struct sink *s = sink_open(FORMAT_JSON, "/dev/null", err, sizeof(err));
	json_object *t, *v;

	(void)state;
	inner.domid = 1;
	inner.domain_kind = IMSW_DOMAIN_IMS;
	inner.within_ims_api = 1;
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
	t = pipe.templates[IMSW_KIND_MSI_DOMAIN];
	assert_non_null(t);
	assert_true(json_object_object_get_ex(t, "within_ims_api", &v));
	assert_true(json_object_get_boolean(v));
	assert_false(json_object_object_get_ex(t, "ims_attempt", NULL));
	pipeline_fini(&pipe);
	assert_int_equal(sink_close(s), 0);
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

static char *render(enum output_format fmt, json_object *rec)
{
	char path[] = "/tmp/imswatch-test-XXXXXX", err[256];
	int fd = mkstemp(path);
	struct sink *s;
	char *buf = calloc(1, 65536);
	FILE *fp;

	assert_true(fd >= 0);
	close(fd);
	s = sink_open(fmt, path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(sink_write(s, rec), 0);
	assert_int_equal(sink_close(s), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_true(fread(buf, 1, 65535, fp) > 0);
	fclose(fp);
	unlink(path);
	return buf;
}

/* imswatch writes JSON itself (output.c): byte for byte what json-c would write */
static void check_same_as_json_c(json_object *rec)
{
	char *want, *got;

	want = strdup(json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	assert_non_null(want);
	got = render(FORMAT_JSON, json_object_get(rec));
	assert_int_equal(got[strlen(got) - 1], '\n');
	got[strlen(got) - 1] = 0;
	assert_string_equal(got, want);
	free(got);
	free(want);
	json_object_put(rec);
}

static void test_json_writer_matches_json_c(void **state)
{
	struct platform p = platform_with(true);
	struct imsw_event e = make_event(IMSW_KIND_IMS_DOMAIN);
	struct summary_info sum = { .duration_s = 2.5 };
	struct timebase tb = { 0 };
	struct finding f;
	json_object *o, *a;

	(void)state;
	policy_judge(&e, &p, &f);
	check_same_as_json_c(record_event(&e, NULL, &f, &p, &tb));
	check_same_as_json_c(record_platform(&p, 1764000000123456789LL));
	check_same_as_json_c(record_summary(&sum, 0));

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
	json_object_array_add(a, json_object_new_string(""));
	json_object_object_add(o, "arr", a);
	json_object_object_add(o, "key\twith\"quote", json_object_new_boolean(1));
	check_same_as_json_c(o);
}

static void test_alert_record_json(void **state)
{
	struct platform p = platform_with(false);
	struct imsw_event e = make_event(IMSW_KIND_IMS_DOMAIN);
	struct timebase tb = { 0 };
	struct finding f;
	json_object *parsed, *v;
	char *out;

	(void)state;
	e.ret = 1;
	policy_judge(&e, &p, &f);
	out = render(FORMAT_JSON, record_event(&e, NULL, &f, &p, &tb));
	/* exactly one line, and a parser accepts it */
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	parsed = json_tokener_parse(out);
	assert_non_null(parsed);
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
	free(out);
}

static void test_hostile_strings_escaped(void **state)
{
	struct platform p = platform_with(true);
	struct imsw_event e = make_event(IMSW_KIND_PROBE);
	struct timebase tb = { 0 };
	struct finding f;
	json_object *parsed;
	char *out;

	(void)state;
	/*
	 * In a driver name: ESC, a C1 CSI (UTF-8 c2 9b, which terminals obey like ESC [), a
	 * backslash that spells a fake escape, a newline, a quote and a byte that is not UTF-8.
	 */
	strcpy(e.driver, "ev\x1b[2J\xc2\x9b\\x41\n\"x\xff");
	policy_judge(&e, &p, &f);
	out = render(FORMAT_JSON, record_event(&e, NULL, &f, &p, &tb));
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

	out = render(FORMAT_TEXT, record_event(&e, NULL, &f, &p, &tb));
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\xc2'));
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	/* text mode escapes the model's '\' once more */
	assert_non_null(strstr(out, "driver=ev\\\\x1b[2J\\\\xc2\\\\x9b\\\\x5cx41"));
	free(out);

	/* comm is set by any local user: a surrogate, an overlong '/' and a code point above
	 * U+10FFFF are escaped byte by byte in the event record, like any ill-formed UTF-8 */
	strcpy(e.comm, "\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80ok");
	out = render(FORMAT_JSON, record_event(&e, NULL, &f, &p, &tb));
	parsed = json_tokener_parse(out);
	assert_non_null(parsed);
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_object_get(parsed, "context"), "comm")),
			    "\\xed\\xa0\\x80\\xc0\\xaf\\xf4\\x90\\x80\\x80ok");
	json_object_put(parsed);
	free(out);

	/* valid UTF-8 is kept; U+2028 (a line break to JavaScript) is not */
	out = render(FORMAT_JSON, json_untrusted_string("Gr\xc3\xbc\xc3\x9f" "e\xe2\x80\xa8"));
	assert_string_equal(out, "\"Gr\xc3\xbc\xc3\x9f" "e\\\\xe2\\\\x80\\\\xa8\"\n");
	free(out);
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
	char err[256];
	struct sink *s = sink_open(FORMAT_JSON, "/dev/null", err, sizeof(err));

	(void)state;
	assert_non_null(s);
	pipeline_init(&pipe, s, &p, NULL);
	assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	assert_int_equal(pipeline_record(&pipe, &e, 3), 0);
	assert_int_equal(pipe.events_by_kind[IMSW_KIND_IMS_DOMAIN], 1);
	assert_int_equal(pipe.alerts_by_severity[SEV_CRITICAL], 1);
	assert_int_equal(pipe.decode_errors, 1);
	/* a reused record never keeps fields of the previous kind or device */
	e = make_event(IMSW_KIND_PROBE);
	assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	e.pci.bdf[0] = 0;
	e.module[0] = 0;
	assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	{
		json_object *t = pipe.templates[IMSW_KIND_PROBE], *d;

		assert_non_null(t);
		assert_false(json_object_object_get_ex(t, "module", NULL));
		assert_true(json_object_object_get_ex(t, "device", &d));
		assert_false(json_object_object_get_ex(d, "bdf", NULL));
		assert_false(json_object_object_get_ex(d, "vendor", NULL));
	}
	/* MSI enablement: flags inside vectors, as README documents, never at the top level */
	e = make_event(IMSW_KIND_IRQ_VECTORS);
	e.flags = 4; /* PCI_IRQ_MSIX */
	assert_int_equal(pipeline_record(&pipe, &e, sizeof(e)), 0);
	{
		json_object *t = pipe.templates[IMSW_KIND_IRQ_VECTORS], *v;

		assert_non_null(t);
		assert_false(json_object_object_get_ex(t, "flags", NULL));
		assert_true(json_object_object_get_ex(t, "vectors", &v));
		assert_int_equal(json_object_get_int(json_object_object_get(v, "flags")), 4);
	}
	pipeline_fini(&pipe);
	assert_int_equal(sink_close(s), 0);
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
	o = record_summary(&s, 0);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "records_lost")), 7);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "kretprobe_no_entry")),
			 2);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "kprobe_stash_dropped")),
			 1);
	assert_int_equal(json_object_get_int64(json_object_object_get(o, "kretprobe_missed")), 3);
	json_object_put(o);
}

/* duration_s has a fixed precision (milliseconds), never %.17g float noise */
static void test_summary_duration_fixed_precision(void **state)
{
	struct summary_info s = { 0 };
	char *out;

	(void)state;
	s.duration_s = 15.872318188000008;
	out = render(FORMAT_JSON, record_summary(&s, 0));
	assert_non_null(strstr(out, ",\"duration_s\":15.872,"));
	free(out);
	out = render(FORMAT_TEXT, record_summary(&s, 0));
	assert_non_null(strstr(out, "\n  duration_s=15.872\n"));
	free(out);
	s.duration_s = 2.0;
	out = render(FORMAT_JSON, record_summary(&s, 0));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults_and_commands),
		cmocka_unit_test(test_config_rejects_bad_input),
		cmocka_unit_test(test_config_posixly_correct),
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
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
