// SPDX-License-Identifier: GPL-2.0
/*
 * Every fixture tree in tests/fixtures that has an expected.json is run through the whole
 * platform engine (seed, signals, Q1, Q2), one test per fixture. expected.json is written by
 * hand from the platform's documentation, never generated from imswatch's output:
 *
 *   {"seed": {"probably_on_bare_metal": bool},
 *    "q1": {"verdict": "...", "hypervisor_contains": "KVM"},   ("" = none named)
 *          (a verdict may also be a list: ["probably-guest", "definitely-guest"] is any guest)
 *    "q2": {"verdict": "...", "interrupt_remapping": "on|off|unknown", "ims_gate": "open|closed|unknown"},
 *    "contradictions_contain": ["CPUID hypervisor bit clear", ...],          (Q1)
 *    "q2_contradictions_contain": ["nested virtualization", ...],
 *    "description": "..."}
 *
 * A key not in this list (a typo such as "interupt_remapping") fails the fixture rather than
 * being ignored, and so does a fixture directory without expected.json.
 *
 * Fixtures come from $IMSWATCH_FIXTURES (default "tests/fixtures", run from the repo root).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "cpuid.h"
#include "hostfs.h"
#include "platform.h"

#define MAX_FIXTURES 64

static char names[MAX_FIXTURES][128];

static const char *fixtures_dir(void)
{
	const char *d = getenv("IMSWATCH_FIXTURES");

	return d && *d ? d : "tests/fixtures";
}

static json_object *get(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return v;
}

static const char *get_str(const char *fixture, json_object *o, const char *a, const char *b)
{
	json_object *v = get(o, a, b);

	if (!v || !json_object_is_type(v, json_type_string))
		fail_msg("%s/expected.json: %s.%s missing or not a string", fixture, a, b ? b : "");
	return json_object_get_string(v);
}

/*
 * WANT[A].verdict is one verdict, or a list of the verdicts that are all true of the machine
 * (a guest whose evidence is only circumstantial: "probably" and "definitely" both hold).
 * Returns the wanted text for the message, or NULL when GOT is one of them.
 */
static const char *verdict_miss(const char *fixture, json_object *want, const char *a,
				const char *got)
{
	json_object *v = get(want, a, "verdict");
	const char *s;
	size_t i, n;

	if (!v || !json_object_is_type(v, json_type_array)) {
		s = get_str(fixture, want, a, "verdict");
		return strcmp(s, got) ? s : NULL;
	}
	n = json_object_array_length(v);
	if (!n)
		fail_msg("%s/expected.json: %s.verdict is an empty list", fixture, a);
	for (i = 0; i < n; i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(v, i)), got))
			return NULL;
	return json_object_to_json_string(v);
}

/* Every key expected.json may hold, per level: anything else is a mistake in the fixture. */
static void check_keys(const char *fixture, json_object *o, const char *where,
		       const char *const *allowed)
{
	size_t i;

	if (!json_object_is_type(o, json_type_object))
		fail_msg("%s/expected.json: %s is not an object", fixture, where);
	json_object_object_foreach(o, key, val) {
		(void)val;
		for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
			;
		if (!allowed[i])
			fail_msg("%s/expected.json: unknown key '%s' in %s", fixture, key, where);
	}
}

static void check_schema(const char *fixture, json_object *want)
{
	static const char *const top[] = { "description", "seed", "q1", "q2",
					   "contradictions_contain",
					   "q2_contradictions_contain", NULL };
	static const char *const seed[] = { "probably_on_bare_metal", NULL };
	static const char *const q1[] = { "verdict", "hypervisor_contains", NULL };
	static const char *const q2[] = { "verdict", "interrupt_remapping", "ims_gate", NULL };
	json_object *v;

	check_keys(fixture, want, "the top level", top);
	if (json_object_object_get_ex(want, "seed", &v))
		check_keys(fixture, v, "seed", seed);
	if (json_object_object_get_ex(want, "q1", &v))
		check_keys(fixture, v, "q1", q1);
	if (json_object_object_get_ex(want, "q2", &v))
		check_keys(fixture, v, "q2", q2);
}

/* every needle in WANT[KEY] must be a substring of one of Q's contradictions */
static void check_contradictions(const char *fixture, json_object *want, const char *key,
				 const char *label, const struct question_verdict *q)
{
	json_object *v = get(want, key, NULL);
	size_t i, k;

	for (i = 0; v && i < json_object_array_length(v); i++) {
		const char *needle = json_object_get_string(json_object_array_get_idx(v, i));
		bool found = false;

		for (k = 0; k < q->n_contradictions && !found; k++)
			found = strstr(q->contradictions[k], needle) != NULL;
		if (!found)
			fail_msg("%s: no %s contradiction contains '%s' (%zu listed)", fixture, label,
				 needle, q->n_contradictions);
	}
}

static void check_fixture(void **state)
{
	const char *name = *state;
	char dir[PATH_MAX], root[PATH_MAX], cpuid[PATH_MAX], exp[PATH_MAX], err[512];
	struct cpuid_source cpu;
	struct platform *p = calloc(1, sizeof(*p));
	struct hostfs fs;
	json_object *want, *v;
	const char *s;
	size_t k;
	int r;

	assert_non_null(p);
	snprintf(dir, sizeof(dir), "%s/%s", fixtures_dir(), name);
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(cpuid, sizeof(cpuid), "%s/cpuid", dir);
	snprintf(exp, sizeof(exp), "%s/expected.json", dir);
	want = json_object_from_file(exp);
	if (!want)
		fail_msg("%s: cannot parse: %s", exp, json_util_get_last_err());
	check_schema(name, want);
	r = hostfs_open(&fs, root);
	if (r)
		fail_msg("%s: %s", root, strerror(-r));
	/* no cpuid file: a machine without CPUID (not x86) */
	if (access(cpuid, F_OK))
		cpu = (struct cpuid_source){ .kind = CPUID_ABSENT };
	else if (cpuid_source_load(&cpu, cpuid, err, sizeof(err)))
		fail_msg("%s", err);
	r = platform_assess(&fs, &cpu, NULL, p);
	assert_int_equal(r, 0);

	v = get(want, "seed", "probably_on_bare_metal");
	if (v && json_object_get_boolean(v) != p->seed.probably_on_bare_metal)
		fail_msg("%s: seed probably_on_bare_metal is %d, expected %d", name,
			 p->seed.probably_on_bare_metal, json_object_get_boolean(v));

	s = verdict_miss(name, want, "q1", guest_verdict_name(p->q1.verdict));
	if (s)
		fail_msg("%s: Q1 is %s (%s), expected %s", name, guest_verdict_name(p->q1.verdict),
			 p->q1.reason, s);
	v = get(want, "q1", "hypervisor_contains");
	if (v) {
		s = json_object_get_string(v);
		if (*s ? !strstr(p->q1.hypervisor, s) : p->q1.hypervisor[0] != '\0')
			fail_msg("%s: Q1 names hypervisor '%s', expected '%s'", name,
				 p->q1.hypervisor, s);
	}
	s = verdict_miss(name, want, "q2", guest_verdict_name(p->q2.verdict));
	if (s)
		fail_msg("%s: Q2 is %s (%s), expected %s", name, guest_verdict_name(p->q2.verdict),
			 p->q2.reason, s);
	v = get(want, "q2", "interrupt_remapping");
	if (v && strcmp(json_object_get_string(v), ir_state_name(p->facts.ir)))
		fail_msg("%s: interrupt remapping %s, expected %s", name,
			 ir_state_name(p->facts.ir), json_object_get_string(v));
	v = get(want, "q2", "ims_gate");
	if (v && strcmp(json_object_get_string(v), ims_gate_name(p->ims_gate)))
		fail_msg("%s: ims_gate %s, expected %s", name, ims_gate_name(p->ims_gate),
			 json_object_get_string(v));
	check_contradictions(name, want, "contradictions_contain", "Q1", &p->q1);
	check_contradictions(name, want, "q2_contradictions_contain", "Q2", &p->q2);
	/* a guest verdict over a clear CPUID bit must always say so */
	if (verdict_is_guest(p->q1.verdict) && p->facts.cpuid_leaf1_known &&
	    !p->facts.cpuid_hv_bit) {
		bool listed = false;

		for (k = 0; k < p->q1.n_contradictions; k++)
			listed |= strstr(p->q1.contradictions[k], "CPUID hypervisor bit clear") != NULL;
		if (!listed)
			fail_msg("%s: guest verdict over a clear CPUID bit, not listed as a "
				 "contradiction", name);
	}
	assert_int_equal(p->signals.dropped, 0);
	cpuid_source_free(&cpu);
	hostfs_close(&fs);
	json_object_put(want);
	free(p);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int main(void)
{
	struct CMUnitTest tests[MAX_FIXTURES];
	char path[PATH_MAX];
	struct dirent *d;
	struct stat st;
	size_t n = 0, i;
	DIR *dir = opendir(fixtures_dir());

	if (!dir) {
		fprintf(stderr, "%s: %s (run from the repo root or set IMSWATCH_FIXTURES)\n",
			fixtures_dir(), strerror(errno));
		return 2;
	}
	/* every directory is a fixture: one without expected.json fails, it is not skipped */
	while ((d = readdir(dir))) {
		snprintf(path, sizeof(path), "%s/%s", fixtures_dir(), d->d_name);
		if (d->d_name[0] == '.' || stat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		if (n == MAX_FIXTURES) {
			fprintf(stderr, "more than %d fixtures: raise MAX_FIXTURES\n", MAX_FIXTURES);
			closedir(dir);
			return 2;
		}
		snprintf(names[n++], sizeof(names[0]), "%s", d->d_name);
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), by_name);
	if (!n) {
		fprintf(stderr, "no fixture with an expected.json under %s\n", fixtures_dir());
		return 2;
	}
	for (i = 0; i < n; i++)
		tests[i] = (struct CMUnitTest){ names[i], check_fixture, NULL, NULL, names[i] };
	return _cmocka_run_group_tests("fixtures", tests, n, NULL, NULL);
}
