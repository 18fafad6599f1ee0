// SPDX-License-Identifier: GPL-2.0
/* The one escaper for untrusted bytes: see escape.h for the rule. */
#include "escape.h"

#include <string.h>

/*
 * Unicode Table 3-7, well-formed UTF-8 byte sequences. The lead byte fixes the length and
 * the range of the second byte; every further byte is 80..BF:
 *   00..7F
 *   C2..DF  80..BF
 *   E0      A0..BF  80..BF          (E0 80..9F would be overlong)
 *   E1..EC  80..BF  80..BF
 *   ED      80..9F  80..BF          (ED A0..BF would be a UTF-16 surrogate)
 *   EE..EF  80..BF  80..BF
 *   F0      90..BF  80..BF  80..BF  (F0 80..8F would be overlong)
 *   F1..F3  80..BF  80..BF  80..BF
 *   F4      80..8F  80..BF  80..BF  (F4 90.. would be above U+10FFFF)
 * C0, C1 (overlong ASCII) and F5..FF never start a sequence.
 */
size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* a well-formed sequence of N bytes at P that is still not printed raw */
static bool unsafe_seq(const unsigned char *p, size_t n)
{
	if (n == 1)
		return p[0] < 0x20 || p[0] >= 0x7f || p[0] == '\\';
	if (n == 2)
		return p[0] == 0xc2 && p[1] < 0xa0; /* C1 controls */
	return n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9);
}

size_t untrusted_escape(const void *in, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = in, *end = p + len;
	size_t o = 0;

	if (!outlen)
		return 0;
	while (p < end) {
		size_t n = utf8_seq_len(p, (size_t)(end - p));

		if (n && !unsafe_seq(p, n)) {
			if (o + n >= outlen)
				break;
			memcpy(out + o, p, n);
			o += n;
			p += n;
			continue;
		}
		/* an ill-formed sequence: every byte of it, one at a time */
		for (n = n ? n : 1; n; n--, p++) {
			if (o + 4 >= outlen)
				goto full;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
full:
	out[o] = 0;
	return o;
}

bool untrusted_is_plain(const void *in, size_t len)
{
	const unsigned char *p = in, *end = p + len;

	for (; p < end; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			return false;
	return true;
}
