#!/usr/bin/env python3
"""Writes the hand-built platform fixtures in tests/fixtures (the ones whose `source` says
"Hand-built from public documentation"): platforms that cannot be booted here (Hyper-V root,
Xen dom0/domU, AWS, GCE, HPE, Supermicro, TDX). Every value is a literal below, taken from
the documentation each fixture's `source` names; expected.json holds the verdicts reasoned
from those facts by hand, never imswatch's own output. Run from the repository root."""
import os, struct, json
BASE = 'tests/fixtures'

def w(root, rel, data):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    mode = 'wb' if isinstance(data, bytes) else 'w'
    with open(p, mode) as f: f.write(data)

def acpi(root, sig, oem, table, creator=b'INTL', rev=1):
    h = sig.encode() + struct.pack('<IBB', 36, rev, 0) + oem.encode().ljust(6)[:6] + table.encode().ljust(8)[:8] + struct.pack('<I', 1) + creator.ljust(4)[:4] + struct.pack('<I', 0x20200925)
    assert len(h) == 36
    w(root, 'sys/firmware/acpi/tables/' + sig, h)

def smbios0(root, vendor, version, date, vm):
    ext2 = 0x0d | (0x10 if vm else 0)
    f = bytes([0, 0x18, 0, 0, 1, 2, 0, 0xf0, 3, 0xff]) + bytes([0x80, 0x98, 0x8b, 0x3f, 0x01, 0, 0, 0]) + bytes([0x03, ext2, 2, 1, 0xff, 0xff])
    assert len(f) == 0x18
    s = (vendor + '\0' + version + '\0' + date + '\0\0').encode()
    w(root, 'sys/firmware/dmi/tables/DMI', f + s + bytes([127, 4, 0xff, 0xff, 0, 0]))

def dmi(root, **kv):
    for k, v in kv.items(): w(root, 'sys/class/dmi/id/' + k, v + '\n')

def pci(root, devs):
    for bdf, vd, cls in devs:
        v, d = vd.split(':')
        w(root, 'sys/bus/pci/devices/%s/vendor' % bdf, '0x%s\n' % v)
        w(root, 'sys/bus/pci/devices/%s/device' % bdf, '0x%s\n' % d)
        w(root, 'sys/bus/pci/devices/%s/class' % bdf, '0x%s\n' % cls)

def irqs(root, chips):
    for i, c in enumerate(chips):
        w(root, 'sys/kernel/irq/%d/chip_name' % (i + 24 if i else 9), c + '\n')

def cpuinfo(root, flags):
    w(root, 'proc/cpuinfo', 'flags\t\t: ' + flags + '\n')

def fixture(name, cpuid, source, expected, build):
    d = os.path.join(BASE, name)
    os.system('rm -rf ' + d)
    root = os.path.join(d, 'root')
    os.makedirs(root)
    build(root)
    if not os.listdir(root): open(os.path.join(root, '.gitkeep'), 'w').close()
    with open(os.path.join(d, 'cpuid'), 'w') as f: f.write('# leaf subleaf eax ebx ecx edx (hex)\n' + cpuid)
    with open(os.path.join(d, 'source'), 'w') as f: f.write(source + '\n')
    with open(os.path.join(d, 'expected.json'), 'w') as f: f.write(json.dumps(expected) + '\n')

INTEL0 = '0x0 0x0 0x0000001b 0x756e6547 0x6c65746e 0x49656e69\n'
ICX1_CLEAN = '0x1 0x0 0x000606a6 0x00400800 0x7ffefbff 0xbfebfbff\n'
ICX1_HV = '0x1 0x0 0x000606a6 0x00400800 0xfffefbff 0xbfebfbff\n'
SKX0 = '0x0 0x0 0x0000000d 0x756e6547 0x6c65746e 0x49656e69\n'
SKX1_HV = '0x1 0x0 0x00050654 0x00010800 0xfffa3203 0x178bfbff\n'
KVMSIG = "# 'KVMKVMKVM\\0\\0\\0'\n0x40000000 0x0 0x40000001 0x4b4d564b 0x564b4d56 0x0000004d\n"
XENSIG = "# 'XenVMMXenVMM'\n0x40000000 0x0 0x40000005 0x566e6558 0x65584d4d 0x4d4d566e\n"
HVSIG = "# 'Microsoft Hv'\n0x40000000 0x0 0x4000000c 0x7263694d 0x666f736f 0x76482074\n"
ICX_PCI = [('0000:00:00.0', '8086:09a2', '088000'), ('0000:00:01.0', '8086:0b00', '088000'),
           ('0000:03:00.0', '102b:0536', '030000'), ('0000:31:00.0', '14e4:16d7', '020000'),
           ('0000:4b:00.0', '1000:10e2', '010700')]
ICX_IRQ = ['IR-IO-APIC', 'DMAR-MSI', 'IR-PCI-MSIX-0000:31:00.0', 'IR-PCI-MSIX-0000:4b:00.0']
VTD_REAL = lambda r: (w(r, 'sys/class/iommu/dmar0/intel-iommu/cap', 'd2008c40660462\n'), w(r, 'sys/class/iommu/dmar0/intel-iommu/ecap', 'f0205efd1e\n'))
HB = 'Hand-built from public documentation (%s); not captured from a real machine.'

# --- hypervisor host partitions ---
fixture('hyperv-root', INTEL0 + ICX1_HV + HVSIG + '0x40000003 0x0 0x00003fff 0x002bb9ff 0x00000002 0x00bed7b2\n',
    'Models the root partition of Hyper-V (a Linux root partition, or the management OS seen through the same CPUID): the host\'s own Dell hardware DMI and ACPI, CPUID.1:ECX[31] set, leaf 0x40000000 \'Microsoft Hv\', and leaf 0x40000003 EBX bit 0 (CreatePartitions) set, which only the root partition has. ' + HB % 'Hyper-V TLFS, partition privilege flags',
    {'description': 'Hyper-V root partition: a host with a hypervisor beneath it; Q1 and Q2 differ', 'seed': {'probably_on_bare_metal': False},
     'q1': {'verdict': 'probably-host', 'hypervisor_contains': 'root partition'}, 'q2': {'verdict': 'definitely-guest'}},
    lambda r: (dmi(r, sys_vendor='Dell Inc.', product_name='PowerEdge R750', board_vendor='Dell Inc.', bios_vendor='Dell Inc.', bios_version='1.8.2', chassis_vendor='Dell Inc.'),
               [acpi(r, s, 'DELL', 'PE_SC3') for s in ('DSDT', 'FACP', 'APIC')], pci(r, ICX_PCI)))

def dom0(r):
    dmi(r, sys_vendor='Supermicro', product_name='SYS-1029P-WTR', product_version='0123456789', board_vendor='Supermicro', bios_vendor='American Megatrends Inc.', bios_version='3.4', chassis_vendor='Supermicro')
    for s in ('DSDT', 'FACP', 'APIC'): acpi(r, s, 'SUPERM', 'SMCI--MB')
    w(r, 'sys/hypervisor/type', 'xen\n'); w(r, 'proc/xen/capabilities', 'control_d\n')
    pci(r, [('0000:00:00.0', '8086:2020', '060000'), ('0000:03:00.0', '1a03:2000', '030000'), ('0000:18:00.0', '8086:1572', '020000')])
    irqs(r, ['xen-pirq', 'xen-dyn', 'xen-percpu'])
fixture('xen-dom0', SKX0 + SKX1_HV + XENSIG,
    'Models Xen\'s dom0 (PV) on a Supermicro server: the real hardware\'s DMI and ACPI, CPUID.1:ECX[31] set and leaf 0x40000000 \'XenVMMXenVMM\', /sys/hypervisor/type \'xen\', /proc/xen/capabilities \'control_d\', Xen event-channel interrupt chips (Xen owns the IOMMU). ' + HB % 'Xen PV documentation, Linux drivers/xen',
    {'description': 'Xen dom0: the host\'s control domain; Xen beneath owns interrupt remapping', 'seed': {'probably_on_bare_metal': False},
     'q1': {'verdict': 'probably-host', 'hypervisor_contains': 'Xen (dom0)'}, 'q2': {'verdict': 'definitely-guest', 'interrupt_remapping': 'off'}}, dom0)

def domu(r):
    w(r, 'sys/hypervisor/type', 'xen\n'); w(r, 'proc/xen/capabilities', '')
    irqs(r, ['xen-dyn', 'xen-percpu'])
fixture('xen-domu', SKX0 + SKX1_HV + XENSIG,
    'Models a Xen PV domU: no DMI, no ACPI, no PCI, /sys/hypervisor/type \'xen\', an empty /proc/xen/capabilities, CPUID.1:ECX[31] set with the Xen signature. ' + HB % 'Xen PV documentation',
    {'description': 'Xen PV domU', 'seed': {'probably_on_bare_metal': False},
     'q1': {'verdict': 'definitely-guest', 'hypervisor_contains': 'Xen'}, 'q2': {'verdict': 'definitely-guest', 'interrupt_remapping': 'off'}}, domu)

# --- clouds ---
def nitro(r):
    dmi(r, sys_vendor='Amazon EC2', product_name='m5.large', board_vendor='Amazon EC2', bios_vendor='Amazon EC2', bios_version='1.0', chassis_vendor='Amazon EC2')
    for s, t in (('DSDT', 'AMZNDSDT'), ('FACP', 'AMZNFACP'), ('APIC', 'AMZNAPIC'), ('SRAT', 'AMZNSRAT'), ('WAET', 'AMZNWAET')): acpi(r, s, 'AMAZON', t, b'AMZN')
    pci(r, [('0000:00:00.0', '8086:1237', '060000'), ('0000:00:01.0', '8086:7000', '060100'), ('0000:00:03.0', '1d0f:1111', '030000'), ('0000:00:04.0', '1d0f:8061', '010802'), ('0000:00:05.0', '1d0f:ec20', '020000')])
    irqs(r, ['IO-APIC', 'PCI-MSIX-0000:00:04.0', 'PCI-MSIX-0000:00:05.0'])
    cpuinfo(r, 'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid aperfmperf tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm')
fixture('aws-nitro', SKX0 + SKX1_HV + KVMSIG,
    'Models an AWS EC2 Nitro instance (m5.large): CPUID.1:ECX[31] set and the KVM signature (the Nitro hypervisor is KVM-based), DMI \'Amazon EC2\', ACPI OEM id \'AMAZON\', Amazon PCI devices (1d0f:8061 NVMe, 1d0f:ec20 ENA) behind an emulated i440FX. ' + HB % 'AWS instance documentation, systemd-detect-virt\'s DMI table, Linux pci_ids',
    {'description': 'AWS Nitro guest', 'seed': {'probably_on_bare_metal': False},
     'q1': {'verdict': 'definitely-guest', 'hypervisor_contains': 'KVM'}, 'q2': {'verdict': 'definitely-guest', 'interrupt_remapping': 'off'}}, nitro)

def metal(r):
    dmi(r, sys_vendor='Amazon EC2', product_name='m5.metal', board_vendor='Amazon EC2', bios_vendor='Amazon EC2', bios_version='1.0', chassis_vendor='Amazon EC2')
    smbios0(r, 'Amazon EC2', '1.0', '10/16/2017', False)
    pci(r, [('0000:00:00.0', '8086:2020', '060000'), ('0000:04:00.0', '1d0f:8061', '010802'), ('0000:05:00.0', '1d0f:ec20', '020000')])
    w(r, 'sys/class/iommu/dmar0/intel-iommu/cap', 'd2078c106f0466\n'); irqs(r, ['IR-IO-APIC', 'DMAR-MSI', 'IR-PCI-MSI'])
fixture('aws-metal', SKX0 + '0x1 0x0 0x00050654 0x00200800 0x7ffefbff 0xbfebfbff\n',
    'Models an AWS EC2 bare-metal instance (m5.metal): real hardware, so no CPUID hypervisor bit and no signature, but Amazon\'s DMI strings and Nitro PCI devices. The seed\'s vendor list does not contain Amazon; the engine must not call the Amazon strings a VM when the product ends in \'.metal\'. ' + HB % 'AWS bare-metal instance documentation',
    {'description': 'AWS EC2 .metal: real hardware with cloud strings', 'seed': {'probably_on_bare_metal': True},
     'q1': {'verdict': 'probably-host', 'hypervisor_contains': ''}, 'q2': {'verdict': 'probably-host', 'interrupt_remapping': 'on'}}, metal)

def gce(r):
    dmi(r, sys_vendor='Google', product_name='Google Compute Engine', board_vendor='Google', bios_vendor='Google', bios_version='Google', chassis_vendor='Google')
    for s, t in (('DSDT', 'GOOGDSDT'), ('FACP', 'GOOGFACP'), ('APIC', 'GOOGAPIC'), ('SRAT', 'GOOGSRAT'), ('WAET', 'GOOGWAET')): acpi(r, s, 'Google', t, b'GOOG')
    pci(r, [('0000:00:00.0', '8086:1237', '060000'), ('0000:00:01.0', '8086:7110', '060100'), ('0000:00:03.0', '1af4:1004', '010000'), ('0000:00:04.0', '1af4:1000', '020000')])
    irqs(r, ['IO-APIC', 'PCI-MSI-0000:00:04.0'])
fixture('gce', SKX0 + SKX1_HV + KVMSIG,
    'Models a Google Compute Engine VM: CPUID.1:ECX[31] set and the KVM signature, DMI \'Google\' / \'Google Compute Engine\', ACPI OEM id \'Google\', virtio PCI devices (1af4) behind an emulated i440FX. ' + HB % 'GCE documentation, systemd-detect-virt, Linux pci_ids',
    {'description': 'GCE guest', 'seed': {'probably_on_bare_metal': False},
     'q1': {'verdict': 'definitely-guest', 'hypervisor_contains': 'KVM'}, 'q2': {'verdict': 'definitely-guest', 'interrupt_remapping': 'off'}}, gce)

# --- bare metal ---
fixture('baremetal-hpe', INTEL0 + ICX1_CLEAN,
    'Models an HPE ProLiant DL380 Gen10 Plus: no hypervisor bit, HPE DMI and ACPI OEM ids, Intel PCI, a real VT-d (Caching Mode clear) with interrupt remapping on, SMBIOS type 0 with the virtual-machine bit clear. ' + HB % 'HPE product documentation, Intel VT-d specification',
    {'description': 'HPE ProLiant, bare metal', 'seed': {'probably_on_bare_metal': True},
     'q1': {'verdict': 'probably-host', 'hypervisor_contains': ''}, 'q2': {'verdict': 'probably-host', 'interrupt_remapping': 'on', 'ims_gate': 'open'}},
    lambda r: (dmi(r, sys_vendor='HPE', product_name='ProLiant DL380 Gen10 Plus', board_vendor='HPE', bios_vendor='HPE', bios_version='U46', chassis_vendor='HPE'),
               smbios0(r, 'HPE', 'U46', '03/01/2023', False), [acpi(r, s, 'HPE', 'Server') for s in ('DSDT', 'FACP', 'APIC', 'DMAR')],
               pci(r, ICX_PCI), VTD_REAL(r), irqs(r, ICX_IRQ)))
fixture('baremetal-supermicro', SKX0 + '0x1 0x0 0x00050657 0x00400800 0x7ffefbff 0xbfebfbff\n',
    'Models a Supermicro server (X11 board, AMI BIOS): no hypervisor bit, Supermicro DMI, ACPI OEM \'SUPERM\'/\'SMCI--MB\', ASPEED BMC display 1a03:2000, a real VT-d with remapping on, SMBIOS virtual-machine bit clear. ' + HB % 'Supermicro documentation, Linux pci_ids',
    {'description': 'Supermicro, bare metal', 'seed': {'probably_on_bare_metal': True},
     'q1': {'verdict': 'probably-host', 'hypervisor_contains': ''}, 'q2': {'verdict': 'probably-host', 'interrupt_remapping': 'on'}},
    lambda r: (dmi(r, sys_vendor='Supermicro', product_name='SYS-1029P-WTR', product_version='0123456789', board_vendor='Supermicro', bios_vendor='American Megatrends Inc.', bios_version='3.4', chassis_vendor='Supermicro'),
               smbios0(r, 'American Megatrends Inc.', '3.4', '11/11/2020', False), [acpi(r, s, 'SUPERM', 'SMCI--MB') for s in ('DSDT', 'FACP', 'APIC', 'DMAR')],
               pci(r, [('0000:00:00.0', '8086:2020', '060000'), ('0000:03:00.0', '1a03:2000', '030000'), ('0000:18:00.0', '8086:1572', '020000')]),
               w(r, 'sys/class/iommu/dmar0/intel-iommu/cap', 'd2078c106f0466\n'), irqs(r, ['IR-IO-APIC', 'DMAR-MSI', 'IR-PCI-MSI'])))

# --- confidential VM ---
def tdx(r):
    dmi(r, sys_vendor='Dell Inc.', product_name='PowerEdge R760', board_vendor='Dell Inc.', bios_vendor='Dell Inc.', chassis_vendor='Dell Inc.')
    for s in ('DSDT', 'FACP', 'APIC'): acpi(r, s, 'DELL', 'PE_SC3')
    w(r, 'sys/class/misc/tdx_guest/.keep', '')
    cpuinfo(r, 'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology cpuid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm tdx_guest')
    pci(r, [('0000:00:00.0', '8086:29c0', '060000'), ('0000:00:01.0', '1af4:1041', '020000')])
fixture('confidential-tdx', '0x0 0x0 0x00000023 0x756e6547 0x6c65746e 0x49656e69\n0x1 0x0 0x000806f8 0x00010800 0xfffa3203 0x178bfbff\n' + KVMSIG + "# 'IntelTDX    ' in EBX, EDX, ECX\n0x21 0x0 0x00000000 0x65746e49 0x20202020 0x5844546c\n",
    'Models an Intel TDX guest (trust domain) on KVM whose untrusted host writes Dell DMI and ACPI strings: CPUID leaf 0x21 answers \'IntelTDX    \', /proc/cpuinfo has tdx_guest, /sys/class/misc/tdx_guest exists. ' + HB % 'Intel TDX guest-host communication interface, Linux arch/x86/coco/tdx',
    {'description': 'TDX guest with host-written Dell strings', 'seed': {'probably_on_bare_metal': False},
     'q1': {'verdict': 'definitely-guest', 'hypervisor_contains': 'KVM'}, 'q2': {'verdict': 'definitely-guest'},
     'contradictions_contain': ['confidential VM (tdx)', "DMI sys_vendor 'Dell Inc.' names no hypervisor"]}, tdx)
