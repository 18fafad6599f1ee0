/* SPDX-License-Identifier: GPL-2.0 */
/* watch: the main job. Status record, then events until a signal or --duration, then a
 * summary. Returns the process exit code. */
#ifndef IMSWATCH_WATCH_H
#define IMSWATCH_WATCH_H

#include "config.h"
#include "output.h"
#include "platform.h"

int watch_run(const struct config *cfg, struct sink *sink, const struct platform *platform);

#endif
