/* SPDX-License-Identifier: GPL-2.0 */
/*
 * inventory: the PCI devices of sys/bus/pci/devices, as a snapshot. Ids, class, bound driver
 * and its module, SR-IOV links, the MSI and MSI-X capabilities and the Intel Scalable IOV
 * DVSEC from config space, and the vectors the kernel lists in msi_irqs/. Everything is
 * read through hostfs (--sysroot); nothing is guessed: what could not be read says so.
 */
#ifndef IMSWATCH_INVENTORY_H
#define IMSWATCH_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostfs.h"

/* "0000:00:00.0", and room for a PCI domain wider than 16 bits */
#define PCI_BDF_LEN 24

/* What config space said, in the order a reader needs it. */
enum cfg_state {
	CFG_FULL,	 /* the whole extended space (4096 bytes): every capability known */
	CFG_CONVENTIONAL, /* 256 bytes: the capability list; no extended list exists or is
			   * exposed (see pci_caps.ext_known) */
	CFG_TRUNCATED,	 /* fewer than 256 bytes: sysfs hands non-root readers 64 */
	CFG_UNREADABLE,	 /* present, not readable */
	CFG_ABSENT,	 /* no config file (a captured tree without it) */
};

enum { MSI_MODE_UNKNOWN, MSI_MODE_MSI, MSI_MODE_MSIX };

/* A tristate for facts config space may not reveal */
enum answer { ANSWER_UNKNOWN = -1, ANSWER_NO = 0, ANSWER_YES = 1 };

/* Capabilities found by walking config space (pci_config_parse). */
struct pci_caps {
	enum cfg_state state;
	size_t len;		/* bytes read */
	enum answer msi;		/* MSI capability (id 0x05) */
	unsigned int msi_max;	/* vectors it can ask for: 2^(Message Control bits 1-3) */
	bool msi_enabled;
	enum answer msix;		/* MSI-X capability (id 0x11) */
	unsigned int msix_table; /* Message Control bits 0-10, plus 1 */
	bool msix_enabled;
	enum answer pcie;		/* PCI Express capability (id 0x10) */
	bool ext_known;		/* the extended capability list could be walked */
	enum answer siov;		/* Intel Scalable IOV DVSEC (0x23, vendor 0x8086, id 5) */
	enum answer siov_ims;	/* its capability register, bit 0: IMS supported */
	unsigned int siov_offset;
	char problem[96];	/* a malformed list, in words; "" when clean */
};

/* Walk the capability lists of LEN bytes of config space CFG. Never fails: a short read,
 * a loop or a pointer out of range ends the walk and is said in CAPS->problem. */
void pci_config_parse(const uint8_t *cfg, size_t len, struct pci_caps *caps);

/* The IMS-capable device ids imswatch knows (README, "audit"), or NULL. */
const char *pci_known_ims_device(unsigned int vendor, unsigned int device);

struct pci_device {
	char bdf[PCI_BDF_LEN];
	bool ids;		/* vendor and device read */
	unsigned int vendor, device, subvendor, subdevice, class;
	char driver[64];	/* bound driver (uevent DRIVER=), "" when none */
	char module[64];	/* driver/module link name, "" when built in or unbound */
	int sriov_total, sriov_num; /* -1 when the files are absent (not a PF) */
	unsigned int n_vfs;	/* virtfn* links */
	char (*vfs)[PCI_BDF_LEN]; /* their targets' names */
	char physfn[PCI_BDF_LEN]; /* a VF's PF, "" otherwise */
	struct pci_caps caps;
	enum answer msi_irqs_dir;	/* msi_irqs/ present (unknown: unreadable) */
	unsigned int msi_irqs, msix_irqs; /* msi_irqs/<irq> by their mode files */
	struct msi_irq {
		unsigned int irq;
		unsigned char mode; /* MSI_MODE_* from msi_irqs/<irq> */
	} *irqs;		/* the entries of msi_irqs/ */
	unsigned int n_irqs;
	const char *known_ims;	/* pci_known_ims_device() */
	char unreadable[160];	/* files that exist but could not be read, comma list */
};

struct inventory {
	struct pci_device *dev;
	size_t n;
	int list_error;		/* -errno when sys/bus/pci/devices could not be listed */
};

/* Read every device. Returns 0, or -ENOMEM (a missing or unreadable PCI directory is a
 * result: list_error). */
int inventory_read(const struct hostfs *fs, struct inventory *inv);
void inventory_free(struct inventory *inv);
/* The device named BDF, or NULL. */
struct pci_device *inventory_find(const struct inventory *inv, const char *bdf);
/* The msi_irqs/ entry of D for IRQ, or NULL. */
const struct msi_irq *pci_device_msi_irq(const struct pci_device *d, unsigned int irq);

const char *cfg_state_name(enum cfg_state s);
const char *cfg_state_note(enum cfg_state s);

#endif
