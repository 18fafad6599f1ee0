// SPDX-License-Identifier: GPL-2.0
/* The platform verdicts and their evidence as a json-c object: one place for the field
 * names of "platform" in status, platform and alert records (README.md, "Records"). */
#include "platform_json.h"
#include "records.h"

#include <stdio.h>

#define ADD(obj, key, val) json_object_object_add(obj, key, val)

/* Alerts carry the verdicts only; the evidence is in the status record. */
static json_object *json_seed_brief(const struct seed_verdict *s)
{
	json_object *o = json_object_new_object();

	ADD(o, "probably_on_bare_metal", json_object_new_boolean(s->probably_on_bare_metal));
	ADD(o, "cpuid_hypervisor_bit", json_object_new_boolean(s->cpuid_hypervisor));
	ADD(o, "dmi_hypervisor_vendor", json_object_new_boolean(s->dmi_hypervisor_vendor));
	return o;
}

static json_object *json_seed(const struct seed_verdict *s)
{
	json_object *o = json_object_new_object(), *ev = json_object_new_array();
	size_t i;

	ADD(o, "probably_on_bare_metal", json_object_new_boolean(s->probably_on_bare_metal));
	ADD(o, "cpuid_hypervisor_bit", json_object_new_boolean(s->cpuid_hypervisor));
	ADD(o, "cpuid_leaf1", json_object_new_string(signal_state_name(s->cpuid_state)));
	ADD(o, "dmi_hypervisor_vendor", json_object_new_boolean(s->dmi_hypervisor_vendor));
	for (i = 0; i < s->n_items; i++) {
		const struct signal *e = &s->items[i];
		json_object *item = json_object_new_object();

		ADD(item, "source", json_object_new_string(e->source));
		ADD(item, "key", json_object_new_string(e->key));
		ADD(item, "state", json_object_new_string(signal_state_name(e->state)));
		ADD(item, "value", json_untrusted_string(e->value));
		ADD(item, "indicates_vm", json_object_new_boolean(e->indicates == INDICATES_GUEST));
		if (e->note[0])
			ADD(item, "note", json_untrusted_string(e->note));
		json_object_array_add(ev, item);
	}
	ADD(o, "evidence", ev);
	return o;
}

static json_object *json_question(const struct question_verdict *q)
{
	json_object *o = json_object_new_object(), *c = json_object_new_array();
	size_t i;

	ADD(o, "verdict", json_object_new_string(guest_verdict_name(q->verdict)));
	/* names come from CPUID, DMI or ACPI: untrusted */
	ADD(o, "hypervisor", json_untrusted_string(q->hypervisor));
	ADD(o, "reason", json_untrusted_string(q->reason));
	for (i = 0; i < q->n_contradictions; i++)
		json_object_array_add(c, json_untrusted_string(q->contradictions[i]));
	ADD(o, "contradictions", c);
	return o;
}

static json_object *json_signals(const struct signal_list *l, json_object **unknown)
{
	json_object *a = json_object_new_array();
	size_t i;

	*unknown = json_object_new_array();
	for (i = 0; i < l->n; i++) {
		const struct signal *s = &l->items[i];
		json_object *item = json_object_new_object();
		char what[96];

		ADD(item, "source", json_object_new_string(s->source));
		ADD(item, "key", json_untrusted_string(s->key));
		ADD(item, "state", json_object_new_string(signal_state_name(s->state)));
		/* raw bytes, NUL included (CPUID signatures): escaped here, once */
		ADD(item, "value", json_untrusted_bytes(s->value, s->value_len));
		ADD(item, "indicates", json_object_new_string(indication_name(s->indicates)));
		ADD(item, "strength", json_object_new_string(strength_name(s->strength)));
		if (s->host_controlled)
			ADD(item, "host_controlled", json_object_new_boolean(true));
		if (s->names[0])
			ADD(item, "names", json_untrusted_string(s->names));
		if (s->note[0])
			ADD(item, "note", json_untrusted_string(s->note));
		json_object_array_add(a, item);
		if (s->state == SIGNAL_UNREADABLE) {
			snprintf(what, sizeof(what), "%s %s", s->source, s->key);
			json_object_array_add(*unknown, json_untrusted_string(what));
		}
	}
	return a;
}

json_object *platform_to_json(const struct platform *p, bool with_signals)
{
	json_object *o = json_object_new_object(), *q2, *unknown;

	/* the answers first: text mode prints fields in this order */
	ADD(o, "q1", json_question(&p->q1));
	q2 = json_question(&p->q2);
	ADD(q2, "interrupt_remapping", json_object_new_string(ir_state_name(p->facts.ir)));
	ADD(q2, "virtual_iommu", p->facts.viommu ? json_untrusted_string(p->facts.viommu_what)
						  : NULL);
	ADD(q2, "ims_gate", json_object_new_string(ims_gate_name(p->ims_gate)));
	ADD(q2, "ims_gate_reason", json_object_new_string(p->ims_gate_reason));
	ADD(o, "q2", q2);
	ADD(o, "confidential_vm", json_object_new_string(cc_kind_name(p->facts.cc)));
	ADD(o, "cpuid_source", json_object_new_string(cpuid_kind_name(p->cpuid_kind)));
	ADD(o, "seed", with_signals ? json_seed(&p->seed) : json_seed_brief(&p->seed));
	if (!with_signals)
		return o;
	ADD(o, "signals", json_signals(&p->signals, &unknown));
	ADD(o, "unknown", unknown);
	ADD(o, "signals_dropped", json_object_new_int64((int64_t)p->signals.dropped));
	return o;
}

