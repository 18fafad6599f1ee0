/* SPDX-License-Identifier: GPL-2.0 */
/*
 * signals: every platform signal imswatch reads, turned into evidence items (what was read,
 * what it indicates, how strongly) plus a few facts the verdict rules need by name.
 *
 * Collectors are split by where the signal lives:
 *   signals_cpu.c  CPUID leaves, /proc/cpuinfo flags, the kernel's BPF view, timing probe
 *   signals_fw.c   DMI, the raw SMBIOS table, ACPI headers, fw_cfg, Xen and device-tree
 *                  hypervisor files, confidential-VM guest devices
 *   signals_dev.c  PCI ids, IOMMU capabilities, interrupt-remapping state
 *   signals_arch.c the architecture the tree describes, and the hypervisor tells of
 *                  arm64, ppc64 and s390x (device tree, /proc/sysinfo, kernel log)
 * They read only through hostfs and the cpuid source (--sysroot, --cpuid-file), so the
 * fixtures in tests/fixtures exercise all of them.
 */
#ifndef IMSWATCH_SIGNALS_H
#define IMSWATCH_SIGNALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuid.h"
#include "hostfs.h"
#include "kernel_view.h"

enum signal_state {
	SIGNAL_PRESENT,	   /* read, value in .value */
	SIGNAL_ABSENT,	   /* not there (file missing, no CPUID leaf): a normal answer */
	SIGNAL_UNREADABLE, /* there but could not be read (permissions): unknown */
};

enum indication {
	INDICATES_NOTHING, /* read and clean, or only informative */
	INDICATES_GUEST,   /* points at a hypervisor beneath this OS */
	INDICATES_HOST,	   /* points at this OS owning the machine (root partition, dom0) */
};

/* How much one item alone is worth (README.md, "Platform evidence"). */
enum strength {
	STRENGTH_WEAK,	 /* listed, never decides alone (real hardware can show it too) */
	STRENGTH_MEDIUM, /* written by the VMM or firmware: "probably" */
	STRENGTH_STRONG, /* only a hypervisor produces it: "definitely" */
};

struct signal {
	const char *source; /* "cpuid", "dmi", "acpi", ... (static string) */
	char key[64];	    /* "leaf1.ecx.hypervisor", "sys_vendor", "DSDT.oem_id" */
	char value[128];    /* raw value as read; untrusted; may hold NUL (CPUID signatures) */
	size_t value_len;   /* bytes of .value that are the value */
	enum signal_state state;
	enum indication indicates;
	enum strength strength;
	bool host_controlled; /* written by the host: untrusted inside a confidential VM */
	char names[48];	      /* hypervisor or platform it names ("KVM", "QEMU"), or "" */
	char note[160];	      /* why it indicates what it does */
};

#define SIGNALS_MAX 64

enum ir_state { IR_UNKNOWN, IR_OFF, IR_ON };
enum cc_kind { CC_NONE, CC_TDX, CC_SEV_SNP };
/* the architecture a tree describes (signals_arch.c), not the one imswatch runs on */
enum platform_arch { ARCH_UNKNOWN, ARCH_X86, ARCH_ARM64, ARCH_PPC64, ARCH_S390 };

/* Facts the verdict rules use by name; everything here is also in the item list. */
struct platform_facts {
	bool cpuid_leaf1_known;	  /* leaf 1 could be read */
	bool cpuid_hv_bit;	  /* CPUID.1:ECX[31] */
	uint32_t cpuid_leaf1_eax; /* processor signature (family, model, stepping) */
	char cpuid_vendor[48];	  /* hypervisor named by a 0x400000xx signature, or "" */
	bool hyperv_root;	  /* Hyper-V root partition (CreatePartitions privilege) */
	bool xen_dom0;		  /* /proc/xen/capabilities has control_d */
	bool xen_present;	  /* /sys/hypervisor/type or /proc/xen */
	bool xen_role_known;	  /* dom0 or domU settled: /proc/xen/capabilities or DMI */
	enum cc_kind cc;	  /* confidential VM seen from inside */
	bool dmi_readable;	  /* sys_vendor or the SMBIOS table was read */
	char dmi_sys_vendor[64];  /* as read, for contradiction messages */
	int smbios_vm_bit;	  /* -1 unknown, 0 clear, 1 set */
	bool ec2_metal;		  /* EC2 bare-metal instance: Amazon strings, real hardware */
	bool kernel_saw_hypervisor; /* the kernel's own view (cpuinfo flag or BPF) */
	bool kernel_view_known;
	enum ir_state ir;
	char ir_chip[48];	  /* the chip name that showed remapping */
	bool viommu;		  /* VT-d Caching Mode, AMD NpCache or virtio-iommu */
	char viommu_what[64];
	/* the marks the 6.2-6.9 IMS gate looked at (verdict_ims_gate) */
	bool vtd_caching_mode;	  /* a VT-d unit's CAP bit 7 */
	bool amd_npcache;	  /* an AMD IOMMU's capability header bit 26 */
	bool vir_chip;		  /* the kernel named a remapping parent vIR- */
	/* off x86 (signals_arch.c); the rule-4 baseline of each platform (verdict.c) */
	enum platform_arch arch;  /* /proc/cpuinfo's shape, else a CPUID source: x86 */
	bool arch_hv_read;	  /* arm64: DT /hypervisor and /sys/hypervisor looked at */
	bool ppc_opal;		  /* ppc64 PowerNV: OPAL firmware, Linux in hypervisor mode */
	int s390_sysinfo;	  /* s390x /proc/sysinfo: 1 read, 0 absent, -1 unreadable */
};

struct signal_list {
	size_t n;
	size_t dropped; /* items that did not fit: reported, never silent */
	struct signal items[SIGNALS_MAX];
};

struct collect_options {
	const struct kernel_platform_view *kview; /* NULL: not read */
	bool timing_probe;			  /* opt-in CPUID exit-latency probe */
};

/* Append an item; NULL (and ->dropped counted) when the list is full. */
struct signal *signal_add(struct signal_list *l, const char *source, const char *key,
			  const char *value, enum signal_state state);
/* The same for a value of LEN raw bytes that may hold NUL (at most 127 are kept). */
struct signal *signal_add_bytes(struct signal_list *l, const char *source, const char *key,
				const void *value, size_t len, enum signal_state state);
/* Mark S as pointing at a guest (or host) with STRENGTH, naming NAMES; note is printf-like. */
void signal_mark(struct signal *s, enum indication ind, enum strength strength,
		 const char *names, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* copy at most SIZE-1 bytes; untrusted values are only ever copied, never formatted */
void copy_str(char *dst, size_t size, const char *src);
/* Map a read result (-ENOENT, -EACCES, ...) to a state. */
enum signal_state state_of_errno(long err);

void collect_cpu(const struct cpuid_source *cpu, const struct hostfs *fs,
		 const struct collect_options *o, struct signal_list *l,
		 struct platform_facts *f);
void collect_firmware(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f);
void collect_devices(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f);
void collect_arch(const struct cpuid_source *cpu, const struct hostfs *fs,
		  struct signal_list *l, struct platform_facts *f);
/*
 * The CPUID source to read FS with: CPU, or an absent one (written to ABSENT) when FS is a
 * --sysroot tree of another architecture and CPU is this machine's own.
 */
const struct cpuid_source *arch_cpuid_source(const struct hostfs *fs,
					     const struct cpuid_source *cpu,
					     struct cpuid_source *absent);

/* After collection: in a confidential VM the host writes DMI/ACPI/PCI; mark them. */
void signals_mark_host_controlled(struct signal_list *l);

/*
 * Walk the kernel log (dev/kmsg through hostfs: the live log, or a captured dmesg file) and
 * call LINE with each of the kernel's own lines (facility 0: anyone may write user-facility
 * records) until it returns true. W says whether any record was seen and whether the boot
 * messages were already overwritten. 0, or -errno when the log cannot be opened.
 */
struct kmsg_walk {
	bool first_seen; /* at least one /dev/kmsg record */
	bool wrapped;	 /* the first record's sequence number was not 0 */
};
int kmsg_walk(const struct hostfs *fs, bool (*line)(const char *text, void *ctx), void *ctx,
	      struct kmsg_walk *w);

const char *indication_name(enum indication i);
const char *strength_name(enum strength s);
const char *ir_state_name(enum ir_state s);
const char *cc_kind_name(enum cc_kind c);
const char *platform_arch_name(enum platform_arch a);

#endif
