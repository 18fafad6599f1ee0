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
	KMOD_STATE=built
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$src"/Kbuild "$src"/*.c "$src"/*.h "$dir"/
	# 6.1's kbuild package has no resolve_btfids: BTF_ID sets are not used by these modules,
	# so skipping that step loses nothing (pahole still adds the module BTF)
	[[ -x $KHEADERS/tools/bpf/resolve_btfids/resolve_btfids ]] || extra+=(RESOLVE_BTFIDS=true)
	log "building tests/kmod for $KVER"
	if ! make -C "$KHEADERS" M="$dir" -j"$(nproc)" "${extra[@]}" modules >"$dir/build.log" 2>&1; then
		log "module build failed for $KVER:"
		tail -n 30 "$dir/build.log" >&2
		return 1
	fi
	if grep -q 'Skipping BTF generation' "$dir/build.log"; then
		log "warning: modules for $KVER have no BTF (fentry on ims_standin will not attach)"
	fi
	echo "$sum" >"$dir/.stamp"
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
