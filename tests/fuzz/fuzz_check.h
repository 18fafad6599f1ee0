/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checks the fuzz targets share: a strict JSON (RFC 8259) and UTF-8 validator for what
 * imswatch writes, and the escaping properties the README promises. A failed check
 * aborts, so libFuzzer keeps the input as a crash.
 */
#ifndef IMSWATCH_FUZZ_CHECK_H
#define IMSWATCH_FUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strictly valid UTF-8: no overlong forms, no surrogates (U+D800-DFFF), nothing above
 * U+10FFFF, no truncated sequence. */
bool utf8_valid(const uint8_t *s, size_t n);

/* One complete JSON value per '\n'-terminated line, nothing else: strict RFC 8259 grammar,
 * strict UTF-8, no raw control character in a string, \u escapes paired (no lone
 * surrogate). Returns NULL when valid, else a static description of the first fault. */
const char *jsonl_check(const uint8_t *s, size_t n);

/* The untrusted-string property: S (the escaper's output for the bytes IN, INLEN) is
 * strict UTF-8, contains no control character, DEL, C1 control (U+0080-U+009F) or
 * U+2028/U+2029, and un-escaping every "\xNN" gives IN back. NULL or a fault. */
const char *untrusted_check(const uint8_t *in, size_t inlen, const char *s);

/* Whether NEEDLE occurs in HAY. A plain loop in this file, which is built without the
 * fuzzer's comparison tracing: libc's memmem is hooked by libFuzzer, which would add the
 * needle to its dictionary and then write it into inputs itself. */
bool fuzz_contains(const uint8_t *hay, size_t n, const char *needle);

/* Abort with a message (and the offending text) when FAULT is not NULL. */
void fuzz_require(const char *fault, const char *what, const void *text, size_t len);

/* A private directory for this process under $TMPDIR (default /dev/shm, else /tmp),
 * created once; removed at exit. */
const char *fuzz_tmpdir(void);

/* Write LEN bytes to PATH (created or truncated). Aborts on failure. */
void fuzz_write_file(const char *path, const void *data, size_t len);

/* Read all of PATH into a malloc'ed buffer (NUL-terminated); *LEN gets its length. */
uint8_t *fuzz_read_file(const char *path, size_t *len);

/* rm -rf PATH (no symlink is followed). */
void fuzz_rm_rf(const char *path);

#endif
