/* SPDX-License-Identifier: GPL-2.0 */
/* Diagnostics go to stderr, never stdout: stdout carries records only. */
#ifndef IMSWATCH_LOG_H
#define IMSWATCH_LOG_H

extern int log_verbosity; /* 0 default, 1 -v, 2 -vv */

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "imswatch: blind: ...": what a watch cannot see, said once at start */
void log_blind(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* -v */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* -vv */

#endif
