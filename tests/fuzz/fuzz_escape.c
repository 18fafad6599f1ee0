// SPDX-License-Identifier: GPL-2.0
/*
 * The untrusted-string escaper (user/common/escape.c, through untrusted_text()), the
 * streaming JSON writer and the text escaper (user/output/output.c) on arbitrary bytes.
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

#include "fuzz_check.h"
#include "output.h"
#include "records.h"

static void roundtrip(const uint8_t *line, size_t len, const char *key, const char *want)
{
	json_tokener *tok = json_tokener_new();
	json_object *o, *v;

	if (!tok)
		abort();
	json_tokener_set_flags(tok, STRICT_JSON_FLAGS);
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
	char *in, *tbuf, *key, *esc, *mem = NULL;
	const char *text;
	size_t inlen, len = 0, tlen, keylen;
	FILE *fp;
	struct jw w;

	/* a C string, as every untrusted value is: up to the first NUL */
	in = malloc(size + 1);
	if (!in)
		abort();
	memcpy(in, data, size);
	in[size] = 0;
	inlen = strlen(in);

	esc = malloc(4 * inlen + 1);
	if (!esc)
		abort();
	text = untrusted_text(in, esc, 4 * inlen + 1);
	fuzz_require(untrusted_check((const uint8_t *)in, inlen, text), "untrusted_text", in,
		     inlen);

	/* the escaped text as a value and as a key, and the raw text when it is UTF-8, through
	 * the streaming writer the sinks use */
	keylen = strlen(text) + 3;
	key = malloc(keylen);
	fp = open_memstream(&mem, &len);
	if (!key || !fp)
		abort();
	snprintf(key, keylen, "k:%s", text);
	jw_init(&w, fp);
	jw_object_begin(&w);
	jw_key(&w, "v");
	jw_untrusted(&w, in);
	jw_kint(&w, key, 1);
	if (utf8_valid((const uint8_t *)in, inlen))
		jw_kstring(&w, "raw", in);
	jw_object_end(&w);
	jw_flush(&w);
	fputc('\n', fp);
	fclose(fp);
	fuzz_require(jsonl_check((const uint8_t *)mem, len), "JSON writer output", mem, len);
	roundtrip((const uint8_t *)mem, len, "v", text);
	if (utf8_valid((const uint8_t *)in, inlen))
		roundtrip((const uint8_t *)mem, len, "raw", in);
	free(mem);
	free(key);
	free(esc);

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
