# shellcheck shell=bash
# A Debian trixie build root for the test modules of kernels built with a newer compiler
# than this machine's. Debian's 7.x headers name gcc-14 (CONFIG_CC_VERSION_TEXT) and their
# kbuild tools (modpost, objtool, resolve_btfids, fixdep) link against trixie's glibc
# (>= 2.38), so neither runs on bookworm; in a trixie chroot both do, and the host's own
# toolchain is never touched. debootstrap (minbase) writes the root once into the VM cache,
# in a directory named by a digest of its package list, and every later run reuses it.
#
# buildroot_ensure GCC_MAJOR sets BUILDROOT (the chroot) and BUILDROOT_STATE (built in N s /
# cached): trixie for gcc-14 (trixie-backports' kernels), sid for 15 and newer (sid's and
# experimental's).
# buildroot_run DIR... -- CMD...: CMD inside the chroot with each DIR bind-mounted at its
# own path (the kernel tree and the module directory), unmounted afterwards.

# shellcheck source=debootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/debootstrap.sh"

buildroot_ensure() {
	local gcc=$1
	case $gcc in
	14) BUILDROOT_SUITE=trixie ;;
	1[5-9]) BUILDROOT_SUITE=sid ;;
	*)
		log "no build root known for gcc-$gcc"
		return 1
		;;
	esac
	# what a module build needs: the compiler the headers name, make, libc headers, pahole
	# for module BTF, and the kbuild tools' libraries
	BUILDROOT_PKGS="make gcc-$gcc libc6-dev pahole libelf1t64 libssl3t64 zlib1g"
	debootstrap_cached buildroot "$BUILDROOT_SUITE" "$BUILDROOT_PKGS" || return 1
	BUILDROOT=$DB_ROOT
	if [[ $DB_STATE == new ]]; then
		# the name kbuild asks for (CC=x86_64-linux-gnu-gcc-N in the headers' .kernelvariables)
		[[ -x $BUILDROOT/usr/bin/x86_64-linux-gnu-gcc-$gcc ]] || {
			log "the $BUILDROOT_SUITE build root has no x86_64-linux-gnu-gcc-$gcc"
			return 1
		}
		debootstrap_ready
	fi
	BUILDROOT_STATE=$DB_STATE
}

buildroot_run() {
	local -a dirs=() mounted=()
	local d rc=0
	while [[ $# -gt 0 && $1 != -- ]]; do
		dirs+=("$1")
		shift
	done
	shift
	for d in "${dirs[@]}"; do
		mkdir -p "$BUILDROOT$d"
		mount --bind "$d" "$BUILDROOT$d" || { rc=1; break; }
		mounted+=("$BUILDROOT$d")
	done
	# objtool reads its stack limit from /proc
	if [[ $rc -eq 0 ]]; then
		mkdir -p "$BUILDROOT/proc"
		mount -t proc proc "$BUILDROOT/proc" && mounted+=("$BUILDROOT/proc") || rc=1
	fi
	if [[ $rc -eq 0 ]]; then
		chroot "$BUILDROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LANG=C.UTF-8 "$@" || rc=$?
	fi
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" 2>/dev/null || true
	done
	return "$rc"
}
