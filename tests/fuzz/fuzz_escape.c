// SPDX-License-Identifier: GPL-2.0
/*
 * The untrusted-string escaper (user/output/records.c), the JSON writer and the text escaper
 * (user/output/output.c) on arbitrary bytes.
 *
 * Properties: the escaped string is strict UTF-8 with no control character, C1 control or
 * U+2028/U+2029 and un-escapes to the input (README, "Records"); a record holding it, as a
 * value and as a key, is written as strictly valid JSON whose string parses (json-c) back
 * to the escaped text; raw strings that are valid UTF-8 are written as valid JSON too and
 * round-trip; the text escaper writes printable ASCII only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fuzz_check.h"
#include "output.h"
#include "records.h"

static void roundtrip(const uint8_t *line, size_t len, const char *key, const char *want)
{
	json_tokener *tok = json_tokener_new();
	json_object *o, *v;

	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, (const char *)line, (int)len);
	if (!o)
		fuzz_require(json_tokener_error_desc(json_tokener_get_error(tok)),
			     "json-c's strict tokener refuses the output", line, len);
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), want))
		fuzz_require("the string does not parse back to what was written",
			     "JSON round trip", line, len);
	json_object_put(o);
	json_tokener_free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[300];
	char *in, err[256], *tbuf, *key;
	json_object *str, *rec;
	struct sink *sink;
	size_t inlen, len, tlen, keylen;
	uint8_t *out;

	if (!path[0])
		snprintf(path, sizeof(path), "%s/out", fuzz_tmpdir());
	/* a C string, as every untrusted value is: up to the first NUL */
	in = malloc(size + 1);
	if (!in)
		abort();
	memcpy(in, data, size);
	in[size] = 0;
	inlen = strlen(in);

	str = json_untrusted_string(in);
	if (!str)
		abort();
	fuzz_require(untrusted_check((const uint8_t *)in, inlen, json_object_get_string(str)),
		     "json_untrusted_string", in, inlen);

	/* the escaped text as a value and as a key, and the raw text when it is UTF-8 */
	keylen = strlen(json_object_get_string(str)) + 3;
	key = malloc(keylen);
	rec = json_object_new_object();
	if (!key || !rec)
		abort();
	json_object_object_add(rec, "v", json_object_get(str));
	snprintf(key, keylen, "k:%s", json_object_get_string(str));
	json_object_object_add(rec, key, json_object_new_int(1));
	if (utf8_valid((const uint8_t *)in, inlen))
		json_object_object_add(rec, "raw", json_object_new_string(in));
	sink = sink_open(FORMAT_JSON, path, err, sizeof(err));
	if (!sink)
		abort();
	sink_emit(sink, rec);
	if (sink_close(sink))
		abort();
	out = fuzz_read_file(path, &len);
	fuzz_require(jsonl_check(out, len), "JSON writer output", out, len);
	roundtrip(out, len, "v", json_object_get_string(str));
	if (utf8_valid((const uint8_t *)in, inlen))
		roundtrip(out, len, "raw", in);
	free(out);
	json_object_put(rec);
	json_object_put(str);
	free(key);

	/* text mode */
	tlen = inlen * 4 + 6;
	tbuf = malloc(tlen);
	if (!tbuf)
		abort();
	len = text_escape(in, tbuf, tlen);
	if (len != strlen(tbuf))
		fuzz_require("returned length differs from the text", "text_escape", tbuf, len);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)tbuf[i] < 0x20 || (unsigned char)tbuf[i] >= 0x7f)
			fuzz_require("a byte that is not printable ASCII", "text_escape", tbuf, len);
	free(tbuf);
	free(in);
	return 0;
}
