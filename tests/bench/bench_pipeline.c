// SPDX-License-Identifier: GPL-2.0
/*
 * Pipeline benchmark: synthetic ring-buffer records through decode -> policy -> record ->
 * JSON sink to /dev/null, on one core. Prints records/s and peak RSS; it asserts nothing
 * (targets are compared by the caller and by the reader).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "pipeline.h"

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
	struct rusage ru;
	struct sink *sink;
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
	sink = sink_open(FORMAT_JSON, "/dev/null", err, sizeof(err));
	if (!sink) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	/* no sysfs enrichment: it measures the machine's sysfs, not imswatch */
	pipeline_init(&pipe, sink, &platform, NULL);
	t0 = now();
	for (i = 0; i < n; i++) {
		recs[i % 5].ts_ns = i;
		if (pipeline_record(&pipe, &recs[i % 5], sizeof(recs[0])))
			return 2;
		if ((i & 255) == 255)
			sink_flush(sink); /* as the live loop does after each drain */
	}
	sink_close(sink);
	dt = now() - t0;
	pipeline_fini(&pipe);
	getrusage(RUSAGE_SELF, &ru);
	printf("pipeline: %ld records in %.3f s = %.0f records/s (one core); peak RSS %.1f MB\n",
	       n, dt, n / dt, ru.ru_maxrss / 1024.0);
	printf("pipeline_records_per_s=%.0f\npipeline_peak_rss_kb=%ld\n", n / dt, ru.ru_maxrss);

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
