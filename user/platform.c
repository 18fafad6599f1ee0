// SPDX-License-Identifier: GPL-2.0
/*
 * platform: the seed heuristic (probably_on_bare_metal(), tglx 2020) taken literally, with
 * every input recorded as evidence so a reader can see what the guess was based on.
 */
#include "platform.h"
#include "verdict.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DMI_DIR "sys/class/dmi/id"
#define CPUID_HYPERVISOR_BIT (1u << 31) /* CPUID.1:ECX[31], a software convention */

const char *const seed_dmi_fields[] = {
	"sys_vendor",
	"product_name",
	"product_version",
	"board_vendor",
	"bios_vendor",
	"chassis_vendor",
	NULL,
};

/*
 * Exactly the list in the seed thread (domain.md section 1). Order decides which vendor a note
 * names; "VMware Inc." is shadowed by "VMware" as a prefix but kept to stay literal.
 */
const char *const seed_dmi_vendors[] = {
	"QEMU",
	"Bochs",
	"KVM",
	"Xen",
	"VMware",
	"VMW",
	"VMware Inc.",
	"innotek GmbH",
	"Oracle Corporation",
	"Parallels",
	"BHYVE",
	"Microsoft Corporation",
	NULL,
};

const char *signal_state_name(enum signal_state s)
{
	switch (s) {
	case SIGNAL_PRESENT:
		return "present";
	case SIGNAL_ABSENT:
		return "absent";
	case SIGNAL_UNREADABLE:
		return "unreadable";
	}
	return "unknown";
}

/* Append one evidence item; the caller fills in indicates_vm and note. */
static struct evidence *add_evidence(struct seed_verdict *v, const char *source, const char *key,
				     const char *value, enum signal_state state)
{
	struct evidence *e;

	if (v->n_evidence >= PLATFORM_MAX_EVIDENCE)
		return NULL;
	e = &v->evidence[v->n_evidence++];
	memset(e, 0, sizeof(*e));
	e->source = source;
	copy_str(e->key, sizeof(e->key), key);
	copy_str(e->value, sizeof(e->value), value);
	e->state = state;
	return e;
}

static int seed_cpuid(const struct cpuid_source *cpu, struct seed_verdict *v)
{
	struct cpuid_regs r;
	struct evidence *e;
	int ret;

	ret = cpuid_query(cpu, 1, 0, &r);
	if (ret == 0) {
		v->cpuid_state = SIGNAL_PRESENT;
		v->cpuid_hypervisor = !!(r.ecx & CPUID_HYPERVISOR_BIT);
		e = add_evidence(v, "cpuid", "leaf1.ecx.hypervisor",
				 v->cpuid_hypervisor ? "1" : "0", SIGNAL_PRESENT);
		if (!e)
			return -ENOSPC;
		e->indicates_vm = v->cpuid_hypervisor;
		copy_str(e->note, sizeof(e->note),
			 v->cpuid_hypervisor ? "hypervisor bit set: a hypervisor announces itself" :
					       "hypervisor bit clear (a VMM may leave it clear)");
		return 0;
	}

	/* Unknown does not count against bare metal, exactly as in the seed. */
	v->cpuid_hypervisor = false;
	v->cpuid_state = (ret == -ENODEV || ret == -ENOENT) ? SIGNAL_ABSENT : SIGNAL_UNREADABLE;
	e = add_evidence(v, "cpuid", "leaf1.ecx.hypervisor", "", v->cpuid_state);
	if (!e)
		return -ENOSPC;
	if (ret == -ENODEV)
		copy_str(e->note, sizeof(e->note), "no CPUID on this architecture");
	else if (ret == -ENOENT)
		snprintf(e->note, sizeof(e->note), "%s has no leaf 1",
			 cpu->kind == CPUID_REPLAY ? "replay file" : "CPU");
	else
		snprintf(e->note, sizeof(e->note), "CPUID leaf 1 query failed: %s",
			 strerror(-ret));
	return 0;
}

static const char *match_vendor(const char *value)
{
	const char *const *p;

	/* Case-sensitive prefix, like systemd's DMI vendor table. */
	for (p = seed_dmi_vendors; *p; p++)
		if (!strncmp(value, *p, strlen(*p)))
			return *p;
	return NULL;
}

static int stop_at_first(const char *name, void *ctx)
{
	(void)name;
	(void)ctx;
	return 1;
}

static int seed_dmi(const struct hostfs *fs, struct seed_verdict *v)
{
	const char *const *field;
	char path[96], buf[256];
	struct evidence *e;
	ssize_t n;
	int ret;

	/* Firecracker-style microVMs have no DMI at all: say so, it is a signal in itself. */
	ret = hostfs_list(fs, DMI_DIR, stop_at_first, NULL);
	if (ret == -ENOENT || ret == -ENOTDIR) {
		e = add_evidence(v, "dmi", DMI_DIR, "", SIGNAL_ABSENT);
		if (!e)
			return -ENOSPC;
		copy_str(e->note, sizeof(e->note), "no DMI at all (e.g. Firecracker)");
	}

	for (field = seed_dmi_fields; *field; field++) {
		const char *vendor;

		snprintf(path, sizeof(path), DMI_DIR "/%s", *field);
		n = hostfs_read_text(fs, path, buf, sizeof(buf));
		if (n < 0) {
			bool absent = n == -ENOENT || n == -ENOTDIR;

			e = add_evidence(v, "dmi", *field, "",
					 absent ? SIGNAL_ABSENT : SIGNAL_UNREADABLE);
			if (!e)
				return -ENOSPC;
			if (!absent)
				snprintf(e->note, sizeof(e->note), "cannot read: %s",
					 strerror((int)-n));
			continue;
		}

		e = add_evidence(v, "dmi", *field, buf, SIGNAL_PRESENT);
		if (!e)
			return -ENOSPC;
		/* Match the whole string read, not the copy truncated to fit e->value. */
		vendor = match_vendor(buf);
		if (vendor) {
			e->indicates_vm = true;
			v->dmi_hypervisor_vendor = true;
			snprintf(e->note, sizeof(e->note), "matches hypervisor vendor '%s'", vendor);
		}
	}
	return 0;
}

int platform_seed(const struct hostfs *fs, const struct cpuid_source *cpu,
		  struct seed_verdict *out)
{
	int ret;

	if (!fs || !cpu || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));

	ret = seed_cpuid(cpu, out);
	if (ret)
		return ret;
	ret = seed_dmi(fs, out);
	if (ret)
		return ret;

	/*
	 * probably_on_bare_metal(): CPUID hypervisor bit -> false; DMI hypervisor vendor ->
	 * false; otherwise "probably". Unknown inputs fall through to "probably".
	 */
	out->probably_on_bare_metal = !out->cpuid_hypervisor && !out->dmi_hypervisor_vendor;
	return 0;
}

int platform_assess(const struct hostfs *fs, const struct cpuid_source *cpu,
		    const struct platform_inputs *in, struct platform *out)
{
	struct collect_options o = { 0 };
	int ret;

	if (!fs || !cpu || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->cpuid_kind = cpu->kind;
	ret = platform_seed(fs, cpu, &out->seed);
	if (ret)
		return ret;
	if (in) {
		o.kview = in->kview;
		o.timing_probe = in->timing_probe;
	}
	signals_collect(fs, cpu, &o, &out->signals, &out->facts);
	verdict_decide(&out->signals, &out->facts, &out->seed, &out->q1, &out->q2);
	out->ims_gate = verdict_ims_gate(&out->facts, out->ims_gate_reason,
					  sizeof(out->ims_gate_reason));
	return 0;
}

bool verdict_is_guest(enum guest_verdict v)
{
	return v == VERDICT_DEFINITELY_GUEST || v == VERDICT_PROBABLY_GUEST;
}

const char *ims_gate_name(enum ims_gate g)
{
	switch (g) {
	case IMS_GATE_OPEN:
		return "open";
	case IMS_GATE_CLOSED:
		return "closed";
	default:
		return "unknown";
	}
}

const char *guest_verdict_name(enum guest_verdict v)
{
	switch (v) {
	case VERDICT_DEFINITELY_GUEST:
		return "definitely-guest";
	case VERDICT_PROBABLY_GUEST:
		return "probably-guest";
	case VERDICT_PROBABLY_HOST:
		return "probably-host";
	default:
		return "unknown";
	}
}
