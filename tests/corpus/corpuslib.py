# SPDX-License-Identifier: GPL-2.0
"""Converters of the corpus: captures of real machines and VMs in the forms their authors
published them (dmidecode text, dmidecode --dump-bin files, acpidump text) turned into the
sysroot layout `imswatch platform --sysroot` reads.

Nothing here guesses: a field the source does not have is left out, and whatever the
converter has to make up (the raw SMBIOS table behind a dmidecode text, a CPUID dump) is
listed by the caller in the case's `source` file.
"""

import os
import re
import struct


class ConvertError(Exception):
    """The input is not what the converter reads: the CLI prints it and exits 2."""


# --- SMBIOS model: what the text and binary readers produce and the writers consume ------

class Structure:
    def __init__(self, stype, handle, formatted, strings):
        self.type = stype
        self.handle = handle
        self.formatted = bytearray(formatted)  # the whole formatted area, header included
        self.strings = list(strings)

    def string(self, off):
        """The string a formatted-area byte at OFF points to ('' for index 0 or a bad one)."""
        if off >= len(self.formatted):
            return None
        idx = self.formatted[off]
        if idx == 0 or idx > len(self.strings):
            return ''
        return self.strings[idx - 1]

    def byte(self, off):
        return self.formatted[off] if off < len(self.formatted) else None

    def encode(self):
        out = bytes(self.formatted)
        if self.strings:
            out += b''.join(s.encode('latin-1', 'replace') + b'\0' for s in self.strings)
            out += b'\0'
        else:
            out += b'\0\0'
        return out


class Smbios:
    def __init__(self, major, minor, docrev=0):
        self.major, self.minor, self.docrev = major, minor, docrev
        self.structures = []

    def of_type(self, t):
        return [s for s in self.structures if s.type == t]

    def table(self):
        return b''.join(s.encode() for s in self.structures)

    def entry_point(self, address):
        """An entry point for the table at ADDRESS: SMBIOS 3 (_SM3_) from 3.0 on, else _SM_."""
        tab = self.table()
        if self.major >= 3:
            ep = bytearray(struct.pack('<5sBBBBBBBIQ', b'_SM3_', 0, 0x18, self.major,
                                       self.minor, self.docrev, 1, 0, len(tab), address))
            ep[5] = (-sum(ep)) & 0xff
            return bytes(ep)
        maxsize = max((len(s.encode()) for s in self.structures), default=0)
        inter = bytearray(struct.pack('<5sBHIHB', b'_DMI_', 0, len(tab), address,
                                      len(self.structures),
                                      ((self.major & 0xf) << 4) | (self.minor & 0xf)))
        inter[5] = (-sum(inter)) & 0xff
        ep = bytearray(struct.pack('<4sBBBBHB5s', b'_SM_', 0, 0x1f, self.major, self.minor,
                                   maxsize, 0, b'\0' * 5)) + inter
        ep[4] = (-sum(ep)) & 0xff
        return bytes(ep)

    def dump_bin(self):
        """dmidecode's --dump-bin layout: the entry point at 0, the table at 32."""
        ep = self.entry_point(32)
        return ep + b'\0' * (32 - len(ep)) + self.table()


def parse_dump_bin(data):
    """A dmidecode --dump-bin file (or an entry point + table pair joined that way)."""
    if data[:5] == b'_SM3_' and len(data) >= 24:
        major, minor, docrev = data[7], data[8], data[9]
        tlen, addr = struct.unpack_from('<IQ', data, 12)
    elif data[:4] == b'_SM_' and len(data) >= 31 and data[16:21] == b'_DMI_':
        major, minor, docrev = data[6], data[7], 0
        tlen, addr = struct.unpack_from('<HI', data, 22)
    elif data[:5] == b'_DMI_' and len(data) >= 15:
        major, minor, docrev = data[14] >> 4, data[14] & 0xf, 0
        tlen, addr = struct.unpack_from('<HI', data, 6)
    else:
        raise ConvertError('no SMBIOS entry point (_SM_, _SM3_ or _DMI_) at offset 0: not a '
                           'dmidecode --dump-bin file')
    if addr != 32 or (data[:5] != b'_SM3_' and 32 + tlen > len(data)):
        raise ConvertError('entry point names a table at 0x%x, length %d: not a --dump-bin '
                           'file (table at 32, file %d bytes)' % (addr, tlen, len(data)))
    return parse_table(data[32:32 + tlen], major, minor, docrev)


def parse_table(tab, major, minor, docrev=0):
    sm = Smbios(major, minor, docrev)
    off = 0
    while off + 4 <= len(tab):
        stype, length, handle = tab[off], tab[off + 1], struct.unpack_from('<H', tab, off + 2)[0]
        if length < 4 or off + length > len(tab):
            raise ConvertError('structure at table offset %d: length %d runs past the table'
                               % (off, length))
        end = tab.find(b'\0\0', off + length)
        if end < 0:
            raise ConvertError('structure at table offset %d: string set not terminated' % off)
        raw = tab[off + length:end]
        strings = [s.decode('latin-1') for s in raw.split(b'\0')] if raw else []
        sm.structures.append(Structure(stype, handle, tab[off:off + length], strings))
        off = end + 2
        if stype == 127:
            break
    if not sm.structures:
        raise ConvertError('no SMBIOS structure in the table')
    return sm


# --- dmidecode text ----------------------------------------------------------------------

# dmidecode's own words for the BIOS characteristics (dmidecode.c), bit by bit
BIOS_CHAR = {
    4: 'ISA is supported', 5: 'MCA is supported', 6: 'EISA is supported',
    7: 'PCI is supported', 8: 'PC Card (PCMCIA) is supported', 9: 'PNP is supported',
    10: 'APM is supported', 11: 'BIOS is upgradeable', 12: 'BIOS shadowing is allowed',
    13: 'VLB is supported', 14: 'ESCD support is available', 15: 'Boot from CD is supported',
    16: 'Selectable boot is supported', 17: 'BIOS ROM is socketed',
    18: 'Boot from PC Card (PCMCIA) is supported', 19: 'EDD is supported',
    20: 'Japanese floppy for NEC 9800 1.2 MB is supported (int 13h)',
    21: 'Japanese floppy for Toshiba 1.2 MB is supported (int 13h)',
    22: '5.25"/360 kB floppy services are supported (int 13h)',
    23: '5.25"/1.2 MB floppy services are supported (int 13h)',
    24: '3.5"/720 kB floppy services are supported (int 13h)',
    25: '3.5"/2.88 MB floppy services are supported (int 13h)',
    26: 'Print screen service is supported (int 5h)',
    27: '8042 keyboard services are supported (int 9h)',
    28: 'Serial services are supported (int 14h)',
    29: 'Printer services are supported (int 17h)',
    30: 'CGA/mono video services are supported (int 10h)', 31: 'NEC PC-98',
}
BIOS_CHAR_EXT1 = ['ACPI is supported', 'USB legacy is supported', 'AGP is supported',
                  'I2O boot is supported', 'LS-120 boot is supported',
                  'ATAPI Zip drive boot is supported', 'IEEE 1394 boot is supported',
                  'Smart battery is supported']
BIOS_CHAR_EXT2 = ['BIOS boot specification is supported',
                  'Function key-initiated network boot is supported',
                  'Targeted content distribution is supported', 'UEFI is supported',
                  'System is a virtual machine', 'Manufacturing mode is supported',
                  'Manufacturing mode is enabled']
NOT_SUPPORTED = 'BIOS characteristics not supported'

CHASSIS_TYPES = ['Other', 'Unknown', 'Desktop', 'Low Profile Desktop', 'Pizza Box',
                 'Mini Tower', 'Tower', 'Portable', 'Laptop', 'Notebook', 'Hand Held',
                 'Docking Station', 'All In One', 'Sub Notebook', 'Space-saving', 'Lunch Box',
                 'Main Server Chassis', 'Expansion Chassis', 'Sub Chassis',
                 'Bus Expansion Chassis', 'Peripheral Chassis', 'RAID Chassis',
                 'Rack Mount Chassis', 'Sealed-case PC', 'Multi-system', 'CompactPCI',
                 'AdvancedTCA', 'Blade', 'Blade Enclosing', 'Tablet', 'Convertible',
                 'Detachable', 'IoT Gateway', 'Embedded PC', 'Mini PC', 'Stick PC']


def norm_char(s):
    """Older dmidecode wrote 'KB' where 3.x writes 'kB'; compare in 3.x's words."""
    return re.sub(r'(\d) KB', r'\1 kB', s.strip())


_CHAR_BITS = {norm_char(v).lower(): ('c', k) for k, v in BIOS_CHAR.items()}
_CHAR_BITS.update({v.lower(): ('x1', i) for i, v in enumerate(BIOS_CHAR_EXT1)})
_CHAR_BITS.update({v.lower(): ('x2', i) for i, v in enumerate(BIOS_CHAR_EXT2)})

HANDLE_RE = re.compile(r'^\s*Handle 0x([0-9A-Fa-f]+)(?:,\s*DMI type (\d+),\s*(\d+) bytes)?')
TYPE_RE = re.compile(r'^\s*DMI type (\d+),\s*(\d+) bytes')
VERSION_RE = re.compile(r'SMBIOS (\d+)\.(\d+)(?:\.(\d+))? present')
LEGACY_RE = re.compile(r'Legacy DMI (\d+)\.(\d+) present')


def _indent(line):
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())


class TextRecord:
    def __init__(self, handle, stype, length):
        self.handle, self.type, self.length = handle, stype, length
        self.title = None
        self.fields = {}
        self.lists = {}


def parse_dmidecode_text(text):
    """dmidecode's text output (2.x and 3.x layouts) → (version tuple or None, records)."""
    if '\0' in text:
        raise ConvertError('NUL byte: not dmidecode text output')
    version = None
    m = VERSION_RE.search(text)
    if m:
        version = (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))
    else:
        m = LEGACY_RE.search(text)
        if m:
            version = (int(m.group(1)), int(m.group(2)), 0)
    records = []
    cur = None
    field_indent = None
    cur_list = None
    for raw in text.splitlines():
        line = raw.rstrip('\n')
        m = HANDLE_RE.match(line)
        if m:
            cur = TextRecord(int(m.group(1), 16), int(m.group(2)) if m.group(2) else None,
                             int(m.group(3)) if m.group(3) else None)
            records.append(cur)
            field_indent, cur_list = None, None
            continue
        if cur is None or not line.strip():
            continue
        if cur.type is None:
            m = TYPE_RE.match(line)
            if m:
                cur.type, cur.length = int(m.group(1)), int(m.group(2))
            continue
        if cur.title is None:
            cur.title = line.strip()
            continue
        ind = _indent(line)
        if field_indent is None:
            field_indent = ind
        if ind > field_indent and cur_list is not None:
            cur.lists[cur_list].append(line.strip())
            continue
        if ind < field_indent:
            continue
        key, sep, val = line.strip().partition(':')
        if not sep:
            continue
        # a value is everything after ': ', trailing blanks kept (dmidecode prints them)
        val = line.split(':', 1)[1]
        val = val[1:] if val.startswith(' ') else val
        if not val.strip():
            cur.lists[key] = []
            cur_list = key
        else:
            cur_list = None
            cur.fields.setdefault(key, val)
    records = [r for r in records if r.type is not None]
    if not records:
        raise ConvertError('no "Handle 0x..., DMI type N" record: not dmidecode text output')
    return version, records


def _field(rec, *names):
    for n in names:
        if n in rec.fields:
            return rec.fields[n]
    return None


def _is_unset(v):
    return v is None or v.strip() in ('', 'Not Specified', '<BAD INDEX>', '<OUT OF SPEC>')


class _Builder:
    def __init__(self, stype, handle, length):
        self.buf = bytearray(length)
        self.buf[0], self.buf[1] = stype, length
        struct.pack_into('<H', self.buf, 2, handle)
        self.strings = []

    def string(self, off, val):
        if _is_unset(val):
            return
        self.strings.append(val)
        self.buf[off] = len(self.strings)

    def done(self):
        return Structure(self.buf[0], struct.unpack_from('<H', self.buf, 2)[0],
                         self.buf, self.strings)


def _version_ge(v, major, minor):
    return (v[0], v[1]) >= (major, minor)


def text_to_smbios(text):
    """dmidecode text → Smbios with types 0, 1, 2, 3, 4 (as many as the text has) and 127.

    Returns (smbios, notes): notes lists what the text did not carry (serials, unknown
    characteristic lines) and what was assumed.
    """
    version, records = parse_dmidecode_text(text)
    notes = []
    if version is None:
        version = (2, 4, 0)
        notes.append('SMBIOS version not in the source text: 2.4 assumed')
    sm = Smbios(*version)
    handle = 0
    for rec in records:
        if rec.type == 0:
            b = _Builder(0, handle, 0x18)
            b.string(0x04, _field(rec, 'Vendor'))
            b.string(0x05, _field(rec, 'Version'))
            b.string(0x08, _field(rec, 'Release Date'))
            addr = _field(rec, 'Address')
            if addr and re.match(r'0x[0-9A-Fa-f]+$', addr.strip()):
                struct.pack_into('<H', b.buf, 0x06, (int(addr, 16) >> 4) & 0xffff)
            rom = _field(rec, 'ROM Size')
            m = re.match(r'(\d+) kB', (rom or '').strip(), re.I)
            if m and int(m.group(1)) >= 64 and int(m.group(1)) <= 16384:
                b.buf[0x09] = int(m.group(1)) // 64 - 1
            chars = 0
            ext1 = ext2 = 0
            items = rec.lists.get('Characteristics', [])
            unknown = []
            for it in items:
                if norm_char(it) == NOT_SUPPORTED:
                    chars |= 1 << 3
                    continue
                hit = _CHAR_BITS.get(norm_char(it).lower())
                if not hit:
                    unknown.append(it)
                elif hit[0] == 'c':
                    chars |= 1 << hit[1]
                elif hit[0] == 'x1':
                    ext1 |= 1 << hit[1]
                else:
                    ext2 |= 1 << hit[1]
            if unknown:
                notes.append('type 0 characteristic lines with no bit in dmidecode 3.x, not '
                             'carried: ' + '; '.join(unknown))
            struct.pack_into('<Q', b.buf, 0x0A, chars)
            b.buf[0x12], b.buf[0x13] = ext1, ext2
            rev = _field(rec, 'BIOS Revision')
            m = re.match(r'(\d+)\.(\d+)$', (rev or '').strip())
            b.buf[0x14], b.buf[0x15] = (int(m.group(1)), int(m.group(2))) if m else (0xff, 0xff)
            fw = _field(rec, 'Firmware Revision')
            m = re.match(r'(\d+)\.(\d+)$', (fw or '').strip())
            b.buf[0x16], b.buf[0x17] = (int(m.group(1)), int(m.group(2))) if m else (0xff, 0xff)
        elif rec.type == 1:
            b = _Builder(1, handle, 0x1B if _version_ge(version, 2, 4) else 0x19)
            b.string(0x04, _field(rec, 'Manufacturer', 'Vendor'))
            b.string(0x05, _field(rec, 'Product Name', 'Product'))
            b.string(0x06, _field(rec, 'Version'))
            b.buf[0x08:0x18] = b'\0' * 16
            b.buf[0x18] = 0x06  # wake-up type: power switch (not compared)
            if len(b.buf) >= 0x1B:
                b.string(0x19, _field(rec, 'SKU Number'))
                b.string(0x1A, _field(rec, 'Family'))
        elif rec.type == 2:
            b = _Builder(2, handle, 0x0F)
            b.string(0x04, _field(rec, 'Manufacturer', 'Vendor'))
            b.string(0x05, _field(rec, 'Product Name', 'Product'))
            b.string(0x06, _field(rec, 'Version'))
            b.buf[0x09] = 0x01
            b.buf[0x0D] = 0x0A  # board type: motherboard (not compared)
        elif rec.type == 3:
            b = _Builder(3, handle, 0x15)
            b.string(0x04, _field(rec, 'Manufacturer', 'Vendor'))
            ctype = (_field(rec, 'Type', 'Chassis Type') or '').strip()
            b.buf[0x05] = CHASSIS_TYPES.index(ctype) + 1 if ctype in CHASSIS_TYPES else 2
            if ctype and ctype not in CHASSIS_TYPES:
                notes.append('chassis type %r unknown to dmidecode 3.x: written as Unknown'
                             % ctype)
            if (_field(rec, 'Lock') or '').strip() == 'Present':
                b.buf[0x05] |= 0x80
            b.string(0x06, _field(rec, 'Version'))
            b.buf[0x09:0x0D] = bytes([3, 3, 3, 3])
        elif rec.type == 4:
            b = _Builder(4, handle, 0x2A if _version_ge(version, 2, 6) else 0x23)
            b.string(0x04, _field(rec, 'Socket Designation'))
            b.buf[0x05] = 0x03  # central processor
            b.buf[0x06] = 0x02  # family: unknown (dmidecode's family names not mapped)
            b.string(0x07, _field(rec, 'Manufacturer', 'Processor Manufacturer'))
            pid = _field(rec, 'ID')
            if pid and re.match(r'([0-9A-Fa-f]{2} ){7}[0-9A-Fa-f]{2}$', pid.strip()):
                b.buf[0x08:0x10] = bytes(int(x, 16) for x in pid.split())
            b.string(0x10, _field(rec, 'Version', 'Processor Version'))
            status = (_field(rec, 'Status') or '').strip()
            b.buf[0x18] = 0x00 if status.startswith('Unpopulated') else 0x41
            for off in (0x1A, 0x1C, 0x1E):
                struct.pack_into('<H', b.buf, off, 0xffff)
        else:
            continue
        sm.structures.append(b.done())
        handle += 1
    if not sm.of_type(0) and not sm.of_type(1):
        raise ConvertError('neither a BIOS (type 0) nor a System (type 1) record: nothing a '
                           'platform engine reads')
    end = _Builder(127, handle, 4)
    sm.structures.append(end.done())
    if any('Serial Number' in r.fields or 'UUID' in r.fields for r in records):
        notes.append('serial numbers, UUIDs and asset tags not carried')
    return sm, notes


# --- sysroot writers ---------------------------------------------------------------------

def write_file(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = 'wb' if isinstance(data, (bytes, bytearray)) else 'w'
    with open(path, mode) as f:
        f.write(data)


def dmi_id_values(sm):
    """/sys/class/dmi/id as the kernel writes it: a file per string the table has."""
    vals = {}

    def take(name, s, off):
        v = s.string(off) if s else None
        if v:
            vals[name] = v

    t0 = (sm.of_type(0) or [None])[0]
    t1 = (sm.of_type(1) or [None])[0]
    t2 = (sm.of_type(2) or [None])[0]
    t3 = (sm.of_type(3) or [None])[0]
    take('bios_vendor', t0, 0x04)
    take('bios_version', t0, 0x05)
    take('bios_date', t0, 0x08)
    take('sys_vendor', t1, 0x04)
    take('product_name', t1, 0x05)
    take('product_version', t1, 0x06)
    take('board_vendor', t2, 0x04)
    take('board_name', t2, 0x05)
    take('chassis_vendor', t3, 0x04)
    if t3 and t3.byte(0x05) is not None:
        vals['chassis_type'] = str(t3.byte(0x05) & 0x7f)
    return vals


def write_smbios_tree(sm, root, table=None, entry_point=None):
    """root/sys/class/dmi/id/* and root/sys/firmware/dmi/tables/{DMI,smbios_entry_point}."""
    for name, v in dmi_id_values(sm).items():
        write_file(os.path.join(root, 'sys/class/dmi/id', name), v + '\n')
    tab = table if table is not None else sm.table()
    write_file(os.path.join(root, 'sys/firmware/dmi/tables/DMI'), tab)
    write_file(os.path.join(root, 'sys/firmware/dmi/tables/smbios_entry_point'),
               entry_point if entry_point is not None else sm.entry_point(0))


def smbios_vm_bit(sm):
    t0 = (sm.of_type(0) or [None])[0]
    if t0 is None or len(t0.formatted) <= 0x13:
        return None
    return bool(t0.formatted[0x13] & 0x10)


# --- CPUID synthesis ---------------------------------------------------------------------

VENDORS = {'GenuineIntel': (0x756e6547, 0x49656e69, 0x6c65746e),
           'AuthenticAMD': (0x68747541, 0x69746e65, 0x444d4163),
           'HygonGenuine': (0x6f677948, 0x656e6975, 0x6e65476e),
           'CentaurHauls': (0x746e6543, 0x736c7561, 0x48727561)}


def vendor_from_text(s):
    s = (s or '').lower()
    if 'intel' in s:
        return 'GenuineIntel'
    if 'amd' in s or 'advanced micro' in s:
        return 'AuthenticAMD'
    if 'hygon' in s:
        return 'HygonGenuine'
    if 'centaur' in s or 'via' in s.split() or 'zhaoxin' in s:
        return 'CentaurHauls'
    return None


def cpuid_from_smbios(sm):
    """(vendor, eax, edx, how) from the first populated type 4 with an ID, else None."""
    for s in sm.of_type(4):
        pid = bytes(s.formatted[0x08:0x10])
        if len(pid) < 8 or pid == b'\0' * 8:
            continue
        eax, edx = struct.unpack('<II', pid)
        vend = vendor_from_text(s.string(0x07)) or vendor_from_text(s.string(0x10))
        return vend, eax, edx, 'DMI type 4 (manufacturer %r, ID %s)' % (
            (s.string(0x07) or '').strip(), ' '.join('%02X' % x for x in pid))
    return None


def cpuid_from_cpuinfo(text):
    """(vendor, eax, edx, how) from an x86 /proc/cpuinfo (vendor_id, cpu family, model,
    stepping), else None. EDX is left 0: the flags line is the kernel's view, not leaf 1."""
    kv = {}
    for line in text.splitlines():
        k, sep, v = line.partition(':')
        if sep and k.strip() not in kv:
            kv[k.strip()] = v.strip()
    vend = kv.get('vendor_id')
    try:
        fam, mod, step = int(kv['cpu family']), int(kv['model']), int(kv['stepping'])
    except (KeyError, ValueError):
        return None
    base_fam = min(fam, 0xf)
    ext_fam = fam - 0xf if fam > 0xf else 0
    eax = (step & 0xf) | ((mod & 0xf) << 4) | (base_fam << 8) | (((mod >> 4) & 0xf) << 16) | \
        ((ext_fam & 0xff) << 20)
    return vend if vend in VENDORS else None, eax, 0, \
        '/proc/cpuinfo (vendor_id %s, family %d, model %d, stepping %d)' % (vend, fam, mod, step)


def clean_cpuid(vendor, vendor_how, eax, edx, eax_how):
    """A CPUID dump with the hypervisor bit clear and no 0x4000_0000 leaves.

    Returns (text, description) where description is what goes into `source`."""
    parts = []
    if vendor is None:
        vendor = 'GenuineIntel'
        parts.append('leaf 0 vendor GenuineIntel assumed (the source names no x86 vendor)')
    else:
        parts.append('leaf 0 vendor %s from %s' % (vendor, vendor_how))
    if eax is None:
        eax, edx = 0, 0
        parts.append('leaf 1 EAX and EDX 0 (the source has no processor signature)')
    else:
        parts.append('leaf 1 EAX 0x%08x%s from %s' % (
            eax, ' and EDX 0x%08x' % edx if edx else '', eax_how))
    parts.append('leaf 1 EBX and ECX 0: hypervisor bit clear; no 0x4000_0000 leaves')
    b, d, c = VENDORS[vendor]
    text = ('# leaf subleaf eax ebx ecx edx (hex)\n'
            '# synthesised for the corpus: hypervisor bit clear, no hypervisor leaves\n'
            '0x0 0x0 0x00000001 0x%08x 0x%08x 0x%08x\n'
            '0x1 0x0 0x%08x 0x00000000 0x00000000 0x%08x\n') % (b, c, d, eax, edx)
    return text, 'cpuid: ' + '; '.join(parts)


def add_hypervisor_leaf(text, signature, hv_bit):
    """TEXT (a clean_cpuid dump) with leaf 1 ECX bit 31 set when HV_BIT and leaf
    0x4000_0000 answering SIGNATURE (12 bytes, NUL-padded: EBX, ECX, EDX little-endian;
    EAX 0x4000_0001, the highest hypervisor leaf)."""
    sig = signature.encode('latin-1')[:12].ljust(12, b'\0')
    b, c, d = struct.unpack('<III', sig)
    out = []
    for line in text.splitlines():
        f = line.split()
        if hv_bit and len(f) == 6 and f[0] == '0x1' and f[1] == '0x0':
            f[4] = '0x%08x' % (int(f[4], 16) | 1 << 31)
            line = ' '.join(f)
        elif line.startswith('# synthesised'):
            line = ('# synthesised for the corpus: hypervisor bit %s, leaf 0x40000000 the '
                    'captured signature' % ('set' if hv_bit else 'clear'))
        out.append(line)
    out.append('0x40000000 0x0 0x40000001 0x%08x 0x%08x 0x%08x' % (b, c, d))
    return '\n'.join(out) + '\n'


# --- acpidump text -----------------------------------------------------------------------

ACPI_HDR_RE = re.compile(r'^\s*([A-Za-z0-9_ !]{4}|RSD PTR)\s*@\s*0x[0-9A-Fa-f]+\s*$')
ACPI_LINE_RE = re.compile(r'^\s*([0-9A-Fa-f]{4,8}):((?:\s+[0-9A-Fa-f]{2}){1,16})(?:\s|$)')


def parse_acpidump(text):
    """acpidump's text output → list of (signature, bytes) in file order.

    Each table's bytes are the hex lines under its 'SIG @ 0x...' header, at the offsets the
    lines name. Raises ConvertError when nothing parses or a table's hex is inconsistent."""
    if '\0' in text:
        raise ConvertError('NUL byte: not acpidump text output')
    tables = []
    cur = None
    for n, line in enumerate(text.splitlines(), 1):
        m = ACPI_HDR_RE.match(line)
        if m:
            cur = [m.group(1), bytearray(), n]
            tables.append(cur)
            continue
        m = ACPI_LINE_RE.match(line)
        if m and cur is not None:
            off = int(m.group(1), 16)
            data = bytes(int(x, 16) for x in m.group(2).split())
            if off != len(cur[1]):
                raise ConvertError('line %d: offset 0x%x in table %s where 0x%x was expected'
                                   % (n, off, cur[0], len(cur[1])))
            cur[1] += data
    if not tables:
        raise ConvertError('no "SIG @ 0x..." table header: not acpidump text output')
    return [(t[0], bytes(t[1]), t[2]) for t in tables]


def acpi_check(sig, data):
    """None when DATA is a whole ACPI table, else why not."""
    if sig in ('FACS',):
        return None if len(data) >= 64 and data[:4] == b'FACS' else 'FACS shorter than 64 bytes'
    if len(data) < 36:
        return 'shorter than an ACPI header (%d bytes)' % len(data)
    if data[:4].decode('latin-1') != sig:
        return 'signature in the data is %r, header line says %r' % (data[:4], sig)
    length = struct.unpack_from('<I', data, 4)[0]
    if length != len(data):
        return 'header length %d, hex dump has %d bytes' % (length, len(data))
    if sum(data) & 0xff:
        return 'checksum mismatch (byte sum 0x%02x)' % (sum(data) & 0xff)
    return None


def acpi_sysfs_names(sigs):
    """The kernel's names in /sys/firmware/acpi/tables: SIG, or SIG1..SIGn when repeated."""
    count = {}
    for s in sigs:
        count[s] = count.get(s, 0) + 1
    seen = {}
    out = []
    for s in sigs:
        if count[s] == 1:
            out.append(s)
        else:
            seen[s] = seen.get(s, 0) + 1
            out.append('%s%d' % (s, seen[s]))
    return out


def acpidump_to_tables(text):
    """acpidump text → ([(sysfs name, bytes)], notes). RSDP is left out (sysfs does not
    show it); a table whose checksum or length does not hold is left out and noted."""
    parsed = parse_acpidump(text)
    keep, notes = [], []
    for sig, data, line in parsed:
        if sig == 'RSD PTR':
            continue
        why = acpi_check(sig, data)
        if why:
            notes.append('ACPI table %s (line %d) left out: %s' % (sig, line, why))
            continue
        keep.append((sig, data))
    if not keep:
        raise ConvertError('no whole ACPI table: ' + ('; '.join(notes) or 'only an RSDP'))
    names = acpi_sysfs_names([s for s, _ in keep])
    return [(n, d) for n, (_, d) in zip(names, keep)], notes


# --- round trip: the fields a synthesised table must give back through dmidecode ---------

ROUND_TRIP_FIELDS = {
    0: [('Vendor',), ('Version',), ('Release Date',)],
    1: [('Manufacturer', 'Vendor'), ('Product Name', 'Product'), ('Version',)],
    2: [('Manufacturer', 'Vendor'), ('Product Name', 'Product'), ('Version',)],
    3: [('Manufacturer', 'Vendor'), ('Type', 'Chassis Type')],
    4: [('Manufacturer', 'Processor Manufacturer'), ('Version', 'Processor Version'),
        ('ID',)],
}


def _unset_to_empty(v):
    # an all-zero processor ID is what dmidecode 3.x prints for a type 4 without one
    if _is_unset(v) or v.strip() == ' '.join(['00'] * 8):
        return ''
    return v.strip()


def round_trip_fields(text):
    """[(type, field, value)] of the compared fields, in record order; characteristics as
    one sorted item per line (3.x words)."""
    _, records = parse_dmidecode_text(text)
    out = []
    for rec in records:
        if rec.type not in ROUND_TRIP_FIELDS:
            continue
        for names in ROUND_TRIP_FIELDS[rec.type]:
            out.append((rec.type, names[0], _unset_to_empty(_field(rec, *names))))
        if rec.type == 0:
            for c in sorted(norm_char(x) for x in rec.lists.get('Characteristics', [])):
                out.append((0, 'Characteristics', c))
    return out


def round_trip_diff(source_text, dmidecode_text):
    """Differences between the source's fields and dmidecode's reading of the synthesis."""
    a, b = round_trip_fields(source_text), round_trip_fields(dmidecode_text)
    if a == b:
        return []
    diffs = ['source has %s' % (x,) for x in a if x not in b]
    diffs += ['dmidecode prints %s' % (x,) for x in b if x not in a]
    return diffs or ['same fields, different order']


def cases_dir(cache):
    """The cases this builder makes: DIR/cases-<digest of the corpus tools>. Builders of
    other versions (another checkout, an older run) sharing the cache write elsewhere, so a
    run never reads cases made by different code."""
    import hashlib
    here = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.sha256()
    for name in sorted(os.listdir(here)):
        if name in ('build', 'corpuslib.py', 'linuxhw.py', 'convert'):
            with open(os.path.join(here, name), 'rb') as f:
                h.update(name.encode() + b'\0' + f.read())
    return os.path.join(cache, 'cases-' + h.hexdigest()[:12])
