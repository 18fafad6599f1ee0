// SPDX-License-Identifier: GPL-2.0
/* The platform verdicts and their evidence as a json-c object: one place for the field
 * names of "platform" in status, platform and alert records (README.md, "Records"). */
#include "platform_json.h"
#include "records.h"

#define ADD(obj, key, val) json_object_object_add(obj, key, val)

static json_object *json_seed(const struct seed_verdict *s)
{
	json_object *o = json_object_new_object(), *ev = json_object_new_array();
	size_t i;

	ADD(o, "probably_on_bare_metal", json_object_new_boolean(s->probably_on_bare_metal));
	ADD(o, "cpuid_hypervisor_bit", json_object_new_boolean(s->cpuid_hypervisor));
	ADD(o, "cpuid_leaf1", json_object_new_string(signal_state_name(s->cpuid_state)));
	ADD(o, "dmi_hypervisor_vendor", json_object_new_boolean(s->dmi_hypervisor_vendor));
	for (i = 0; i < s->n_evidence; i++) {
		const struct evidence *e = &s->evidence[i];
		json_object *item = json_object_new_object();

		ADD(item, "source", json_object_new_string(e->source));
		ADD(item, "key", json_object_new_string(e->key));
		ADD(item, "state", json_object_new_string(signal_state_name(e->state)));
		ADD(item, "value", json_untrusted_string(e->value));
		ADD(item, "indicates_vm", json_object_new_boolean(e->indicates_vm));
		if (e->note[0])
			ADD(item, "note", json_untrusted_string(e->note));
		json_object_array_add(ev, item);
	}
	ADD(o, "evidence", ev);
	return o;
}

json_object *platform_to_json(const struct platform *p)
{
	json_object *o = json_object_new_object();

	ADD(o, "cpuid_source", json_object_new_string(cpuid_kind_name(p->cpuid_kind)));
	ADD(o, "seed", json_seed(&p->seed));
	return o;
}

