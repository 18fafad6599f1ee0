# shellcheck shell=bash
# A small Debian 12 root with systemd, udev and journald as PID 1's world, for the tests
# that run the packaged unit under a real systemd: booted in a QEMU guest (scenario
# systemd) and in systemd-nspawn on this machine (tests/host/nspawn.sh). Made once by
# lib/debootstrap.sh; each test copies it before installing the package, so the cached root
# stays clean.
#
# sdroot_ensure sets SDROOT (the cached root) and SDROOT_STATE (built in N s, M MB / cached).

# shellcheck source=debootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/debootstrap.sh"

# systemd as init, udev for coldplug, the package's run-time libraries (libbpf1, libelf1,
# libseccomp2, libsystemd0, zlib1g), and what the checks inside use (jq, procps, kmod)
SDROOT_PKGS="systemd systemd-sysv udev dbus libbpf1 libelf1 libseccomp2 libsystemd0 zlib1g jq procps kmod"

sdroot_ensure() {
	debootstrap_cached sdroot bookworm "$SDROOT_PKGS" || return 1
	SDROOT=$DB_ROOT
	if [[ $DB_STATE == new ]]; then
		# a machine id per boot of a copy (systemd writes one when the file is empty), a
		# hostname the checks can look for, root without a password on the console
		: >"$SDROOT/etc/machine-id"
		echo imsw-sd >"$SDROOT/etc/hostname"
		sed -i 's/^root:[^:]*:/root::/' "$SDROOT/etc/shadow"
		debootstrap_ready
	fi
	SDROOT_STATE=$DB_STATE
}
