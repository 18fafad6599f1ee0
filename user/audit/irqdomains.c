// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* getline, fdopen */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irqdomains.h"
#include "names.h"

#define IRQ_DIR "sys/kernel/irq"
#define PROC_IOBUF (1 << 20)

const char *irq_kind_name(enum irq_kind k)
{
	static const char *const names[] = {
		[IRQK_PLATFORM] = "platform",
		[IRQK_MSI] = "msi",
		[IRQK_MSIX] = "msix",
		[IRQK_IMS] = "ims",
		[IRQK_DEVICE_OTHER] = "device-other",
	};

	return NAME_FROM(names, k, "platform");
}

const char *irq_remap_name(enum irq_remap r)
{
	static const char *const names[] = {
		[REMAP_NONE] = "none",
		[REMAP_IR] = "IR",
		[REMAP_VIR] = "vIR",
	};

	return NAME_FROM(names, r, "none");
}

const char *irq_naming_name(enum irq_naming n)
{
	static const char *const names[] = {
		[NAMING_OTHER] = "other",
		[NAMING_GLOBAL] = "global",
		[NAMING_PER_DEVICE] = "per-device",
	};

	return NAME_FROM(names, n, "other");
}

/* "dddd:bb:dd.f" (a domain of four or more hex digits), lower case as dev_name() writes it */
static bool is_bdf(const char *s)
{
	size_t i, dom = 0;

	while (isxdigit((unsigned char)s[dom]) && !isupper((unsigned char)s[dom]))
		dom++;
	if (dom < 4 || dom > 8 || s[dom] != ':')
		return false;
	s += dom + 1;
	for (i = 0; i < 2; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	if (s[2] != ':')
		return false;
	for (i = 3; i < 5; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return s[5] == '.' && s[6] >= '0' && s[6] <= '7' && !s[7];
}

void irq_chip_classify(const char *chip, struct irq_chip_class *out)
{
	const char *rest = chip, *dash;

	memset(out, 0, sizeof(*out));
	if (!strncmp(rest, "vIR-", 4)) {
		out->remap = REMAP_VIR;
		rest += 4;
	} else if (!strncmp(rest, "IR-", 3)) {
		out->remap = REMAP_IR;
		rest += 3;
	}
	dash = strrchr(rest, '-');
	if (dash && dash > rest && is_bdf(dash + 1)) {
		out->naming = NAMING_PER_DEVICE;
		snprintf(out->base, sizeof(out->base), "%.*s", (int)(dash - rest), rest);
		snprintf(out->bdf, sizeof(out->bdf), "%s", dash + 1);
		return;
	}
	snprintf(out->base, sizeof(out->base), "%s", rest);
	if (!strcmp(rest, "PCI-MSI"))
		out->naming = NAMING_GLOBAL;
}

/*
 * pci_msi_domain_calc_hwirq() before 6.2 (drivers/pci/msi/irqdomain.c):
 *	desc->msi_index | pci_dev_id(dev) << 11 | (pci_domain_nr(dev->bus) & 0xFFFFFFFF) << 27
 * pci_dev_id() = bus << 8 | devfn, so bits 11-26 are bus and devfn, bits 27 up the domain.
 */
void irq_decode_global_hwirq(unsigned long long hwirq, char *bdf, size_t len,
			     unsigned int *index)
{
	unsigned int devid = (unsigned int)(hwirq >> 11) & 0xffff;
	unsigned long long domain = hwirq >> 27;

	*index = (unsigned int)(hwirq & 0x7ff);
	snprintf(bdf, len, "%04llx:%02x:%02x.%u", domain, devid >> 8, (devid >> 3) & 0x1f,
		 devid & 7);
}

/* ---- proc/interrupts ---- */

static int proc_add(struct proc_interrupts *p, const struct proc_irq *one)
{
	struct proc_irq *grown;

	if (!(p->n & (p->n - 1))) {
		grown = realloc(p->irq, (p->n ? 2 * p->n : 16) * sizeof(*p->irq));
		if (!grown)
			return -ENOMEM;
		p->irq = grown;
	}
	p->irq[p->n++] = *one;
	return 0;
}

/* one whitespace-separated token at *S, advanced past it; NULL at the end of the line */
static char *token(char **s)
{
	char *t = *s, *end;

	while (*t == ' ' || *t == '\t')
		t++;
	if (!*t || *t == '\n')
		return NULL;
	end = t;
	while (*end && *end != ' ' && *end != '\t' && *end != '\n')
		end++;
	*s = *end ? end + 1 : end;
	*end = 0;
	return t;
}

static bool all_digits(const char *t)
{
	if (!*t)
		return false;
	for (; *t; t++)
		if (*t < '0' || *t > '9')
			return false;
	return true;
}

/*
 * "  28:   0   2089  PCI-MSIX-0000:00:01.0   0-edge   virtio0-config"
 * show_interrupts(): the irq, one count per online CPU of the header, the chip name, the
 * hwirq and the flow handler's name joined by '-' (hwirq blank without a domain: "-edge"),
 * then the actions. Lines that do not fit are counted, never guessed at.
 */
static int parse_line(char *line, unsigned int ncpus, struct proc_interrupts *p)
{
	struct proc_irq one = { .counts_ok = true };
	char *s = line, *t, *colon, *end;
	unsigned long irq;
	unsigned int c;
	size_t n;

	while (*s == ' ')
		s++;
	colon = strchr(s, ':');
	if (!colon)
		return 0;
	*colon = 0;
	if (!all_digits(s)) {
		p->other_lines++;
		return 0;
	}
	irq = strtoul(s, &end, 10);
	if (irq > 0xffffffffUL) {
		p->bad_lines++;
		return 0;
	}
	one.irq = (unsigned int)irq;
	s = colon + 1;
	/*
	 * The counts, summed as they are scanned (thousands of columns a line): what token(),
	 * all_digits() and strtoull() did, in one pass over each.
	 */
	for (c = 0; c < ncpus; c++) {
		unsigned long long v = 0;
		bool digits = true, range = true;

		t = s;
		while (*t == ' ' || *t == '\t')
			t++;
		if (!*t || *t == '\n')
			break;
		for (end = t; *end && *end != ' ' && *end != '\t' && *end != '\n'; end++) {
			if (*end < '0' || *end > '9')
				digits = false;
			else if (digits && range &&
				 (__builtin_mul_overflow(v, 10, &v) ||
				  __builtin_add_overflow(v, (unsigned int)(*end - '0'), &v)))
				range = false; /* strtoull's ERANGE */
		}
		if (!digits) {
			/*
			 * fewer columns than CPUs, or a count that is not a number: the word is
			 * taken as the chip below, ended here, so nothing after it is read
			 */
			one.counts_ok = false;
			*end = 0;
			break;
		}
		s = *end ? end + 1 : end;
		if (!range || __builtin_add_overflow(one.total, v, &one.total))
			one.counts_ok = false;
	}
	t = token(&s);
	if (!t) {
		p->bad_lines++;
		return 0;
	}
	if (!one.counts_ok || c < ncpus)
		p->bad_lines++;
	one.counts_ok = one.counts_ok && c == ncpus;
	snprintf(one.chip, sizeof(one.chip), "%s", t);
	/* "<hwirq>-<flow>" or "-<flow>"; anything else is already the actions */
	while (*s == ' ')
		s++;
	n = strspn(s, "0123456789");
	if (s[n] == '-' && s[n + 1] && s[n + 1] != ' ') {
		char *save = s;

		t = token(&s);
		if (t) {
			one.hwirq_known = n > 0;
			one.hwirq = n ? strtoull(t, NULL, 10) : 0;
			snprintf(one.flow, sizeof(one.flow), "%s", t + n + 1);
		} else {
			s = save;
		}
	}
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	snprintf(one.actions, sizeof(one.actions), "%.*s", (int)n, s);
	return proc_add(p, &one);
}

int proc_interrupts_parse(FILE *fp, struct proc_interrupts *out)
{
	char *line = NULL, *s, *t;
	size_t cap = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (getline(&line, &cap, fp) < 0) {
		free(line);
		return -EINVAL;
	}
	for (s = line; (t = token(&s));)
		if (!strncmp(t, "CPU", 3))
			out->ncpus++;
	if (!out->ncpus) {
		free(line);
		return -EINVAL;
	}
	while (!r && getline(&line, &cap, fp) >= 0)
		r = parse_line(line, out->ncpus, out);
	free(line);
	if (r)
		proc_interrupts_free(out);
	return r;
}

void proc_interrupts_free(struct proc_interrupts *p)
{
	free(p->irq);
	memset(p, 0, sizeof(*p));
}

static const struct proc_irq *proc_find(const struct proc_interrupts *p, unsigned int irq)
{
	size_t lo = 0, hi = p->n;

	/* the kernel prints them in order; a file that is not falls back to a scan */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->irq[mid].irq == irq)
			return &p->irq[mid];
		if (p->irq[mid].irq < irq)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (lo = 0; lo < p->n; lo++)
		if (p->irq[lo].irq == irq)
			return &p->irq[lo];
	return NULL;
}

/* ---- sys/kernel/irq ---- */

static int entry_add(struct irq_snapshot *s, struct irq_entry **out)
{
	struct irq_entry *grown;

	if (!(s->n & (s->n - 1))) {
		grown = realloc(s->e, (s->n ? 2 * s->n : 16) * sizeof(*s->e));
		if (!grown)
			return -ENOMEM;
		s->e = grown;
	}
	*out = &s->e[s->n++];
	memset(*out, 0, sizeof(**out));
	(*out)->index = -1;
	return 0;
}

struct sys_walk {
	const struct hostfs *fs;
	struct irq_snapshot *s;
	const struct proc_interrupts *proc;
	int err;
};

static ssize_t irq_file(struct sys_walk *w, const char *irq, const char *file, char *buf,
			size_t len)
{
	char path[96];
	ssize_t n;

	snprintf(path, sizeof(path), IRQ_DIR "/%s/%s", irq, file);
	n = hostfs_read_attr(w->fs, path, buf, len);
	if (n < 0 && n != -ENOENT)
		w->s->unreadable++;
	return n;
}

/* per_cpu_count: "0,12,0,..." */
static bool sum_counts(const char *s, uint64_t *total)
{
	char *end;

	*total = 0;
	while (*s) {
		unsigned long long v;

		errno = 0;
		v = strtoull(s, &end, 10);
		if (end == s || errno || __builtin_add_overflow(*total, v, total))
			return false;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return false;
	}
	return true;
}

static int sys_irq(const char *name, void *ctx)
{
	struct sys_walk *w = ctx;
	const struct proc_irq *p;
	struct irq_entry *e;
	char buf[64], *end;
	static char counts[1 << 17]; /* per_cpu_count of thousands of CPUs */
	unsigned long irq;

	if (!all_digits(name))
		return 0;
	irq = strtoul(name, &end, 10);
	w->err = entry_add(w->s, &e);
	if (w->err)
		return 1;
	e->irq = (unsigned int)irq;
	e->from_sysfs = true;
	irq_file(w, name, "chip_name", e->chip, sizeof(e->chip));
	if (irq_file(w, name, "hwirq", buf, sizeof(buf)) > 0) {
		errno = 0;
		e->hwirq = strtoull(buf, &end, 10);
		e->hwirq_known = !errno && !*end;
	}
	p = w->proc ? proc_find(w->proc, e->irq) : NULL;
	if (p) {
		e->from_proc = true;
		e->count_known = p->counts_ok;
		e->count = p->total;
	} else if (irq_file(w, name, "per_cpu_count", counts, sizeof(counts)) >= 0) {
		e->count_known = sum_counts(counts, &e->count);
	}
	return 0;
}

static int cmp_entry_irq(const void *a, const void *b)
{
	const struct irq_entry *x = a, *y = b;

	return x->irq < y->irq ? -1 : x->irq > y->irq;
}

int irqdomains_read(const struct hostfs *fs, const struct inventory *inv,
		    struct irq_snapshot *out)
{
	struct proc_interrupts proc = { 0 };
	struct sys_walk w = { .fs = fs, .s = out };
	bool have_proc = false;
	size_t i, n_sys;
	struct hostfs_file *pf;
	int r;

	memset(out, 0, sizeof(*out));
	pf = hostfs_fopen(fs, "proc/interrupts", PROC_IOBUF, &r);
	if (pf) {
		r = proc_interrupts_parse(hostfs_file_stream(pf), &proc);
		hostfs_fclose(pf);
		if (r == -ENOMEM)
			return r;
		out->proc_error = r;
		have_proc = !r;
	} else if (r == -ENOMEM) {
		return r;
	} else {
		out->proc_error = r;
	}
	out->ncpus = proc.ncpus;
	out->proc_bad_lines = proc.bad_lines;
	w.proc = have_proc ? &proc : NULL;
	r = hostfs_list(fs, IRQ_DIR, sys_irq, &w);
	if (w.err) {
		proc_interrupts_free(&proc);
		return w.err;
	}
	out->sysfs_error = r < 0 ? r : 0;
	/* irqs /proc/interrupts shows that sys/kernel/irq does not (a tree without it) */
	n_sys = out->n;
	qsort(out->e, n_sys, sizeof(*out->e), cmp_entry_irq);
	for (i = 0; i < proc.n; i++) {
		const struct proc_irq *p = &proc.irq[i];
		struct irq_entry key = { .irq = p->irq }, *e;

		if (n_sys && bsearch(&key, out->e, n_sys, sizeof(*out->e), cmp_entry_irq))
			continue;
		r = entry_add(out, &e);
		if (r) {
			proc_interrupts_free(&proc);
			return r;
		}
		e->irq = p->irq;
		e->from_proc = true;
		snprintf(e->chip, sizeof(e->chip), "%s", p->chip);
		e->hwirq_known = p->hwirq_known;
		e->hwirq = p->hwirq;
		e->count_known = p->counts_ok;
		e->count = p->total;
	}
	proc_interrupts_free(&proc);
	qsort(out->e, out->n, sizeof(*out->e), cmp_entry_irq);
	return irqdomains_classify(out, inv);
}

/* ---- classification ---- */

static void classify_entry(struct irq_entry *e, const struct inventory *inv)
{
	struct irq_chip_class c;
	const struct pci_device *d;
	const struct msi_irq *m;
	unsigned int index;

	irq_chip_classify(e->chip, &c);
	e->remap = c.remap;
	e->naming = c.naming;
	e->kind = IRQK_PLATFORM;
	e->bdf[0] = 0;
	e->index = -1;
	if (c.naming == NAMING_PER_DEVICE) {
		memcpy(e->bdf, c.bdf, sizeof(e->bdf));
		d = inv ? inventory_find(inv, c.bdf) : NULL;
		if (!strcmp(c.base, "PCI-MSI"))
			e->kind = IRQK_MSI;
		else if (!strcmp(c.base, "PCI-MSIX"))
			e->kind = IRQK_MSIX;
		else
			/* a PCI device's third domain: 6.2-6.9 created no other kind for one */
			e->kind = d ? IRQK_IMS : IRQK_DEVICE_OTHER;
		if (e->hwirq_known && e->hwirq <= 0x7fffffff)
			e->index = (int)e->hwirq;
	} else if (c.naming == NAMING_GLOBAL) {
		if (!e->hwirq_known)
			return; /* a PCI-MSI interrupt of no known device: not given to one */
		irq_decode_global_hwirq(e->hwirq, e->bdf, sizeof(e->bdf), &index);
		e->index = (int)index;
		d = inv ? inventory_find(inv, e->bdf) : NULL;
		m = d ? pci_device_msi_irq(d, e->irq) : NULL;
		/* one domain for both: the device's msi_irqs/<irq> says which */
		e->kind = m && m->mode == MSI_MODE_MSI ? IRQK_MSI : IRQK_MSIX;
		if (!m && d && d->caps.msi_enabled && d->caps.msix != ANSWER_YES)
			e->kind = IRQK_MSI;
	} else {
		return;
	}
	d = inv ? inventory_find(inv, e->bdf) : NULL;
	e->in_msi_irqs = d && pci_device_msi_irq(d, e->irq);
}

static int cmp_domain_order(const void *a, const void *b)
{
	const struct irq_entry *x = *(const struct irq_entry *const *)a;
	const struct irq_entry *y = *(const struct irq_entry *const *)b;
	int c = strcmp(x->chip, y->chip);

	if (!c)
		c = strcmp(x->bdf, y->bdf);
	return c ? c : (x->irq < y->irq ? -1 : x->irq > y->irq);
}

int irqdomains_classify(struct irq_snapshot *s, const struct inventory *inv)
{
	struct irq_entry **order;
	struct irq_domain_info *d = NULL;
	size_t i;

	for (i = 0; i < s->n; i++)
		classify_entry(&s->e[i], inv);
	free(s->dom);
	s->dom = NULL;
	s->n_dom = 0;
	if (!s->n)
		return 0;
	order = malloc(s->n * sizeof(*order));
	s->dom = calloc(s->n, sizeof(*s->dom)); /* at most one per irq; trimmed below */
	if (!order || !s->dom) {
		free(order);
		free(s->dom);
		s->dom = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < s->n; i++)
		order[i] = &s->e[i];
	qsort(order, s->n, sizeof(*order), cmp_domain_order);
	for (i = 0; i < s->n; i++) {
		const struct irq_entry *e = order[i];

		/* only domains that give interrupts to devices are listed */
		if (e->naming == NAMING_OTHER)
			continue;
		if (!d || strcmp(d->chip, e->chip)) {
			d = &s->dom[s->n_dom++];
			memcpy(d->chip, e->chip, sizeof(d->chip));
			d->naming = e->naming;
			d->remap = e->remap;
			d->kind = e->naming == NAMING_GLOBAL ? IRQK_MSI : e->kind;
			if (e->naming == NAMING_PER_DEVICE)
				memcpy(d->bdf, e->bdf, sizeof(d->bdf));
			d->count_known = true;
		}
		if (!d->vectors || strcmp(order[i - 1]->bdf, e->bdf))
			d->devices++;
		d->vectors++;
		d->count += e->count;
		d->count_known = d->count_known && e->count_known;
	}
	free(order);
	return 0;
}

void irqdomains_free(struct irq_snapshot *s)
{
	free(s->e);
	free(s->dom);
	memset(s, 0, sizeof(*s));
}
