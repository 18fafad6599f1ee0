// SPDX-License-Identifier: GPL-2.0
/*
 * Ring-buffer records: user/watch/decode.c and everything after it (enrich, policy, records,
 * both sinks) on arbitrary bytes, as pipeline_record() gets them from libbpf.
 *
 * Input: one control byte, then the record. Control bits: 0 patch the header (abi, type,
 * size) so the body reaches the decoder's field checks; 1 also fold kind and hook into
 * range so the record is accepted; 2 text sink instead of JSON; 3 the KVM-guest platform
 * instead of an unknown one (other alerts); 4 an irq the enrichment tree knows. JSON output must pass the strict JSON/UTF-8
 * check; text output must hold nothing but printable ASCII, spaces and newlines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fuzz_check.h"
#include "log.h"
#include "hostfs.h"
#include "imswatch.h"
#include "output.h"
#include "pipeline.h"
#include "platform.h"

static struct platform plat[2];
static struct hostfs live;
static char out_path[300];

static void mk(const char *dir, const char *rel, const char *content)
{
	char path[512], *slash;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(path, 0755);
		*slash = '/';
	}
	fuzz_write_file(path, content, strlen(content));
}

static void setup(void)
{
	const char *tmp = fuzz_tmpdir();
	struct cpuid_source none = { .kind = CPUID_REPLAY }, kvm;
	char root[300], err[256];
	struct hostfs fs;

	log_verbosity = -1; /* a rejected record is logged: not news here */
	/* the sysfs that vector events are enriched from: irqs 1-3 with hostile names */
	snprintf(root, sizeof(root), "%s/live", tmp);
	mkdir(root, 0755);
	mk(root, "sys/kernel/irq/1/chip_name", "IR-PCI-MSIX-0000:00:03.0");
	mk(root, "sys/kernel/irq/1/actions", "nvme0q0,\x1b[31mred\xc2\x85\xe2\x80\xa8");
	mk(root, "sys/kernel/irq/1/hwirq", "0");
	mk(root, "sys/bus/pci/devices/0000:00:03.0/uevent",
	   "DRIVER=nv\xffme\nPCI_ID=1AF4:1001\nPCI_SLOT_NAME=0000:00:03.0\n");
	mk(root, "sys/kernel/irq/2/chip_name", "PCI-MSI");
	mk(root, "sys/kernel/irq/2/hwirq", "4294967295999");
	mk(root, "sys/kernel/irq/3/chip_name", "PCI-MSIX-\xed\xa0\x80");
	if (hostfs_open(&live, root))
		abort();
	snprintf(out_path, sizeof(out_path), "%s/out", tmp);

	snprintf(root, sizeof(root), "%s/empty", tmp);
	mkdir(root, 0755);
	if (hostfs_open(&fs, root) || platform_assess(&fs, &none, NULL, &plat[0]))
		abort();
	hostfs_close(&fs);
	/* a KVM guest (run from the repository root); the empty platform again elsewhere */
	if (!hostfs_open(&fs, "tests/fixtures/qemu-kvm/root") &&
	    !cpuid_source_load(&kvm, "tests/fixtures/qemu-kvm/cpuid", err, sizeof(err))) {
		if (platform_assess(&fs, &kvm, NULL, &plat[1]))
			abort();
		cpuid_source_free(&kvm);
		hostfs_close(&fs);
	} else {
		plat[1] = plat[0];
	}
}

static void check_text(const uint8_t *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((s[i] < 0x20 && s[i] != '\n') || s[i] >= 0x7f)
			fuzz_require("a byte that is not printable ASCII", "text sink output", s, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char rec[sizeof(struct imsw_event) + 64];
	struct imsw_event *e = (struct imsw_event *)rec;
	struct pipeline p;
	struct sink *sink;
	size_t len, n;
	uint8_t ctl, *out;
	char err[256];

	if (!out_path[0])
		setup();
	if (!size)
		return 0;
	ctl = data[0];
	n = size - 1 > sizeof(rec) ? sizeof(rec) : size - 1;
	memset(rec, 0, sizeof(rec));
	memcpy(rec, data + 1, n);
	if (ctl & 1) {
		e->hdr.abi = IMSW_ABI_VERSION;
		e->hdr.type = IMSW_REC_EVENT;
		e->hdr.size = sizeof(*e);
		if (n < sizeof(*e))
			n = sizeof(*e);
	}
	if (ctl & 2) {
		e->kind = IMSW_KIND_PROBE + e->kind % (IMSW_KIND_VECTOR - IMSW_KIND_PROBE + 1);
		e->hook %= IMSW_HOOK_COUNT;
	}
	if (ctl & 16)
		e->irq = 1 + e->irq % 4; /* an irq the enrichment tree has (4: gone) */

	unlink(out_path); /* --output appends: each input starts from an empty file */
	sink = sink_open(ctl & 4 ? FORMAT_TEXT : FORMAT_JSON, out_path, err, sizeof(err));
	if (!sink)
		abort();
	pipeline_init(&p, sink, &plat[(ctl >> 3) & 1], &live);
	pipeline_record(&p, rec, n);
	pipeline_fini(&p);
	if (sink_close(sink))
		abort();

	out = fuzz_read_file(out_path, &len);
	if (len) {
		if (ctl & 4)
			check_text(out, len);
		else
			fuzz_require(jsonl_check(out, len), "JSON sink output", out, len);
	}
	if ((ctl & 3) == 3 && !len)
		fuzz_require("an accepted record wrote nothing", "pipeline", data, size);
	free(out);
	return 0;
}
