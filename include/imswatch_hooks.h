/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one table of hooks imswatch knows, shared by the BPF programs and the loader.
 *
 * Each row is one kernel function or tracepoint:
 *
 *   X(ID, symbol, groups, reveals, standby_for, fentry, fexit, kprobe, kretprobe, raw_tp)
 *
 *   ID           enum imsw_hook is IMSW_HOOK_<ID>, in row order. The numbers index the BPF
 *                counters and travel in every event record: append rows, never reorder.
 *   symbol       the kernel function, or "subsystem:tracepoint"
 *   groups       what it watches, as IMSW_GROUP_* bits: --require and the coverage of the
 *                summary record are per group
 *   reveals      what is blind while it is not attached (the status record's blind[]).
 *                Hooks with the same words are alternatives: blind only when none attaches
 *   standby_for  IMSW_HOOK_<ID> of the hook this one stands in for (loaded only where that
 *                one has no variant or fails to load), or IMSW_NO_HOOK
 *   fentry ...   the BPF program of each variant, by name (bpf_object__find_program_by_name),
 *                or NULL where the variant does not exist. fexit is the fentry variant
 *                (an fentry program beside it only marks the entry); kprobe without a
 *                kretprobe is a kprobe-only hook; raw_tp makes a tracepoint hook
 *
 * Adding a hook is its programs in bpf/imswatch.bpf.c plus one row here; the unit test
 * test_hooks checks every row against the BPF object (names, section, symbol) and that no
 * program of the object is left out of the table.
 */
#ifndef IMSWATCH_HOOKS_TABLE_H
#define IMSWATCH_HOOKS_TABLE_H

/*
 * groups: G(ID, name for --require and coverage, label, what the group shows), in the order
 * they are reported (the summary's coverage, the "blind:" line)
 */
#define IMSW_GROUPS(G)                                                                      \
	G(IMS, "ims", "IMS", "IMS attempts")                                                \
	G(MSI, "msi", "MSI", "MSI/MSI-X enablement")                                        \
	G(PROBE, "probe", "PCI probe", "PCI driver probes")                                 \
	G(VECTOR, "vector", "x86 vector", "x86 vector events")

#define IMSW_NO_HOOK (-1)

#define IMSW_HOOKS(X)                                                                       \
	X(LOCAL_PCI_PROBE, "local_pci_probe", IMSW_GROUP_PROBE,                             \
	  "PCI driver probes", IMSW_NO_HOOK,                                                \
	  NULL, "fexit_local_pci_probe",                                                    \
	  "kprobe_local_pci_probe", "kretprobe_local_pci_probe", NULL)                      \
	X(PCI_DEVICE_PROBE, "pci_device_probe", IMSW_GROUP_PROBE,                           \
	  "PCI driver probes", IMSW_HOOK_LOCAL_PCI_PROBE,                                   \
	  NULL, "fexit_pci_device_probe",                                                   \
	  "kprobe_pci_device_probe", "kretprobe_pci_device_probe", NULL)                    \
	X(PCI_ALLOC_IRQ_VECTORS, "pci_alloc_irq_vectors_affinity", IMSW_GROUP_MSI,          \
	  "MSI/MSI-X enablement", IMSW_NO_HOOK,                                             \
	  NULL, "fexit_pci_alloc_irq_vectors",                                              \
	  "kprobe_pci_alloc_irq_vectors", "kretprobe_pci_alloc_irq_vectors", NULL)          \
	/* 6.2-6.9 create the IMS domain through it too (MSI_SECONDARY_DOMAIN) */           \
	X(MSI_CREATE_DEVICE_DOMAIN, "msi_create_device_irq_domain",                         \
	  IMSW_GROUP_MSI | IMSW_GROUP_IMS,                                                  \
	  "per-device MSI/MSI-X/IMS domains (6.2+)", IMSW_NO_HOOK,                          \
	  NULL, "fexit_msi_create_device_domain",                                           \
	  "kprobe_msi_create_device_domain", "kretprobe_msi_create_device_domain", NULL)    \
	X(PCI_CREATE_IMS_DOMAIN, "pci_create_ims_domain", IMSW_GROUP_IMS,                   \
	  "IMS domain creation (6.2-6.9 API)", IMSW_NO_HOOK,                                \
	  "fentry_pci_create_ims_domain", "fexit_pci_create_ims_domain",                    \
	  "kprobe_pci_create_ims_domain", "kretprobe_pci_create_ims_domain", NULL)          \
	/* struct msi_map return / argument by value: fexit cannot attach */               \
	X(PCI_IMS_ALLOC_IRQ, "pci_ims_alloc_irq", IMSW_GROUP_IMS,                           \
	  "IMS interrupt allocation (6.2-6.9 API)", IMSW_NO_HOOK,                           \
	  NULL, NULL, "kprobe_pci_ims_alloc_irq", "kretprobe_pci_ims_alloc_irq", NULL)      \
	X(PCI_IMS_FREE_IRQ, "pci_ims_free_irq", IMSW_GROUP_IMS,                             \
	  "IMS interrupt release (6.2-6.9 API)", IMSW_NO_HOOK,                              \
	  NULL, NULL, "kprobe_pci_ims_free_irq", NULL, NULL)                                \
	X(VECTOR_ALLOC, "irq_vectors:vector_alloc", IMSW_GROUP_VECTOR,                      \
	  "x86 vector allocation", IMSW_NO_HOOK,                                            \
	  NULL, NULL, NULL, NULL, "tp_vector_alloc")                                        \
	X(VECTOR_ACTIVATE, "irq_vectors:vector_activate", IMSW_GROUP_VECTOR,                \
	  "x86 vector activation", IMSW_NO_HOOK,                                            \
	  NULL, NULL, NULL, NULL, "tp_vector_activate")                                     \
	X(VECTOR_DEACTIVATE, "irq_vectors:vector_deactivate", IMSW_GROUP_VECTOR,            \
	  "x86 vector deactivation", IMSW_NO_HOOK,                                          \
	  NULL, NULL, NULL, NULL, "tp_vector_deactivate")                                   \
	X(VECTOR_TEARDOWN, "irq_vectors:vector_teardown", IMSW_GROUP_VECTOR,                \
	  "x86 vector teardown", IMSW_NO_HOOK,                                              \
	  NULL, NULL, NULL, NULL, "tp_vector_teardown")

/* Hooks, one per row above. Indexes counters; stable numbers, part of the ABI. */
#define IMSW_HOOK_ENUM_(id, ...) IMSW_HOOK_##id,
enum imsw_hook {
	IMSW_HOOKS(IMSW_HOOK_ENUM_)
	IMSW_HOOK_COUNT,
};
#undef IMSW_HOOK_ENUM_

/* Groups, as bits of a hook's groups column. */
#define IMSW_GROUP_ENUM_(id, ...) IMSW_GROUP_BIT_##id,
enum imsw_group_bit {
	IMSW_GROUPS(IMSW_GROUP_ENUM_)
	IMSW_GROUP_COUNT,
};
#undef IMSW_GROUP_ENUM_

#define IMSW_GROUP_PROBE (1u << IMSW_GROUP_BIT_PROBE)
#define IMSW_GROUP_MSI (1u << IMSW_GROUP_BIT_MSI)
#define IMSW_GROUP_IMS (1u << IMSW_GROUP_BIT_IMS)
#define IMSW_GROUP_VECTOR (1u << IMSW_GROUP_BIT_VECTOR)

#endif
