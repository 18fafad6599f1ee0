// SPDX-License-Identifier: GPL-2.0
/*
 * imswatch kernel side: one record per PCI probe, MSI/MSI-X enablement, per-device MSI
 * domain, IMS API call and x86 vector tracepoint hit, pushed through one ring buffer.
 *
 * Every kernel function is hooked twice, as fentry/fexit and as kprobe/kretprobe; the loader
 * probes the running kernel and switches off the variant that cannot work (autoload), so a
 * missing symbol or a kernel that refuses tracing programs only loses that hook; a program
 * that fails to load (CO-RE relocation, verifier) costs only its own hook too (the loader
 * finds it and loads the rest). The tracepoints are the layer that loads where neither works.
 *
 * No policy here: the kernel side records, userspace judges.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "imswatch.h"
#include "compat.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024); /* resized by the loader (--ringbuf-kb) */
} events SEC(".maps");

/* Per-CPU, so counting never contends; userspace sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IMSW_HOOK_COUNT * IMSW_CNT_COUNT);
	__type(key, u32);
	__type(value, u64);
} counters SEC(".maps");

/*
 * Arguments saved by a kprobe for its kretprobe, per thread, hook and nesting depth. Hooks
 * nest across functions (probe -> pci_alloc_irq_vectors -> msi_create_device_irq_domain run
 * in one thread) and within one: an SR-IOV PF driver enabling its VFs probes them inside
 * its own probe, on the same thread, so local_pci_probe is entered again before it returns.
 * Each (thread, hook) keeps a small stack: the kprobe pushes at depth[thread, hook], the
 * kretprobe pops.
 *
 * A depth counter alone pairs a return with the wrong call once one return goes unreported
 * (kretprobe maxactive exhausted) or one push could not be stored. So every saved level
 * also keeps the stack pointer at entry, and a return takes the level whose entry was at
 * most STASH_SP_SLACK bytes below its own stack pointer: the return pops the return address
 * (and the trampoline's frame, 8 or 16 bytes), while a nested call of the same function
 * sits many frames (hundreds of bytes) deeper. Levels deeper than the return are calls
 * whose return never came: discarded and counted as missed returns. A return above every
 * saved level (a call that could not be saved) takes nothing: no_entry.
 */
#define STASH_SP_SLACK 64

struct depth_key {
	u64 pid_tgid;
	u32 hook;
	u32 pad;
};

struct entry_key {
	u64 pid_tgid;
	u32 hook;
	u32 depth;
};

struct entry_args {
	u64 arg[4];
	u64 sp; /* stack pointer at entry: which return is this call's */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct depth_key);
	__type(value, u32);
} depths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct entry_key);
	__type(value, struct entry_args);
} entries SEC(".maps");

/*
 * pci_create_ims_domain() in progress on this thread, for this device. The 6.2-6.9 function
 * creates the domain with msi_create_device_irq_domain(dev, MSI_SECONDARY_DOMAIN, ...), so
 * one IMS attempt also fires the MSI domain hook; the marker lets the second event say it is
 * part of the first (within_ims_api) instead of counting as a second attempt. Keyed by
 * thread, valued by the struct device, so a marker left behind by a missed return cannot
 * mark another device's domain.
 */
struct {
	/* a plain hash: an LRU could evict a live marker; each is deleted at its return */
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, u64);
} ims_api SEC(".maps");

/*
 * Fault injection for the loader's per-hook fallback (tests only; the loader sets it from
 * IMSWATCH_TEST_FAIL_HOOKS): a hook whose bit is set carries an instruction the verifier
 * rejects, as a failed CO-RE relocation would. .rodata is frozen, so with the bit clear the
 * verifier sees the branch as dead and never checks it.
 */
const volatile __u32 imsw_fail_mask = 0;

/*
 * How fentry/fexit programs read kernel memory. 0: with the probe-read helpers, as the
 * kprobes must (their arguments are plain numbers). 1 (the loader sets it where the kernel
 * has the bpf_rdonly_cast kfunc, 6.2+): BTF-typed loads only. The kernel hands fentry
 * programs their arguments as typed pointers, so fields are plain (CO-RE relocated) loads;
 * a void * or a container_of() goes through bpf_rdonly_cast() to an untrusted typed
 * pointer, and a char * through bpf_snprintf("%s"). Under lockdown=confidentiality the
 * kernel removes bpf_probe_read_kernel{,_str} (LOCKDOWN_BPF_READ_KERNEL) and every
 * program calling them is refused at load; these loads, the kfunc and bpf_snprintf stay
 * allowed (checked on Debian 6.12.118 and 7.3.4 under lockdown=confidentiality; 6.1 has no
 * bpf_rdonly_cast). .rodata is frozen, so the verifier only ever sees one of the two ways.
 */
const volatile __u8 imsw_btf_reads = 0;

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* 0 under lockdown=confidentiality (the loader reads the mode): the kernel view then reads
 * what it can without bpf_probe_read_kernel, and says what it could not */
const volatile __u8 imsw_probe_read_ok = 1;

/* MODE is a constant at every (inlined) call site: kprobe programs never carry BTF reads */
#define BTF_READS(mode) ((mode) == IMSW_MODE_FENTRY && imsw_btf_reads)

/* an untrusted BTF pointer of TYPE to what P points at (BTF reads only) */
#define KCAST(type, p) ((type *)bpf_rdonly_cast((const void *)(p), bpf_core_type_id_kernel(type)))

/* read the kernel string SRC into DST, NUL-terminated */
static __always_inline void read_str(char *dst, u32 size, const char *src, u8 mode)
{
	if (!src)
		return;
	if (BTF_READS(mode)) {
		static const char fmt[] = "%s";
		u64 arg = (u64)src;

		bpf_snprintf(dst, size, fmt, &arg, sizeof(arg));
	} else {
		bpf_probe_read_kernel_str(dst, size, src);
	}
}

/* FIELD of P (a chain such as dev.driver is fine): a plain load, or bpf_probe_read_kernel */
#define KREAD(mode, p, ...) (BTF_READS(mode) ? (p)->__VA_ARGS__ : BPF_CORE_READ(p, __VA_ARGS__))

/*
 * A one-bit bitfield through a BTF pointer, as a one-byte load. The verifier lets a BTF load
 * cover a bitfield only when it covers no other member partly; BPF_CORE_READ_BITFIELD
 * loads the bitfield's whole storage unit, which on 6.12's struct pci_dev starts inside an
 * earlier member, so the program was refused ("access beyond the end of member"). The
 * byte and bit come from the same CO-RE relocations: the unit's offset and the left shift
 * that puts the bit at 63 (little endian: bit 63 - lshift of the unit).
 */
#define BTF_READ_BIT(s, field)                                                              \
	({                                                                                  \
		u32 __bit = 63 - __CORE_RELO(s, field, LSHIFT_U64);                         \
		u32 __byte = __CORE_RELO(s, field, BYTE_OFFSET) + __bit / 8;                \
		(*(const u8 *)((const void *)(s) + __byte) >> (__bit % 8)) & 1;             \
	})

#define FAIL_IF_ASKED(hook)                                                                 \
	do {                                                                                \
		if (imsw_fail_mask & (1u << (hook)))                                        \
			asm volatile("r0 = *(u64 *)(r10 + 8)" ::: "r0");                    \
	} while (0)

static __always_inline void count(u32 hook, u32 counter)
{
	u32 key = hook * IMSW_CNT_COUNT + counter;
	u64 *val = bpf_map_lookup_elem(&counters, &key);

	/* per-CPU, but a kprobe can interrupt a tracepoint on the same CPU: add atomically */
	if (val)
		__sync_fetch_and_add(val, 1);
}

static __always_inline struct imsw_event *event_new(u32 hook, u32 kind, u8 mode)
{
	struct imsw_event *e;
	u64 id;

	count(hook, IMSW_CNT_HITS);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(hook, IMSW_CNT_LOST);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->hdr.type = IMSW_REC_EVENT;
	e->hdr.size = sizeof(*e);
	e->hdr.abi = IMSW_ABI_VERSION;
	e->ts_ns = bpf_ktime_get_ns();
	e->cpu = bpf_get_smp_processor_id();
	id = bpf_get_current_pid_tgid();
	e->pid = id >> 32;
	e->tid = (u32)id;
	e->kind = kind;
	e->hook = hook;
	e->mode = mode;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

static __always_inline void fill_pci(struct imsw_event *e, struct pci_dev *pdev, u8 mode)
{
	if (!pdev)
		return;
	e->pci.is_pci = 1;
	read_str(e->pci.bdf, sizeof(e->pci.bdf), KREAD(mode, pdev, dev.kobj.name), mode);
	e->pci.vendor = KREAD(mode, pdev, vendor);
	e->pci.device = KREAD(mode, pdev, device);
	e->pci.subvendor = KREAD(mode, pdev, subsystem_vendor);
	e->pci.subdevice = KREAD(mode, pdev, subsystem_device);
	e->pci.class = KREAD(mode, pdev, class);
}

/* Driver name and owning module; built-in drivers have no owner but keep mod_name. */
static __always_inline void fill_driver(struct imsw_event *e, const struct device_driver *drv,
					u8 mode)
{
	struct module *owner;

	if (!drv)
		return;
	read_str(e->driver, sizeof(e->driver), KREAD(mode, drv, name), mode);
	owner = KREAD(mode, drv, owner);
	if (owner) {
		read_str(e->module, sizeof(e->module), owner->name, mode);
	} else {
		e->builtin = 1;
		read_str(e->module, sizeof(e->module), KREAD(mode, drv, mod_name), mode);
	}
}

/*
 * struct device -> struct pci_dev, only when the device sits on the "pci" bus: exactly that
 * name, so "pci_express" (PCIe port services) or "pci-epf" (endpoint functions), whose
 * devices are not struct pci_dev, never match. The buffer is larger than any of these names,
 * so a longer one cannot be cut down to "pci".
 */
static __always_inline struct pci_dev *to_pci_dev(struct device *dev, u8 mode)
{
	char bus[16] = {};
	const struct bus_type *bt;

	if (!dev)
		return NULL;
	bt = KREAD(mode, dev, bus);
	if (!bt)
		return NULL;
	read_str(bus, sizeof(bus), KREAD(mode, bt, name), mode);
	/* exactly "pci" */
	if (bus[0] != 'p' || bus[1] != 'c' || bus[2] != 'i' || bus[3] != 0)
		return NULL;
	/* container_of: a typed pointer may not step below its object, an untrusted one may */
	if (BTF_READS(mode))
		return KCAST(struct pci_dev, (void *)dev - bpf_core_field_offset(struct pci_dev, dev));
	return (struct pci_dev *)((void *)dev - bpf_core_field_offset(struct pci_dev, dev));
}

static __always_inline void fill_device(struct imsw_event *e, struct device *dev, u8 mode)
{
	struct pci_dev *pdev = to_pci_dev(dev, mode);

	if (pdev)
		fill_pci(e, pdev, mode);
	else if (dev)
		read_str(e->pci.bdf, sizeof(e->pci.bdf), KREAD(mode, dev, kobj.name), mode);
	if (dev)
		fill_driver(e, KREAD(mode, dev, driver), mode);
}

static __always_inline u8 domain_kind(u32 token)
{
	if (bpf_core_enum_value_exists(enum irq_domain_bus_token___imsw,
				       DOMAIN_BUS_PCI_DEVICE_MSI___imsw) &&
	    token == bpf_core_enum_value(enum irq_domain_bus_token___imsw,
					 DOMAIN_BUS_PCI_DEVICE_MSI___imsw))
		return IMSW_DOMAIN_MSI;
	if (bpf_core_enum_value_exists(enum irq_domain_bus_token___imsw,
				       DOMAIN_BUS_PCI_DEVICE_MSIX___imsw) &&
	    token == bpf_core_enum_value(enum irq_domain_bus_token___imsw,
					 DOMAIN_BUS_PCI_DEVICE_MSIX___imsw))
		return IMSW_DOMAIN_MSIX;
	if (bpf_core_enum_value_exists(enum irq_domain_bus_token___imsw,
				       DOMAIN_BUS_PCI_DEVICE_IMS___imsw) &&
	    token == bpf_core_enum_value(enum irq_domain_bus_token___imsw,
					 DOMAIN_BUS_PCI_DEVICE_IMS___imsw))
		return IMSW_DOMAIN_IMS;
	return IMSW_DOMAIN_UNKNOWN;
}

/* push the arguments on this thread's stack for HOOK */
static __always_inline void stash(struct pt_regs *ctx, u32 hook, u64 a0, u64 a1, u64 a2,
				  u64 a3)
{
	u64 id = bpf_get_current_pid_tgid();
	struct depth_key dk = { .pid_tgid = id, .hook = hook };
	struct entry_args args = { .arg = { a0, a1, a2, a3 }, .sp = PT_REGS_SP(ctx) };
	struct entry_key key = { .pid_tgid = id, .hook = hook };
	u32 *dp = bpf_map_lookup_elem(&depths, &dk), depth = dp ? *dp : 0;

	/* not saved: its return finds no level at or above it (no_entry), others still pair */
	if (depth >= IMSW_STASH_DEPTH) {
		count(hook, IMSW_CNT_STASH_DROPPED);
		return;
	}
	key.depth = depth;
	if (bpf_map_update_elem(&entries, &key, &args, BPF_ANY)) {
		count(hook, IMSW_CNT_STASH_DROPPED);
		return;
	}
	depth++;
	if (bpf_map_update_elem(&depths, &dk, &depth, BPF_ANY)) {
		bpf_map_delete_elem(&entries, &key);
		count(hook, IMSW_CNT_STASH_DROPPED);
	}
}

/* pop the arguments of the call of HOOK this return belongs to (see STASH_SP_SLACK) */
static __always_inline int unstash(struct pt_regs *ctx, u32 hook, struct entry_args *out)
{
	u64 id = bpf_get_current_pid_tgid(), sp = PT_REGS_SP(ctx);
	struct depth_key dk = { .pid_tgid = id, .hook = hook };
	struct entry_key key = { .pid_tgid = id, .hook = hook };
	u32 *dp = bpf_map_lookup_elem(&depths, &dk), depth = dp ? *dp : 0;
	struct entry_args *args;
	int found = -1, i;

	for (i = 0; i < IMSW_STASH_DEPTH && depth; i++) {
		key.depth = depth - 1;
		args = bpf_map_lookup_elem(&entries, &key);
		if (args && args->sp > sp)
			break; /* an outer call's level: this return's call was never saved */
		depth--;
		if (!args) /* evicted from the LRU stash: this return's, or a stale one */
			continue;
		if (sp - args->sp <= STASH_SP_SLACK) {
			*out = *args;
			found = 0;
		} else {
			count(hook, IMSW_CNT_RET_MISSED); /* a deeper call never returned */
		}
		bpf_map_delete_elem(&entries, &key);
		if (!found)
			break;
	}
	if (depth)
		bpf_map_update_elem(&depths, &dk, &depth, BPF_ANY);
	else
		bpf_map_delete_elem(&depths, &dk);
	if (found)
		count(hook, IMSW_CNT_NO_ENTRY);
	return found;
}

static __always_inline void ims_api_enter(struct pci_dev *pdev)
{
	u64 id = bpf_get_current_pid_tgid(), dev = pdev ? (u64)&pdev->dev : 0;

	bpf_map_update_elem(&ims_api, &id, &dev, BPF_ANY);
}

static __always_inline void ims_api_exit(void)
{
	u64 id = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&ims_api, &id);
}

/* MSI_SECONDARY_DOMAIN (1) is the IMS domain pci_create_ims_domain() creates */
static __always_inline u8 within_ims_api(struct device *dev, u32 domid)
{
	u64 id = bpf_get_current_pid_tgid();
	u64 *marker;

	if (domid != 1 || !dev)
		return 0;
	marker = bpf_map_lookup_elem(&ims_api, &id);
	return marker && *marker == (u64)dev;
}

/* ---- emitters shared by the fentry and kprobe variants ---------------------------- */

static __always_inline void emit_probe(u32 hook, u8 mode, struct pci_dev *pdev,
				       const struct device_driver *drv, long ret)
{
	struct imsw_event *e = event_new(hook, IMSW_KIND_PROBE, mode);

	if (!e)
		return;
	fill_pci(e, pdev, mode);
	fill_driver(e, drv, mode);
	e->ret = ret;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void emit_local_pci_probe(u8 mode, void *ddi, long ret)
{
	/* fexit sees the void * as a number too: BTF reads cast it to its private type */
	struct drv_dev_and_id___imsw *d =
		BTF_READS(mode) ? KCAST(struct drv_dev_and_id___imsw, ddi) : ddi;
	struct pci_driver *drv;

	if (!d)
		return;
	drv = KREAD(mode, d, drv);
	emit_probe(IMSW_HOOK_LOCAL_PCI_PROBE, mode, KREAD(mode, d, dev), drv ? &drv->driver : NULL,
		   ret);
}

static __always_inline void emit_pci_device_probe(u8 mode, struct device *dev, long ret)
{
	emit_probe(IMSW_HOOK_PCI_DEVICE_PROBE, mode, to_pci_dev(dev, mode),
		   dev ? KREAD(mode, dev, driver) : NULL, ret);
}

static __always_inline void emit_irq_vectors(u8 mode, struct pci_dev *pdev, u32 min, u32 max,
					     u32 flags, long ret)
{
	struct imsw_event *e = event_new(IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS, IMSW_KIND_IRQ_VECTORS,
					 mode);

	if (!e)
		return;
	fill_pci(e, pdev, mode);
	if (pdev)
		fill_driver(e, KREAD(mode, pdev, dev.driver), mode);
	e->req_min = min;
	e->req_max = max;
	e->flags = flags;
	e->ret = ret;
	/* which mode the call left the device in: the flags only say what was allowed */
	if (pdev && ret > 0) {
		bool msix, msi;

		if (BTF_READS(mode)) {
			msix = BTF_READ_BIT(pdev, msix_enabled);
			msi = BTF_READ_BIT(pdev, msi_enabled);
		} else {
			msix = BPF_CORE_READ_BITFIELD_PROBED(pdev, msix_enabled);
			msi = BPF_CORE_READ_BITFIELD_PROBED(pdev, msi_enabled);
		}
		e->irq_mode = msix ? IMSW_IRQ_MSIX : msi ? IMSW_IRQ_MSI : IMSW_IRQ_INTX;
	}
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void emit_msi_domain(u8 mode, struct device *dev, u32 domid,
					    const struct msi_domain_template *tmpl, u32 hwsize,
					    long ret)
{
	struct imsw_event *e = event_new(IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN,
					 IMSW_KIND_MSI_DOMAIN, mode);

	if (!e)
		return;
	fill_device(e, dev, mode);
	e->domid = domid;
	e->req_max = hwsize;
	if (tmpl)
		e->bus_token = KREAD(mode, tmpl, info.bus_token);
	e->domain_kind = domain_kind(e->bus_token);
	e->within_ims_api = within_ims_api(dev, domid);
	e->ret = ret;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void emit_ims_domain(u8 mode, struct pci_dev *pdev,
					    const struct msi_domain_template *tmpl, u32 hwsize,
					    long ret)
{
	struct imsw_event *e = event_new(IMSW_HOOK_PCI_CREATE_IMS_DOMAIN, IMSW_KIND_IMS_DOMAIN,
					 mode);

	if (!e)
		return;
	fill_pci(e, pdev, mode);
	if (pdev)
		fill_driver(e, KREAD(mode, pdev, dev.driver), mode);
	e->domid = 1; /* MSI_SECONDARY_DOMAIN: the only domain IMS ever used */
	e->req_max = hwsize;
	if (tmpl)
		e->bus_token = KREAD(mode, tmpl, info.bus_token);
	e->domain_kind = IMSW_DOMAIN_IMS;
	e->ret = ret;
	bpf_ringbuf_submit(e, 0);
}

/* struct msi_map {int index; int virq;} travels as one 8-byte register on x86-64 */
static __always_inline void emit_ims_map(u32 hook, u32 kind, u8 mode, struct pci_dev *pdev,
					 u64 map)
{
	struct imsw_event *e = event_new(hook, kind, mode);

	if (!e)
		return;
	fill_pci(e, pdev, mode);
	if (pdev)
		fill_driver(e, KREAD(mode, pdev, dev.driver), mode);
	e->domid = 1;
	e->domain_kind = IMSW_DOMAIN_IMS;
	e->index = (s32)(u32)map;
	e->virq = (s32)(u32)(map >> 32);
	e->ret = e->index;
	bpf_ringbuf_submit(e, 0);
}

/* ---- PCI driver probe ------------------------------------------------------------- */

SEC("fexit/local_pci_probe")
int BPF_PROG(fexit_local_pci_probe, void *ddi, long ret)
{
	FAIL_IF_ASKED(IMSW_HOOK_LOCAL_PCI_PROBE);
	emit_local_pci_probe(IMSW_MODE_FENTRY, ddi, ret);
	return 0;
}

SEC("kprobe/local_pci_probe")
int BPF_KPROBE(kprobe_local_pci_probe, void *ddi)
{
	FAIL_IF_ASKED(IMSW_HOOK_LOCAL_PCI_PROBE);
	stash(ctx, IMSW_HOOK_LOCAL_PCI_PROBE, (u64)ddi, 0, 0, 0);
	return 0;
}

SEC("kretprobe/local_pci_probe")
int BPF_KRETPROBE(kretprobe_local_pci_probe, long ret)
{
	struct entry_args a;

	FAIL_IF_ASKED(IMSW_HOOK_LOCAL_PCI_PROBE);
	if (!unstash(ctx, IMSW_HOOK_LOCAL_PCI_PROBE, &a))
		emit_local_pci_probe(IMSW_MODE_KPROBE, (void *)a.arg[0], (int)ret);
	return 0;
}

SEC("fexit/pci_device_probe")
int BPF_PROG(fexit_pci_device_probe, struct device *dev, int ret)
{
	FAIL_IF_ASKED(IMSW_HOOK_PCI_DEVICE_PROBE);
	emit_pci_device_probe(IMSW_MODE_FENTRY, dev, ret);
	return 0;
}

SEC("kprobe/pci_device_probe")
int BPF_KPROBE(kprobe_pci_device_probe, struct device *dev)
{
	FAIL_IF_ASKED(IMSW_HOOK_PCI_DEVICE_PROBE);
	stash(ctx, IMSW_HOOK_PCI_DEVICE_PROBE, (u64)dev, 0, 0, 0);
	return 0;
}

SEC("kretprobe/pci_device_probe")
int BPF_KRETPROBE(kretprobe_pci_device_probe, long ret)
{
	struct entry_args a;

	FAIL_IF_ASKED(IMSW_HOOK_PCI_DEVICE_PROBE);
	if (!unstash(ctx, IMSW_HOOK_PCI_DEVICE_PROBE, &a))
		emit_pci_device_probe(IMSW_MODE_KPROBE, (struct device *)a.arg[0], (int)ret);
	return 0;
}

/* ---- MSI/MSI-X enablement --------------------------------------------------------- */

SEC("fexit/pci_alloc_irq_vectors_affinity")
int BPF_PROG(fexit_pci_alloc_irq_vectors, struct pci_dev *dev, unsigned int min_vecs,
	     unsigned int max_vecs, unsigned int flags, struct irq_affinity *affd, int ret)
{
	FAIL_IF_ASKED(IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS);
	emit_irq_vectors(IMSW_MODE_FENTRY, dev, min_vecs, max_vecs, flags, ret);
	return 0;
}

SEC("kprobe/pci_alloc_irq_vectors_affinity")
int BPF_KPROBE(kprobe_pci_alloc_irq_vectors, struct pci_dev *dev, unsigned int min_vecs,
	       unsigned int max_vecs, unsigned int flags)
{
	FAIL_IF_ASKED(IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS);
	stash(ctx, IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS, (u64)dev, min_vecs, max_vecs, flags);
	return 0;
}

SEC("kretprobe/pci_alloc_irq_vectors_affinity")
int BPF_KRETPROBE(kretprobe_pci_alloc_irq_vectors, long ret)
{
	struct entry_args a;

	FAIL_IF_ASKED(IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS);
	if (!unstash(ctx, IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS, &a))
		emit_irq_vectors(IMSW_MODE_KPROBE, (struct pci_dev *)a.arg[0], a.arg[1], a.arg[2],
				 a.arg[3], (int)ret);
	return 0;
}

/* ---- per-device MSI domains (6.2+) ------------------------------------------------ */

/*
 * The domain functions return bool: only AL is defined, the rest of RAX is whatever the
 * callee left there. So the result is taken as a full register and cut to its low byte, in
 * the fexit programs as in the kretprobes.
 */
SEC("fexit/msi_create_device_irq_domain")
int BPF_PROG(fexit_msi_create_device_domain, struct device *dev, unsigned int domid,
	     const struct msi_domain_template *template, unsigned int hwsize, void *domain_data,
	     void *chip_data, u64 ret)
{
	FAIL_IF_ASKED(IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN);
	emit_msi_domain(IMSW_MODE_FENTRY, dev, domid, template, hwsize, (u8)ret);
	return 0;
}

SEC("kprobe/msi_create_device_irq_domain")
int BPF_KPROBE(kprobe_msi_create_device_domain, struct device *dev, unsigned int domid,
	       const struct msi_domain_template *template, unsigned int hwsize)
{
	FAIL_IF_ASKED(IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN);
	stash(ctx, IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN, (u64)dev, domid, (u64)template, hwsize);
	return 0;
}

SEC("kretprobe/msi_create_device_irq_domain")
int BPF_KRETPROBE(kretprobe_msi_create_device_domain, long ret)
{
	struct entry_args a;

	FAIL_IF_ASKED(IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN);
	if (!unstash(ctx, IMSW_HOOK_MSI_CREATE_DEVICE_DOMAIN, &a))
		emit_msi_domain(IMSW_MODE_KPROBE, (struct device *)a.arg[0], a.arg[1],
				(const struct msi_domain_template *)a.arg[2], a.arg[3],
				(u8)ret);
	return 0;
}

/* ---- the IMS API (6.2-6.9, or a module providing these symbols) ------------------- */

/* the fentry only marks the thread (see ims_api); the fexit reports */
SEC("fentry/pci_create_ims_domain")
int BPF_PROG(fentry_pci_create_ims_domain, struct pci_dev *pdev)
{
	FAIL_IF_ASKED(IMSW_HOOK_PCI_CREATE_IMS_DOMAIN);
	ims_api_enter(pdev);
	return 0;
}

SEC("fexit/pci_create_ims_domain")
int BPF_PROG(fexit_pci_create_ims_domain, struct pci_dev *pdev,
	     const struct msi_domain_template *template, unsigned int hwsize, void *data, u64 ret)
{
	FAIL_IF_ASKED(IMSW_HOOK_PCI_CREATE_IMS_DOMAIN);
	ims_api_exit();
	emit_ims_domain(IMSW_MODE_FENTRY, pdev, template, hwsize, (u8)ret);
	return 0;
}

SEC("kprobe/pci_create_ims_domain")
int BPF_KPROBE(kprobe_pci_create_ims_domain, struct pci_dev *pdev,
	       const struct msi_domain_template *template, unsigned int hwsize)
{
	FAIL_IF_ASKED(IMSW_HOOK_PCI_CREATE_IMS_DOMAIN);
	ims_api_enter(pdev);
	stash(ctx, IMSW_HOOK_PCI_CREATE_IMS_DOMAIN, (u64)pdev, (u64)template, hwsize, 0);
	return 0;
}

SEC("kretprobe/pci_create_ims_domain")
int BPF_KRETPROBE(kretprobe_pci_create_ims_domain, long ret)
{
	struct entry_args a;

	FAIL_IF_ASKED(IMSW_HOOK_PCI_CREATE_IMS_DOMAIN);
	ims_api_exit();
	if (!unstash(ctx, IMSW_HOOK_PCI_CREATE_IMS_DOMAIN, &a))
		emit_ims_domain(IMSW_MODE_KPROBE, (struct pci_dev *)a.arg[0],
				(const struct msi_domain_template *)a.arg[1], a.arg[2], (u8)ret);
	return 0;
}

/*
 * pci_ims_alloc_irq() returns struct msi_map by value: fexit cannot attach to struct
 * returns, so it is kprobe/kretprobe only. The 8-byte struct comes back in RAX (index in
 * the low half, virq in the high half), per the x86-64 SysV ABI.
 */
SEC("kprobe/pci_ims_alloc_irq")
int BPF_KPROBE(kprobe_pci_ims_alloc_irq, struct pci_dev *pdev)
{
	FAIL_IF_ASKED(IMSW_HOOK_PCI_IMS_ALLOC_IRQ);
	stash(ctx, IMSW_HOOK_PCI_IMS_ALLOC_IRQ, (u64)pdev, 0, 0, 0);
	return 0;
}

SEC("kretprobe/pci_ims_alloc_irq")
int BPF_KRETPROBE(kretprobe_pci_ims_alloc_irq, u64 map)
{
	struct entry_args a;

	FAIL_IF_ASKED(IMSW_HOOK_PCI_IMS_ALLOC_IRQ);
	if (!unstash(ctx, IMSW_HOOK_PCI_IMS_ALLOC_IRQ, &a))
		emit_ims_map(IMSW_HOOK_PCI_IMS_ALLOC_IRQ, IMSW_KIND_IMS_ALLOC, IMSW_MODE_KPROBE,
			     (struct pci_dev *)a.arg[0], map);
	return 0;
}

/* pci_ims_free_irq(dev, struct msi_map map): the map arrives in the second register */
SEC("kprobe/pci_ims_free_irq")
int BPF_KPROBE(kprobe_pci_ims_free_irq, struct pci_dev *pdev, u64 map)
{
	FAIL_IF_ASKED(IMSW_HOOK_PCI_IMS_FREE_IRQ);
	emit_ims_map(IMSW_HOOK_PCI_IMS_FREE_IRQ, IMSW_KIND_IMS_FREE, IMSW_MODE_KPROBE, pdev, map);
	return 0;
}

/* ---- x86 vector tracepoints: load even where tracing programs are refused ---------- */

static __always_inline void emit_vector(u32 hook, u8 op, u32 irq, u32 vector, long ret)
{
	struct imsw_event *e = event_new(hook, IMSW_KIND_VECTOR, IMSW_MODE_TRACEPOINT);

	if (!e)
		return;
	e->vec_op = op;
	e->irq = irq;
	e->vector = vector;
	e->ret = ret;
	bpf_ringbuf_submit(e, 0);
}

/*
 * Raw tracepoints rather than tracepoint/: attach by name needs no tracefs mount, and the
 * arguments are the TP_PROTO ones, stable since the irq_vectors events arrived in 4.15.
 */
SEC("raw_tp/vector_alloc")
int BPF_PROG(tp_vector_alloc, unsigned int irq, unsigned int vector, bool reserved, int ret)
{
	FAIL_IF_ASKED(IMSW_HOOK_VECTOR_ALLOC);
	emit_vector(IMSW_HOOK_VECTOR_ALLOC, IMSW_VEC_ALLOC, irq, vector, ret);
	return 0;
}

SEC("raw_tp/vector_activate")
int BPF_PROG(tp_vector_activate, unsigned int irq)
{
	FAIL_IF_ASKED(IMSW_HOOK_VECTOR_ACTIVATE);
	emit_vector(IMSW_HOOK_VECTOR_ACTIVATE, IMSW_VEC_ACTIVATE, irq, 0, 0);
	return 0;
}

SEC("raw_tp/vector_deactivate")
int BPF_PROG(tp_vector_deactivate, unsigned int irq)
{
	FAIL_IF_ASKED(IMSW_HOOK_VECTOR_DEACTIVATE);
	emit_vector(IMSW_HOOK_VECTOR_DEACTIVATE, IMSW_VEC_DEACTIVATE, irq, 0, 0);
	return 0;
}

SEC("raw_tp/vector_teardown")
int BPF_PROG(tp_vector_teardown, unsigned int irq)
{
	FAIL_IF_ASKED(IMSW_HOOK_VECTOR_TEARDOWN);
	emit_vector(IMSW_HOOK_VECTOR_TEARDOWN, IMSW_VEC_TEARDOWN, irq, 0, 0);
	return 0;
}

/* ---- the kernel's own boot-time view of the platform ----------------------------- */

/*
 * Run once on demand through BPF_PROG_TEST_RUN (never attached). The kernel decided at boot
 * whether it runs under a hypervisor; comparing that with what userspace CPUID says now
 * exposes cloaking. cpu_info is a per-CPU variable, so its BTF is always there; the
 * detected hypervisor type (x86_hyper_type) is a plain global, which has no BTF: userspace
 * passes its address from /proc/kallsyms (present with CONFIG_KALLSYMS_ALL) in ctx[0].
 * Loaded with the hooks, in the same object, and run once after the load (user/watch/kview.c).
 */
extern struct cpuinfo_x86 cpu_info __ksym __weak;

struct kernel_view kview = {};

SEC("raw_tp")
int kernel_view(u64 *ctx)
{
	struct cpuinfo_x86 *boot = bpf_per_cpu_ptr(&cpu_info, 0);
	u64 hyper_type_addr = ctx[0];
	u32 word;

	if (boot && !imsw_probe_read_ok) {
		/* lockdown=confidentiality: the per-CPU pointer is BTF-typed, a plain load */
		word = boot->x86_capability[4];
		kview.cap_valid = 1;
		kview.hypervisor_cap = word >> 31;
	} else if (boot) {
		/* X86_FEATURE_HYPERVISOR is word 4, bit 31 of x86_capability */
		if (!bpf_probe_read_kernel(&word, sizeof(word),
					   (void *)boot +
						   bpf_core_field_offset(struct cpuinfo_x86,
									 x86_capability) +
						   4 * sizeof(u32))) {
			kview.cap_valid = 1;
			kview.hypervisor_cap = word >> 31;
		}
	}
	/* a plain global has no BTF: only the probe-read helper reaches it */
	if (hyper_type_addr && imsw_probe_read_ok &&
	    !bpf_probe_read_kernel(&kview.hyper_type, sizeof(kview.hyper_type),
				   (void *)hyper_type_addr)) {
		kview.hyper_type_valid = 1;
		/* the value's name, by the running kernel's BTF (userspace parses none) */
		kview.hyper_type_name = 0;
#define HYPER_NAME(e)                                                                       \
		if (bpf_core_enum_value_exists(enum x86_hypervisor_type, e) &&             \
		    kview.hyper_type == bpf_core_enum_value(enum x86_hypervisor_type, e))  \
			kview.hyper_type_name = IMSW_##e + 1;
		IMSW_X86_HYPER_TYPES(HYPER_NAME)
#undef HYPER_NAME
	}
	return 0;
}
