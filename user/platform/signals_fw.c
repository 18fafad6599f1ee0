// SPDX-License-Identifier: GPL-2.0
/*
 * Firmware-side signals: DMI strings, the raw SMBIOS type 0 "virtual machine" bit, ACPI table
 * OEM ids, QEMU fw_cfg, Xen and device-tree hypervisor files, confidential-VM guest devices.
 * DMI, SMBIOS and ACPI are written by whoever provides the firmware: in a VM, the VMM. They
 * can name a hypervisor; their silence proves nothing.
 */
#include "signals.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DMI_DIR "sys/class/dmi/id"
#define SMBIOS_TABLE "sys/firmware/dmi/tables/DMI"
#define ACPI_DIR "sys/firmware/acpi/tables"
#define ACPI_HEADER_LEN 36

static const char *const dmi_fields[] = {
	"sys_vendor",	"product_name", "product_version", "board_vendor",
	"bios_vendor",	"bios_version", "chassis_vendor",
};
#define N_DMI (sizeof(dmi_fields) / sizeof(dmi_fields[0]))
enum { DMI_SYS_VENDOR, DMI_PRODUCT_NAME };

/*
 * DMI strings that name a VMM. Prefix match on the value; PRODUCT, when set, must also prefix
 * product_name, for vendors whose real hardware carries the same vendor string (Microsoft
 * Surface, Oracle servers, Google Chromebooks).
 */
static const struct dmi_pattern {
	const char *prefix;
	const char *product;
	const char *names;
} dmi_patterns[] = {
	{ "QEMU", NULL, "QEMU" },
	/* SeaBIOS's default when QEMU passes no type 1: QEMU, not the Bochs emulator */
	{ "Bochs", NULL, "QEMU" },
	{ "KVM", NULL, "KVM" },
	{ "Xen", NULL, "Xen" },
	{ "HVM domU", NULL, "Xen" },
	{ "VMware", NULL, "VMware" },
	{ "VMW", NULL, "VMware" },
	{ "innotek GmbH", NULL, "VirtualBox" },
	{ "VirtualBox", NULL, "VirtualBox" },
	{ "Oracle Corporation", "VirtualBox", "VirtualBox" },
	{ "Parallels", NULL, "Parallels" },
	{ "BHYVE", NULL, "bhyve" },
	{ "Microsoft Corporation", "Virtual Machine", "Microsoft Hyper-V" },
	{ "Virtual Machine", NULL, "Microsoft Hyper-V" },
	{ "Amazon EC2", NULL, "Amazon EC2" },
	{ "Google", "Google Compute Engine", "Google Compute Engine" },
	{ "Google Compute Engine", NULL, "Google Compute Engine" },
	{ "OpenStack", NULL, "OpenStack" },
	{ "Red Hat", "KVM", "KVM" },
	{ "RHEV Hypervisor", NULL, "KVM" },
	{ "oVirt", NULL, "KVM" },
	{ "Nutanix", "AHV", "Nutanix AHV" },
	{ "Alibaba Cloud", NULL, "Alibaba Cloud" },
	{ "DigitalOcean", NULL, "DigitalOcean" },
	{ "Firecracker", NULL, "Firecracker" },
	{ "Cloud Hypervisor", NULL, "Cloud Hypervisor" },
	{ "Apple Virtualization", NULL, "Apple Virtualization" },
};

static const char *const seed_only_vendors[] = {
	/* in the seed's list, but real hardware uses them too */
	"Microsoft Corporation",
	"Oracle Corporation",
};

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

static const struct dmi_pattern *dmi_match(const char *value, const char *product)
{
	size_t i;

	for (i = 0; i < sizeof(dmi_patterns) / sizeof(dmi_patterns[0]); i++) {
		const struct dmi_pattern *p = &dmi_patterns[i];

		if (has_prefix(value, p->prefix) && (!p->product || has_prefix(product, p->product)))
			return p;
	}
	return NULL;
}

static int first_entry(const char *name, void *ctx)
{
	(void)name;
	(void)ctx;
	return 1;
}

/*
 * 1: the directory is there, 0: it is not (ENOENT, ENOTDIR), -errno: it could not be
 * looked at, which is unknown and must not read as "not there".
 */
static int dir_probe(const struct hostfs *fs, const char *path)
{
	int r = hostfs_list(fs, path, first_entry, NULL);

	if (r >= 0)
		return 1;
	return r == -ENOENT || r == -ENOTDIR ? 0 : r;
}

/* a directory signal that could not be looked at: listed as unreadable, never dropped */
static void add_unreadable_dir(struct signal_list *l, const char *source, const char *path,
			       int err)
{
	struct signal *s = signal_add(l, source, path, "", SIGNAL_UNREADABLE);

	signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "cannot read: %s", strerror(-err));
}

static void fw_dmi(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f)
{
	char val[N_DMI][128], path[96];
	ssize_t got[N_DMI];
	struct signal *s;
	size_t i, present = 0;

	for (i = 0; i < N_DMI; i++) {
		snprintf(path, sizeof(path), DMI_DIR "/%s", dmi_fields[i]);
		got[i] = hostfs_read_text(fs, path, val[i], sizeof(val[i]));
		if (got[i] < 0)
			val[i][0] = '\0';
		else
			present++;
	}
	if (!present && !dir_probe(fs, DMI_DIR)) {
		s = signal_add(l, "dmi", DMI_DIR, "", SIGNAL_ABSENT);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "no DMI at all (microVMs such as Firecracker, PV guests, non-x86)");
		return;
	}
	/* Xen's HVM firmware names the guest: a domU, never dom0 (which sees real DMI) */
	f->xen_role_known |= has_prefix(val[DMI_PRODUCT_NAME], "HVM domU");
	/* EC2 bare-metal instances keep Amazon's strings on real hardware */
	f->ec2_metal = has_prefix(val[DMI_SYS_VENDOR], "Amazon EC2") &&
		       has_suffix(val[DMI_PRODUCT_NAME], ".metal");
	if (got[DMI_SYS_VENDOR] >= 0) {
		f->dmi_readable = true;
		copy_str(f->dmi_sys_vendor, sizeof(f->dmi_sys_vendor), val[DMI_SYS_VENDOR]);
	}
	for (i = 0; i < N_DMI; i++) {
		const struct dmi_pattern *p;
		size_t k;

		s = signal_add(l, "dmi", dmi_fields[i], val[i], state_of_errno(got[i]));
		if (got[i] < 0) {
			if (s && s->state == SIGNAL_UNREADABLE)
				snprintf(s->note, sizeof(s->note), "cannot read: %s",
					 strerror((int)-got[i]));
			continue;
		}
		p = dmi_match(val[i], val[DMI_PRODUCT_NAME]);
		if (p && f->ec2_metal && !strcmp(p->names, "Amazon EC2")) {
			signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "Amazon EC2",
				    "EC2 bare-metal instance ('.metal'): real hardware");
			continue;
		}
		if (p) {
			signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, p->names,
				    "names a hypervisor or cloud VM ('%s')", p->prefix);
			continue;
		}
		for (k = 0; k < sizeof(seed_only_vendors) / sizeof(seed_only_vendors[0]); k++)
			if (has_prefix(val[i], seed_only_vendors[k]))
				signal_mark(s, INDICATES_GUEST, STRENGTH_WEAK, "",
					    "in the seed's vendor list, but '%s' also makes real "
					    "hardware",
					    seed_only_vendors[k]);
	}
}

#define SMBIOS_ENTRY "sys/firmware/dmi/tables/smbios_entry_point"

/* SMBIOS version from the entry point ("_SM_" 2.x: bytes 6-7, "_SM3_" 3.x: bytes 7-8) */
static int smbios_version(const struct hostfs *fs)
{
	unsigned char e[32];
	ssize_t n = hostfs_read_bin(fs, SMBIOS_ENTRY, e, sizeof(e));

	if (n >= 9 && !memcmp(e, "_SM3_", 5))
		return e[7] * 100 + e[8];
	if (n >= 8 && !memcmp(e, "_SM_", 4))
		return e[6] * 100 + e[7];
	return -1;
}

/*
 * SMBIOS type 0, BIOS characteristics extension byte 2 (offset 0x13), bit 4: "virtual
 * machine" (defined from SMBIOS 2.5; reserved before). Weak: real firmware sets it too
 * (desktops and point-of-sale terminals, some on 2.4 tables), and most KVM guests' SeaBIOS
 * or OVMF tables leave it clear, so it never decides alone.
 */
static void smbios_type0(const unsigned char *t, size_t len, int version, struct signal_list *l,
			 struct platform_facts *f)
{
	int bit = len > 0x13 ? !!(t[0x13] & (1u << 4)) : -1;
	struct signal *s = signal_add(l, "smbios", "type0.virtual_machine",
				      bit < 0 ? "" : bit ? "1" : "0",
				      bit < 0 ? SIGNAL_ABSENT : SIGNAL_PRESENT);

	f->smbios_vm_bit = bit;
	if (bit == 1 && version >= 0 && version < 205)
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "virtual-machine bit set in an SMBIOS %d.%d table, where the bit is "
			    "still reserved: firmware noise",
			    version / 100, version % 100);
	else if (bit == 1)
		signal_mark(s, INDICATES_GUEST, STRENGTH_WEAK, "",
			    "BIOS characteristics: virtual machine (real firmware sets it too: "
			    "never decides alone)");
	else
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s",
			    bit == 0 ? "virtual-machine bit clear"
				     : "type 0 too short for extension byte 2");
}

/*
 * Type 4 (processor) ID holds the boot CPU's CPUID leaf 1 EAX (x86). Firmware copied from
 * another machine (-smbios file=, a cloak) names a CPU this one is not. Weak: a few real
 * boards fill the field carelessly, and we have no real captures with both to measure.
 */
struct type4_check {
	int seen, zero, match;
	uint32_t first;
};

static void smbios_type4(const unsigned char *t, size_t len, const struct platform_facts *f,
			 struct type4_check *c)
{
	uint32_t eax;

	if (len < 0x10)
		return;
	memcpy(&eax, t + 8, 4);
	if (!eax) {
		c->zero++; /* unpopulated socket, or firmware that leaves it blank */
		return;
	}
	if (!c->seen++)
		c->first = eax;
	/* family, model, extended ids; the stepping (bits 0-3) may differ between sockets */
	if (f->cpuid_leaf1_known && (eax & ~0xfu) == (f->cpuid_leaf1_eax & ~0xfu))
		c->match++;
}

static void smbios_type4_item(const struct type4_check *c, const struct platform_facts *f,
			      struct signal_list *l)
{
	struct signal *s;
	char v[32];

	if (!c->seen || !f->cpuid_leaf1_known)
		return;
	snprintf(v, sizeof(v), "0x%08x/0x%08x", c->first, f->cpuid_leaf1_eax);
	s = signal_add(l, "smbios", "type4.processor_id", v, SIGNAL_PRESENT);
	if (c->match)
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "DMI processor id matches CPUID leaf 1");
	else
		signal_mark(s, INDICATES_GUEST, STRENGTH_WEAK, "",
			    "DMI processor id (type 4) is not this CPU's CPUID signature: firmware "
			    "describing another machine");
}

/* The raw table is root-only: unreadable is unknown, not "no". */
static void fw_smbios(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f)
{
	static unsigned char t[65536];
	ssize_t n = hostfs_read_bin(fs, SMBIOS_TABLE, t, sizeof(t));
	struct type4_check c4 = { 0 };
	bool type0 = false;
	struct signal *s;
	size_t off = 0;
	int version;

	if (n < 0) {
		s = signal_add(l, "smbios", "type0.virtual_machine", "", state_of_errno(n));
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "%s",
			    n == -ENOENT ? "no raw SMBIOS table"
					 : "raw SMBIOS table is root-only: unknown, not 'no'");
		return;
	}
	f->dmi_readable = true;
	version = smbios_version(fs);
	while (off + 4 <= (size_t)n) {
		unsigned char type = t[off], len = t[off + 1];
		size_t next;

		if (len < 4 || off + len > (size_t)n)
			break;
		if (type == 0 && !type0) {
			type0 = true;
			smbios_type0(t + off, len, version, l, f);
		} else if (type == 4) {
			smbios_type4(t + off, len, f, &c4);
		}
		if (type == 127)
			break;
		/* skip the formatted area, then the string set ending in two NULs */
		for (next = off + len; next + 1 < (size_t)n && (t[next] || t[next + 1]); next++)
			;
		off = next + 2;
	}
	if (!type0) {
		s = signal_add(l, "smbios", "type0.virtual_machine", "", SIGNAL_ABSENT);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "no type 0 structure");
	}
	smbios_type4_item(&c4, f, l);
}

/*
 * ACPI header ids a VMM's firmware writes. The OEM id is compared whole, without its
 * padding: a prefix match made Google's GCE id "GOOG" match coreboot's "GOOGLE" on real
 * Chromebooks. Table ids are prefixes ("BXPCDSDT", "VBOXFACP", "GOOGAPIC") of a VMM's own
 * naming scheme.
 */
static const struct acpi_id {
	const char *id;
	const char *names;
} acpi_vmm_oem_ids[] = {
	{ "BOCHS", "QEMU" },	   { "VBOX", "VirtualBox" }, { "VRTUAL", "Microsoft Hyper-V" },
	{ "Xen", "Xen" },	   { "FIRECK", "Firecracker" }, { "AMAZON", "Amazon EC2" },
	{ "Google", "Google Compute Engine" }, { "VMWARE", "VMware" }, { "PRLS", "Parallels" },
	{ "BHYVE", "bhyve" },	   { "ACRN", "ACRN" },	     { "CLOUDH", "Cloud Hypervisor" },
}, acpi_vmm_table_ids[] = {
	{ "BXPC", "QEMU" },	   { "VBOX", "VirtualBox" }, { "FCVM", "Firecracker" },
	{ "GOOG", "Google Compute Engine" }, { "AMZN", "Amazon EC2" }, { "BVDSDT", "bhyve" },
}, acpi_vmm_creators[] = {
	/*
	 * The creator id (header bytes 28-31) names the program that built the table: QEMU's
	 * table builder writes "BXPC" whatever -machine x-oem-id= says, Xen's hvmloader
	 * "HVML", Firecracker "FCAT", Cloud Hypervisor "RVAT". Real firmware names its ASL
	 * compiler or vendor ("INTL", "MSFT", "AMI ", "ACPI", "CORE").
	 */
	{ "BXPC", "QEMU" }, { "HVML", "Xen" }, { "FCAT", "Firecracker" },
	{ "RVAT", "Cloud Hypervisor" },
};

/*
 * Device ids in the AML of the DSDT/SSDTs (as _HID/_CID strings) that only a VMM's virtual
 * platform declares. The fw_cfg and vmgenid devices survive every cloaking option QEMU
 * has; Hyper-V declares its VMBus; virtio-mmio transports use Linaro's id.
 */
static const struct aml_id {
	const char *id;
	const char *names;
	const char *what;
} aml_vmm_ids[] = {
	{ "QEMU0002", "QEMU", "QEMU's fw_cfg device" },
	{ "QEMU0001", "QEMU", "QEMU's pvpanic device" },
	{ "QEMUVGID", "QEMU", "QEMU's VM generation id device" },
	{ "VMBus", "Microsoft Hyper-V", "Hyper-V's VMBus" },
	{ "VMBUS", "Microsoft Hyper-V", "Hyper-V's VMBus" },
	{ "Hyper_V_Gen_Counter_V1", "Microsoft Hyper-V", "Hyper-V's generation counter" },
	{ "FCVMGID", "Firecracker", "Firecracker's VM generation id device" },
	{ "LNRO0005", "", "a virtio-mmio transport" },
};

#define AML_TABLE_MAX (4u << 20) /* DSDTs of large servers are a few hundred KiB */

static const struct acpi_id *acpi_find(const struct acpi_id *t, size_t n, const char *v,
				       bool whole)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (whole ? !strcmp(v, t[i].id) : has_prefix(v, t[i].id))
			return &t[i];
	return NULL;
}

#define ACPI_FIND(table, v, whole) acpi_find(table, sizeof(table) / sizeof(table[0]), v, whole)

/* distinct OEM id pairs listed one by one; real servers have 3-6, the rest is counted */
#define ACPI_LISTED_MAX 8
#define ACPI_SEEN_MAX 8 /* distinct VMM creator ids and AML device ids listed */

struct acpi_walk {
	const struct hostfs *fs;
	struct signal_list *l;
	struct platform_facts *f;
	int readable, unreadable, last_err;
	char seen[ACPI_LISTED_MAX][16]; /* distinct "OEMID/TABLEID" already listed */
	size_t seen_len[ACPI_LISTED_MAX];
	int n_seen;
	int unlisted; /* further distinct ids naming no VMM, past the cap */
	const void *named[ACPI_SEEN_MAX]; /* creator and AML table entries already listed */
	int n_named;
	unsigned char *aml; /* scratch for whole DSDT/SSDT tables, allocated on first use */
	bool waet;
};


/*
 * An ACPI id field as read, without its padding (spaces or NULs): raw bytes, NUL-terminated
 * for matching, length returned. The record layer escapes them (escape.h), so a hostile id
 * shows as the bytes it holds, not as '?'.
 */
static size_t trim_field(const unsigned char *src, size_t n, char *out)
{
	memcpy(out, src, n);
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
		n--;
	out[n] = '\0';
	return n;
}

/* list each creator id or AML id entry once, however many tables carry it */
static bool acpi_first_time(struct acpi_walk *w, const void *entry)
{
	int k;

	for (k = 0; k < w->n_named; k++)
		if (w->named[k] == entry)
			return false;
	if (w->n_named < ACPI_SEEN_MAX)
		w->named[w->n_named++] = entry;
	return true;
}

static void acpi_creator(struct acpi_walk *w, const char *name, const unsigned char *h)
{
	const struct acpi_id *c;
	char creator[8], key[40];
	size_t len = trim_field(h + 28, 4, creator);
	struct signal *s;

	c = ACPI_FIND(acpi_vmm_creators, creator, true);
	if (!c || !acpi_first_time(w, c))
		return;
	snprintf(key, sizeof(key), "%.8s.creator_id", name);
	s = signal_add_bytes(w->l, "acpi", key, creator, len, SIGNAL_PRESENT);
	signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, c->names,
		    "creator id of a VMM's ACPI table builder; spoofing the OEM ids "
		    "leaves it");
}

/* AML encodes a string _HID/_CID as StringPrefix (0x0d), the bytes, NUL */
static bool aml_has_string(const unsigned char *t, size_t n, const char *id)
{
	size_t len = strlen(id), i;

	for (i = 0; i + len + 2 <= n; i++)
		if (t[i] == 0x0d && t[i + 1] == (unsigned char)id[0] &&
		    !memcmp(t + i + 1, id, len) && t[i + 1 + len] == '\0')
			return true;
	return false;
}

static void acpi_aml(struct acpi_walk *w, const char *name, const char *path)
{
	struct signal *s;
	char key[40];
	ssize_t n;
	size_t i;

	if (strcmp(name, "DSDT") && strncmp(name, "SSDT", 4))
		return;
	if (!w->aml && !(w->aml = malloc(AML_TABLE_MAX)))
		return;
	n = hostfs_read_bin(w->fs, path, w->aml, AML_TABLE_MAX);
	if (n <= ACPI_HEADER_LEN)
		return;
	for (i = 0; i < sizeof(aml_vmm_ids) / sizeof(aml_vmm_ids[0]); i++) {
		const struct aml_id *a = &aml_vmm_ids[i];

		if (!aml_has_string(w->aml + ACPI_HEADER_LEN, (size_t)n - ACPI_HEADER_LEN, a->id) ||
		    !acpi_first_time(w, a))
			continue;
		snprintf(key, sizeof(key), "%.8s.device_id", name);
		s = signal_add(w->l, "acpi", key, a->id, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, a->names,
			    "the firmware declares %s", a->what);
	}
}

static int acpi_table(const char *name, void *ctx)
{
	struct acpi_walk *w = ctx;
	unsigned char h[ACPI_HEADER_LEN];
	char path[160], oem[8], tab[12], key[40], val[24];
	size_t oem_len, tab_len, val_len;
	const struct acpi_id *id;
	const char *names = NULL;
	struct signal *s;
	ssize_t n;
	int k;

	snprintf(path, sizeof(path), ACPI_DIR "/%s", name);
	n = hostfs_read_bin(w->fs, path, h, sizeof(h));
	if (n == -EISDIR)
		return 0; /* data/, dynamic/ */
	if (n < 0) {
		w->unreadable++;
		w->last_err = (int)-n;
		return 0;
	}
	if (n < ACPI_HEADER_LEN)
		return 0;
	w->readable++;
	w->waet |= !strncmp(name, "WAET", 4);
	acpi_creator(w, name, h);
	acpi_aml(w, name, path);
	oem_len = trim_field(h + 10, 6, oem);
	tab_len = trim_field(h + 16, 8, tab);
	if ((id = ACPI_FIND(acpi_vmm_oem_ids, oem, true)) ||
	    (id = ACPI_FIND(acpi_vmm_table_ids, tab, false)))
		names = id->names;
	if (names && w->f->ec2_metal && !strcmp(names, "Amazon EC2"))
		names = NULL;
	/* "OEMID/TABLEID", byte for byte (an id may hold a NUL before its padding) */
	memcpy(val, oem, oem_len);
	val[oem_len] = '/';
	memcpy(val + oem_len + 1, tab, tab_len);
	val_len = oem_len + 1 + tab_len;
	val[val_len] = '\0';
	for (k = 0; k < w->n_seen; k++)
		if (w->seen_len[k] == val_len && !memcmp(w->seen[k], val, val_len))
			return 0; /* one item per distinct OEM id pair */
	if (w->n_seen >= ACPI_LISTED_MAX) {
		/* a VMM's id is always listed; plain vendor ids past the cap are counted */
		if (!names) {
			w->unlisted++;
			return 0;
		}
	} else {
		memcpy(w->seen[w->n_seen], val, val_len);
		w->seen_len[w->n_seen++] = val_len;
	}
	snprintf(key, sizeof(key), "%.8s.oem", name);
	s = signal_add_bytes(w->l, "acpi", key, val, val_len, SIGNAL_PRESENT);
	if (names)
		signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, names,
			    "OEM id or table id of a VMM's firmware");
	else
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "no VMM OEM id");
	return 0;
}

static void fw_acpi(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f)
{
	struct acpi_walk w = { .fs = fs, .l = l, .f = f };
	struct signal *s;
	int r = hostfs_list(fs, ACPI_DIR, acpi_table, &w);

	free(w.aml);
	if (w.waet) {
		/* Microsoft's "Windows ACPI Emulated devices Table": a VMM's promise about its
		 * emulated RTC and PM timer; physical firmware has no emulated devices */
		s = signal_add(l, "acpi", "WAET", "present", SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "",
			    "WAET table: a VMM describes its emulated devices to the guest");
	}

	if (w.unlisted) {
		char n[16];

		snprintf(n, sizeof(n), "%d", w.unlisted);
		s = signal_add(l, "acpi", "tables.unlisted", n, SIGNAL_PRESENT);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
			    "more distinct OEM id pairs, none naming a VMM, not listed one by one");
	}

	if (r < 0 || (!w.readable && w.unreadable)) {
		enum signal_state st = r < 0 ? state_of_errno(r) : SIGNAL_UNREADABLE;

		s = signal_add(l, "acpi", "tables", "", st);
		if (st == SIGNAL_ABSENT)
			signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "no ACPI tables");
		else
			signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "",
				    "ACPI tables are root-only: unknown (%s)",
				    strerror(r < 0 ? -r : w.last_err));
	}
}

static void fw_cfg(const struct hostfs *fs, struct signal_list *l)
{
	struct signal *s;
	int r = dir_probe(fs, "sys/firmware/qemu_fw_cfg");

	if (r < 0)
		add_unreadable_dir(l, "fw_cfg", "sys/firmware/qemu_fw_cfg", r);
	if (r <= 0)
		return;
	s = signal_add(l, "fw_cfg", "sys/firmware/qemu_fw_cfg", "present", SIGNAL_PRESENT);
	signal_mark(s, INDICATES_GUEST, STRENGTH_MEDIUM, "QEMU",
		    "QEMU's firmware configuration device");
}

static void fw_xen(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f)
{
	char buf[128];
	struct signal *s;
	ssize_t n;

	n = hostfs_read_text(fs, "sys/hypervisor/type", buf, sizeof(buf));
	if (n >= 0) {
		s = signal_add(l, "hypervisor_fs", "sys/hypervisor/type", buf, SIGNAL_PRESENT);
		/* dom0 registers it too: only /proc/xen or the DMI tell dom0 from a domU */
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, !strcmp(buf, "xen") ? "Xen" : buf,
			    "the kernel registered a hypervisor interface (a Xen dom0 does too)");
		f->xen_present |= !strcmp(buf, "xen");
	}
	n = hostfs_read_text(fs, "proc/xen/capabilities", buf, sizeof(buf));
	if (n >= 0) {
		f->xen_present = true;
		f->xen_role_known = true;
		f->xen_dom0 = strstr(buf, "control_d") != NULL;
		s = signal_add(l, "xen", "proc/xen/capabilities", buf, SIGNAL_PRESENT);
		if (f->xen_dom0)
			signal_mark(s, INDICATES_HOST, STRENGTH_STRONG, "Xen",
				    "control_d: this OS is Xen's dom0 (the host's control domain)");
		else
			signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, "Xen",
				    "no control_d: an unprivileged Xen domain (domU)");
	} else if (n != -ENOENT && n != -ENOTDIR) {
		s = signal_add(l, "xen", "proc/xen/capabilities", "", SIGNAL_UNREADABLE);
		signal_mark(s, INDICATES_NOTHING, STRENGTH_WEAK, "", "cannot read: %s",
			    strerror((int)-n));
	}
}

static void fw_device_tree(const struct hostfs *fs, struct signal_list *l)
{
	unsigned char raw[128];
	char val[128];
	struct signal *s;
	ssize_t n = hostfs_read_bin(fs, "proc/device-tree/hypervisor/compatible", raw,
				    sizeof(raw) - 1);
	ssize_t i;

	if (n <= 0)
		return;
	/* a list of NUL-separated strings; other bytes as read, escaped by the record layer */
	for (i = 0; i < n; i++)
		val[i] = raw[i] ? (char)raw[i] : ',';
	while (i > 0 && val[i - 1] == ',')
		i--;
	val[i] = '\0';
	s = signal_add(l, "device_tree", "hypervisor/compatible", val, SIGNAL_PRESENT);
	signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG,
		    strstr(val, "xen") ? "Xen" : (strstr(val, "kvm") ? "KVM" : ""),
		    "the firmware describes a hypervisor node");
}

/* Guest-side devices of confidential VMs: only a TDX or SEV-SNP guest kernel creates them. */
static void fw_confidential(const struct hostfs *fs, struct signal_list *l,
			    struct platform_facts *f)
{
	static const struct {
		const char *path;
		enum cc_kind kind;
		const char *names;
	} devs[] = {
		{ "sys/class/misc/tdx_guest", CC_TDX, "Intel TDX" },
		{ "sys/class/misc/sev-guest", CC_SEV_SNP, "AMD SEV-SNP" },
		{ "sys/bus/platform/devices/sev-guest", CC_SEV_SNP, "AMD SEV-SNP" },
	};
	struct signal *s;
	size_t i;
	int r;

	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		r = dir_probe(fs, devs[i].path);
		if (r < 0)
			add_unreadable_dir(l, "coco", devs[i].path, r);
		if (r <= 0)
			continue;
		s = signal_add(l, "coco", devs[i].path, "present", SIGNAL_PRESENT);
		signal_mark(s, INDICATES_GUEST, STRENGTH_STRONG, devs[i].names,
			    "confidential-VM guest device: DMI, ACPI and PCI come from an "
			    "untrusted host");
		if (f->cc == CC_NONE)
			f->cc = devs[i].kind;
	}
}

void collect_firmware(const struct hostfs *fs, struct signal_list *l, struct platform_facts *f)
{
	fw_dmi(fs, l, f);
	fw_smbios(fs, l, f);
	fw_acpi(fs, l, f);
	fw_cfg(fs, l);
	fw_xen(fs, l, f);
	fw_device_tree(fs, l);
	fw_confidential(fs, l, f);
}
