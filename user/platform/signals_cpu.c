// SPDX-License-Identifier: GPL-2.0
/*
 * CPU-side signals: CPUID (leaf 1, the hypervisor vendor leaves, Hyper-V privileges, TDX),
 * the kernel's own view (/proc/cpuinfo flags, and its boot-time data read through BPF), and
 * the opt-in timing probe.
 */
#include "signals.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CPUID_HYPERVISOR_BIT (1u << 31)
#define HV_LEAF_FIRST 0x40000000u
#define HV_LEAF_LAST 0x4000FF00u /* virt-what scans this far: Xen and others offset */
#define HV_LEAF_STEP 0x100u
#define HYPERV_PRIVILEGES 3u		 /* base + 3: partition privilege flags */
#define HYPERV_CREATE_PARTITIONS (1u << 0) /* EBX bit 0: only the root partition has it */
#define TDX_LEAF 0x21u

/* 12-byte signatures in EBX, ECX, EDX of a hypervisor base leaf. */
static const struct {
	const char sig[13];
	const char *name;
} hv_signatures[] = {
	{ "KVMKVMKVM\0\0\0", "KVM" },
	{ "Microsoft Hv", "Microsoft Hyper-V" },
	{ "VMwareVMware", "VMware" },
	{ "XenVMMXenVMM", "Xen" },
	{ "TCGTCGTCGTCG", "QEMU TCG" },
	{ "ACRNACRNACRN", "ACRN" },
	{ "bhyve bhyve ", "bhyve" },
	{ "QNXQVMBSQG\0\0", "QNX" },
	{ " lrpepyh  vr", "Parallels" },
	{ "VBoxVBoxVBox", "VirtualBox" },
	{ "Linux KVM Hv", "KVM (Hyper-V enlightenments)" },
	{ "EVMMEVMMEVMM", "Intel KGT" },
	{ "Jailhouse\0\0\0", "Jailhouse" },
	{ "UnisysSpar64", "Unisys s-Par" },
	{ "LKVMLKVMLKVM", "kvmtool" },
	{ "OpenBSDVMM58", "OpenBSD vmm" },
	{ "HAXMHAXMHAXM", "Intel HAXM" },
	{ "SRESRESRESRE", "Lockheed Martin LMHS" },
};

static void regs_signature(const struct cpuid_regs *r, char sig[13])
{
	memcpy(sig, &r->ebx, 4);
	memcpy(sig + 4, &r->ecx, 4);
	memcpy(sig + 8, &r->edx, 4);
	sig[12] = '\0';
}

static const char *known_signature(const char sig[12])
{
	size_t i;

	for (i = 0; i < sizeof(hv_signatures) / sizeof(hv_signatures[0]); i++)
		if (!memcmp(sig, hv_signatures[i].sig, 12))
			return hv_signatures[i].name;
	return NULL;
}

static void cpu_leaf1(const struct cpuid_source *cpu, struct signal_list *l,
		      struct platform_facts *f)
{
	struct cpuid_regs r;
	struct signal *s;
	int ret = cpuid_query(cpu, 1, 0, &r);

	if (ret) {
		s = signal_add(l, "cpuid", "leaf1.ecx.hypervisor", "",
			       ret == -ENODEV || ret == -ENOENT ? SIGNAL_ABSENT
								 : SIGNAL_UNREADABLE);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s",
			    ret == -ENODEV ? "no CPUID on this architecture"
					   : "CPUID leaf 1 unknown");
		return;
	}
	f->cpuid_leaf1_known = true;
	f->cpuid_leaf1_eax = r.eax;
	f->cpuid_hv_bit = !!(r.ecx & CPUID_HYPERVISOR_BIT);
	s = signal_add(l, "cpuid", "leaf1.ecx.hypervisor", f->cpuid_hv_bit ? "1" : "0",
		       SIGNAL_PRESENT);
	if (f->cpuid_hv_bit)
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, "",
			    "hypervisor bit set: no physical CPU sets it");
	else
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "hypervisor bit clear (a VMM may leave it clear)");
}

/*
 * CPU brand strings that only a VMM's CPU model carries. QEMU's defaults name themselves;
 * its named models (target/i386/cpu.c model_id) read "Intel Xeon Processor (Cascadelake)"
 * or "AMD EPYC-Rome Processor": a code name in parentheses and none of the "(R)"/"(TM)"
 * marks every real Intel and AMD brand string since the Pentium 4 carries. A VMM can set
 * any string (-cpu ...,model-id=), so silence proves nothing.
 */
static const struct {
	const char *prefix;
	const char *names;
	enum strength strength;
	const char *why;
} brand_patterns[] = {
	{ "QEMU Virtual CPU", "QEMU", STRENGTH_STRONG, "QEMU's default CPU model (qemu64/qemu32)" },
	{ "Common KVM processor", "KVM", STRENGTH_STRONG, "QEMU's kvm64 CPU model" },
	{ "Common 32-bit KVM processor", "KVM", STRENGTH_STRONG, "QEMU's kvm32 CPU model" },
	{ "AMD EPYC Processor", "QEMU", STRENGTH_MEDIUM, "QEMU's EPYC CPU model" },
	{ "AMD EPYC-", "QEMU", STRENGTH_MEDIUM, "a QEMU EPYC-<generation> CPU model" },
	{ "Hygon Dhyana Processor", "QEMU", STRENGTH_MEDIUM, "QEMU's Dhyana CPU model" },
};

static bool has_trademark(const char *s)
{
	return strstr(s, "(R)") || strstr(s, "(TM)") || strstr(s, "(tm)") || strstr(s, "(r)");
}

/*
 * QEMU's model ids: "Intel Core Processor (Haswell, no TSX)", "Westmere E56xx/L56xx/X56xx
 * (Nehalem-C)", "AMD Opteron 62xx class CPU". A vendor word first and no trademark: real
 * brand strings that end in a parenthesis come from other vendors ("VIA Nano processor
 * U2250 (1.6GHz Capable)", ARM's "ARMv7 Processor rev 3 (v7l)"), which the shape alone
 * would take.
 */
static bool qemu_model_shape(const char *s)
{
	static const char *const vendors[] = { "Intel ", "AMD ", "Westmere ", "Hygon " };
	size_t n = strlen(s), i;
	const char *open = strrchr(s, '(');
	bool vendor = false;

	for (i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		vendor |= !strncmp(s, vendors[i], strlen(vendors[i]));
	if (!vendor || has_trademark(s))
		return false;
	return (n > 4 && s[n - 1] == ')' && open && open > s && open[-1] == ' ') ||
	       (n > 10 && !strcmp(s + n - 10, " class CPU"));
}

/* Leaves 0x80000002-4, else the kernel's "model name" line (captured trees without CPUID). */
static bool read_brand(const struct cpuid_source *cpu, const struct hostfs *fs, char *out,
		       size_t size, const char **from)
{
	static char buf[65536];
	struct cpuid_regs r;
	char raw[49] = { 0 }, *line, *end, *v;
	uint32_t leaf;
	ssize_t n;

	if (cpu->kind != CPUID_ABSENT && !cpuid_query(cpu, 0x80000000u, 0, &r) &&
	    r.eax >= 0x80000004u) {
		for (leaf = 0; leaf < 3; leaf++) {
			if (cpuid_query(cpu, 0x80000002u + leaf, 0, &r))
				break;
			memcpy(raw + leaf * 16, &r, 16);
		}
		if (leaf == 3) {
			for (v = raw; *v == ' '; v++)
				;
			for (n = (ssize_t)strlen(v); n > 0 && v[n - 1] == ' '; n--)
				v[n - 1] = '\0';
			copy_str(out, size, v);
			*from = "cpuid";
			return out[0] != '\0';
		}
	}
	n = hostfs_read_text(fs, "proc/cpuinfo", buf, sizeof(buf));
	if (n < 0)
		return false;
	for (line = buf; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		if (!strncmp(line, "model name", 10) && (v = strchr(line, ':'))) {
			for (v++; *v == ' ' || *v == '\t'; v++)
				;
			copy_str(out, size, v);
			*from = "cpuinfo";
			return out[0] != '\0';
		}
	}
	return false;
}

static void cpu_brand(const struct cpuid_source *cpu, const struct hostfs *fs,
		      struct signal_list *l)
{
	const char *from = "";
	char brand[64];
	struct signal *s;
	size_t i;

	if (!read_brand(cpu, fs, brand, sizeof(brand), &from))
		return; /* no brand string (older CPUs, non-x86): nothing to say */
	s = signal_add(l, from, "brand_string", brand, SIGNAL_PRESENT);
	for (i = 0; i < sizeof(brand_patterns) / sizeof(brand_patterns[0]); i++)
		if (!strncmp(brand, brand_patterns[i].prefix, strlen(brand_patterns[i].prefix))) {
			signal_mark(s, INDICATES_GUEST, brand_patterns[i].strength,
				    brand_patterns[i].names, "CPU brand string of %s",
				    brand_patterns[i].why);
			return;
		}
	if (strstr(brand, " Virtual "))
		signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "",
			    "CPU brand string says 'Virtual': a VMM's CPU model");
	else if (qemu_model_shape(brand))
		signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "QEMU",
			    "CPU brand string shaped like a QEMU CPU model (code name in "
			    "parentheses, no (R)/(TM))");
	else
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "names no VMM CPU model (a VMM may pass the host's through)");
}

/* Hyper-V root partition: the host's management OS runs above the hypervisor too. */
static void cpu_hyperv_root(const struct cpuid_source *cpu, uint32_t base, uint32_t max_leaf,
			    struct signal_list *l, struct platform_facts *f)
{
	struct cpuid_regs r;
	struct signal *s;
	char v[32];

	if (max_leaf < base + HYPERV_PRIVILEGES ||
	    cpuid_query(cpu, base + HYPERV_PRIVILEGES, 0, &r))
		return;
	snprintf(v, sizeof(v), "0x%08x", r.ebx);
	s = signal_add(l, "cpuid", "hyperv.privileges.ebx", v, SIGNAL_PRESENT);
	if (r.ebx & HYPERV_CREATE_PARTITIONS) {
		f->hyperv_root = true;
		signal_mark(s, INDICATES_HOST, STRENGTH_STRONG, "Microsoft Hyper-V",
			    "CreatePartitions privilege: this OS is the root partition");
	} else {
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "Microsoft Hyper-V",
			    "no CreatePartitions privilege: a child partition");
	}
}

/* Vendor leaves, read even when the leaf-1 bit is hidden (TCG still answers them). */
static void cpu_vendor_leaves(const struct cpuid_source *cpu, struct signal_list *l,
			      struct platform_facts *f)
{
	char sig[13], key[48], first_seen[12];
	bool found = false, readable = false;
	struct cpuid_regs r;
	struct signal *s;
	uint32_t base;

	if (cpu->kind == CPUID_ABSENT)
		return;
	for (base = HV_LEAF_FIRST; base <= HV_LEAF_LAST; base += HV_LEAF_STEP) {
		const char *name;

		if (cpuid_query(cpu, base, 0, &r))
			continue;
		readable = true;
		regs_signature(&r, sig);
		name = known_signature(sig);
		if (base == HV_LEAF_FIRST)
			memcpy(first_seen, sig, sizeof(first_seen));
		if (!name)
			continue;
		found = true;
		/*
		 * The signature is attacker-chosen on a hostile VMM: its 12 raw bytes, NUL padding
		 * included, are the value, escaped once by the record layer.
		 */
		snprintf(key, sizeof(key), "0x%08x.signature", base);
		s = signal_add_bytes(l, "cpuid", key, sig, 12, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, name,
			    "hypervisor vendor signature%s",
			    f->cpuid_hv_bit ? "" : " (answered although the leaf-1 bit is clear)");
		if (!f->cpuid_vendor[0])
			copy_str(f->cpuid_vendor, sizeof(f->cpuid_vendor), name);
		if (!strcmp(name, "Microsoft Hyper-V"))
			cpu_hyperv_root(cpu, base, r.eax, l, f);
	}
	if (!found) {
		s = signal_add_bytes(l, "cpuid", "0x40000000.signature", first_seen,
				     readable ? sizeof(first_seen) : 0,
				     readable ? SIGNAL_PRESENT : SIGNAL_ABSENT);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    readable ? "no known hypervisor signature in 0x40000000-0x4000ff00"
				     : "hypervisor leaves not in the replay file");
	}
}

/* Intel TDX: leaf 0x21 answers "IntelTDX    " only inside a trust domain. */
static void cpu_tdx(const struct cpuid_source *cpu, struct signal_list *l,
		    struct platform_facts *f)
{
	struct cpuid_regs r0, r;
	char sig[13];
	struct signal *s;

	if (cpuid_query(cpu, 0, 0, &r0) || r0.eax < TDX_LEAF || cpuid_query(cpu, TDX_LEAF, 0, &r))
		return;
	/* order is EBX, EDX, ECX for this leaf */
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.edx, 4);
	memcpy(sig + 8, &r.ecx, 4);
	sig[12] = '\0';
	if (memcmp(sig, "IntelTDX    ", 12))
		return;
	s = signal_add_bytes(l, "cpuid", "0x00000021.signature", sig, 12, SIGNAL_PRESENT);
	signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, "Intel TDX",
		    "TDX guest leaf: this OS runs in a trust domain");
	f->cc = CC_TDX;
}

/* The first "flags" line of /proc/cpuinfo: what the kernel recorded, readable by anyone. */
static void cpu_kernel_flags(const struct hostfs *fs, struct signal_list *l,
			     struct platform_facts *f)
{
	static char buf[65536];
	char *line, *end, *flags = NULL;
	struct signal *s;
	ssize_t n = hostfs_read_text(fs, "proc/cpuinfo", buf, sizeof(buf));
	bool hv, tdx;

	if (n < 0) {
		s = signal_add(l, "cpuinfo", "flags.hypervisor", "", state_of_errno(n));
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s",
			    "no /proc/cpuinfo: the kernel's flag list is unknown");
		return;
	}
	for (line = buf; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		if (!strncmp(line, "flags", 5) && strchr(line, ':')) {
			flags = strchr(line, ':') + 1;
			break;
		}
	}
	if (!flags) {
		s = signal_add(l, "cpuinfo", "flags.hypervisor", "", SIGNAL_ABSENT);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "no flags line (not x86?)");
		return;
	}
	hv = strstr(flags, " hypervisor") != NULL;
	tdx = strstr(flags, " tdx_guest") != NULL;
	f->kernel_view_known = true;
	f->kernel_saw_hypervisor |= hv;
	s = signal_add(l, "cpuinfo", "flags.hypervisor", hv ? "1" : "0", SIGNAL_PRESENT);
	if (hv)
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, "",
			    "the kernel set X86_FEATURE_HYPERVISOR");
	else
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "the kernel saw no hypervisor bit");
	if (tdx) {
		s = signal_add(l, "cpuinfo", "flags.tdx_guest", "1", SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, "Intel TDX",
			    "the kernel runs as a TDX guest");
		f->cc = CC_TDX;
	}
}

#define KMSG_NEEDLE "Hypervisor detected: "

struct kmsg_scan {
	bool found;
	char name[48];
};

static bool kmsg_hypervisor_line(const char *line, void *ctx)
{
	struct kmsg_scan *k = ctx;
	const char *hit = strstr(line, KMSG_NEEDLE);

	if (!hit)
		return false;
	k->found = true;
	copy_str(k->name, sizeof(k->name), hit + strlen(KMSG_NEEDLE));
	return true;
}

/*
 * The kernel's boot-time verdict as it logged it: init_hypervisor_platform() prints
 * "Hypervisor detected: <name>" from x86_hyper_type's detector. Readable by root (or with
 * dmesg_restrict=0) where the BPF view cannot be loaded.
 */
static void cpu_kernel_log(const struct hostfs *fs, struct signal_list *l,
			   struct platform_facts *f)
{
	struct kmsg_scan k = { 0 };
	struct kmsg_walk w;
	struct signal *s;
	int r = kmsg_walk(fs, kmsg_hypervisor_line, &k, &w);

	if (r < 0) {
		s = signal_add(l, "kernel_log", "hypervisor_detected", "", state_of_errno(r));
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s",
			    r == -ENOENT ? "no kernel log device"
					 : "kernel log unreadable (root, or dmesg_restrict=0)");
		return;
	}
	if (k.found) {
		s = signal_add(l, "kernel_log", "hypervisor_detected", k.name, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, k.name,
			    "the kernel detected a hypervisor at boot (its log)");
		f->kernel_view_known = true;
		f->kernel_saw_hypervisor = true;
	} else if (w.wrapped) {
		s = signal_add(l, "kernel_log", "hypervisor_detected", "", SIGNAL_UNREADABLE);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "boot messages already overwritten in the kernel log: unknown");
	} else {
		s = signal_add(l, "kernel_log", "hypervisor_detected", "", SIGNAL_ABSENT);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "the kernel logged no hypervisor at boot");
		f->kernel_view_known |= w.first_seen;
	}
}

/* The kernel's boot-time data, read through BPF by the caller. */
static void cpu_kernel_view(const struct kernel_platform_view *kv, struct signal_list *l,
			    struct platform_facts *f)
{
	struct signal *s;

	if (!kv || !kv->available) {
		s = signal_add(l, "kernel", "boot_cpu_data.hypervisor", "",
			       kv && kv->attempted ? SIGNAL_UNREADABLE : SIGNAL_ABSENT);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s",
			    kv && kv->why[0] ? kv->why : "not read");
		return;
	}
	if (kv->cap_valid) {
		s = signal_add(l, "kernel", "boot_cpu_data.hypervisor",
			       kv->hypervisor_cap ? "1" : "0", SIGNAL_PRESENT);
		f->kernel_view_known = true;
		f->kernel_saw_hypervisor |= kv->hypervisor_cap;
		if (kv->hypervisor_cap)
			signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, "",
				    "the kernel's boot CPU data has the hypervisor capability");
		else
			signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
				    "the kernel's boot CPU data has no hypervisor capability");
	}
	if (kv->type_valid) {
		const char *name = kv->type_name;

		if (!strncmp(name, "X86_HYPER_", 10))
			name += 10;
		s = signal_add(l, "kernel", "x86_hyper_type", kv->type_name, SIGNAL_PRESENT);
		if (kv->type != 0) /* X86_HYPER_NATIVE is 0 in every release */
			signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, name,
				    "the kernel detected a hypervisor at boot");
		else
			signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
				    "the kernel detected no hypervisor at boot");
		f->kernel_saw_hypervisor |= kv->type != 0;
	} else {
		/* not silently absent: say why (no KALLSYMS_ALL, lockdown=confidentiality) */
		s = signal_add(l, "kernel", "x86_hyper_type", "", SIGNAL_UNREADABLE);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s",
			    kv->why[0] ? kv->why : "not read");
	}
}

#if defined(__x86_64__)
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define TIMING_SAMPLES 1001
/*
 * CPUID always exits to the hypervisor under VT-x/SVM; natively it costs ~100-250 cycles on
 * current cores, an exit well over 1000. The threshold sits between; a busy host, SMIs or
 * frequency changes move it, hence weak evidence and opt-in only.
 */
#define TIMING_THRESHOLD_CYCLES 750

static void cpu_timing_probe(struct signal_list *l)
{
	static uint64_t samples[TIMING_SAMPLES];
	struct cpuid_regs r;
	struct signal *s;
	char v[96];
	int i;

	for (i = 0; i < TIMING_SAMPLES; i++) {
		uint64_t t0 = rdtsc_ordered();

		__asm__ volatile("cpuid"
				 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
				 : "a"(0), "c"(0));
		samples[i] = rdtsc_ordered() - t0;
	}
	qsort(samples, TIMING_SAMPLES, sizeof(samples[0]), cmp_u64);
	snprintf(v, sizeof(v), "median %llu cycles (min %llu) over %d CPUID(0); threshold %d",
		 (unsigned long long)samples[TIMING_SAMPLES / 2], (unsigned long long)samples[0],
		 TIMING_SAMPLES, TIMING_THRESHOLD_CYCLES);
	s = signal_add(l, "timing", "cpuid.exit_cycles", v, SIGNAL_PRESENT);
	if (samples[TIMING_SAMPLES / 2] > TIMING_THRESHOLD_CYCLES)
		signal_mark(s, INDICATES_GUEST, STRENGTH_WEAK, "",
			    "CPUID slower than native: it probably traps to a hypervisor");
	else
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "CPUID at native speed (a hypervisor may still hide)");
}
#endif

static void cpu_timing(const struct cpuid_source *cpu, bool wanted, struct signal_list *l)
{
	struct signal *s;

	if (wanted && cpu->kind == CPUID_NATIVE) {
#if defined(__x86_64__)
		cpu_timing_probe(l);
		return;
#endif
	}
	s = signal_add(l, "timing", "cpuid.exit_cycles", "", SIGNAL_ABSENT);
	signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s",
		    !wanted ? "not run: opt-in (--timing-probe)"
			    : "not run: needs the native x86-64 CPUID, not a replay");
}

void collect_cpu(const struct cpuid_source *cpu, const struct hostfs *fs,
		 const struct collect_options *o, struct signal_list *l,
		 struct platform_facts *f)
{
	cpu_leaf1(cpu, l, f);
	cpu_vendor_leaves(cpu, l, f);
	cpu_tdx(cpu, l, f);
	cpu_brand(cpu, fs, l);
	cpu_kernel_flags(fs, l, f);
	cpu_kernel_log(fs, l, f);
	cpu_kernel_view(o ? o->kview : NULL, l, f);
	cpu_timing(cpu, o && o->timing_probe, l);
}
