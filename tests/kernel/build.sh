#!/usr/bin/env bash
# Build the IMS test kernel: Debian's linux-source-6.12 with the upstream removal of the
# 6.2-6.9 IMS API ("PCI/MSI: Remove IMS (Interrupt Message Store) support for now", v2,
# 7 patches, April 2024) applied in reverse, so the kernel's own IMS code and its IOMMU gate
# are back, configured by tests/kernel/ims.config and built with -j$(nproc). The products
# (bzImage, the modules tree, the raw BTF, .config) are cached under
# ${IMSWATCH_VM_CACHE:-~/.cache/imswatch-vm}/ims-kernel/<key>/, keyed by the source
# package version, the patches and the fragment: a warm run rebuilds nothing.
#
#   tests/kernel/build.sh [--print-env] [--modules SRC_DIR OUT_DIR [KBUILD VARS...]]
#
# Default: make sure the kernel is built and cached; with --print-env, print shell
# assignments (IMSK_*) for the bench. --modules builds the out-of-tree modules in SRC_DIR
# against the kernel's build tree into OUT_DIR (rebuilding the tree if it was removed).
# Each step says how long it took (stderr). Environment: IMSWATCH_VM_CACHE,
# IMSWATCH_VM_MIRROR, IMSWATCH_VM_SECURITY_MIRROR, IMSWATCH_VM_OFFLINE=1 (no index
# update or download: the newest cached source), IMSWATCH_KERNEL_SOURCE_VERSION (pin a
# package version), IMSWATCH_KERNEL_KEEP_TREE=0 (drop the 2.5 GB build tree once the
# products are cached; module builds then rebuild it).
set -euo pipefail

KERNEL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../vm/lib/common.sh
source "$KERNEL_DIR/../vm/lib/common.sh"
# shellcheck source=../vm/lib/kernel.sh
source "$KERNEL_DIR/../vm/lib/kernel.sh"
log() { printf 'ims-kernel: %s\n' "$*" >&2; }
die() {
	printf 'ims-kernel: error: %s\n' "$*" >&2
	exit 2
}

SRC_PKG=linux-source-6.12
IMSK_ROOT=$CACHE_DIR/ims-kernel
FRAGMENT=$KERNEL_DIR/ims.config
UPSTREAM_PATCHES=("$KERNEL_DIR"/patches/upstream/000[1-7]-*.patch)
OWN_PATCH=$KERNEL_DIR/patches/imswatch-msi-flag-bit.patch
# 0007 adds MSI_FLAG_PCI_IMS back on bit 21, which 6.10+ gave to MSI_FLAG_NO_AFFINITY:
# that one file of that one patch is left out and OWN_PATCH puts the flag on a free bit.
CONFLICT_PATCH=0007
CONFLICT_FILE=include/linux/msi.h

step() { # step NAME T0: log how long a step took and keep it for the summary
	local d
	d=$(secs_since "$2")
	log "$1: $d s"
	STEPS+="$1 $d s; "
}
STEPS=""

# The newest linux-source-6.12 the private index offers (or the pinned one), as a version.
resolve_source() {
	if [[ -n ${IMSWATCH_KERNEL_SOURCE_VERSION:-} ]]; then
		echo "$IMSWATCH_KERNEL_SOURCE_VERSION"
		return
	fi
	papt_cache madison "$SRC_PKG" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
		sort -V | tail -n1
}

# key VERSION: what the products depend on
cache_key() {
	{
		echo "$SRC_PKG $1"
		cat "${UPSTREAM_PATCHES[@]}" "$OWN_PATCH" "$FRAGMENT"
	} | sha256sum | cut -c1-16
}

# without_file PATCH FILE: PATCH with the diff of FILE left out
without_file() {
	awk -v f="$2" '
		/^diff --git / { skip = ($3 == "a/" f) }
		/^-- $/ { skip = 0 }
		!skip' "$1"
}

# unpack VERSION TREE: download the package, check it is what was asked for, unpack the
# tarball and apply the series in reverse
unpack_source() {
	local ver=$1 tree=$2 debs=$IMSK_ROOT/debs deb t0 got p n kv
	rm -rf "$debs" "$tree"
	mkdir -p "$debs" "$tree"
	t0=$(now_ms)
	(cd "$debs" && papt_get download "$SRC_PKG=$ver") >"$IMSK_ROOT/download.log" 2>&1 ||
		die "apt-get download $SRC_PKG=$ver failed: $(tail -n 3 "$IMSK_ROOT/download.log" | tr '\n' ' ')"
	deb=$(echo "$debs"/"$SRC_PKG"_*.deb)
	[[ -f $deb ]] || die "no $SRC_PKG .deb after the download"
	got="$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
	[[ $got == "$SRC_PKG $ver" ]] || die "downloaded '$got', expected '$SRC_PKG $ver'"
	step "download $SRC_PKG $ver ($(du -m "$deb" | cut -f1) MB)" "$t0"

	t0=$(now_ms)
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$SRC_PKG.tar.xz" |
		xz -dc -T0 | tar -x -C "$tree" --strip-components=1
	rm -rf "$debs"
	# the upstream part of the Debian version (6.12.117-1~deb12u1 -> 6.12.117) is what the
	# tree's Makefile must say
	kv=$(make -s -C "$tree" kernelversion 2>/dev/null)
	[[ $kv == "${ver%%-*}" ]] || die "the tree says $kv, the package $ver"
	step "unpack linux $kv" "$t0"

	t0=$(now_ms)
	for ((n = ${#UPSTREAM_PATCHES[@]} - 1; n >= 0; n--)); do
		p=${UPSTREAM_PATCHES[$n]}
		if [[ ${p##*/} == "$CONFLICT_PATCH"-* ]]; then
			without_file "$p" "$CONFLICT_FILE" | patch -d "$tree" -p1 -R -s -F2 --no-backup-if-mismatch ||
				die "${p##*/} (without $CONFLICT_FILE) does not revert cleanly"
			patch -d "$tree" -p1 -s --no-backup-if-mismatch <"$OWN_PATCH" ||
				die "${OWN_PATCH##*/} does not apply"
		else
			patch -d "$tree" -p1 -R -s -F2 --no-backup-if-mismatch <"$p" ||
				die "${p##*/} does not revert cleanly"
		fi
	done
	grep -q 'pci_create_ims_domain' "$tree/drivers/pci/msi/irqdomain.c" ||
		die "the IMS API is not back after the patches"
	step "revert the removal series (7 upstream patches, 1 own)" "$t0"
}

build_tree() {
	local tree=$1 out=$1/build t0 opt want have
	t0=$(now_ms)
	mkdir -p "$out"
	make -s -C "$tree" O="$out" tinyconfig >"$out/config.log" 2>&1
	(cd "$tree" && scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "$FRAGMENT") >>"$out/config.log" 2>&1
	make -s -C "$tree" O="$out" olddefconfig >>"$out/config.log" 2>&1
	# every option the fragment asks for must have survived olddefconfig's dependencies
	while IFS= read -r opt; do
		want=${opt#*=}
		have=$(grep -E "^${opt%%=*}=" "$out/.config" | cut -d= -f2- || true)
		[[ $have == "$want" ]] || die "${opt%%=*}=$want did not survive olddefconfig (got '${have:-unset}'); see $out/config.log"
	done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$FRAGMENT")
	step "configure (tinyconfig + ims.config)" "$t0"

	t0=$(now_ms)
	log "building bzImage and modules with -j$(nproc) (a cold build takes 5-12 minutes)"
	make -C "$tree" O="$out" -j"$(nproc)" bzImage modules >"$out/build.log" 2>&1 || {
		tail -n 40 "$out/build.log" >&2
		die "kernel build failed (log: $out/build.log)"
	}
	step "build bzImage and modules" "$t0"
}

# products TREE DIR: copy what the bench needs out of the build tree
save_products() {
	local tree=$1 dir=$2 out=$1/build t0
	t0=$(now_ms)
	rm -rf "$dir.new"
	mkdir -p "$dir.new"
	cp "$out/arch/x86/boot/bzImage" "$out/.config" "$out/System.map" "$dir.new/"
	make -s -C "$tree" O="$out" INSTALL_MOD_PATH="$dir.new/modules" modules_install >/dev/null
	objcopy -O binary --only-section=.BTF --set-section-flags .BTF=alloc "$out/vmlinux" "$dir.new/vmlinux.btf"
	make -s -C "$tree" O="$out" kernelrelease >"$dir.new/release"
	echo "$VERSION" >"$dir.new/source-version"
	echo "$STEPS" >"$dir.new/build-times"
	rm -rf "$dir"
	mv "$dir.new" "$dir"
	touch "$dir/.ready"
	step "save bzImage, modules and BTF" "$t0"
}

# --- main ---------------------------------------------------------------------------------
PRINT_ENV=
MOD_SRC=
MOD_OUT=
MOD_VARS=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--print-env) PRINT_ENV=1; shift ;;
	--modules) MOD_SRC=${2:?--modules needs SRC_DIR OUT_DIR}; MOD_OUT=${3:?--modules needs SRC_DIR OUT_DIR}; shift 3
		MOD_VARS=("$@"); set -- ;;
	-h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
for tool in apt-get apt-cache dpkg-deb xz tar patch make gcc flex bison bc pahole objcopy perl; do
	command -v "$tool" >/dev/null || die "missing tool: $tool (make deps installs what the kernel build needs)"
done
mkdir -p "$IMSK_ROOT"
exec 8>"$IMSK_ROOT/.lock"
flock 8 # one builder at a time; a second waits and then finds the products ready

T_ALL=$(now_ms)
VERSION=""
if [[ -z ${IMSWATCH_VM_OFFLINE:-} ]]; then
	t0=$(now_ms)
	apt_index
	VERSION=$(resolve_source)
	[[ -n $VERSION ]] && step "resolve $SRC_PKG $VERSION" "$t0"
fi
if [[ -z $VERSION ]]; then
	# offline or no index: the newest source already built
	VERSION=$(cat "$IMSK_ROOT"/*/source-version 2>/dev/null | sort -V | tail -n1 || true)
	[[ -n $VERSION ]] || die "no $SRC_PKG in the package index and none built in $IMSK_ROOT"
	log "warning: using the cached $SRC_PKG $VERSION (offline or no index)"
fi
KEY=$(cache_key "$VERSION")
PRODUCTS=$IMSK_ROOT/$KEY
TREE=$IMSK_ROOT/tree-$KEY

if [[ -f $PRODUCTS/.ready ]]; then
	log "cached: $SRC_PKG $VERSION with IMS restored ($PRODUCTS; built in: $(cat "$PRODUCTS/build-times"))"
else
	log "building $SRC_PKG $VERSION with IMS restored into $PRODUCTS"
	# a tree that was patched and configured before is reused (make rebuilds what changed)
	[[ -f $TREE/.patched ]] || { unpack_source "$VERSION" "$TREE" && touch "$TREE/.patched"; }
	build_tree "$TREE"
	save_products "$TREE" "$PRODUCTS"
	# other keys' products and trees go: one test kernel is cached at a time
	for d in "$IMSK_ROOT"/*; do
		[[ -d $d && $d != "$PRODUCTS" && $d != "$TREE" ]] && rm -rf "$d"
	done
	[[ ${IMSWATCH_KERNEL_KEEP_TREE:-1} == 0 ]] && rm -rf "$TREE"
	log "total $(secs_since "$T_ALL") s ($STEPS)"
fi

if [[ -n $MOD_SRC ]]; then
	t0=$(now_ms)
	if [[ ! -f $TREE/build/vmlinux ]]; then
		log "the build tree was removed: rebuilding it for the modules"
		[[ -f $TREE/.patched ]] || { unpack_source "$VERSION" "$TREE" && touch "$TREE/.patched"; }
		build_tree "$TREE"
	fi
	mkdir -p "$MOD_OUT"
	cp "$MOD_SRC"/Kbuild "$MOD_SRC"/*.c "$MOD_SRC"/*.h "$MOD_OUT"/ 2>/dev/null || true
	make -C "$TREE/build" M="$MOD_OUT" -j"$(nproc)" "${MOD_VARS[@]}" modules >"$MOD_OUT/build.log" 2>&1 || {
		tail -n 30 "$MOD_OUT/build.log" >&2
		die "module build in $MOD_OUT failed"
	}
	step "test modules" "$t0"
fi

if [[ -n $PRINT_ENV ]]; then
	printf 'IMSK_VERSION=%q\nIMSK_KEY=%q\nIMSK_DIR=%q\nIMSK_IMAGE=%q\nIMSK_RELEASE=%q\nIMSK_BUILD_TIMES=%q\nIMSK_STEPS=%q\n' \
		"$VERSION" "$KEY" "$PRODUCTS" "$PRODUCTS/bzImage" "$(cat "$PRODUCTS/release")" \
		"$(cat "$PRODUCTS/build-times")" "$STEPS"
fi
