# SPDX-License-Identifier: GPL-2.0
"""The linux-hardware.org part of the corpus: cases built at run time from local git
checkouts of the hw-probe project's public repositories linuxhw/DMI (dmidecode text) and
linuxhw/ACPI (acpidump text), both CC BY 4.0. Nothing of them is kept in this repository:
`tests/corpus/build --linuxhw-dmi GITDIR [--linuxhw-acpi GITDIR]` reads them from the git
directories named on the command line and writes cases to the cache only.

Both repositories lay files out as {TYPE}/{VENDOR}/{MODEL PREFIX}/{MODEL}/{HWID}; in
linuxhw/ACPI, HWID is iasl's decoded text and HWID.bin the acpidump hex text (not every
machine has the latter). The selection is deterministic (sorted paths, fixed quotas):

  sample    round robin over the form-factor directories, in each the vendors by number of
            files (most first): the first x86 machine (sorted paths) of the next vendor,
            until MIN real machines are taken
  vm-bit    every file whose dmidecode says "System is a virtual machine"
  coreboot  every file with BIOS vendor coreboot that has an ACPI dump, plus the first
            file of each vendor/model-prefix directory
  server    in Server/, per vendor the first file of up to SERVER_PREFIXES model prefixes
  acpi      every machine in linuxhw/ACPI (joined with linuxhw/DMI by HWID; ACPI-only ones
            too)
  vm        every file under a hypervisor's vendor directory (VM_DIRS)

Labels: guest for the VM_DIRS entries whose product is a virtual machine, host for all
else (these are the categories of real computers hw-probe files its reports under).
"""
import os
import re
import subprocess
import time
from collections import defaultdict

import corpuslib as cl

LICENCE = 'CC BY 4.0 (%s LICENSE)'
ATTRIBUTION = 'linux-hardware.org (hw-probe) contributors'
SERVER_PREFIXES = 4

# vendor directory, product (System Information, Product Name) that makes it a VM, the
# hypervisor. A product not matching is a real machine sold by that vendor (Nutanix's
# NX appliances are Supermicro servers; their VMs say "AHV").
VM_DIRS = [
    ('QEMU', r'.', 'QEMU'),
    ('Bochs', r'.', 'QEMU'),
    ('Red Hat', r'KVM|RHEV|OpenStack', 'KVM'),
    ('Nutanix', r'AHV', 'KVM'),
    ('VMware', r'VMware', 'VMware'),
    ('VMware, Inc.', r'VMware', 'VMware'),
    ('innotek GmbH', r'VirtualBox', 'VirtualBox'),
    ('Oracle', r'VirtualBox', 'VirtualBox'),
    ('Xen', r'HVM|domU|Xen', 'Xen'),
    ('Microsoft', r'Virtual Machine', 'Microsoft Hyper-V'),
    ('Parallels', r'Parallels|Virtual', 'Parallels'),
    ('Parallels Software International', r'.', 'Parallels'),
    ('OpenStack Foundation', r'.', 'KVM'),
    ('Amazon EC2', r'.', 'KVM'),
    ('Google', r'Google Compute Engine', 'KVM'),
    ('Alibaba Cloud', r'.', 'KVM'),
    ('DigitalOcean', r'.', 'KVM'),
    ('oVirt', r'.', 'KVM'),
    ('Proxmox', r'.', 'KVM'),
    ('Hetzner', r'vServer', 'KVM'),
    ('Virtuozzo', r'.', 'Virtuozzo'),
    ('BHYVE', r'.', 'bhyve'),
]

# vendor directories of hypervisors and clouds only
VM_ONLY = {'QEMU', 'Bochs', 'Red Hat', 'Nutanix', 'VMware', 'VMware, Inc.', 'innotek GmbH',
           'Xen', 'Parallels', 'Parallels Software International', 'OpenStack Foundation',
           'Amazon EC2', 'Alibaba Cloud', 'DigitalOcean', 'oVirt', 'Proxmox', 'BHYVE'}
# QEMU's x86 machine types, named in the System, Base Board or Chassis version
QEMU_X86_RE = re.compile(r'\b(pc-q35|pc-i440fx|Q35 \+ ICH9|i440FX \+ PIIX)', re.I)

X86_RE = re.compile(r'\b(intel|amd|advanced micro|hygon|centaur|zhaoxin|via|pentium|celeron|'
                    r'core|xeon|atom|athlon|opteron|ryzen|epyc|sempron|phenom|turion|duron|'
                    r'geode|k[5-8]|x86|x64|amd64|i[3-9]|genuineintel|authenticamd)', re.I)
OTHER_RE = re.compile(r'\b(arm|armv\d\w*|aarch64|arm64|risc-?v|power\d*|ppc\w*|sparc|mips|'
                      r'qualcomm|snapdragon|rockchip|allwinner|mediatek|ampere|cavium|'
                      r'marvell|broadcom|apple m\d|cortex|loongson)\b', re.I)


def log(msg):
    import sys
    sys.stderr.write('corpus: linuxhw: %s\n' % msg)


class Git:
    """One git directory: its HEAD tree and a cat-file --batch process for blobs."""

    def __init__(self, gitdir):
        self.dir = gitdir
        self.commit = subprocess.run(['git', '--git-dir', gitdir, 'rev-parse', 'HEAD'],
                                     stdout=subprocess.PIPE, check=True,
                                     text=True).stdout.strip()
        out = subprocess.run(['git', '--git-dir', gitdir, 'ls-tree', '-r', '-z', 'HEAD'],
                             stdout=subprocess.PIPE, check=True).stdout
        self.oid = {}
        for ent in out.split(b'\0'):
            if not ent:
                continue
            meta, path = ent.split(b'\t', 1)
            mode, typ, oid = meta.split()
            if typ == b'blob':
                self.oid[path.decode('utf-8', 'surrogateescape')] = oid.decode()
        self.proc = None

    def blob(self, path):
        if self.proc is None:
            self.proc = subprocess.Popen(['git', '--git-dir', self.dir, 'cat-file', '--batch'],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.proc.stdin.write(self.oid[path].encode() + b'\n')
        self.proc.stdin.flush()
        head = self.proc.stdout.readline().split()
        if len(head) == 2 and head[1] == b'missing':
            return None
        if len(head) != 3:
            raise RuntimeError('git cat-file: %r' % head)
        size = int(head[2])
        data = self.proc.stdout.read(size + 1)[:size]
        return data

    def grep(self, *args):
        """Paths in HEAD matching `git grep ARGS`."""
        r = subprocess.run(['git', '--git-dir', self.dir, 'grep', '-l', '-z'] + list(args) +
                           ['HEAD'], stdout=subprocess.PIPE)
        return {p.decode('utf-8', 'surrogateescape').split(':', 1)[1]
                for p in r.stdout.split(b'\0') if p}

    def close(self):
        if self.proc:
            self.proc.stdin.close()
            self.proc.wait()


def machines(paths):
    """{TYPE}/{VENDOR}/{PREFIX}/{MODEL}/{HWID} paths only (no README, LICENSE, .bin)."""
    return sorted(p for p in paths if p.count('/') == 4 and not p.endswith('.bin'))


def vm_label(path, product):
    vendor = path.split('/')[1]
    for vdir, prod_re, hv in VM_DIRS:
        if vendor == vdir:
            if re.search(prod_re, product or ''):
                return hv, 'vendor directory %r, product %r' % (vendor, product)
            return None, ('vendor directory %r but product %r is not a virtual machine: a '
                          'real computer' % (vendor, product))
    return None, None


def arch_of(records):
    """'x86', 'other' or None from the type 4 records' family, manufacturer and version."""
    words = []
    for r in records:
        if r.type == 4:
            words += [r.fields.get(k, '') for k in ('Family', 'Manufacturer', 'Version')]
    text = ' '.join(w for w in words if w)
    if OTHER_RE.search(text):
        return 'other'
    if X86_RE.search(text):
        return 'x86'
    return None


def slug(s, n=40):
    return re.sub(r'[^A-Za-z0-9.+-]+', '_', s).strip('_')[:n]


class Dmi:
    """Parsed dmidecode files, cached."""

    def __init__(self, git):
        self.git = git
        self.cache = {}

    def get(self, path):
        if path not in self.cache:
            blob = self.git.blob(path)
            text = blob.decode('utf-8', 'replace') if blob is not None else ''
            try:
                if blob is None:
                    raise cl.ConvertError('blob absent from the git directory')
                version, records = cl.parse_dmidecode_text(text)
                self.cache[path] = (text, records, None)
            except cl.ConvertError as e:
                self.cache[path] = (text, [], str(e))
        return self.cache[path]

    def arch(self, path):
        return arch_of(self.get(path)[1])

    def product(self, path):
        for r in self.get(path)[1]:
            if r.type == 1:
                return (r.fields.get('Product Name') or r.fields.get('Product') or '').strip()
        return ''


def select(dmi_git, dmi, acpi_git, nmin):
    """{dmi path or 'acpi:'+acpi path: [reasons]}, and counts of what was passed over."""
    sel = defaultdict(list)
    passed = defaultdict(int)
    paths = machines(dmi_git.oid)
    by_ff_vendor = defaultdict(lambda: defaultdict(list))
    for p in paths:
        ff, vendor = p.split('/')[:2]
        by_ff_vendor[ff][vendor].append(p)

    # vm: every file under a hypervisor's vendor directory whose model directory (hw-probe
    # names it after the product) is a VM, and every file of a vendor that makes nothing
    # else (the real machines among them are labelled host)
    vm_vendors = {v for v, _, _ in VM_DIRS}
    for p in paths:
        vendor = p.split('/')[1]
        if vendor in VM_ONLY or (vendor in vm_vendors and vm_label(p, p.split('/')[3])[0]):
            sel[p].append('vm')
    t = time.time()

    # sample: round robin over form factors, vendors by size
    queues = {ff: sorted(vs, key=lambda v: (-len(vs[v]), v)) for ff, vs in by_ff_vendor.items()}
    taken = 0
    while taken < nmin and any(queues.values()):
        for ff in sorted(queues):
            if not queues[ff] or taken >= nmin:
                continue
            vendor = queues[ff].pop(0)
            if vendor in VM_ONLY:
                continue
            for p in by_ff_vendor[ff][vendor]:
                if dmi.arch(p) == 'x86':
                    sel[p].append('sample')
                    taken += 1
                    break
            else:
                passed['sample: vendor directory without an x86 machine'] += 1

    log('sample: %.1f s' % (time.time() - t))
    t = time.time()
    # vm-bit: every file whose dmidecode text says so
    for p in sorted(dmi_git.grep('-F', '-e', 'System is a virtual machine')):
        if p in dmi_git.oid:
            sel[p].append('vm-bit')

    log('vm-bit: %.1f s' % (time.time() - t))
    t = time.time()
    # coreboot
    acpi_hwids = set()
    if acpi_git:
        acpi_hwids = {p.rsplit('/', 1)[1] for p in machines(acpi_git.oid)}
    cb = sorted(dmi_git.grep('-i', '-E', '-e', r'^\s*Vendor: coreboot'))
    seen = set()
    for p in cb:
        if p not in dmi_git.oid:
            continue
        key = tuple(p.split('/')[:3])
        if p.rsplit('/', 1)[1] in acpi_hwids:
            sel[p].append('coreboot (has an ACPI dump)')
        elif key not in seen:
            sel[p].append('coreboot (first of %s)' % '/'.join(key))
        seen.add(key)

    log('coreboot: %.1f s' % (time.time() - t))
    # server: per vendor, the first file of up to SERVER_PREFIXES model prefixes
    for vendor, ps in sorted(by_ff_vendor.get('Server', {}).items()):
        prefixes = defaultdict(list)
        for p in ps:
            prefixes[p.split('/')[2]].append(p)
        order = sorted(prefixes, key=lambda k: (-len(prefixes[k]), k))[:SERVER_PREFIXES]
        for pre in order:
            sel[prefixes[pre][0]].append('server')

    # acpi: every machine, joined by HWID
    if acpi_git:
        by_hwid = defaultdict(list)
        for p in paths:
            by_hwid[p.rsplit('/', 1)[1]].append(p)
        for ap in machines(acpi_git.oid):
            cands = by_hwid.get(ap.rsplit('/', 1)[1], [])
            same = [c for c in cands if c == ap]
            if same or cands:
                sel[(same or cands)[0]].append('acpi')
            else:
                sel['acpi:' + ap].append('acpi (no DMI file with this HWID)')
    return sel, passed


def acpi_for(acpi_git, hwid_path):
    """(tables, notes, path used) for a machine of linuxhw/ACPI, tables None if none."""
    binp = hwid_path + '.bin'
    if binp in acpi_git.oid:
        blob = acpi_git.blob(binp)
        if blob is None:
            return None, ['%s: blob absent from the git directory: no ACPI table converted'
                          % binp], binp
        text = blob.decode('latin-1')
        try:
            tables, notes = cl.acpidump_to_tables(text)
            return tables, notes, binp
        except cl.ConvertError as e:
            return None, ['%s: not converted: %s' % (binp, e)], binp
    return None, ['%s has only iasl\'s decoded text (no acpidump hex %s.bin): no ACPI table '
                  'converted' % (hwid_path, os.path.basename(hwid_path))], hwid_path


def build(out, dmi_dir, acpi_dir, nmin, Case, smbios_case, x86_cpuid):
    dmi_git = Git(dmi_dir)
    acpi_git = Git(acpi_dir) if acpi_dir else None
    dmi = Dmi(dmi_git)
    t0 = time.time()
    sel, passed = select(dmi_git, dmi, acpi_git, nmin)
    log('%d machines selected in %.1f s' % (len(sel), time.time() - t0))
    acpi_paths = {}
    if acpi_git:
        for ap in machines(acpi_git.oid):
            acpi_paths.setdefault(ap.rsplit('/', 1)[1], ap)
    counts = defaultdict(int)
    names = set()
    for key in sorted(sel):
        reasons = sel[key]
        acpi_only = key.startswith('acpi:')
        path = key[5:] if acpi_only else key
        hwid = path.rsplit('/', 1)[1]
        ff, vendor, prefix, model = path.split('/')[:4]
        sm = None
        records = []
        text = None
        if not acpi_only:
            text, records, err = dmi.get(path)
            if err:
                counts['skipped: dmidecode text not read'] += 1
                log('%s: %s' % (path, err))
                continue
        arch = arch_of(records) if records else None
        arch_how = None
        hv, why = vm_label(path, dmi.product(path) if not acpi_only else '')
        tables, anotes, apath = (None, [], None)
        if acpi_git and hwid in acpi_paths:
            tables, anotes, apath = acpi_for(acpi_git, acpi_paths[hwid])
        if arch is None and tables:
            sigs = {n.rstrip('0123456789') for n, _ in tables}
            if 'FACP' in sigs and not sigs & {'GTDT', 'IORT', 'PPTT_ARM'}:
                arch, arch_how = 'x86', 'no type 4 processor words; ACPI tables without ' \
                    'GTDT/IORT taken as x86'
        if arch is None and text and QEMU_X86_RE.search(text):
            arch, arch_how = 'x86', ('no processor words in type 4; taken as x86 from the '
                                     'QEMU machine type %r the text names'
                                     % QEMU_X86_RE.search(text).group(1))
        if arch == 'other':
            counts['skipped: not x86 (type 4 processor)'] += 1
            continue
        if arch is None:
            counts['skipped: architecture not told (no type 4 processor words)'] += 1
            continue
        group = 'linuxhw-vm-x86' if hv else 'linuxhw-real-x86'
        name = '%s-%s-%s' % (hwid, slug(vendor, 20), slug(model))
        if name in names:
            name += '-' + slug(ff, 12)
        names.add(name)
        case = Case(out, group, name)
        src_path = apath if acpi_only else path
        case.add('repository', 'https://github.com/linuxhw/%s' % ('ACPI' if acpi_only else 'DMI'))
        case.add('commit', (acpi_git if acpi_only else dmi_git).commit)
        case.add('path', '%s (%s)' % (src_path, 'acpidump text' if acpi_only
                                      else 'dmidecode text'))
        if apath and not acpi_only:
            case.add('acpi_repository', 'https://github.com/linuxhw/ACPI')
            case.add('acpi_commit', acpi_git.commit)
            case.add('acpi_path', apath)
        case.add('licence', LICENCE % ('linuxhw/ACPI' if acpi_only else 'linuxhw/DMI'))
        case.add('attribution', ATTRIBUTION)
        case.add('form_factor', ff)
        case.add('selected', ', '.join(reasons))
        case.add('truth', 'guest' if hv else 'host')
        if hv:
            case.add('hypervisor', hv)
        case.add('truth_from', why if why else
                 'the %r category of real computers hw-probe files reports under, vendor '
                 'directory %r (no hypervisor vendor)' % (ff, vendor))
        if not acpi_only:
            try:
                sm, cnotes = cl.text_to_smbios(text)
            except cl.ConvertError as e:
                case.add('note', 'dmidecode text not converted: %s' % e)
            else:
                smbios_case(case, sm, cnotes, text)
        if tables:
            for n, data in tables:
                cl.write_file(os.path.join(case.root, 'sys/firmware/acpi/tables', n), data)
            case.add('note', 'root/sys/firmware/acpi/tables: %s, from the acpidump text, each '
                     'checked by its ACPI checksum' % ', '.join(n for n, _ in tables))
        for n in anotes:
            case.add('note', n)
        if arch_how:
            case.add('note', arch_how)
        x86_cpuid(case, sm)
        case.finish()
        if sum(counts[g] for g in ('linuxhw-real-x86', 'linuxhw-vm-x86')) % 200 == 199:
            log('%d cases, %.1f s' % (len(names), time.time() - t0))
        counts[group] += 1
        for r in reasons:
            counts['selected ' + r.split(' ')[0]] += 1
    for k, v in passed.items():
        counts[k] += v
    dmi_git.close()
    if acpi_git:
        acpi_git.close()
    return dict(sorted(counts.items()))
