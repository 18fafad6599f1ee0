#!/bin/bash
# Untrusted bytes in records: random byte strings in DMI fields and the host name (read
# through --sysroot) and a hostile CPUID vendor signature must always give output that
# decodes as strict UTF-8 and, in --format json, parses (Python's json over a strict utf-8
# decode). No root needed.
# shellcheck source=tap.bash
source "$(dirname "$0")/tap.bash"

if ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP python3 not installed"
	exit 0
fi

printf '0x0 0x0 0xd 0x756e6547 0x6c65746e 0x49656e69\n0x1 0x0 0x0 0x0 0x80000000 0x0\n' >"$TMP/cpuid"
ROUNDS=200

# Python starts slowly on a loaded machine: one process writes every round's tree (DMI
# fields, the host name and a 0x40000000 signature from a seeded generator), one checks
# every output.
python3 - "$TMP" "$ROUNDS" <<'EOF'
import os, random, struct, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
base = open(f"{tmp}/cpuid").read()
rng = random.Random(1)
def junk(n):
    # leads, continuations and anything: the bytes a strict decoder cares about
    return bytes(rng.choice((rng.randrange(0x80, 0xc0), rng.randrange(0xc0, 0x100),
                             rng.randrange(1, 0x100))) for _ in range(n))
for r in range(rounds):
    d = f"{tmp}/r{r}/sys/class/dmi/id"
    os.makedirs(d)
    for f in ("sys_vendor", "product_name", "board_vendor", "bios_vendor"):
        b = junk(rng.randrange(1, 40)).replace(b"\n", b" ")
        open(f"{d}/{f}", "wb").write(b + b"\n")
    # any bytes but NUL, a newline inside too: what sethostname() takes
    os.makedirs(f"{tmp}/r{r}/proc/sys/kernel")
    open(f"{tmp}/r{r}/proc/sys/kernel/hostname", "wb").write(junk(rng.randrange(1, 40)) + b"\n")
    w = struct.unpack("<3I", junk(12))
    open(f"{tmp}/r{r}/cpuid", "w").write(base + "0x40000000 0x0 0x40000000 0x%x 0x%x 0x%x\n" % w)
# the cases the issue names, one tree each
for hexs in ("eda080", "e080af", "f08080af", "c0af", "c1bf", "f4908080", "f5808080", "ff"):
    d = f"{tmp}/case-{hexs}/sys/class/dmi/id"
    os.makedirs(d)
    open(f"{d}/sys_vendor", "wb").write(b"x" + bytes.fromhex(hexs) + b"y\n")
EOF

for r in $(seq 0 $((ROUNDS - 1))); do
	"$BIN" platform --format json --sysroot "$TMP/r$r" --cpuid-file "$TMP/r$r/cpuid" \
		>"$TMP/r$r/out.json" 2>>"$TMP/err"
	# -v: the text names the host and lists every signal
	"$BIN" platform -v --sysroot "$TMP/r$r" --cpuid-file "$TMP/r$r/cpuid" >"$TMP/r$r/out.txt" 2>>"$TMP/err"
done
for c in "$TMP"/case-*; do
	"$BIN" platform --format json --sysroot "$c" --cpuid-file "$TMP/cpuid" >"$c/out.json" 2>>"$TMP/err"
done

python3 - "$TMP" "$ROUNDS" <<'EOF'
import glob, json, os, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
bad = []
for r in range(rounds):
    try:
        lines = open(f"{tmp}/r{r}/out.json", "rb").read().decode("utf-8", "strict").splitlines()
        assert len(lines) == 1, "%d lines" % len(lines)
        rec = json.loads(lines[0])
        assert not any(ord(c) < 0x20 for c in rec["host"]["name"]), "control byte in host.name"
        text = open(f"{tmp}/r{r}/out.txt", "rb").read().decode("utf-8", "strict")
        assert "\n  Host: " in text, "no Host: line"
        assert not any(ord(c) < 0x20 and c != "\n" for c in text), "control byte in text"
    except Exception as e:
        bad.append(f"round {r}: {type(e).__name__}: {str(e)[-120:]}")
print(("ok 1 - %d random DMI values, host names and CPUID signatures: output is strict "
       "UTF-8 and JSON parses" % rounds) if not bad else
      "not ok 1 - random DMI values, host names and CPUID signatures: %d rounds fail\n# %s" %
      (len(bad), "\n# ".join(bad[:10])))
n, failed = 1, bool(bad)
for c in sorted(glob.glob(f"{tmp}/case-*")):
    n += 1
    hexs = os.path.basename(c)[5:]
    want = "x" + "".join("\\x" + hexs[i:i + 2] for i in range(0, len(hexs), 2)) + "y"
    try:
        d = json.loads(open(f"{c}/out.json", "rb").read().decode("utf-8", "strict"))
        got = [s["value"] for s in d["platform"]["signals"] if s["key"] == "sys_vendor"][0]
    except Exception as e:
        got = repr(e)
    failed |= got != want
    print("%s %d - DMI bytes %s come out as \\xNN per byte%s" %
          ("ok" if got == want else "not ok", n, hexs, "" if got == want else " (got %r)" % got))
print("1..%d" % n)
sys.exit(1 if failed else 0)
EOF
