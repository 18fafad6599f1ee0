// SPDX-License-Identifier: GPL-2.0
/*
 * The one escaper for untrusted bytes (user/common/escape.c): a table of well-formed and
 * ill-formed UTF-8 (Unicode Table 3-7), and random byte strings whose escaped form must
 * always be strict UTF-8, parse as JSON, and map back to the original bytes.
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
#include <json-c/json.h>

/*
 * json-c 0.18 (Debian 13) refuses every non-ASCII byte inside a string in strict mode
 * ("invalid string sequence"), valid UTF-8 included; 0.16 (Debian 12) does not. There the
 * tokener checks UTF-8 only, and the strict UTF-8 check of the output stays ours.
 */
#if JSON_C_VERSION_NUM >= ((0 << 16) | (18 << 8))
#define STRICT_JSON_FLAGS JSON_TOKENER_VALIDATE_UTF8
#else
#define STRICT_JSON_FLAGS (JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8)
#endif

#include "escape.h"
#include "output.h"
#include "records.h"

/*
 * Strict UTF-8, written apart from the escaper on purpose: decode each code point and
 * reject overlong forms, surrogates and anything above U+10FFFF (what Python's strict
 * utf-8 codec rejects).
 */
static bool strict_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp, min;
		size_t k, j;

		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			cp = s[i] & 0x1f, k = 1, min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			cp = s[i] & 0x0f, k = 2, min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			cp = s[i] & 0x07, k = 3, min = 0x10000;
		} else {
			return false;
		}
		if (i + k >= n)
			return false;
		for (j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* "\xNN" back to the byte; everything else as is */
static size_t unescape(const char *in, unsigned char *out)
{
	size_t o = 0;

	while (*in) {
		if (in[0] == '\\') {
			unsigned int v;

			assert_int_equal(in[1], 'x');
			assert_int_equal(sscanf(in + 2, "%2x", &v), 1);
			out[o++] = (unsigned char)v;
			in += 4;
		} else {
			out[o++] = (unsigned char)*in++;
		}
	}
	return o;
}

static const struct {
	const char *in;
	size_t len;
	const char *out;
} cases[] = {
#define C(in, out) { in, sizeof(in) - 1, out }
	C("plain", "plain"),
	C("a\\b", "a\\x5cb"),
	C("nul\0x", "nul\\x00x"),
	/* well-formed: kept */
	C("\xc2\xa0", "\xc2\xa0"),			 /* U+00A0 */
	C("\xdf\xbf", "\xdf\xbf"),			 /* U+07FF */
	C("\xe0\xa0\x80", "\xe0\xa0\x80"),		 /* U+0800, lowest 3-byte */
	C("\xed\x9f\xbf", "\xed\x9f\xbf"),		 /* U+D7FF, below the surrogates */
	C("\xee\x80\x80", "\xee\x80\x80"),		 /* U+E000, above them */
	C("\xef\xbf\xbd", "\xef\xbf\xbd"),		 /* U+FFFD */
	C("\xf0\x90\x80\x80", "\xf0\x90\x80\x80"),	 /* U+10000 */
	C("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"),	 /* U+10FFFF */
	/* well-formed but unsafe on a terminal or to JavaScript */
	C("\xc2\x9b", "\\xc2\\x9b"),			 /* C1 CSI */
	C("\xe2\x80\xa8", "\\xe2\\x80\\xa8"),		 /* U+2028 */
	/* surrogates */
	C("\xed\xa0\x80", "\\xed\\xa0\\x80"),		 /* U+D800 */
	C("\xed\xbf\xbf", "\\xed\\xbf\\xbf"),		 /* U+DFFF */
	/* overlong forms */
	C("\xc0\xaf", "\\xc0\\xaf"),
	C("\xc1\xbf", "\\xc1\\xbf"),
	C("\xe0\x80\xaf", "\\xe0\\x80\\xaf"),
	C("\xe0\x9f\xbf", "\\xe0\\x9f\\xbf"),
	C("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"),
	C("\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf"),
	/* above U+10FFFF */
	C("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"),
	C("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80"),
	C("\xf8\x88\x80\x80\x80", "\\xf8\\x88\\x80\\x80\\x80"),
	C("\xff", "\\xff"),
	/* truncated and stray */
	C("\xe2\x82", "\\xe2\\x82"),
	C("\xf0\x9f\x98", "\\xf0\\x9f\\x98"),
	C("\x80x", "\\x80x"),
	C("\xc3(", "\\xc3("),
	/* a valid sequence right after an invalid lead is kept */
	C("\xe0\xc3\xa9", "\\xe0\xc3\xa9"),
#undef C
};

static void test_escape_table(void **state)
{
	char out[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = untrusted_escape(cases[i].in, cases[i].len, out, sizeof(out));

		print_message("# case %zu\n", i);
		assert_string_equal(out, cases[i].out);
		assert_int_equal(n, strlen(cases[i].out));
		assert_true(strict_utf8((const unsigned char *)out, n));
	}
}

static void test_utf8_seq_len_bounds(void **state)
{
	(void)state;
	/* never reads past AVAIL */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x82\xac", 2), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x82\xac", 3), 3);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf0\x90\x80\x80", 3), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"a", 1), 1);
}

/* {"v": IN} as the streaming JSON writer the sinks use writes it */
static size_t render_json(const unsigned char *in, size_t len, char *buf, size_t size)
{
	char *mem = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&mem, &n);
	struct jw w;

	assert_non_null(fp);
	jw_init(&w, fp);
	jw_object_begin(&w);
	jw_key(&w, "v");
	jw_untrusted_n(&w, (const char *)in, len);
	jw_object_end(&w);
	jw_flush(&w);
	fclose(fp);
	assert_true(n < size);
	memcpy(buf, mem, n + 1);
	free(mem);
	return n;
}

static void test_escape_random_bytes(void **state)
{
	unsigned char in[64], back[64];
	char out[UNTRUSTED_ESCAPE_MAX * sizeof(in) + 1], line[2048];
	unsigned int seed = 1;
	int iter;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(in)), i, n;

		for (i = 0; i < len; i++) {
			/* bias toward the bytes that matter: leads, continuations, ASCII */
			int r = rand_r(&seed) % 4;

			in[i] = r == 0 ? (unsigned char)(0x80 + rand_r(&seed) % 0x40)
			      : r == 1 ? (unsigned char)(0xc0 + rand_r(&seed) % 0x40)
				       : (unsigned char)(rand_r(&seed) % 256);
		}
		n = untrusted_escape(in, len, out, sizeof(out));
		assert_true(strict_utf8((const unsigned char *)out, n));
		for (i = 0; i < n; i++)
			assert_true((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
		/* reversible: the escape is the only backslash */
		assert_int_equal(unescape(out, back), len);
		assert_memory_equal(back, in, len);
		/* through the JSON record layer: one strict UTF-8 line that parses */
		if (iter % 8 == 0) {
			json_object *parsed;
			json_tokener *tok = json_tokener_new();
			size_t ln;

			ln = render_json(in, len, line, sizeof(line));
			assert_true(strict_utf8((const unsigned char *)line, ln));
			json_tokener_set_flags(tok, STRICT_JSON_FLAGS);
			parsed = json_tokener_parse_ex(tok, line, (int)ln);
			assert_non_null(parsed);
			assert_string_equal(json_object_get_string(json_object_object_get(parsed, "v")),
					    out);
			json_object_put(parsed);
			json_tokener_free(tok);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_table),
		cmocka_unit_test(test_utf8_seq_len_bounds),
		cmocka_unit_test(test_escape_random_bytes),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
