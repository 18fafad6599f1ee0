/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IMSWATCH_PLATFORM_JSON_H
#define IMSWATCH_PLATFORM_JSON_H

#include <json-c/json.h>

#include "platform.h"

/* A new object (caller puts it), or NULL on allocation failure. */
json_object *platform_to_json(const struct platform *p);

#endif
