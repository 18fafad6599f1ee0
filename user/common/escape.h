/* SPDX-License-Identifier: GPL-2.0 */
/*
 * escape: the one escaper for untrusted bytes (DMI and ACPI values, CPUID signatures,
 * driver and module names, comm, irq chip and action names). Records, the platform
 * engine and error messages all go through it, so one rule decides what is printed raw.
 *
 * Printable ASCII and well-formed UTF-8 (RFC 3629, Unicode Table 3-7: no overlong forms,
 * no surrogates, nothing above U+10FFFF) are kept, except C1 controls (U+0080-U+009F,
 * which terminals obey like ESC) and U+2028/U+2029 (line breaks to JavaScript). Every
 * other byte (control characters, NUL, DEL, every byte of an ill-formed sequence) and the
 * backslash itself become the text "\xNN", one per byte. Escaping the backslash makes the
 * mapping reversible: "\x41" in the output always means one escaped byte.
 */
#ifndef IMSWATCH_ESCAPE_H
#define IMSWATCH_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes the escaper may write per input byte: OUTLEN >= 4 * LEN + 1 never truncates. */
#define UNTRUSTED_ESCAPE_MAX 4

/*
 * Escape LEN bytes of IN (NUL bytes included) into OUT. Writes at most OUTLEN-1 bytes and a
 * NUL; never splits an escape or a UTF-8 sequence. Returns the length written.
 */
size_t untrusted_escape(const void *in, size_t len, char *out, size_t outlen);

/* True when escaping LEN bytes of IN would change nothing (the common, fast case). */
bool untrusted_is_plain(const void *in, size_t len);

/*
 * Length of the well-formed UTF-8 sequence at S (at most AVAIL bytes), or 0 when the bytes
 * there are not one (Unicode Table 3-7). 1 for ASCII.
 */
size_t utf8_seq_len(const unsigned char *s, size_t avail);

#endif
