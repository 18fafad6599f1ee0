#!/usr/bin/env python3
"""Write the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from the fixture
trees and a few hand-made inputs. Run from the repository root; the output is kept in the
tree, so this runs only when the seeds should change. Regression inputs for fixed crashes
are added by hand (named regress-*) and are never removed by this script."""
import hashlib
import os
import struct
import sys

FIX = "tests/fixtures"
OUT = "tests/fuzz/corpus"

# must match files[] in fuzz_sysroot.c
FILES = [
    "sys/class/dmi/id/sys_vendor", "sys/class/dmi/id/product_name",
    "sys/class/dmi/id/product_version", "sys/class/dmi/id/board_vendor",
    "sys/class/dmi/id/bios_vendor", "sys/class/dmi/id/bios_version",
    "sys/class/dmi/id/chassis_vendor", "sys/firmware/dmi/tables/DMI",
    "sys/firmware/acpi/tables/DSDT", "sys/firmware/acpi/tables/FACP",
    "sys/firmware/acpi/tables/SSDT1", "sys/firmware/acpi/tables/APIC", "proc/cpuinfo",
    "sys/hypervisor/type", "proc/xen/capabilities", "proc/device-tree/hypervisor/compatible",
    "sys/class/misc/tdx_guest/dev", "sys/class/misc/sev-guest/dev",
    "sys/firmware/qemu_fw_cfg/rev", "sys/bus/pci/devices/0000:00:01.0/vendor",
    "sys/bus/pci/devices/0000:00:01.0/device", "sys/bus/pci/devices/0000:00:01.0/class",
    "sys/bus/pci/devices/0000:00:02.0/vendor", "sys/bus/pci/devices/0000:00:02.0/device",
    "sys/class/iommu/dmar0/intel-iommu/cap", "sys/class/iommu/ivhd0/amd-iommu/cap",
    "sys/kernel/irq/1/chip_name", "sys/kernel/irq/1/actions", "sys/kernel/irq/1/hwirq",
    "sys/kernel/irq/2/chip_name", "sys/bus/pci/devices/0000:00:03.0/uevent", "dev/kmsg",
]
CPUID_FILE = len(FILES)
ACPI_NAMED = len(FILES) + 1
LINK = 0x80


def entry(sel, content):
    content = content[:0xffff]
    return bytes([sel]) + struct.pack("<H", len(content)) + content


def write(target, data, name=None):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = name or "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def clear_seeds():
    for t in ("cpuid", "decode", "escape", "sysroot"):
        d = os.path.join(OUT, t)
        if os.path.isdir(d):
            for n in os.listdir(d):
                if n.startswith("seed-"):
                    os.unlink(os.path.join(d, n))


def sysroot_seed(fixture):
    root = os.path.join(FIX, fixture, "root")
    data = b""
    pci = iommu = irq = 0
    for dirpath, _, names in sorted(os.walk(root)):
        for n in sorted(names):
            full = os.path.join(dirpath, n)
            rel = os.path.relpath(full, root)
            body = read(full)
            if rel in FILES:
                data += entry(FILES.index(rel), body[:4096])
            elif rel.startswith("sys/firmware/acpi/tables/"):
                data += entry(ACPI_NAMED, n[:4].encode() + body[:64])
            elif rel.startswith("sys/bus/pci/devices/") and pci < 6:
                leaf = os.path.basename(rel)
                slot = "0000:00:01.0" if pci < 3 else "0000:00:02.0"
                p = "sys/bus/pci/devices/%s/%s" % (slot, leaf)
                if p in FILES:
                    data += entry(FILES.index(p), body)
                    pci += 1
            elif "/intel-iommu/cap" in rel and not iommu:
                data += entry(FILES.index("sys/class/iommu/dmar0/intel-iommu/cap"), body)
                iommu = 1
            elif rel.endswith("/chip_name") and irq < 2:
                p = "sys/kernel/irq/%d/chip_name" % (irq + 1)
                data += entry(FILES.index(p), body)
                irq += 1
            elif rel.startswith("sys/class/misc/tdx_guest"):
                data += entry(FILES.index("sys/class/misc/tdx_guest/dev"), b"")
    cpuid = os.path.join(FIX, fixture, "cpuid")
    if os.path.exists(cpuid):
        data += entry(CPUID_FILE, read(cpuid))
    return data


def event(kind, hook=0, irq=0, comm=b"kworker/0:1", bdf=b"0000:00:03.0", driver=b"nvme",
          module=b"nvme", ret=0, domid=0, mode=1, irq_mode=0, domain_kind=0):
    e = struct.pack("<HHHH", 1, 224, 2, 0)               # hdr: type, size, abi
    e += struct.pack("<QIII", 123456789, 1, 42, 43)       # ts, cpu, pid, tid
    e += struct.pack("<HHBBBBBB2x", kind, hook, mode, irq_mode, domain_kind, 0, 0, 0)
    e += comm.ljust(16, b"\0")[:16]
    e += bdf.ljust(16, b"\0")[:16] + struct.pack("<HHHHIB3x", 0x1af4, 0x1001, 0, 0, 0x010802, 1)
    e += driver.ljust(32, b"\0")[:32] + module.ljust(56, b"\0")[:56]
    e += struct.pack("<qIIIIIiiIII", ret, 1, 32, 4, domid, 0, 0, 0, irq, 34, 0)
    assert len(e) == 224, len(e)
    return e


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
    clear_seeds()
    fixtures = sorted(d for d in os.listdir(FIX) if os.path.isdir(os.path.join(FIX, d)))

    for fx in fixtures:
        c = os.path.join(FIX, fx, "cpuid")
        if os.path.exists(c):
            write("cpuid", read(c))
        write("sysroot", sysroot_seed(fx))
    write("cpuid", b"1 0 0 0 80000000 0\n0x40000000 0x0 0x40000001 0x4b4d564b 0x564b4d56 0x4d\n")
    write("cpuid", b"# only comments\n\n   \t\n")

    write("sysroot", entry(LINK | 0, b"@S") + entry(LINK | 12, b"../../canary") +
          entry(LINK | 7, b"/proc/self/cwd/../../@S"))
    write("sysroot", entry(31, b"6,0,0,-;Linux version 6.1\n6,5,1,-;Hypervisor detected: KVM\n"))
    write("sysroot", entry(13, b"xen") + entry(14, b"control_d") + entry(15, b"xen,xen-4.17\0xen,xen\0"))
    write("sysroot", entry(26, b"IR-PCI-MSIX-0000:00:03.0") + entry(27, b"nvme0q1") +
          entry(30, b"DRIVER=nvme\nPCI_ID=8086:0A54\n"))

    kinds = range(1, 11)
    for k in kinds:
        write("decode", b"\x00" + event(k, hook=k % 8))
        write("decode", b"\x08" + event(k, hook=k % 8, domid=1, domain_kind=3))
    write("decode", b"\x10" + event(10, irq=1))
    write("decode", b"\x14" + event(10, irq=3, comm=b"\x1b]0;x\x07"))
    write("decode", b"\x04" + event(1, comm=b"caf\xc3\xa9\xc2\x85", driver=b"dr\xffv\\er\"", module=b"\xe2\x80\xa8m"))
    write("decode", b"\x00" + event(1)[:100])

    for s in [b"QEMU", b"Dell Inc.", b"\x1b[31mred", b"caf\xc3\xa9", b"\xc2\x85", b"\xe2\x80\xa8",
              b"a\\b\"c/d", b"\xff\xfe", b"\xf0\x9f\x98\x80", b"\x7f\x01\t\n", b"\xc3", b"x" * 200]:
        write("escape", s)


if __name__ == "__main__":
    sys.exit(main())
