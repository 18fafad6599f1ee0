// SPDX-License-Identifier: GPL-2.0
/*
 * Architecture-side signals: which architecture the tree describes, and each non-x86
 * platform's own hypervisor tells (arm64, ppc64, s390x), where CPUID does not exist.
 *
 * The architecture is read from the tree, never from the machine imswatch runs on: a
 * --sysroot tree captured on an arm64 server is read on x86 too. /proc/cpuinfo has a
 * different shape on each (the kernel's show_cpuinfo() of each arch/):
 *   arm64  "CPU implementer : 0x41"      (arch/arm64/kernel/cpuinfo.c)
 *   ppc64  "cpu : POWER9 ...", "platform : pSeries|PowerNV"
 *                                        (arch/powerpc/kernel/setup-common.c)
 *   s390x  "vendor_id : IBM/S390"        (arch/s390/kernel/processor.c)
 *   x86    "vendor_id : GenuineIntel", "flags : ..." (arch/x86/kernel/cpu/proc.c)
 * and only x86 has a CPUID to replay.
 */
#include "signals.h"
#include "names.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DT "proc/device-tree"

/* What /proc/cpuinfo said, kept for the per-platform tells. */
struct arch_cpuinfo {
	char platform[32]; /* ppc64: "pSeries", "PowerNV" */
	char model[96];	   /* ppc64: "IBM pSeries (emulated by qemu)", "IBM,9009-42A" */
	char firmware[16]; /* ppc64 PowerNV: "OPAL" */
};

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* copy_str() without the value's trailing blanks (sysinfo pads its fields to 16) */
static void copy_trim(char *dst, size_t size, const char *src)
{
	size_t n;

	copy_str(dst, size, src);
	for (n = strlen(dst); n && (dst[n - 1] == ' ' || dst[n - 1] == '\t'); n--)
		dst[n - 1] = '\0';
}

/* "key<tabs/spaces>: value" -> value, when the line's key is KEY */
static const char *cpuinfo_value(const char *line, const char *key)
{
	size_t k = strlen(key);
	const char *p;

	if (strncmp(line, key, k))
		return NULL;
	for (p = line + k; *p == ' ' || *p == '\t'; p++)
		;
	if (*p != ':')
		return NULL;
	for (p++; *p == ' ' || *p == '\t'; p++)
		;
	return p;
}

/*
 * The architecture the tree describes, with how it was told. Returns the arch and writes
 * the reason into HOW; fills CI with the ppc64 lines the tells need.
 */
static enum platform_arch arch_from_cpuinfo(const struct hostfs *fs, struct arch_cpuinfo *ci,
					    char *how, size_t len, ssize_t *got)
{
	static char buf[65536];
	enum platform_arch a = ARCH_UNKNOWN;
	char *line, *end;
	const char *v;

	*got = hostfs_read_text(fs, "proc/cpuinfo", buf, sizeof(buf));
	if (*got < 0)
		return ARCH_UNKNOWN;
	for (line = buf; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		if (cpuinfo_value(line, "CPU implementer") && a == ARCH_UNKNOWN) {
			a = ARCH_ARM64;
			snprintf(how, len, "/proc/cpuinfo has 'CPU implementer' (an Arm core)");
		} else if ((v = cpuinfo_value(line, "vendor_id"))) {
			if (!strcmp(v, "IBM/S390")) {
				a = ARCH_S390;
				snprintf(how, len, "/proc/cpuinfo vendor_id 'IBM/S390'");
			} else if (a == ARCH_UNKNOWN) {
				a = ARCH_X86;
				snprintf(how, len, "/proc/cpuinfo has an x86 vendor_id line");
			}
		} else if ((v = cpuinfo_value(line, "platform"))) {
			copy_trim(ci->platform, sizeof(ci->platform), v);
			a = ARCH_PPC64;
			snprintf(how, len, "/proc/cpuinfo platform '%.24s' (Power)", v);
		} else if ((v = cpuinfo_value(line, "model"))) {
			copy_trim(ci->model, sizeof(ci->model), v);
		} else if ((v = cpuinfo_value(line, "firmware"))) {
			copy_trim(ci->firmware, sizeof(ci->firmware), v);
		} else if ((v = cpuinfo_value(line, "cpu")) && a == ARCH_UNKNOWN &&
			   (has_prefix(v, "POWER") || has_prefix(v, "PPC"))) {
			a = ARCH_PPC64;
			snprintf(how, len, "/proc/cpuinfo cpu '%.24s' (Power)", v);
		} else if (cpuinfo_value(line, "flags") && a == ARCH_UNKNOWN) {
			/* x86 only: arm64 says "Features", ppc64 and s390x have no such line */
			a = ARCH_X86;
			snprintf(how, len, "/proc/cpuinfo has an x86 flags line");
		}
	}
	return a;
}

static void arch_detect(const struct cpuid_source *cpu, const struct hostfs *fs,
			struct signal_list *l, struct platform_facts *f,
			struct arch_cpuinfo *ci)
{
	char how[96] = "";
	ssize_t got;
	struct signal *s;

	f->arch = arch_from_cpuinfo(fs, ci, how, sizeof(how), &got);
	if (f->arch == ARCH_UNKNOWN && cpu->kind != CPUID_ABSENT) {
		f->arch = ARCH_X86;
		snprintf(how, sizeof(how), "a CPUID source answers (%s)",
			 cpu->kind == CPUID_REPLAY ? "--cpuid-file" : "this machine's CPU");
	}
	if (f->arch == ARCH_UNKNOWN)
		snprintf(how, sizeof(how), "%s",
			 got < 0 ? "no /proc/cpuinfo and no CPUID"
				 : "/proc/cpuinfo of no known shape, and no CPUID");
	s = signal_add(l, "arch", "arch", platform_arch_name(f->arch),
		       f->arch == ARCH_UNKNOWN ? SIGNAL_ABSENT : SIGNAL_PRESENT);
	signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s", how);
}

/* a device-tree property: NUL-separated strings joined with ',' (as fw_device_tree) */
static ssize_t dt_read(const struct hostfs *fs, const char *path, char *val, size_t size)
{
	ssize_t n = hostfs_read_bin(fs, path, val, size - 1);
	ssize_t i;

	if (n < 0) {
		val[0] = '\0';
		return n;
	}
	for (i = 0; i < n; i++)
		if (!val[i])
			val[i] = ',';
	while (i > 0 && val[i - 1] == ',')
		i--;
	val[i] = '\0';
	return i;
}

/* one entry of a ','-joined compatible list equals WANT */
static bool dt_compatible(const char *list, const char *want)
{
	size_t w = strlen(want);
	const char *p;

	for (p = list; (p = strstr(p, want)); p += w)
		if ((p == list || p[-1] == ',') && (p[w] == ',' || p[w] == '\0'))
			return true;
	return false;
}

static int first_entry(const char *name, void *ctx)
{
	(void)name;
	(void)ctx;
	return 1;
}

/* 1 there, 0 not there, -errno could not look (unknown, never "not there") */
static int dt_node(const struct hostfs *fs, const char *path)
{
	int r = hostfs_list(fs, path, first_entry, NULL);

	if (r >= 0)
		return 1;
	return r == -ENOENT || r == -ENOTDIR ? 0 : r;
}

static int fw_cfg_entry(const char *name, void *ctx)
{
	/* QEMU's fw_cfg device node, "fw-cfg@9020000" on arm64 virt (systemd's virt.c too) */
	if (strstr(name, "fw-cfg")) {
		copy_str(ctx, 48, name);
		return 1;
	}
	return 0;
}

/*
 * The device tree's root, for both arm64 and ppc64. QEMU's arm64 virt board (and kvmtool)
 * name the root "linux,dummy-virt" (model and compatible, hw/arm/virt.c create_fdt());
 * QEMU's pSeries machine is compatible "qemu,pseries" (util-linux lscpu-virt.c).
 */
static void dt_root(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f,
		    char *compat, size_t size)
{
	char model[96], node[48] = "";
	struct signal *s;

	dt_read(fs, DT "/compatible", compat, size);
	dt_read(fs, DT "/model", model, sizeof(model));
	if (compat[0]) {
		s = signal_add(l, "device_tree", "compatible", compat, SIGNAL_PRESENT);
		if (dt_compatible(compat, "linux,dummy-virt"))
			signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "QEMU",
				    "the board of QEMU's arm64 virt machine (kvmtool's too)");
		else if (dt_compatible(compat, "qemu,pseries"))
			signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "QEMU",
				    "QEMU's pSeries machine (under KVM or TCG)");
		else if (dt_compatible(compat, "ibm,powernv"))
			signal_mark(s, INDICATES_HOST, STRENGTH_MEDIUM, "",
				    "PowerNV: OPAL firmware runs Linux in hypervisor mode");
		else
			signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
				    "a board the firmware names; no VMM's");
		f->ppc_opal |= dt_compatible(compat, "ibm,powernv");
	}
	if (model[0] && strcmp(model, compat)) {
		s = signal_add(l, "device_tree", "model", model, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "the board's model");
	}
	if (hostfs_list(fs, DT, fw_cfg_entry, node) > 0) {
		s = signal_add(l, "device_tree", "fw-cfg", node, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "QEMU",
			    "QEMU's firmware configuration device in the device tree");
	}
}

/*
 * The platform's own hypervisor interfaces, looked at: the device tree's /hypervisor node
 * (Xen's "xen,xen", KVM's "linux,kvm" on ppc64; read as an item by fw_device_tree) and
 * /sys/hypervisor/type (Xen; read by fw_xen). A present one is already a strong item; what
 * is left to know is whether an absent one was really absent or could not be looked at.
 */
static bool hv_interfaces_read(const struct hostfs *fs)
{
	char buf[8];
	ssize_t a = hostfs_read_bin(fs, DT "/hypervisor/compatible", buf, sizeof(buf));
	ssize_t b = hostfs_read_bin(fs, "sys/hypervisor/type", buf, sizeof(buf));

	return (a >= 0 || a == -ENOENT || a == -ENOTDIR) &&
	       (b >= 0 || b == -ENOENT || b == -ENOTDIR);
}

/* ---- arm64 ---------------------------------------------------------------------------- */

struct arm_log {
	bool smccc_kvm, hyperv, el_seen;
	char el[8];	   /* "EL1", "EL2" */
	char smccc[96];	   /* the line's tail, services bitmap */
};

/*
 * Kernel log lines only a hypervisor below makes the kernel print (Debian's 6.12 source):
 *  - drivers/firmware/smccc/kvm_guest.c, kvm_init_hyp_services(): "smccc: KVM: hypervisor
 *    services detected (...)", printed only when ARM_SMCCC_VENDOR_HYP_CALL_UID answers
 *    KVM's UID over the HVC conduit. The kernel keeps the UID in no file; the log is the
 *    only place userspace sees it.
 *  - arch/arm64/hyperv/mshyperv.c, hyperv_init(): "Hyper-V: privilege flags low ...".
 *  - arch/arm64/kernel/smp.c, hyp_mode_check(): "CPU: All CPU(s) started at EL1|EL2". EL1
 *    means something beneath holds EL2: a hypervisor (on some phone and laptop SoCs the
 *    vendor's own). EL2 is no proof of a host: a nested-virtualization guest starts there.
 */
static bool arm_log_line(const char *line, void *ctx)
{
	static const char smccc[] = "smccc: KVM: hypervisor services detected";
	static const char el[] = "CPU: All CPU(s) started at ";
	struct arm_log *k = ctx;
	const char *hit;

	if (!k->smccc_kvm && (hit = strstr(line, smccc))) {
		k->smccc_kvm = true;
		for (hit += sizeof(smccc) - 1; *hit == ' '; hit++)
			;
		copy_str(k->smccc, sizeof(k->smccc), hit);
	}
	if (!k->hyperv && strstr(line, "Hyper-V: privilege flags"))
		k->hyperv = true;
	if (!k->el_seen && (hit = strstr(line, el))) {
		k->el_seen = true;
		copy_str(k->el, sizeof(k->el), hit + sizeof(el) - 1);
	}
	return k->smccc_kvm && k->el_seen;
}

static void arm_kernel_log(const struct hostfs *fs, struct signal_list *l)
{
	struct arm_log k = { 0 };
	struct kmsg_walk w;
	struct signal *s;

	/* an unreadable log is reported once, by signals_cpu.c */
	(void)kmsg_walk(fs, arm_log_line, &k, &w);
	if (k.smccc_kvm) {
		s = signal_add(l, "kernel_log", "smccc_kvm_services", k.smccc, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, "KVM",
			    "the hypervisor answered the SMCCC vendor UID call with KVM's UID");
	}
	if (k.hyperv) {
		s = signal_add(l, "kernel_log", "hyperv_privileges", "logged", SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, "Microsoft Hyper-V",
			    "the kernel read Hyper-V's partition privileges at boot");
	}
	if (k.el_seen) {
		s = signal_add(l, "kernel_log", "boot_el", k.el, SIGNAL_PRESENT);
		if (!strcmp(k.el, "EL1"))
			signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "",
				    "started at EL1: something beneath holds EL2 (a hypervisor)");
		else
			signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
				    "started at EL2 (a nested guest does too)");
	}
}

static void arm_tells(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f)
{
	char compat[128], method[16];
	struct signal *s;

	dt_root(fs, l, f, compat, sizeof(compat));
	/*
	 * PSCI over HVC: CPU power calls go to EL2, i.e. to a hypervisor; firmware at EL3 on
	 * real hardware is called with SMC (Documentation/devicetree/bindings/arm/psci.yaml,
	 * QEMU virt picks HVC without EL3 firmware).
	 */
	if (dt_read(fs, DT "/psci/method", method, sizeof(method)) > 0) {
		s = signal_add(l, "device_tree", "psci/method", method, SIGNAL_PRESENT);
		if (!strcmp(method, "hvc"))
			signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "",
				    "PSCI calls go to EL2: a hypervisor implements them");
		else
			signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
				    "PSCI calls go to firmware (%.8s)", method);
	}
	arm_kernel_log(fs, l);
	f->arch_hv_read = hv_interfaces_read(fs);
}

/* ---- ppc64 ---------------------------------------------------------------------------- */

/*
 * Power: PowerNV (OPAL firmware, Linux in hypervisor mode: bare metal) or pSeries (PAPR:
 * Linux in a logical partition of PowerVM, or a KVM/QEMU guest). The tells, after
 * util-linux lscpu-virt.c read_hypervisor_powerpc() and systemd's virt.c:
 *  - "ibm,powernv" root compatible, the /ibm,opal node, cpuinfo "firmware : OPAL": host
 *  - /hypervisor "linux,kvm" (fw_device_tree), "qemu,pseries", model "IBM pSeries
 *    (emulated by qemu)" (arch/powerpc/platforms/pseries/setup.c prints it as "machine")
 *  - /ibm,partition-name (+ "hmc-managed?"): a PowerVM partition; "full" is a
 *    full-system partition (util-linux: no virtualization)
 *  - /rtas/ibm,hypertas-functions: the hypervisor calls the firmware offers; the kernel
 *    sets FW_FEATURE_LPAR from it (arch/powerpc/platforms/pseries/firmware.c)
 *  - /proc/ppc64/lparcfg: created by every pSeries kernel (pseries/lparcfg.c)
 */
static void ppc_tells(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f,
		      const struct arch_cpuinfo *ci)
{
	char compat[128], buf[64], names[48];
	bool qemu, kvm;
	struct signal *s;
	ssize_t n;
	int r;

	dt_root(fs, l, f, compat, sizeof(compat));
	n = dt_read(fs, DT "/hypervisor/compatible", buf, sizeof(buf));
	kvm = n > 0 && strstr(buf, "kvm");
	/* systemd and util-linux tell QEMU from PowerVM by this property too */
	qemu = dt_compatible(compat, "qemu,pseries") || strstr(ci->model, "emulated by qemu") ||
	       hostfs_read_bin(fs, DT "/chosen/qemu,graphic-width", buf, 1) >= 0;
	copy_str(names, sizeof(names), kvm ? "KVM" : qemu ? "QEMU" : "IBM PowerVM");

	if (ci->platform[0]) {
		s = signal_add(l, "cpuinfo", "platform", ci->platform, SIGNAL_PRESENT);
		if (!strcmp(ci->platform, "pSeries"))
			signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, names,
				    "a pSeries kernel runs in a partition of a PAPR hypervisor "
				    "(PowerVM or KVM)");
		else if (!strcmp(ci->platform, "PowerNV"))
			signal_mark(s, INDICATES_HOST, STRENGTH_MEDIUM, "",
				    "PowerNV: Linux runs in hypervisor mode on OPAL firmware");
		else
			signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "Power platform");
	}
	if (strstr(ci->model, "emulated by qemu")) {
		s = signal_add(l, "cpuinfo", "model", ci->model, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "QEMU",
			    "QEMU's pSeries machine names itself so");
	}
	if (!strcmp(ci->firmware, "OPAL"))
		f->ppc_opal = true;
	r = dt_node(fs, DT "/ibm,opal");
	if (r == 1) {
		f->ppc_opal = true;
		s = signal_add(l, "device_tree", "ibm,opal", "present", SIGNAL_PRESENT);
		signal_mark(s, INDICATES_HOST, STRENGTH_MEDIUM, "",
			    "OPAL firmware: Linux owns hypervisor mode (PowerNV, bare metal)");
	}

	/* the partition's name identifies the machine: only "full" is kept, never the name */
	n = hostfs_read_text(fs, DT "/ibm,partition-name", buf, sizeof(buf));
	if (n >= 0) {
		bool full = !strcmp(buf, "full");
		bool hmc = hostfs_read_bin(fs, DT "/hmc-managed?", buf, 1) >= 0;

		s = signal_add(l, "device_tree", "ibm,partition-name",
			       full ? "full" : "present (name not kept)", SIGNAL_PRESENT);
		if (full)
			signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, names,
				    "a full-system partition: one partition owns the machine");
		else
			signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, names,
				    "a logical partition%s", hmc ? " managed by an HMC" : "");
	}
	n = hostfs_read_bin(fs, DT "/rtas/ibm,hypertas-functions", buf, sizeof(buf));
	if (n >= 0) {
		s = signal_add(l, "device_tree", "rtas/ibm,hypertas-functions", "present",
			       SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, names,
			    "the firmware offers hypervisor calls: an LPAR (FW_FEATURE_LPAR)");
	}
	n = hostfs_read_text(fs, "proc/ppc64/lparcfg", buf, sizeof(buf));
	if (n >= 0) {
		char *nl = strchr(buf, '\n');

		if (nl)
			*nl = '\0';
		s = signal_add(l, "lparcfg", "proc/ppc64/lparcfg", buf, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, names,
			    "the pSeries partition configuration interface");
	}
}

/* ---- s390x ---------------------------------------------------------------------------- */

/*
 * IBM Z has no bare metal: the PR/SM firmware hypervisor owns every machine, and an OS runs
 * in one of its logical partitions (LPAR), possibly under z/VM or KVM inside that.
 * /proc/sysinfo (arch/s390/kernel/sysinfo.c, from STSI) prints "LPAR Number:" for the
 * partition (level 2.2.2) and "VMnn Control Program: <cpi>" for each hypervisor level
 * above it (3.2.2), VM00 the one directly beneath this OS: "z/VM    7.3.0" or QEMU's
 * "KVM/Linux" (systemd's virt.c reads the same line).
 */
static void s390_tells(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f)
{
	static char buf[16384];
	char *line, *end, cp[48] = "", lpar[16] = "";
	struct signal *s;
	ssize_t n = hostfs_read_text(fs, "proc/sysinfo", buf, sizeof(buf));
	const char *v;

	if (n < 0) {
		f->s390_sysinfo = n == -ENOENT || n == -ENOTDIR ? 0 : -1;
		s = signal_add(l, "sysinfo", "proc/sysinfo", "", state_of_errno(n));
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "cannot read: %s",
			    strerror((int)-n));
		return;
	}
	f->s390_sysinfo = 1;
	for (line = buf; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		if (!cp[0] && (v = cpuinfo_value(line, "VM00 Control Program")))
			copy_trim(cp, sizeof(cp), v);
		else if (!lpar[0] && (v = cpuinfo_value(line, "LPAR Number")))
			copy_trim(lpar, sizeof(lpar), v);
	}
	/* VM00 first: the hypervisor named is the one directly beneath this OS */
	if (cp[0]) {
		bool zvm = strstr(cp, "z/VM") != NULL;
		bool kvm = strstr(cp, "KVM") != NULL;

		s = signal_add(l, "sysinfo", "VM00 Control Program", cp, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG,
			    zvm ? "IBM z/VM" : kvm ? "KVM" : cp,
			    "a hypervisor level above the LPAR runs this OS (STSI 3.2.2)");
	}
	if (lpar[0]) {
		s = signal_add(l, "sysinfo", "LPAR Number", lpar, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, "IBM PR/SM (LPAR)",
			    "a logical partition of PR/SM, the firmware hypervisor of every IBM Z");
	}
	if (!cp[0] && !lpar[0]) {
		s = signal_add(l, "sysinfo", "proc/sysinfo", "", SIGNAL_ABSENT);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "no LPAR or VM level in /proc/sysinfo");
	}
}

/* ---- every architecture ----------------------------------------------------------------- */

struct ptp_walk {
	const struct hostfs *fs;
	struct signal_list *l;
};

/*
 * ptp_kvm: drivers/ptp/ptp_kvm_common.c registers a clock named "KVM virtual PTP" only when
 * the KVM host offers its PTP service (x86 kvmclock, arm64 ARM_SMCCC_KVM_FUNC_PTP).
 */
static int ptp_clock(const char *name, void *ctx)
{
	struct ptp_walk *w = ctx;
	char path[96], val[64], key[48];
	struct signal *s;

	snprintf(path, sizeof(path), "sys/class/ptp/%.32s/clock_name", name);
	if (hostfs_read_text(w->fs, path, val, sizeof(val)) < 0 ||
	    strcmp(val, "KVM virtual PTP"))
		return 0;
	snprintf(key, sizeof(key), "%.32s.clock_name", name);
	s = signal_add(w->l, "ptp", key, val, SIGNAL_PRESENT);
	signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, "KVM",
		    "a clock only a KVM host's PTP service provides");
	return 1;
}

void collect_arch(const struct cpuid_source *cpu, const struct hostfs *fs,
		  struct signal_list *l, struct platform_facts *f)
{
	struct arch_cpuinfo ci = { 0 };
	struct ptp_walk w = { .fs = fs, .l = l };

	arch_detect(cpu, fs, l, f, &ci);
	switch (f->arch) {
	case ARCH_ARM64:
		arm_tells(fs, l, f);
		break;
	case ARCH_PPC64:
		ppc_tells(fs, l, f, &ci);
		break;
	case ARCH_S390:
		s390_tells(fs, l, f);
		break;
	default:
		break;
	}
	hostfs_list(fs, "sys/class/ptp", ptp_clock, &w);
}

/*
 * A --sysroot tree of another architecture is not described by this machine's CPUID: read
 * it with none, as a live machine of that architecture would be. A --cpuid-file replay is
 * the caller's explicit choice and is kept.
 */
const struct cpuid_source *arch_cpuid_source(const struct hostfs *fs,
					     const struct cpuid_source *cpu,
					     struct cpuid_source *absent)
{
	struct arch_cpuinfo ci = { 0 };
	char how[96];
	ssize_t got;
	enum platform_arch a;

	if (cpu->kind != CPUID_NATIVE || fs->is_slash)
		return cpu;
	a = arch_from_cpuinfo(fs, &ci, how, sizeof(how), &got);
	if (a != ARCH_ARM64 && a != ARCH_PPC64 && a != ARCH_S390)
		return cpu;
	*absent = (struct cpuid_source){ .kind = CPUID_ABSENT };
	return absent;
}

const char *platform_arch_name(enum platform_arch a)
{
	static const char *const names[] = {
		[ARCH_UNKNOWN] = "unknown", [ARCH_X86] = "x86",	  [ARCH_ARM64] = "arm64",
		[ARCH_PPC64] = "ppc64",	    [ARCH_S390] = "s390x",
	};

	return NAME_FROM(names, a, "unknown");
}
