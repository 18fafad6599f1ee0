// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "decode.h"
#include "names.h"

#define TERMINATE(arr) ((arr)[sizeof(arr) - 1] = 0)

int decode_event(const void *data, size_t size, struct imsw_event *out)
{
	struct imsw_hdr hdr;

	if (size < sizeof(hdr))
		return -EBADMSG;
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.abi != IMSW_ABI_VERSION)
		return -EPROTO;
	if (hdr.type != IMSW_REC_EVENT || hdr.size != sizeof(*out) || size < sizeof(*out))
		return -EBADMSG;
	memcpy(out, data, sizeof(*out));
	if (out->kind < IMSW_KIND_PROBE || out->kind > IMSW_KIND_VECTOR ||
	    out->hook >= IMSW_HOOK_COUNT)
		return -EBADMSG;
	TERMINATE(out->comm);
	TERMINATE(out->pci.bdf);
	TERMINATE(out->driver);
	TERMINATE(out->module);
	return 0;
}

const char *event_kind_name(const struct imsw_event *e)
{
	switch (e->kind) {
	case IMSW_KIND_PROBE:
		return "probe";
	case IMSW_KIND_IRQ_VECTORS:
		switch (e->irq_mode) {
		case IMSW_IRQ_MSI:
			return "msi";
		case IMSW_IRQ_MSIX:
			return "msix";
		case IMSW_IRQ_INTX:
			return "intx";
		default:
			return "irq-vectors"; /* failed: no mode was entered */
		}
	case IMSW_KIND_MSI_DOMAIN:
		switch (e->domain_kind) {
		case IMSW_DOMAIN_MSIX:
			return "msix-domain";
		case IMSW_DOMAIN_IMS:
			return "ims-domain";
		default:
			return "msi-domain";
		}
	case IMSW_KIND_IMS_DOMAIN:
		return "ims-domain";
	case IMSW_KIND_IMS_ALLOC:
		return "ims-alloc";
	case IMSW_KIND_IMS_FREE:
		return "ims-free";
	case IMSW_KIND_VECTOR:
		return "vector";
	default:
		return "unknown";
	}
}

const char *vector_op_name(unsigned int op)
{
	static const char *const names[] = {
		[IMSW_VEC_ALLOC] = "alloc",
		[IMSW_VEC_ACTIVATE] = "activate",
		[IMSW_VEC_DEACTIVATE] = "deactivate",
		[IMSW_VEC_TEARDOWN] = "teardown",
	};

	return NAME_FROM(names, op, "unknown");
}

const char *domain_kind_name(unsigned int kind)
{
	static const char *const names[] = {
		[IMSW_DOMAIN_MSI] = "msi",
		[IMSW_DOMAIN_MSIX] = "msix",
		[IMSW_DOMAIN_IMS] = "ims",
	};

	return NAME_FROM(names, kind, "unknown");
}
