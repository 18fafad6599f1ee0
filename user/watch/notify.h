/* SPDX-License-Identifier: GPL-2.0 */
/*
 * notify: tell the service manager that watch is ready (sd_notify's datagram protocol,
 * spoken directly, so the static build needs no libsystemd). The packaged unit is
 * Type=notify and ordered before udev's coldplug: systemd starts the coldplug only once the
 * hooks are attached, so the probes of boot-time drivers are live events, not snapshot rows.
 */
#ifndef IMSWATCH_NOTIFY_H
#define IMSWATCH_NOTIFY_H

/* READY=1 and STATUS=STATUS to $NOTIFY_SOCKET; 0 when sent or when there is no socket
 * (not run by a service manager), else -errno. */
int notify_ready(const char *status);

#endif
