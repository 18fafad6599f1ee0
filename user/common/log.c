// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

int log_verbosity;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "imswatch: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define DEFINE_LOG(fn, prefix, min_level)                                                  \
	void fn(const char *fmt, ...)                                                      \
	{                                                                                  \
		va_list ap;                                                                \
		if (log_verbosity < (min_level))                                           \
			return;                                                            \
		va_start(ap, fmt);                                                         \
		vlog(prefix, fmt, ap);                                                     \
		va_end(ap);                                                                \
	}

DEFINE_LOG(log_error, "error: ", 0)
DEFINE_LOG(log_warn, "warning: ", 0)
DEFINE_LOG(log_blind, "blind: ", 0)
DEFINE_LOG(log_info, "", 1)
DEFINE_LOG(log_debug, "debug: ", 2)
