/* SPDX-License-Identifier: GPL-2.0 */
/*
 * output: render records (records.h) as JSON lines or text, chosen once when the sink is
 * opened. Nothing else in imswatch writes to stdout.
 */
#ifndef IMSWATCH_OUTPUT_H
#define IMSWATCH_OUTPUT_H

#include <json-c/json.h>
#include <stddef.h>

#include "config.h"

struct sink;

/* PATH NULL means stdout. Returns NULL with ERR set when PATH cannot be created. */
struct sink *sink_open(enum output_format fmt, const char *path, char *err, size_t errlen);

/* Write one record (consumes the reference). Returns 0, -EPIPE when the reader went away,
 * or another -errno on a write error. */
int sink_write(struct sink *s, json_object *rec);

/* Write one record the caller keeps (borrowed reference). Same results as sink_write. */
int sink_emit(struct sink *s, json_object *rec);

/* Push buffered records out (after each batch, so a reader sees whole lines promptly). */
int sink_flush(struct sink *s);

/* The file descriptor records go to (for noticing a reader that went away). */
int sink_fd(const struct sink *s);

/* Flush and close; returns the first write error seen, or 0. */
int sink_close(struct sink *s);

/* Exposed for tests: escape untrusted bytes for a terminal (control characters, DEL,
 * non-ASCII, backslash and double quote become escapes). Returns the length written. */
size_t text_escape(const char *in, char *out, size_t outlen);

#endif
