/* SPDX-License-Identifier: GPL-2.0 */
/*
 * names: enum -> name through designated-initialiser string tables (systemd's style), so
 * a name sits next to its value and a new value without a name falls back visibly.
 */
#ifndef IMSWATCH_NAMES_H
#define IMSWATCH_NAMES_H

#include <stddef.h>

/* TABLE[VALUE] when VALUE indexes a named entry, else FALLBACK */
#define NAME_FROM(table, value, fallback)                                                  \
	((size_t)(value) < sizeof(table) / sizeof((table)[0]) && (table)[(size_t)(value)]      \
		 ? (table)[(size_t)(value)]                                                    \
		 : (fallback))

#endif
