/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record format shared by the BPF programs (bpf/imswatch.bpf.c) and the loader.
 *
 * Every record in the ring buffer starts with struct imsw_hdr: a type, the record's size
 * and the ABI version, so userspace can reject a record it does not understand instead of
 * misreading it. All fields are fixed width with explicit padding; sizes are pinned by
 * _Static_assert so a change on one side cannot silently shift the other.
 *
 * Bump IMSW_ABI_VERSION whenever a field moves or changes meaning.
 */
#ifndef IMSWATCH_RECORD_H
#define IMSWATCH_RECORD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define IMSW_ABI_VERSION 2

#define IMSW_COMM_LEN 16
#define IMSW_BDF_LEN 16	    /* "0000:00:03.0" + NUL, padded */
#define IMSW_DRIVER_LEN 32
#define IMSW_MODULE_LEN 56  /* MODULE_NAME_LEN on 64-bit */

enum imsw_rec_type {
	IMSW_REC_EVENT = 1,
};

/* What happened. Stable numbers: they are part of the ABI. */
enum imsw_kind {
	IMSW_KIND_PROBE = 1,	  /* PCI driver probe returned */
	IMSW_KIND_IRQ_VECTORS = 2, /* pci_alloc_irq_vectors_affinity returned; see .irq_mode */
	IMSW_KIND_MSI_DOMAIN = 3, /* msi_create_device_irq_domain returned (6.2+) */
	IMSW_KIND_IMS_DOMAIN = 4, /* pci_create_ims_domain returned (6.2-6.9 API) */
	IMSW_KIND_IMS_ALLOC = 5,  /* pci_ims_alloc_irq returned */
	IMSW_KIND_IMS_FREE = 6,	  /* pci_ims_free_irq called */
	IMSW_KIND_VECTOR = 7,	  /* x86 irq_vectors:* tracepoint */
};

/* enum imsw_hook: one per row of the hook table */
#include "imswatch_hooks.h"

/* Same-thread nesting depth the kprobe variant can pair (SR-IOV: a VF probe runs inside
 * the PF probe). */
#define IMSW_STASH_DEPTH 8

/* Per-hook counters kept in BPF (a per-CPU array of IMSW_HOOK_COUNT * IMSW_CNT_COUNT). */
enum imsw_counter {
	IMSW_CNT_HITS,	      /* the hook ran */
	IMSW_CNT_LOST,	      /* ring buffer full: record dropped (reported, never silent) */
	IMSW_CNT_NO_ENTRY,    /* kretprobe without its kprobe's saved arguments (never saved,
			       * evicted from the LRU stash, or dropped: see STASH_DROPPED) */
	IMSW_CNT_STASH_DROPPED, /* kprobe could not save its arguments (nesting deeper than
				 * IMSW_STASH_DEPTH, or the map update failed) */
	IMSW_CNT_RET_MISSED,	/* a saved call whose return never came (kretprobe maxactive
				 * exhausted), found stale by a later return on its thread */
	IMSW_CNT_COUNT,
};

/* For IMSW_KIND_IRQ_VECTORS: which mode the device ended up in (read from pci_dev). */
enum imsw_irq_mode {
	IMSW_IRQ_NONE = 0,
	IMSW_IRQ_INTX = 1,
	IMSW_IRQ_MSI = 2,
	IMSW_IRQ_MSIX = 3,
};

/* For IMSW_KIND_MSI_DOMAIN / IMS_DOMAIN: the domain's bus token mapped to a stable kind,
 * because the kernel's enum irq_domain_bus_token numbers shift between releases. */
enum imsw_domain_kind {
	IMSW_DOMAIN_UNKNOWN = 0,
	IMSW_DOMAIN_MSI = 1,
	IMSW_DOMAIN_MSIX = 2,
	IMSW_DOMAIN_IMS = 3,
};

/* For IMSW_KIND_VECTOR: which tracepoint. */
enum imsw_vector_op {
	IMSW_VEC_ALLOC = 1,
	IMSW_VEC_ACTIVATE = 2,
	IMSW_VEC_DEACTIVATE = 3,
	IMSW_VEC_TEARDOWN = 4,
};

/* Attach modes, as the BPF side knows them. */
enum imsw_mode {
	IMSW_MODE_FENTRY = 1, /* fentry/fexit */
	IMSW_MODE_KPROBE = 2, /* kprobe/kretprobe */
	IMSW_MODE_TRACEPOINT = 3,
};

struct imsw_hdr {
	__u16 type; /* enum imsw_rec_type */
	__u16 size; /* of the whole record */
	__u16 abi;  /* IMSW_ABI_VERSION */
	__u16 pad;
};

/* Device identity as read in the kernel at event time (the device may be gone later). */
struct imsw_pci {
	char bdf[IMSW_BDF_LEN]; /* dev_name(): "dddd:bb:dd.f"; empty when not a PCI device */
	__u16 vendor, device;
	__u16 subvendor, subdevice;
	__u32 class; /* 24-bit class code */
	__u8 is_pci; /* 1 when the struct device was a PCI device */
	__u8 pad[3];
};

struct imsw_event {
	struct imsw_hdr hdr;
	__u64 ts_ns;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 cpu;
	__u32 pid;     /* tgid of the context; probes run in a kworker, so attribute by device */
	__u32 tid;
	__u16 kind;    /* enum imsw_kind */
	__u16 hook;    /* enum imsw_hook */
	__u8 mode;     /* enum imsw_mode */
	__u8 irq_mode; /* enum imsw_irq_mode */
	__u8 domain_kind; /* enum imsw_domain_kind */
	__u8 vec_op;   /* enum imsw_vector_op */
	__u8 builtin;  /* driver has no owning module (built into the kernel) */
	__u8 within_ims_api; /* MSI_DOMAIN: created inside pci_create_ims_domain() on this
			      * thread for this device (the IMS event reports the attempt) */
	__u8 pad[2];
	char comm[IMSW_COMM_LEN];
	struct imsw_pci pci;
	char driver[IMSW_DRIVER_LEN];
	char module[IMSW_MODULE_LEN];
	__s64 ret;	/* return value: errno (<0), vectors granted, bool, or msi_map.index */
	__u32 req_min;	/* pci_alloc_irq_vectors: min_vecs */
	__u32 req_max;	/* max_vecs; hwsize for domain events */
	__u32 flags;	/* PCI_IRQ_* flags */
	__u32 domid;	/* MSI_DEFAULT_DOMAIN 0, MSI_SECONDARY_DOMAIN 1 (IMS) */
	__u32 bus_token; /* raw enum irq_domain_bus_token value of this kernel */
	__s32 index;	/* msi_map.index */
	__s32 virq;	/* msi_map.virq */
	__u32 irq;	/* Linux irq number (vector tracepoints) */
	__u32 vector;	/* x86 vector (vector_alloc) */
	__u32 pad2;
};

/*
 * The enumerators of enum x86_hypervisor_type the kernel_view program names. Their values
 * come from the running kernel's BTF by CO-RE enum relocation (the names are what is
 * stable); a value none of them has stays a number.
 */
#define IMSW_X86_HYPER_TYPES(X)                                                             \
	X(X86_HYPER_NATIVE)                                                                 \
	X(X86_HYPER_VMWARE)                                                                 \
	X(X86_HYPER_MS_HYPERV)                                                              \
	X(X86_HYPER_XEN_PV)                                                                 \
	X(X86_HYPER_XEN_HVM)                                                                \
	X(X86_HYPER_KVM)                                                                    \
	X(X86_HYPER_JAILHOUSE)                                                              \
	X(X86_HYPER_ACRN)                                                                   \
	X(X86_HYPER_BHYVE)

#define IMSW_HYPER_ENUM(e) IMSW_##e,
enum imsw_x86_hyper { IMSW_X86_HYPER_TYPES(IMSW_HYPER_ENUM) IMSW_X86_HYPER_COUNT };
#undef IMSW_HYPER_ENUM

/* Filled by the kernel_view program (one shot, BPF_PROG_TEST_RUN), read from .bss. */
struct kernel_view {
	__u32 cap_valid;      /* boot CPU capability word was readable */
	__u32 hypervisor_cap; /* X86_FEATURE_HYPERVISOR as the kernel recorded it at boot */
	__u32 hyper_type_valid;
	__u32 hyper_type;     /* enum x86_hypervisor_type value */
	__u32 hyper_type_name; /* 1 + enum imsw_x86_hyper of that value's name; 0: none */
};

_Static_assert(sizeof(struct imsw_hdr) == 8, "imsw_hdr size is ABI");
_Static_assert(sizeof(struct imsw_pci) == 32, "imsw_pci size is ABI");
_Static_assert(sizeof(struct imsw_event) == 224, "imsw_event size is ABI");

#endif
