# shellcheck shell=bash
# Build tests/kmod against one unpacked kernel (see kernel.sh). The sources are copied to
# $OUT_DIR/kmod/<release>/ so that the work tree stays clean; a stamp of the sources'
# hash skips the build on warm runs.
#
# kmod_build sets KMOD_DIR (where edu_msi.ko, ims_standin.ko, edu_ims.ko are).

kmod_build() {
	local src=$REPO_DIR/tests/kmod dir=$OUT_DIR/kmod/$KVER sum extra=()
	sum=$( (cd "$src" && cat Kbuild Makefile ./*.c ./*.h) | sha256sum | cut -c1-16)
	KMOD_DIR=$dir
	KMOD_STATE="up to date"
	if [[ -f $dir/.stamp && $(cat "$dir/.stamp") == "$sum" ]]; then
		return 0
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$src"/Kbuild "$src"/*.c "$src"/*.h "$dir"/
	# 6.1's kbuild package has no resolve_btfids: BTF_ID sets are not used by these modules,
	# so skipping that step loses nothing (pahole still adds the module BTF)
	[[ -x $KHEADERS/tools/bpf/resolve_btfids/resolve_btfids ]] || extra+=(RESOLVE_BTFIDS=true)
	log "building tests/kmod for $KVER"
	if ! kmod_make "$dir" "${extra[@]}" >"$dir/build.log" 2>&1; then
		log "module build failed for $KVER:"
		tail -n 30 "$dir/build.log" >&2
		return 1
	fi
	if grep -q 'Skipping BTF generation' "$dir/build.log"; then
		log "warning: modules for $KVER have no BTF (fentry on ims_standin will not attach)"
	fi
	KMOD_STATE="built with $KMOD_TOOLCHAIN"
	echo "$sum" >"$dir/.stamp"
}

# The gcc major version a kernel's headers build with (Debian's .kernelvariables names it:
# CC = ... gcc-14), empty when they do not say.
headers_gcc() {
	sed -n -E 's/^CC = .*gcc-([0-9]+)[[:space:]]*$/\1/p' "$KHEADERS/.kernelvariables" 2>/dev/null | head -n1
}

# kmod_make DIR [MAKE ARGS]: make modules for $KHEADERS, with this machine's gcc when it is
# the one the headers name, else in a build root of the Debian release that has it
# (lib/buildroot.sh: Debian's 7.x headers want gcc-14 or newer and kbuild tools linked
# against a newer glibc than bookworm's). KMOD_TOOLCHAIN says which.
kmod_make() {
	local dir=$1 want host
	shift
	want=$(headers_gcc)
	host=$(gcc -dumpversion 2>/dev/null | cut -d. -f1)
	if [[ -z $want || $want == "$host" ]] || command -v "gcc-$want" >/dev/null; then
		KMOD_TOOLCHAIN="this machine's gcc-${want:-$host}"
		make -C "$KHEADERS" M="$dir" -j"$(nproc)" "$@" modules
		return
	fi
	buildroot_ensure "$want" || return 1
	KMOD_TOOLCHAIN="gcc-$want in a $BUILDROOT_SUITE build root ($BUILDROOT_STATE)"
	echo "toolchain: $KMOD_TOOLCHAIN"
	buildroot_run "$KROOT" "$dir" -- make -C "$KHEADERS" M="$dir" -j"$(nproc)" "$@" modules
}

# kmod_build_ims: the test modules for the IMS test kernel (its own IMS API instead of the
# stand-in), built against its build tree by tests/kernel/build.sh. Sets KMOD_DIR.
kmod_build_ims() {
	local src=$REPO_DIR/tests/kmod dir=$OUT_DIR/kmod/$KVER-ims sum
	sum=$( (cd "$src" && cat Kbuild ./*.c ./*.h && echo "$IMSK_KEY") | sha256sum | cut -c1-16)
	KMOD_DIR=$dir
	KMOD_STATE="up to date"
	if [[ -f $dir/.stamp && $(cat "$dir/.stamp") == "$sum" ]]; then
		return 0
	fi
	KMOD_STATE=built
	rm -rf "$dir"
	log "building edu_msi and edu_ims_real for the IMS test kernel $KVER"
	"$REPO_DIR/tests/kernel/build.sh" --modules "$src" "$dir" IMSW_KMODS="edu_msi.o edu_ims_real.o" || return 1
	echo "$sum" >"$dir/.stamp"
}
