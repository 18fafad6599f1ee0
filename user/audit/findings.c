// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "findings.h"
#include "names.h"
#include "platform.h"

const char *audit_severity_name(enum audit_severity s)
{
	static const char *const names[] = {
		[ASEV_INFO] = "info",
		[ASEV_NOTICE] = "notice",
		[ASEV_WARNING] = "warning",
		[ASEV_CRITICAL] = "critical",
	};

	return NAME_FROM(names, s, "info");
}

int audit_severity_by_name(const char *name)
{
	int s;

	for (s = ASEV_INFO; s < ASEV_COUNT; s++)
		if (!strcmp(name, audit_severity_name(s)))
			return s;
	return -1;
}

/* The rules (README, "Policy rules"): id, severity, the words of the finding. */
enum rule_id {
	R_IMS_VM,
	R_IMS_CLOAKED,
	R_IMS_GATE_OPEN,
	R_SIOV_GUEST,
	R_CONTRADICTED,
	R_IMS_HOST,
	R_BLIND,
};

static const struct {
	const char *id;
	enum audit_severity severity;
	const char *summary;
} rules[] = {
	[R_IMS_VM] = { "IMSW-AUDIT-IMS-VM", ASEV_CRITICAL,
		       "IMS vectors exist where a hypervisor owns interrupt remapping (Q2): the "
		       "VMM cannot see or remap their messages" },
	[R_IMS_CLOAKED] = { "IMSW-AUDIT-IMS-CLOAKED", ASEV_CRITICAL,
			    "IMS vectors exist where the seed heuristic says 'probably bare "
			    "metal' but the evidence shows a hypervisor owning interrupt "
			    "remapping (Q2)" },
	[R_IMS_GATE_OPEN] = { "IMSW-AUDIT-IMS-GATE-OPEN", ASEV_WARNING,
			      "this kernel would accept an IMS domain for this IMS-capable "
			      "device although the evidence says guest" },
	[R_SIOV_GUEST] = { "IMSW-AUDIT-SIOV-GUEST", ASEV_INFO,
			   "an IMS-capable (Scalable IOV) device is assigned into a guest" },
	[R_CONTRADICTED] = { "IMSW-AUDIT-CONTRADICTED", ASEV_WARNING,
			     "IMS, or MSI/MSI-X without interrupt remapping, on a host whose "
			     "verdict is probably-host but whose evidence contradicts itself" },
	[R_IMS_HOST] = { "IMSW-AUDIT-IMS", ASEV_INFO,
			 "IMS vectors exist on a platform the evidence calls a host" },
	[R_BLIND] = { "IMSW-AUDIT-BLIND", ASEV_NOTICE,
		      "a live watch would be blind here: these hooks cannot attach" },
};

static struct audit_finding *add(struct audit_findings *out, enum rule_id r, const char *bdf)
{
	struct audit_finding *grown, *f;

	if (!(out->n & (out->n - 1))) {
		grown = realloc(out->f, (out->n ? 2 * out->n : 4) * sizeof(*out->f));
		if (!grown)
			return NULL;
		out->f = grown;
	}
	f = &out->f[out->n++];
	memset(f, 0, sizeof(*f));
	f->rule = rules[r].id;
	f->severity = rules[r].severity;
	f->summary = rules[r].summary;
	snprintf(f->bdf, sizeof(f->bdf), "%s", bdf ? bdf : "");
	return f;
}

static void __attribute__((format(printf, 2, 3))) evidence(struct audit_finding *f,
							   const char *fmt, ...)
{
	va_list ap;

	if (f->n_evidence >= FINDING_MAX_EVIDENCE)
		return;
	va_start(ap, fmt);
	vsnprintf(f->evidence[f->n_evidence++], sizeof(f->evidence[0]), fmt, ap);
	va_end(ap);
}

static void q_evidence(struct audit_finding *f, const char *name,
		       const struct question_verdict *q)
{
	evidence(f, "%s %s%s%s: %s", name, guest_verdict_name(q->verdict),
		 q->hypervisor[0] ? ", " : "", q->hypervisor, q->reason);
}

/* the device's IMS domains, from the snapshot */
static void ims_evidence(struct audit_finding *f, const struct audit_snapshot *s,
			 const struct audit_device *d)
{
	size_t i;

	for (i = 0; i < s->irqs.n_dom; i++) {
		const struct irq_domain_info *dom = &s->irqs.dom[i];

		if (dom->kind == IRQK_IMS && !strcmp(dom->bdf, d->pci->bdf))
			evidence(f, "irq domain %s: %u IMS vector(s), remapping %s%s", dom->chip,
				 dom->vectors, irq_remap_name(dom->remap),
				 d->ims_in_msi_irqs ? "" : ", none listed in msi_irqs/");
	}
}

static bool contradicted(const struct platform *p)
{
	return p->q2.verdict == VERDICT_PROBABLY_HOST &&
	       (p->q1.n_contradictions || p->q2.n_contradictions);
}

static void contradiction_evidence(struct audit_finding *f, const struct platform *p)
{
	const char *c = p->q2.n_contradictions ? p->q2.contradictions[0]
					       : p->q1.contradictions[0];

	evidence(f, "%zu contradiction(s), first: %s",
		 p->q1.n_contradictions + p->q2.n_contradictions, c);
}

static int judge_device(const struct audit_snapshot *s, const struct platform *p,
			const struct audit_device *d, struct audit_findings *out)
{
	bool guest1 = verdict_is_guest(p->q1.verdict), guest2 = verdict_is_guest(p->q2.verdict);
	const char *bdf = d->pci->bdf;
	struct audit_finding *f;

	if (d->vectors[IRQK_IMS]) {
		enum rule_id r = guest2 ? (p->seed.probably_on_bare_metal ? R_IMS_CLOAKED
									   : R_IMS_VM)
			       : contradicted(p) ? R_CONTRADICTED
						 : R_IMS_HOST;

		if (!(f = add(out, r, bdf)))
			return -ENOMEM;
		ims_evidence(f, s, d);
		q_evidence(f, "Q2", &p->q2);
		evidence(f, "seed: %s", p->seed.probably_on_bare_metal ? "probably bare metal"
								   : "not bare metal");
		if (r == R_CONTRADICTED)
			contradiction_evidence(f, p);
	} else if (contradicted(p) && d->remap_known && d->remap == REMAP_NONE) {
		if (!(f = add(out, R_CONTRADICTED, bdf)))
			return -ENOMEM;
		evidence(f, "%u MSI and %u MSI-X vector(s) delivered without interrupt remapping",
			 d->vectors[IRQK_MSI], d->vectors[IRQK_MSIX]);
		q_evidence(f, "Q2", &p->q2);
		contradiction_evidence(f, p);
	}
	if (d->ims_capable == ANSWER_YES && d->gate == DGATE_OPEN && (guest1 || guest2)) {
		if (!(f = add(out, R_IMS_GATE_OPEN, bdf)))
			return -ENOMEM;
		evidence(f, "IMS-capable: %s", d->ims_capable_why);
		evidence(f, "proc/kallsyms: pci_create_ims_domain present (the 6.2-6.9 IMS API)");
		evidence(f, "ims_gate open: %s", p->ims_gate_reason);
		q_evidence(f, guest2 ? "Q2" : "Q1", guest2 ? &p->q2 : &p->q1);
	}
	if ((d->ims_capable == ANSWER_YES || d->pci->caps.siov == ANSWER_YES) && guest1) {
		if (!(f = add(out, R_SIOV_GUEST, bdf)))
			return -ENOMEM;
		if (d->ims_capable == ANSWER_YES)
			evidence(f, "IMS-capable: %s", d->ims_capable_why);
		else
			evidence(f, "Scalable IOV DVSEC at 0x%x, IMS not supported",
				 d->pci->caps.siov_offset);
		if (d->pci->physfn[0])
			evidence(f, "an SR-IOV VF of %s", d->pci->physfn);
		q_evidence(f, "Q1", &p->q1);
	}
	return 0;
}

int findings_judge(const struct audit_snapshot *s, const struct platform *p,
		   struct audit_findings *out)
{
	struct audit_finding *f;
	unsigned int g, i;
	size_t k;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < s->inv.n; k++)
		if (judge_device(s, p, &s->dev[k], out)) {
			findings_free(out);
			return -ENOMEM;
		}
	/* a live watch that could not see what this audit is about */
	for (g = 0; g < IMSW_GROUP_COUNT; g++) {
		enum hook_reach r = s->kcaps.group[g];

		if (r != REACH_ABSENT && r != REACH_NO_MEANS)
			continue;
		if (!(f = add(out, R_BLIND, NULL))) {
			findings_free(out);
			return -ENOMEM;
		}
		evidence(f, "%s (%s): %s", group_table[g].label, group_table[g].shows,
			 s->kcaps.group_why[g]);
		for (i = 0; i < IMSW_HOOK_COUNT; i++)
			if (hook_table[i].groups & group_table[g].bit)
				evidence(f, "hook %s", hook_table[i].name);
	}
	return 0;
}

void findings_free(struct audit_findings *f)
{
	free(f->f);
	memset(f, 0, sizeof(*f));
}
