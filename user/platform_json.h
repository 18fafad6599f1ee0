/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IMSWATCH_PLATFORM_JSON_H
#define IMSWATCH_PLATFORM_JSON_H

#include <stdbool.h>

#include <json-c/json.h>

#include "platform.h"

/*
 * A new object (caller puts it), or NULL on allocation failure. WITH_SIGNALS: the whole
 * evidence list (status and platform records); without, the verdicts only (alerts).
 */
json_object *platform_to_json(const struct platform *p, bool with_signals);

#endif
