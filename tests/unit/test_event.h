/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A hand-built ring-buffer event for the unit tests: a valid header and an IMS-domain-shaped
 * record from edu_ims on QEMU's edu device (1234:11e8). Tests change what they look at.
 */
#ifndef IMSWATCH_TEST_EVENT_H
#define IMSWATCH_TEST_EVENT_H

#include <string.h>

#include "imswatch.h"

static inline struct imsw_event test_event(unsigned int kind)
{
	struct imsw_event e;

	memset(&e, 0, sizeof(e));
	e.hdr.type = IMSW_REC_EVENT;
	e.hdr.size = sizeof(e);
	e.hdr.abi = IMSW_ABI_VERSION;
	e.kind = kind;
	e.hook = IMSW_HOOK_PCI_CREATE_IMS_DOMAIN;
	e.mode = IMSW_MODE_KPROBE;
	e.ts_ns = 123456789;
	strcpy(e.comm, "kworker/0:1");
	strcpy(e.pci.bdf, "0000:00:04.0");
	e.pci.is_pci = 1;
	e.pci.vendor = 0x1234;
	e.pci.device = 0x11e8;
	strcpy(e.driver, "edu_ims");
	strcpy(e.module, "edu_ims");
	return e;
}

#endif
