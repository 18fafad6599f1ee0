#!/usr/bin/env python3
"""Write the hand-made audit fixtures (tests/fixtures/audit-*/).

No machine here has an Intel DSA, an SR-IOV card, a pre-6.2 kernel with its global PCI-MSI
domain, a host without interrupt remapping or an IMS domain, so these trees are written by
hand from the kernel's sysfs and procfs formats (drivers/pci/pci-sysfs.c, kernel/irq/irqdesc.c,
kernel/irq/proc.c) and the PCI configuration-space layout. Each tree holds the files
`imswatch audit` reads, `cpuid`, `source` (what it models and that it is hand-made),
`expected.json` (the platform verdicts, as every fixture) and `audit.expect` (exit code and
findings, checked by tests/host/audit.sh). Run from the repository root; rewrites the trees.
"""
import os
import shutil
import struct

FIX = "tests/fixtures"

CPUID_GUEST = open(f"{FIX}/qemu-kvm/cpuid").read()
CPUID_HOST = open(f"{FIX}/baremetal-dell/cpuid").read()


def put(root, rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def link(root, rel, target):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def config(vendor, device, msi=None, msix=None, pcie=True, siov_ims=None, size=4096):
    """Config space: header, a capability list (PCIe at 0x40, MSI at 0x50, MSI-X at 0x60),
    and an extended list with the Intel Scalable IOV DVSEC at 0x150 when siov_ims is set."""
    c = bytearray(4096)
    struct.pack_into("<HH", c, 0, vendor, device)
    c[0x06] = 0x10
    caps = []
    if pcie:
        caps.append((0x40, 0x10, 0))
    if msi is not None:
        mmc = {1: 0, 2: 1, 4: 2, 8: 3, 16: 4, 32: 5}[msi]
        caps.append((0x50, 0x05, mmc << 1))
    if msix is not None:
        caps.append((0x60, 0x11, 0x8000 | (msix - 1)))
    c[0x34] = caps[0][0] if caps else 0
    for i, (pos, cid, ctl) in enumerate(caps):
        c[pos] = cid
        c[pos + 1] = caps[i + 1][0] if i + 1 < len(caps) else 0
        struct.pack_into("<H", c, pos + 2, ctl)
    if siov_ims is not None:
        struct.pack_into("<I", c, 0x100, 0x0001 | 1 << 16 | 0x150 << 20)  # AER
        struct.pack_into("<I", c, 0x150, 0x0023 | 1 << 16)  # DVSEC, last
        struct.pack_into("<HH", c, 0x154, 0x8086, 0x0018 << 4)
        struct.pack_into("<H", c, 0x158, 0x0005)  # Intel Scalable IOV
        struct.pack_into("<I", c, 0x164, 1 if siov_ims else 0)
    return bytes(c[:size])


def device(root, bdf, vendor, dev, cls, driver=None, module=None, cfg=None, irqs=(),
           sub=(0, 0)):
    d = f"sys/bus/pci/devices/{bdf}"
    put(root, f"{d}/vendor", f"0x{vendor:04x}\n")
    put(root, f"{d}/device", f"0x{dev:04x}\n")
    put(root, f"{d}/subsystem_vendor", f"0x{sub[0]:04x}\n")
    put(root, f"{d}/subsystem_device", f"0x{sub[1]:04x}\n")
    put(root, f"{d}/class", f"0x{cls:06x}\n")
    uevent = f"PCI_ID={vendor:04X}:{dev:04X}\nPCI_SLOT_NAME={bdf}\n"
    if driver:
        uevent = f"DRIVER={driver}\n" + uevent
        link(root, f"{d}/driver", f"../../drivers/{driver}")
        if module and not os.path.lexists(os.path.join(root, f"sys/bus/pci/drivers/{driver}/module")):
            link(root, f"sys/bus/pci/drivers/{driver}/module", f"../../../../module/{module}")
            os.makedirs(os.path.join(root, f"sys/module/{module}"), exist_ok=True)
    put(root, f"{d}/uevent", uevent)
    if cfg is not None:
        put(root, f"{d}/config", cfg)
    for irq, mode in irqs:
        put(root, f"{d}/msi_irqs/{irq}", mode + "\n")


def irq(root, n, chip, hwirq, actions, counts):
    d = f"sys/kernel/irq/{n}"
    put(root, f"{d}/chip_name", chip + "\n")
    put(root, f"{d}/hwirq", f"{hwirq}\n")
    put(root, f"{d}/type", "edge\n")
    put(root, f"{d}/actions", actions + "\n")
    put(root, f"{d}/name", "edge\n")
    put(root, f"{d}/per_cpu_count", ",".join(str(c) for c in counts) + "\n")


def interrupts(root, rows, ncpu):
    lines = ["      " + "".join(f"CPU{i:<7}" for i in range(ncpu)).rstrip()]
    for n, chip, hw, actions, counts in rows:
        lines.append(f"{n:4}: " + " ".join(f"{c:10}" for c in counts) +
                     f"  {chip:>8} {hw}-edge      {actions}")
    lines.append(" NMI: " + " ".join(f"{0:10}" for _ in range(ncpu)) + "   Non-maskable interrupts")
    put(root, "proc/interrupts", "\n".join(lines) + "\n")


def kallsyms(root, ims_api):
    syms = ["local_pci_probe", "pci_device_probe", "pci_alloc_irq_vectors_affinity",
            "msi_create_device_irq_domain", "__traceiter_vector_alloc",
            "__traceiter_vector_activate", "__traceiter_vector_deactivate",
            "__traceiter_vector_teardown"]
    if ims_api:
        syms += ["pci_create_ims_domain", "pci_ims_alloc_irq", "pci_ims_free_irq"]
    put(root, "proc/kallsyms", "".join(f"0000000000000000 T {s}\n" for s in syms))
    put(root, "sys/kernel/btf/vmlinux", b"\x9f\xeb")


def fixture(name, cpuid, source, expected, expect, build):
    top = f"{FIX}/{name}"
    shutil.rmtree(top, ignore_errors=True)
    root = f"{top}/root"
    os.makedirs(root)
    build(root)
    put(top, "cpuid", cpuid)
    put(top, "source", source.strip() + "\n")
    put(top, "expected.json", expected.strip() + "\n")
    put(top, "audit.expect", expect.strip() + "\n")


def dmi(root, vendor, product):
    for f, v in (("sys_vendor", vendor), ("product_name", product), ("board_vendor", vendor),
                 ("bios_vendor", vendor), ("chassis_vendor", vendor)):
        put(root, f"sys/class/dmi/id/{f}", v + "\n")


# ---- a DSA-like device with the SIOV DVSEC, an IMS domain, in a QEMU guest with a vIOMMU ----
def dsa_guest(root):
    dmi(root, "QEMU", "Standard PC (Q35 + ICH9, 2009)")
    # VT-d with Caching Mode clear (bit 7): QEMU's intel-iommu default
    put(root, "sys/class/iommu/dmar0/intel-iommu/cap", "d2008c40660462\n")
    device(root, "0000:00:00.0", 0x8086, 0x29c0, 0x060000, cfg=config(0x8086, 0x29c0, pcie=False, size=256),
           sub=(0x1af4, 0x1100))
    device(root, "0000:6a:01.0", 0x8086, 0x0b25, 0x088000, driver="idxd", module="idxd",
           cfg=config(0x8086, 0x0b25, msix=9, siov_ims=True),
           irqs=[(40, "msix"), (41, "msix")])
    rows = [(40, "IR-PCI-MSIX-0000:6a:01.0", 0, "idxd-misc", [3, 0]),
            (41, "IR-PCI-MSIX-0000:6a:01.0", 1, "idxd-portal", [0, 7]),
            (42, "IR-IDXD-0000:6a:01.0", 0, "idxd-wq0", [12, 1]),
            (43, "IR-IDXD-0000:6a:01.0", 1, "idxd-wq1", [0, 0])]
    for n, chip, hw, act, counts in rows:
        irq(root, n, chip, hw, act, counts)
    irq(root, 9, "IR-IO-APIC", 9, "acpi", [0, 0])
    interrupts(root, [(9, "IR-IO-APIC", 9, "acpi", [0, 0])] + rows, 2)
    kallsyms(root, ims_api=True)


fixture("audit-dsa-siov-guest", CPUID_GUEST, """
Hand-made (no machine here has an Intel DSA or runs a 6.2-6.9 kernel with an IMS domain): a
QEMU/KVM q35 guest (CPUID hypervisor bit and KVM leaves from qemu-kvm, QEMU DMI) with a
virtual VT-d whose Caching Mode is clear and remapping on, running a kernel with the IMS API
(pci_create_ims_domain in kallsyms). An Intel DSA (8086:0b25) is assigned to it: MSI-X (9
entries, 2 vectors in msi_irqs/) and the Intel Scalable IOV DVSEC with IMS supported, and an
IMS domain IR-IDXD-0000:6a:01.0 with 2 vectors that msi_irqs/ does not list. Written by
tools/make-audit-fixtures.py from the kernel's sysfs/procfs formats.
""", """
{"description": "audit: DSA with SIOV DVSEC and an IMS domain in a QEMU guest with VT-d (CM off)", "seed": {"probably_on_bare_metal": false}, "q1": {"verdict": "definitely-guest"}, "q2": {"verdict": "definitely-guest", "interrupt_remapping": "on", "ims_gate": "open"}}
""", """
exit 1
exit-fail-on-critical 1
rule IMSW-AUDIT-IMS-VM critical 0000:6a:01.0
rule IMSW-AUDIT-IMS-GATE-OPEN warning 0000:6a:01.0
rule IMSW-AUDIT-SIOV-GUEST info 0000:6a:01.0
vectors 0000:6a:01.0 msix 2 ims 2
domain IR-IDXD-0000:6a:01.0 ims
""", dsa_guest)


# ---- an SR-IOV PF with VFs on a bare-metal host with remapping, kernel without the IMS API ----
def sriov_host(root):
    dmi(root, "Dell Inc.", "PowerEdge R750")
    put(root, "sys/class/iommu/dmar0/intel-iommu/cap", "d2008c40660462\n")
    pf = "0000:b1:00.0"
    device(root, pf, 0x8086, 0x1592, 0x020000, driver="ice", module="ice",
           cfg=config(0x8086, 0x1592, msi=1, msix=1024), irqs=[(60, "msix"), (61, "msix")],
           sub=(0x8086, 0x0002))
    put(root, f"sys/bus/pci/devices/{pf}/sriov_totalvfs", "128\n")
    put(root, f"sys/bus/pci/devices/{pf}/sriov_numvfs", "2\n")
    rows = [(60, f"IR-PCI-MSIX-{pf}", 0, "ice-misc", [100, 0]),
            (61, f"IR-PCI-MSIX-{pf}", 1, "ice-q0", [0, 5000])]
    for i, vf in enumerate(("0000:b1:01.0", "0000:b1:01.1")):
        link(root, f"sys/bus/pci/devices/{pf}/virtfn{i}", f"../{vf}")
        device(root, vf, 0x8086, 0x1889, 0x020000, driver="iavf", module="iavf",
               cfg=config(0x8086, 0x1889, msix=5), irqs=[(70 + i, "msix")])
        link(root, f"sys/bus/pci/devices/{vf}/physfn", f"../{pf}")
        rows.append((70 + i, f"IR-PCI-MSIX-{vf}", 0, f"iavf-{vf}:mbx", [1, 1]))
    for r in rows:
        irq(root, *r)
    interrupts(root, rows, 2)
    kallsyms(root, ims_api=False)


fixture("audit-sriov-pf-host", CPUID_HOST, """
Hand-made (no SR-IOV device here): a Dell PowerEdge host (CPUID and DMI of baremetal-dell)
with VT-d remapping on and a 6.10+ kernel (no IMS API in kallsyms). An Intel E810 PF
(8086:1592, driver ice) with sriov_totalvfs 128 and 2 VFs enabled (virtfn0/1 and physfn
links, 8086:1889 bound to iavf), every vector remapped (IR-PCI-MSIX-<bdf>). Expected: the
inventory, no finding. Written by tools/make-audit-fixtures.py.
""", """
{"description": "audit: SR-IOV PF with 2 VFs on a bare-metal host with remapping", "seed": {"probably_on_bare_metal": true}, "q1": {"verdict": "probably-host"}, "q2": {"verdict": "probably-host", "interrupt_remapping": "on"}}
""", """
exit 0
no-findings
sriov 0000:b1:00.0 128 2
physfn 0000:b1:01.1 0000:b1:00.0
module 0000:b1:00.0 ice
vectors 0000:b1:01.0 msix 1 ims 0
""", sriov_host)


# ---- before 6.2: one global PCI-MSI domain, the device in hwirq; a host without remapping ----
def pre62_host(root):
    dmi(root, "Dell Inc.", "PowerEdge R640")
    device(root, "0000:01:00.0", 0x144d, 0xa808, 0x010802, driver="nvme", module="nvme",
           cfg=config(0x144d, 0xa808, msi=32, msix=33), irqs=[(24, "msix"), (25, "msix"), (26, "msix")])
    device(root, "0000:02:00.0", 0x8086, 0x1533, 0x020000, driver="igb", module="igb",
           cfg=config(0x8086, 0x1533, msi=1, msix=5), irqs=[(27, "msi")])
    # pci_msi_domain_calc_hwirq(): index | (bus << 8 | devfn) << 11 | domain << 27
    rows = [(24, "PCI-MSI", (1 << 8) << 11 | 0, "nvme0q0", [50, 0]),
            (25, "PCI-MSI", (1 << 8) << 11 | 1, "nvme0q1", [900, 0]),
            (26, "PCI-MSI", (1 << 8) << 11 | 2, "nvme0q2", [0, 870]),
            (27, "PCI-MSI", (2 << 8) << 11 | 0, "eno1", [12, 3])]
    for r in rows:
        irq(root, *r)
    irq(root, 9, "IO-APIC", 9, "acpi", [0, 0])
    interrupts(root, [(9, "IO-APIC", 9, "acpi", [0, 0])] + rows, 2)
    kallsyms(root, ims_api=False)


fixture("audit-pre62-noir-host", CPUID_HOST, """
Hand-made (this machine runs 6.18; the VM bench's 6.1 guests have remapping): a Dell host
(CPUID and DMI of baremetal-dell) on a kernel before 6.2 without interrupt remapping: one
global PCI-MSI domain, the device encoded in hwirq (pci_msi_domain_calc_hwirq: index |
(bus << 8 | devfn) << 11 | domain << 27; 524288 = 0000:01:00.0 index 0). An NVMe drive with 3
MSI-X vectors and an igb NIC with 1 MSI vector. No contradiction, so MSI without remapping is
not a finding. Written by tools/make-audit-fixtures.py.
""", """
{"description": "audit: pre-6.2 global PCI-MSI domain on a host without remapping", "seed": {"probably_on_bare_metal": true}, "q1": {"verdict": "probably-host"}, "q2": {"verdict": "probably-host", "interrupt_remapping": "off", "ims_gate": "closed"}}
""", """
exit 0
no-findings
vectors 0000:01:00.0 msix 3 ims 0
vectors 0000:02:00.0 msi 1 ims 0
domain PCI-MSI msi-msix
""", pre62_host)


# ---- a host without remapping whose evidence contradicts itself ----
def noir_contradicted(root):
    dmi(root, "Dell Inc.", "PowerEdge R640")
    device(root, "0000:01:00.0", 0x144d, 0xa808, 0x010802, driver="nvme", module="nvme",
           cfg=config(0x144d, 0xa808, msix=33), irqs=[(24, "msix"), (25, "msix")])
    # Amazon's ENA: a weak guest signal (also on EC2 bare-metal instances)
    device(root, "0000:00:05.0", 0x1d0f, 0xec20, 0x020000, driver="ena", module="ena",
           cfg=config(0x1d0f, 0xec20, msix=9), irqs=[(30, "msix")])
    rows = [(24, "PCI-MSIX-0000:01:00.0", 0, "nvme0q0", [5, 0]),
            (25, "PCI-MSIX-0000:01:00.0", 1, "nvme0q1", [0, 9]),
            (30, "PCI-MSIX-0000:00:05.0", 0, "ena-mgmnt", [1, 0])]
    for r in rows:
        irq(root, *r)
    interrupts(root, rows, 2)
    kallsyms(root, ims_api=False)


fixture("audit-noir-contradicted", CPUID_HOST, """
Hand-made: a Dell host (CPUID and DMI of baremetal-dell) on a 6.2+ kernel without interrupt
remapping (PCI-MSIX-<bdf> chips, no IR- prefix) with an Amazon ENA NIC (1d0f:ec20, a weak
guest signal: EC2 bare-metal instances have it too), so Q2 is probably-host with a
contradiction. Every device delivering MSI-X without remapping is then a warning
(IMSW-AUDIT-CONTRADICTED). Written by tools/make-audit-fixtures.py.
""", """
{"description": "audit: host without remapping whose evidence contradicts itself", "seed": {"probably_on_bare_metal": true}, "q1": {"verdict": "probably-host"}, "q2": {"verdict": "probably-host", "interrupt_remapping": "off"}}
""", """
exit 1
exit-fail-on-critical 0
rule IMSW-AUDIT-CONTRADICTED warning 0000:01:00.0
rule IMSW-AUDIT-CONTRADICTED warning 0000:00:05.0
""", noir_contradicted)


# ---- what a reader without root sees: 64 bytes of config ----
def nonroot(root):
    dmi(root, "QEMU", "Standard PC (Q35 + ICH9, 2009)")
    device(root, "0000:00:04.0", 0x8086, 0x0b26, 0x088000, driver="vfio-pci",
           cfg=config(0x8086, 0x0b26, msix=9, siov_ims=True, size=64), irqs=[(40, "msix")])
    rows = [(40, "PCI-MSIX-0000:00:04.0", 0, "vfio-msix[0](0000:00:04.0)", [0, 0])]
    for r in rows:
        irq(root, *r)
    interrupts(root, rows, 2)
    kallsyms(root, ims_api=True)


fixture("audit-nonroot-truncated", CPUID_GUEST, """
Hand-made: what a reader without root sees in a QEMU/KVM guest (CPUID of qemu-kvm, QEMU DMI):
sysfs hands out the first 64 bytes of config space, so the device's capabilities (here a DSA
relative, 8086:0b26, whose full config would carry the SIOV DVSEC) are unknown, never "none":
the audit lists the truncation as unreadable and does not claim it IMS-capable or not. No
remapping. Written by tools/make-audit-fixtures.py.
""", """
{"description": "audit: config truncated to 64 bytes (not root)", "seed": {"probably_on_bare_metal": false}, "q1": {"verdict": "definitely-guest"}, "q2": {"verdict": "definitely-guest", "interrupt_remapping": "off"}}
""", """
exit 0
no-findings
unreadable config truncated (not root): capabilities unknown
ims_capable 0000:00:04.0 null
""", nonroot)
