/* SPDX-License-Identifier: GPL-2.0 */
/* Ring-buffer bytes -> a validated struct imsw_event. Plain C, no libbpf. */
#ifndef IMSWATCH_DECODE_H
#define IMSWATCH_DECODE_H

#include <stddef.h>

#include "imswatch.h"

/*
 * Validate and copy one record. Returns 0, -EBADMSG for a record that is too short, of an
 * unknown type or with a size that disagrees with its header, or -EPROTO when the BPF side
 * speaks another ABI version. Strings are NUL-terminated on success whatever the kernel
 * wrote.
 */
int decode_event(const void *data, size_t size, struct imsw_event *out);

/* The event's kind as the records name it: "probe", "msi", "msix", "intx", "irq-vectors",
 * "msi-domain", "msix-domain", "ims-domain", "ims-alloc", "ims-free", "vector". */
const char *event_kind_name(const struct imsw_event *e);

const char *vector_op_name(unsigned int op);
const char *domain_kind_name(unsigned int kind);

#endif
