// SPDX-License-Identifier: GPL-2.0
/*
 * The platform readers (DMI, SMBIOS, ACPI, /proc/cpuinfo, kernel log, Xen, device tree,
 * CoCo, fw_cfg, PCI, IOMMU, irq chips: user/platform/signals*.c, user/platform/platform.c, user/common/hostfs.c)
 * and the vector enrichment (user/watch/enrich.c) on a generated --sysroot tree.
 *
 * Input: entries of [selector][length, 2 bytes little endian][content]. The selector picks
 * a file of the table below (modulo its size); with bit 7 set the file is a symlink whose
 * target is the content, "@S" in it standing for the absolute path of a canary file
 * outside the root. Selector CPUID_FILE writes the --cpuid-file; ACPI_NAMED writes an ACPI
 * table named by its first four content bytes. The tree is rebuilt for every input.
 *
 * Properties: the platform record and the enrichment-carrying event are strictly valid
 * JSON and UTF-8; nothing read outside the root (the canary's text) appears in them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpuid.h"
#include "enrich.h"
#include "fuzz_check.h"
#include "log.h"
#include "hostfs.h"
#include "output.h"
#include "platform.h"
#include "records.h"

static const char *const files[] = {
	"sys/class/dmi/id/sys_vendor",
	"sys/class/dmi/id/product_name",
	"sys/class/dmi/id/product_version",
	"sys/class/dmi/id/board_vendor",
	"sys/class/dmi/id/bios_vendor",
	"sys/class/dmi/id/bios_version",
	"sys/class/dmi/id/chassis_vendor",
	"sys/firmware/dmi/tables/DMI",
	"sys/firmware/acpi/tables/DSDT",
	"sys/firmware/acpi/tables/FACP",
	"sys/firmware/acpi/tables/SSDT1",
	"sys/firmware/acpi/tables/APIC",
	"proc/cpuinfo",
	"sys/hypervisor/type",
	"proc/xen/capabilities",
	"proc/device-tree/hypervisor/compatible",
	"sys/class/misc/tdx_guest/dev",
	"sys/class/misc/sev-guest/dev",
	"sys/firmware/qemu_fw_cfg/rev",
	"sys/bus/pci/devices/0000:00:01.0/vendor",
	"sys/bus/pci/devices/0000:00:01.0/device",
	"sys/bus/pci/devices/0000:00:01.0/class",
	"sys/bus/pci/devices/0000:00:02.0/vendor",
	"sys/bus/pci/devices/0000:00:02.0/device",
	"sys/class/iommu/dmar0/intel-iommu/cap",
	"sys/class/iommu/ivhd0/amd-iommu/cap",
	"sys/kernel/irq/1/chip_name",
	"sys/kernel/irq/1/actions",
	"sys/kernel/irq/1/hwirq",
	"sys/kernel/irq/2/chip_name",
	"sys/bus/pci/devices/0000:00:03.0/uevent",
	"dev/kmsg",
};
#define N_FILES (sizeof(files) / sizeof(files[0]))
#define CPUID_FILE N_FILES
#define ACPI_NAMED (N_FILES + 1)
#define N_SELECTORS (N_FILES + 2)

/* the canary's text: random per process, so no input can carry it by chance or by learning */
static char canary_text[40];
static char base[300], root[320], canary[320], cpuid_path[320], out_path[320];

static void mkparents(char *path)
{
	char *slash;

	for (slash = strchr(path + strlen(base) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(path, 0755);
		*slash = '/';
	}
}

static void place(const char *rel, const uint8_t *c, size_t n, int link)
{
	char path[512], target[1024];
	size_t o = 0, i;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkparents(path);
	if (!link) {
		unlink(path); /* a symlink left by an earlier entry is replaced, not followed */
		fuzz_write_file(path, c, n);
		return;
	}
	for (i = 0; i < n && o + strlen(canary) + 1 < sizeof(target); i++) {
		if (c[i] == '@' && i + 1 < n && c[i + 1] == 'S') {
			o += (size_t)sprintf(target + o, "%s", canary);
			i++;
		} else if (c[i]) {
			target[o++] = (char)c[i];
		}
	}
	target[o] = 0;
	if (!o)
		return;
	unlink(path);
	if (symlink(target, path) && errno != EEXIST)
		abort();
}

static void build_tree(const uint8_t *data, size_t size, int *have_cpuid)
{
	size_t off = 0;

	fuzz_rm_rf(root);
	mkdir(root, 0755);
	*have_cpuid = 0;
	while (off + 3 <= size) {
		unsigned sel = data[off], len = data[off + 1] | data[off + 2] << 8;
		unsigned idx = (sel & 0x7f) % N_SELECTORS;
		const uint8_t *c = data + off + 3;

		off += 3;
		if (len > size - off)
			len = (unsigned)(size - off);
		off += len;
		if (idx == CPUID_FILE) {
			fuzz_write_file(cpuid_path, c, len);
			*have_cpuid = 1;
		} else if (idx == ACPI_NAMED) {
			char rel[64], name[5];
			unsigned k, m = 0;

			for (k = 0; k < 4 && k < len; k++)
				if ((c[k] >= 'A' && c[k] <= 'Z') || (c[k] >= '0' && c[k] <= '9'))
					name[m++] = (char)c[k];
			name[m] = 0;
			if (!m)
				continue;
			snprintf(rel, sizeof(rel), "sys/firmware/acpi/tables/%s", name);
			place(rel, c + k, len - k, sel & 0x80);
		} else {
			place(files[idx], c, len, sel & 0x80);
		}
	}
}

/* the platform record (P) or the event record (R) as the JSON sink writes it */
static uint8_t *render(const struct platform *p, const struct event_record *r, size_t *len)
{
	char err[256];
	struct sink *s = sink_open(FORMAT_JSON, out_path, err, sizeof(err));

	if (!s)
		abort();
	if (p)
		sink_platform(s, p, 0);
	else
		sink_event(s, r);
	if (sink_close(s))
		abort();
	return fuzz_read_file(out_path, len);
}

static void check_output(uint8_t *out, size_t len, const char *what)
{
	fuzz_require(jsonl_check(out, len), what, out, len);
	if (fuzz_contains(out, len, canary_text))
		fuzz_require("a file outside the root was read", what, out, len);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuid_source cpu = { .kind = CPUID_REPLAY };
	static struct platform p;
	struct enrichment en;
	struct imsw_event e;
	struct finding f = { 0 };
	struct timebase tb;
	struct hostfs fs;
	int have_cpuid, r;
	char err[512];
	uint8_t *out;
	size_t len;

	if (!base[0]) {
		log_verbosity = -1;
		snprintf(base, sizeof(base), "%s", fuzz_tmpdir());
		snprintf(root, sizeof(root), "%s/root", base);
		snprintf(canary, sizeof(canary), "%s/canary", base);
		snprintf(cpuid_path, sizeof(cpuid_path), "%s/cpuid", base);
		snprintf(out_path, sizeof(out_path), "%s/out", base);
		{
			uint8_t rnd[16];
			FILE *r = fopen("/dev/urandom", "rb");
			int i;

			if (!r || fread(rnd, 1, sizeof(rnd), r) != sizeof(rnd))
				abort();
			fclose(r);
			for (i = 0; i < 16; i++)
				sprintf(canary_text + 2 * i, "%02x", rnd[i]);
		}
		fuzz_write_file(canary, canary_text, strlen(canary_text));
	}
	build_tree(data, size, &have_cpuid);
	if (have_cpuid && cpuid_source_load(&cpu, cpuid_path, err, sizeof(err)))
		cpu = (struct cpuid_source){ .kind = CPUID_REPLAY };
	r = hostfs_open(&fs, root);
	if (r)
		abort(); /* the root is a plain directory: this must open */

	memset(&p, 0, sizeof(p));
	if (platform_assess(&fs, &cpu, NULL, &p) == 0) {
		out = render(&p, NULL, &len);
		check_output(out, len, "platform record");
	}

	enrich_vector(&fs, 1, &en);
	memset(&e, 0, sizeof(e));
	e.hdr.type = IMSW_REC_EVENT;
	e.hdr.size = sizeof(e);
	e.hdr.abi = IMSW_ABI_VERSION;
	e.kind = IMSW_KIND_VECTOR;
	e.irq = 1;
	timebase_init(&tb);
	policy_judge(&e, &p, &f);
	{
		struct event_record rec = { .e = &e, .en = &en, .f = &f, .p = &p,
					    .ts_real_ns = mono_to_real(&tb, e.ts_ns) };

		out = render(NULL, &rec, &len);
	}
	check_output(out, len, "vector event record");

	hostfs_close(&fs);
	cpuid_source_free(&cpu);
	return 0;
}
