#!/bin/bash
# The Debian package and what it installs: the man page (lint clean, every option, command,
# rule and exit code), `make install`/`uninstall`, the package built from the tree
# (incrementally, in .output/deb), its files unpacked into a throwaway root, lintian, the
# unit (systemd-analyze verify and security), the logrotate snippet, and the unit's sandbox
# emulated on this machine (root): watch under exactly the unit's capability bounding set
# sees what root sees, and under strace uses only the system calls, address families and
# memory protections the unit allows. Outside `make test` a missing tool skips its checks;
# under it (IMSWATCH_REQUIRE_PACKAGING=1, `make deps` installs them) it fails.
# shellcheck source=tap.bash
source "$(dirname "$0")/tap.bash"
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { local name=$1; shift; if "$@" >"$TMP/out" 2>&1; then ok "$name"; else not_ok "$name" "$TMP/out"; fi; }
REQUIRE=${IMSWATCH_REQUIRE_PACKAGING:-0}
UNIT=dist/imswatch.service

# have TOOL...: all present, or a skip (a failure under make test) naming the missing ones
have() {
	local t missing=""
	for t in "$@"; do command -v "$t" >/dev/null || missing="$missing $t"; done
	[ -z "$missing" ] && return 0
	if [ "$REQUIRE" = 1 ]; then
		not_ok "packaging tools present (make deps installs them):$missing"
	else
		skip "checks needing$missing" "not installed (sudo make deps)"
	fi
	return 1
}

# --- the man page: lint clean, and nothing the program has is missing from it ------------
MAN=dist/imswatch.8
if have mandoc; then
	# (mandoc also says when this machine's own mandoc.db lacks a page: not the page's fault)
	check "imswatch.8: mandoc -T lint is clean" bash -c \
		"mandoc -T lint '$MAN' 2>&1 | grep -v 'outdated mandoc.db' | tee /dev/stderr | grep -q . && exit 1
		 mandoc -T lint '$MAN' >/dev/null 2>&1"
	# the long options of config_parse()'s table, the commands, the rules of the policy
	opts=$(sed -n '/static const struct option opts\[\]/,/{ 0 }/p' user/config.c | grep -o '{ "[a-z-]*"' | cut -d'"' -f2)
	[ -n "$opts" ] || not_ok "the option table of user/config.c was found"
	missing=""
	for o in $opts; do grep -q "Fl -$o\b" "$MAN" || missing="$missing --$o"; done
	for c in watch platform cpuid audit; do grep -q "^\.It Cm $c$" "$MAN" || missing="$missing $c"; done
	for r in $(grep -rhoE '"IMSW-[A-Z-]+"' user | tr -d '"' | sort -u); do
		grep -q "^\.It Li $r$" "$MAN" || missing="$missing $r"
	done
	for code in 0 1 2 3; do
		sed -n '/^\.Sh EXIT STATUS/,/^\.Sh/p' "$MAN" | grep -q "^\.It $code$" || missing="$missing exit-$code"
	done
	if [ -z "$missing" ]; then
		ok "imswatch.8 documents every option ($(echo $opts | wc -w)), command, rule and exit code"
	else
		not_ok "imswatch.8 documents every option, command, rule and exit code (missing:$missing)"
	fi
fi

# --- make install / uninstall, DESTDIR and prefix -----------------------------------------
D=$TMP/destdir
if make -s install DESTDIR="$D" prefix=/opt/imsw >"$TMP/install.log" 2>&1; then
	files=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
	want="./etc/default/imswatch ./etc/logrotate.d/imswatch ./opt/imsw/lib/systemd/system/imswatch-audit.service ./opt/imsw/lib/systemd/system/imswatch-audit.timer ./opt/imsw/lib/systemd/system/imswatch.service ./opt/imsw/sbin/imswatch ./opt/imsw/share/man/man8/imswatch.8 "
	if [ "$files" = "$want" ] && [ -x "$D/opt/imsw/sbin/imswatch" ]; then
		ok "make install DESTDIR=… prefix=/opt/imsw installs binary, man page, units, options file and logrotate snippet"
	else
		not_ok "make install installs the seven files (got: $files)"
	fi
	check "the installed units start the binary where prefix put it, with the options file's options" bash -c \
		"grep -qx 'ExecStart=/opt/imsw/sbin/imswatch watch --journal \$IMSWATCH_OPTS' '$D/opt/imsw/lib/systemd/system/imswatch.service' &&
		 grep -qx 'ExecStart=/opt/imsw/sbin/imswatch audit --journal \$IMSWATCH_AUDIT_OPTS' '$D/opt/imsw/lib/systemd/system/imswatch-audit.service'"
	make -s uninstall DESTDIR="$D" prefix=/opt/imsw >>"$TMP/install.log" 2>&1
	check "make uninstall removes every installed file" test -z "$(find "$D" -type f)"
else
	not_ok "make install" "$TMP/install.log"
fi

# --- logrotate snippet --------------------------------------------------------------------
if have logrotate; then
	check "logrotate accepts the snippet (logrotate -d)" bash -c \
		"logrotate -d -s '$TMP/lr.state' dist/imswatch.logrotate 2>&1 | tee /dev/stderr | grep -qi 'error' && exit 1; exit 0"
fi

# --- the unit, as written: verify needs the binary it names, so in the package's root -----
have_pkg_tools=0
have dpkg-buildpackage dh dpkg-deb lintian systemd-analyze && have_pkg_tools=1
[ "$have_pkg_tools" = 1 ] || { echo "1..$n"; exit $fail; }

start=$(date +%s.%N)
if tools/build-deb .output/deb >"$TMP/deb.out" 2>&1; then
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	ok "dpkg-buildpackage -us -uc -b builds the package from the tree ($(printf '%.1f' "$secs") s, incremental in .output/deb)"
else
	not_ok "dpkg-buildpackage -us -uc -b builds the package" "$TMP/deb.out"
	echo "1..$n"
	exit 1
fi
DEB=$(ls .output/deb/imswatch_*_amd64.deb)
R=$TMP/root
dpkg -x "$DEB" "$R"
files=$(cd "$R" && find . -type f | sort | tr '\n' ' ')
want="./etc/default/imswatch ./etc/logrotate.d/imswatch ./lib/systemd/system/imswatch-audit.service ./lib/systemd/system/imswatch-audit.timer ./lib/systemd/system/imswatch.service ./usr/sbin/imswatch ./usr/share/doc/imswatch/changelog.gz ./usr/share/doc/imswatch/copyright ./usr/share/lintian/overrides/imswatch ./usr/share/man/man8/imswatch.8.gz "
if [ "$files" = "$want" ] && [ -d "$R/var/log/imswatch" ]; then
	ok "the package holds the binary, man page, units, options file, logrotate snippet, /var/log/imswatch and its docs"
else
	not_ok "the package's files (got: $files)"
fi
check "the packaged unit is dist/imswatch.service" cmp "$UNIT" "$R/lib/systemd/system/imswatch.service"
version=$(sed -n 's/^#define IMSWATCH_VERSION "\(.*\)"/\1/p' user/output/records.h)
check "the packaged binary runs and is version $version, as is debian/changelog" bash -c \
	"'$R/usr/sbin/imswatch' --version | grep -q '^imswatch $version ' &&
	 dpkg-deb -f '$DEB' Version | grep -qx '$version'"
check "control: Architecture amd64, depends on libbpf, no root to build" bash -c \
	"dpkg-deb -f '$DEB' Architecture | grep -qx amd64 && dpkg-deb -f '$DEB' Depends | grep -q libbpf &&
	 grep -qx 'Rules-Requires-Root: no' debian/control && grep -qx 'Build-Depends: debhelper-compat (= 13),' debian/control"
check "conffiles: the logrotate snippet and /etc/default/imswatch, every option in it commented out" bash -c \
	"[ \"\$(dpkg-deb --ctrl-tarfile '$DEB' | tar -xOf - ./conffiles | sort | tr '\n' ' ')\" = '/etc/default/imswatch /etc/logrotate.d/imswatch ' ] &&
	 ! grep -v '^#' '$R/etc/default/imswatch' | grep -q . && cmp dist/imswatch.default '$R/etc/default/imswatch'"
# every option the file shows is one the binary takes (a typo there would stop the service)
# (their paths moved under a scratch directory, and --pin to a bpffs of this test's own,
# mounted for it: nothing is written to this machine's /var or left on its /sys/fs/bpf,
# which a fresh machine may not even have mounted)
mkdir -p "$TMP/bpffs"
mount -t bpf bpf "$TMP/bpffs" 2>/dev/null && trap 'umount "$TMP/bpffs" 2>/dev/null; rm -rf "$TMP"' EXIT
PINT=$TMP/bpffs/imswatch
check "the options file's examples are accepted by the binary" bash -c \
	"sed -n 's/^#IMSWATCH_OPTS=\"\(.*\)\"/\1/p' dist/imswatch.default | sed -e 's|/var/[^ ]*/|$TMP/|g' -e 's|/sys/fs/bpf/[^ ]*|$PINT|g' | while read -r o; do
		[ -z \"\$o\" ] && continue; out=\$('$R/usr/sbin/imswatch' watch --duration 0.2 \$o 2>&1 >/dev/null); rc=\$?
		[ -e '$PINT' ] && { '$R/usr/sbin/imswatch' detach --pin '$PINT' >/dev/null 2>&1; rm -rf '$PINT'; }
		[ \$rc -ne 2 ] || { echo \"\$o: \$out\"; exit 1; }; done &&
	 sed -n 's/^#IMSWATCH_AUDIT_OPTS=\"\(.*\)\"/\1/p' dist/imswatch.default | while read -r o; do
		[ -z \"\$o\" ] && continue; '$R/usr/sbin/imswatch' audit --format json \$o >/dev/null 2>'$TMP/a.err'; [ \$? -ne 2 ] || { cat '$TMP/a.err'; exit 1; }; done"
check "maintainer scripts from dh_installsystemd: daemon-reload, not enabled on install" bash -c \
	"dpkg-deb --ctrl-tarfile '$DEB' | tar -xOf - ./postinst > '$TMP/postinst' &&
	 grep -q 'daemon-reload' '$TMP/postinst' && grep -q \"debian-installed 'imswatch.service'\" '$TMP/postinst' &&
	 ! grep -q 'remove masks created by d-s-h' '$TMP/postinst'"

lintian --fail-on error,warning "$DEB" >"$TMP/lintian" 2>&1
rc=$?
grep -v 'running with root privileges' "$TMP/lintian" >"$TMP/lintian.tags"
if [ $rc -eq 0 ] && ! grep -q '^[EW]:' "$TMP/lintian.tags"; then
	ok "lintian: no errors, no warnings ($(grep -c '^[IP]:' "$TMP/lintian.tags" || true) info/pedantic tags)"
else
	not_ok "lintian: no errors, no warnings (rc $rc)" "$TMP/lintian.tags"
fi

# the unpacked root gets what any Debian system has and the package does not ship: the
# standard targets (the audit units order against sysinit/timers.target) and /bin/kill
# (procps; ExecReload=) and /bin/mkdir (coreutils; ExecStartPre=)
mkdir -p "$R/bin"
cp -n /lib/systemd/system/*.target "$R/lib/systemd/system/" 2>/dev/null
cp -n /bin/kill /bin/mkdir "$R/bin/" 2>/dev/null
check "systemd-analyze verify accepts the units (watch, audit and its timer)" bash -c \
	"out=\$(systemd-analyze verify --man=no --root='$R' imswatch.service imswatch-audit.service imswatch-audit.timer 2>&1); rc=\$?; echo \"\$out\"; [ \$rc -eq 0 ] && [ -z \"\$out\" ]"
for u in imswatch.service imswatch-audit.service imswatch-audit.timer; do
	check "the packaged $u is dist/$u" cmp "dist/$u" "$R/lib/systemd/system/$u"
done
systemd-analyze security --offline=yes --root="$R" imswatch.service >"$TMP/sec" 2>&1
score=$(sed -n 's/.*Overall exposure level for imswatch.service: \([0-9.]*\).*/\1/p' "$TMP/sec")
if [ -n "$score" ] && [ "$(echo "$score <= 2.0" | bc)" = 1 ]; then
	ok "systemd-analyze security: exposure $score (at most 2.0)"
else
	not_ok "systemd-analyze security: exposure ${score:-?} (at most 2.0)" "$TMP/sec"
fi
check "the unit does not restart on exits that will not go away: 2 (bad option), 3 (cannot watch here), 226 (namespace)" bash -c \
	"grep -qx 'RestartPreventExitStatus=2 3 226' '$UNIT' && grep -q 'WATCH_EXIT_CANNOT = 3' user/watch/watch.h"
check "every path the sandbox names under /proc or /dev, which a kernel or container may lack, is optional" bash -c \
	"! grep -E '^(ReadOnlyPaths|InaccessiblePaths|BindReadOnlyPaths|ReadWritePaths)=' '$UNIT' | tr ' =' '\n\n' | grep -E '^/(proc|dev)/' | grep -v -E '^/proc/sys\$'"
check "records go to the journal by default, and nothing to stdout (no duplicate at PRIORITY 6)" bash -c \
	"grep -q '^ExecStart=/usr/sbin/imswatch watch --journal \$IMSWATCH_OPTS\$' '$UNIT' && ! grep -q '^ExecStart=.*--format' '$UNIT'"
check "early: no default dependencies, before udev's coldplug and sysinit.target" bash -c \
	"grep -qx 'DefaultDependencies=no' '$UNIT' && grep -q '^Before=.*systemd-udev-trigger.service' '$UNIT' &&
	 grep -q '^Before=.*sysinit.target' '$UNIT' && grep -qx 'WantedBy=sysinit.target' '$UNIT' &&
	 ! grep -q '^PrivateTmp=yes' '$UNIT'"

# --- the sandbox, emulated: capabilities, system calls, address families, W^X -------------
if [ "$(id -u)" -ne 0 ]; then
	skip "watch under the unit's capabilities and system call filter" "not root (loads BPF)"
	echo "1..$n"
	exit $fail
fi
if ! have setpriv strace jq; then echo "1..$n"; exit $fail; fi
BIN_PKG=$R/usr/sbin/imswatch
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
bset="-all$(for c in $caps; do c=${c#CAP_}; printf ',+%s' "${c,,}"; done)"
"$BIN_PKG" watch --format json --duration 0.5 >"$TMP/root.json" 2>/dev/null
rc_root=$?
strace -f -qq -o "$TMP/strace" setpriv --bounding-set "$bset" --inh-caps -all \
	"$BIN_PKG" watch --format json --duration 0.5 >"$TMP/unit.json" 2>"$TMP/unit.err"
rc_unit=$?
sel='select(.type == "status") | {a: [.hooks[] | select(.attached) | .name],
	s: [.platform.signals[] | [.source, .key, .state]], u: .platform.unknown}'
if [ "$rc_root" = "$rc_unit" ] && [ "$(jq -cS "$sel" "$TMP/root.json")" = "$(jq -cS "$sel" "$TMP/unit.json")" ]; then
	ok "under the unit's bounding set ($caps) watch attaches the hooks and reads the signals root does (exit $rc_unit, $(jq -r "$sel | .a | length" "$TMP/unit.json") hooks)"
else
	jq -cS "$sel" "$TMP/root.json" "$TMP/unit.json" >"$TMP/diff" 2>&1
	not_ok "under the unit's bounding set watch sees what root sees (exit $rc_root vs $rc_unit)" "$TMP/diff"
fi
# the calls after setpriv's exec of imswatch: every one in the unit's SystemCallFilter
expand() {
	local g
	for g in "$@"; do
		case $g in
		@*) expand $(systemd-analyze syscall-filter "$g" 2>/dev/null | sed 1d | grep -v '^ *#' | tr -d ' ') ;;
		*) echo "$g" ;;
		esac
	done
}
# shellcheck disable=SC2046
expand $(sed -n 's/^SystemCallFilter=//p' "$UNIT") | sort -u >"$TMP/allowed"
awk '/execve\(".*imswatch"/ { on = 1 } on' "$TMP/strace" |
	sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' | sort -u >"$TMP/used"
comm -23 "$TMP/used" "$TMP/allowed" >"$TMP/denied"
if [ -s "$TMP/used" ] && [ ! -s "$TMP/denied" ]; then
	ok "every system call watch makes ($(wc -l <"$TMP/used")) is in the unit's SystemCallFilter"
else
	not_ok "every system call watch makes is in the unit's SystemCallFilter (outside it: $(tr '\n' ' ' <"$TMP/denied"))"
fi
fams=$(sed -n 's/.*socket(\(AF_[A-Z0-9]*\).*/\1/p' "$TMP/strace" | sort -u | tr '\n' ' ')
allowed_fams=$(sed -n 's/^RestrictAddressFamilies=//p' "$UNIT")
bad=""
for f in $fams; do [[ " $allowed_fams " == *" $f "* ]] || bad="$bad $f"; done
check "sockets only of RestrictAddressFamilies ($allowed_fams; used: ${fams:-none})" test -z "$bad"
check "no writable and executable mapping (MemoryDenyWriteExecute)" bash -c \
	"! grep -E '(mmap|mprotect|pkey_mprotect)\(.*PROT_WRITE\|PROT_EXEC|PROT_EXEC\|PROT_WRITE' '$TMP/strace'"
check "no path the unit hides is opened (/proc/kcore), nothing opened for writing" bash -c \
	"! grep -E 'open(at)?\(.*\"/proc/kcore\"' '$TMP/strace' &&
	 ! grep -E 'open(at2?)?\(.*(O_WRONLY|O_RDWR|O_CREAT)' '$TMP/strace' | grep -v -E '\"/dev/(null|tty)\"|= -1 '"

echo "1..$n"
exit $fail
