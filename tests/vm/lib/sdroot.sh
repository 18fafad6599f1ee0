# shellcheck shell=bash
# A small Debian 12 root with systemd, udev and journald as PID 1's world, for the tests
# that run the packaged unit under a real systemd: booted in a QEMU guest (scenario
# systemd) and in systemd-nspawn on this machine (tests/host/nspawn.sh). debootstrap
# (minbase) writes it once into the cache, in a directory named by a digest of its package
# list; each test copies it before installing the package, so the cached root stays clean.
#
# sdroot_ensure sets SDROOT (the cached root) and SDROOT_STATE (built in N s, M MB / cached).

SDROOT_SUITE=bookworm
# systemd as init, udev for coldplug, the package's run-time libraries (libbpf1, libelf1,
# libseccomp2, libsystemd0, zlib1g), and what the checks inside use (jq, procps, kmod)
SDROOT_PKGS="systemd systemd-sysv udev dbus libbpf1 libelf1 libseccomp2 libsystemd0 zlib1g jq procps kmod"

sdroot_ensure() {
	local cache=${IMSWATCH_VM_CACHE:-$HOME/.cache/imswatch-vm} key dir t0 mirror
	key=$(echo "$SDROOT_SUITE $SDROOT_PKGS" | sha256sum | cut -c1-12)
	dir=$cache/sdroot/$SDROOT_SUITE-$key
	SDROOT=$dir/root
	if [[ -f $dir/.ready ]]; then
		SDROOT_STATE="cached ($(cat "$dir/.ready"))"
		return 0
	fi
	[[ $(id -u) -eq 0 ]] || {
		echo "sdroot: debootstrap needs root" >&2
		return 1
	}
	command -v debootstrap >/dev/null || {
		echo "sdroot: no debootstrap (apt-get install debootstrap)" >&2
		return 1
	}
	mirror=${IMSWATCH_VM_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | grep -v -- '-security' | head -n1 | tr -d ' ')}
	mirror=${mirror:-http://deb.debian.org/debian}
	echo "sdroot: debootstrap $SDROOT_SUITE ($SDROOT_PKGS) into $dir (once; cached)" >&2
	rm -rf "$dir"
	mkdir -p "$dir"
	t0=$(date +%s)
	if ! debootstrap --variant=minbase --include="${SDROOT_PKGS// /,}" "$SDROOT_SUITE" \
		"$SDROOT" "${mirror%/}" >"$dir/debootstrap.log" 2>&1; then
		echo "sdroot: debootstrap failed: $(tail -n 3 "$dir/debootstrap.log" | tr '\n' ' ')" >&2
		return 1
	fi
	rm -rf "$SDROOT"/var/cache/apt/archives/*.deb "$SDROOT"/var/lib/apt/lists/*_Packages
	# a machine id per boot of a copy (systemd writes one when the file is empty), a
	# hostname the checks can look for, root without a password on the console
	: >"$SDROOT/etc/machine-id"
	echo imsw-sd >"$SDROOT/etc/hostname"
	sed -i 's/^root:[^:]*:/root::/' "$SDROOT/etc/shadow"
	echo "$(($(date +%s) - t0)) s, $(du -sm "$SDROOT" | cut -f1) MB" >"$dir/.ready"
	SDROOT_STATE="built ($(cat "$dir/.ready"))"
}
