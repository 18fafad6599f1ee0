// SPDX-License-Identifier: GPL-2.0
/*
 * Pipeline benchmark: synthetic ring-buffer records through decode -> (enrich) -> policy ->
 * record -> JSON sink to /dev/null, on one core. Prints records/s; it asserts nothing
 * (targets are compared by the caller and by the reader). The peak RSS it prints is this
 * harness's (no libbpf, no BTF): the real process is measured by run.sh.
 *
 * Two runs of the same mix: enrichment off (what the target names), and enrichment on,
 * where the vector records are looked up in a small sysfs tree this program writes under
 * /tmp (chip_name, actions, the device's uevent), through the same hostfs reader the live
 * run uses on /sys.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "pipeline.h"

static void put(const char *root, const char *rel, const char *content)
{
	char path[512], *slash;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	fp = fopen(path, "w");
	if (!fp) {
		perror(path);
		exit(2);
	}
	fputs(content, fp);
	fclose(fp);
}

/* one run of N records of the mix; LIVE NULL: no enrichment. Returns records/s. */
static double run(const struct imsw_event *recs,
		  const struct platform *platform, const struct hostfs *live, long n);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	/* the live mix: probes, MSI/MSI-X, domains and vectors; IMS alerts are rare and are
	 * measured on their own below */
	static const unsigned int kinds[] = { IMSW_KIND_PROBE, IMSW_KIND_IRQ_VECTORS,
					      IMSW_KIND_MSI_DOMAIN, IMSW_KIND_VECTOR,
					      IMSW_KIND_VECTOR };
	struct imsw_event recs[5];
	struct platform platform;
	struct pipeline pipe;
	char tree[] = "/tmp/imswatch-bench-XXXXXX", cmd[64];
	struct hostfs fs;
	struct rusage ru;
	struct sink *sink;
	double rate;
	cpu_set_t one;
	char err[256];
	double t0, dt;
	long i;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one); /* the target is per core */

	memset(&platform, 0, sizeof(platform));
	platform.seed.probably_on_bare_metal = false;
	for (i = 0; i < 5; i++) {
		struct imsw_event *e = &recs[i];

		memset(e, 0, sizeof(*e));
		e->hdr = (struct imsw_hdr){ IMSW_REC_EVENT, sizeof(*e), IMSW_ABI_VERSION, 0 };
		e->kind = kinds[i];
		e->hook = IMSW_HOOK_PCI_ALLOC_IRQ_VECTORS;
		e->mode = IMSW_MODE_FENTRY;
		e->irq_mode = IMSW_IRQ_MSIX;
		strcpy(e->comm, "kworker/1:2");
		strcpy(e->pci.bdf, "0000:00:03.0");
		e->pci.is_pci = 1;
		e->pci.vendor = 0x1af4;
		e->pci.device = 0x1041;
		strcpy(e->driver, "virtio-pci");
		strcpy(e->module, "virtio_pci");
		e->req_min = 1;
		e->req_max = 3;
		e->ret = 3;
		e->irq = 24;
	}
	rate = run(recs, &platform, NULL, n);
	if (rate < 0)
		return 2;
	getrusage(RUSAGE_SELF, &ru);
	printf("pipeline, enrichment off: %ld records = %.0f records/s (one core); harness "
	       "peak RSS %.1f MB (no libbpf, no BTF: not imswatch's)\n",
	       n, rate, ru.ru_maxrss / 1024.0);
	printf("pipeline_records_per_s=%.0f\nharness_peak_rss_kb=%ld\n", rate, ru.ru_maxrss);

	if (!mkdtemp(tree)) {
		perror(tree);
		return 2;
	}
	put(tree, "sys/kernel/irq/24/chip_name", "PCI-MSIX-0000:00:03.0\n");
	put(tree, "sys/kernel/irq/24/actions", "virtio2-input.0\n");
	put(tree, "sys/bus/pci/devices/0000:00:03.0/uevent",
	    "DRIVER=virtio-pci\nPCI_CLASS=20000\nPCI_ID=1AF4:1041\nPCI_SUBSYS_ID=1AF4:1100\n"
	    "PCI_SLOT_NAME=0000:00:03.0\n"
	    "MODALIAS=pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00\n");
	if (hostfs_open(&fs, tree)) {
		fprintf(stderr, "%s: cannot open as a sysroot\n", tree);
		return 2;
	}
	rate = run(recs, &platform, &fs, n / 4);
	hostfs_close(&fs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tree);
	if (rate < 0)
		return 2;
	printf("pipeline, enrichment on: %ld records = %.0f records/s (one core); mix per 5 "
	       "records: probe, irq-vectors, msi-domain, 2 vector (each vector record reads "
	       "chip_name, actions and the device's uevent from a sysfs tree under /tmp)\n",
	       n / 4, rate);
	printf("pipeline_enriched_records_per_s=%.0f\n", rate);

	/* alerts: every record an IMS attempt on a VM, built afresh with the platform */
	sink = sink_open(FORMAT_JSON, "/dev/null", err, sizeof(err));
	pipeline_init(&pipe, sink, &platform, NULL);
	recs[0].kind = IMSW_KIND_IMS_DOMAIN;
	recs[0].ret = 1;
	t0 = now();
	for (i = 0; i < n / 10; i++)
		if (pipeline_record(&pipe, &recs[0], sizeof(recs[0])))
			return 2;
	sink_close(sink);
	dt = now() - t0;
	pipeline_fini(&pipe);
	printf("alerts only: %ld records in %.3f s = %.0f records/s\n", n / 10, dt, n / 10 / dt);
	return 0;
}

static double run(const struct imsw_event *recs,
		  const struct platform *platform, const struct hostfs *live, long n)
{
	struct imsw_event e[5];
	struct pipeline pipe;
	struct sink *sink;
	char err[256];
	double t0, dt;
	long i;

	memcpy(e, recs, sizeof(e));
	sink = sink_open(FORMAT_JSON, "/dev/null", err, sizeof(err));
	if (!sink) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	pipeline_init(&pipe, sink, platform, live);
	t0 = now();
	for (i = 0; i < n; i++) {
		e[i % 5].ts_ns = i;
		if (pipeline_record(&pipe, &e[i % 5], sizeof(e[0])))
			return -1;
		if ((i & 255) == 255)
			sink_flush(sink); /* as the live loop does after each drain */
	}
	sink_close(sink);
	dt = now() - t0;
	pipeline_fini(&pipe);
	return n / dt;
}
