# shellcheck shell=bash
# One Debian root made by debootstrap (minbase), once, into the VM cache: the directory is
# named by a digest of the suite and package list, so a changed list makes a new root and
# an unchanged one is reused. Used for the build roots of newer kernels' test modules
# (lib/buildroot.sh) and the systemd root of the unit's tests (lib/sdroot.sh).
#
# debootstrap_cached KIND SUITE "PKGS": sets DB_ROOT (the root) and DB_STATE ("built (N s,
# M MB)" or "cached (...)"); 1 with a message on stderr when it cannot be made.

debootstrap_cached() {
	local kind=$1 suite=$2 pkgs=$3 cache=${IMSWATCH_VM_CACHE:-$HOME/.cache/imswatch-vm}
	local key dir t0 mirror
	key=$(echo "$suite $pkgs" | sha256sum | cut -c1-12)
	dir=$cache/$kind/$suite-$key
	DB_ROOT=$dir/root
	if [[ -f $dir/.ready ]]; then
		DB_STATE="cached ($(cat "$dir/.ready"))"
		return 0
	fi
	[[ $(id -u) -eq 0 ]] || { echo "debootstrap: a $kind root needs root" >&2; return 1; }
	command -v debootstrap >/dev/null ||
		{ echo "debootstrap: not installed (apt-get install debootstrap)" >&2; return 1; }
	[[ -z ${IMSWATCH_VM_OFFLINE:-} ]] ||
		{ echo "debootstrap: offline and no $kind root cached in $dir" >&2; return 1; }
	mirror=${IMSWATCH_VM_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | grep -v -- '-security' | head -n1 | tr -d ' ')}
	mirror=${mirror:-http://deb.debian.org/debian}
	echo "debootstrap: $suite ($pkgs) into $dir (once; cached)" >&2
	rm -rf "$dir"
	mkdir -p "$dir"
	t0=$(date +%s)
	if ! debootstrap --variant=minbase --include="${pkgs// /,}" "$suite" "$DB_ROOT" \
		"${mirror%/}" >"$dir/debootstrap.log" 2>&1; then
		echo "debootstrap: failed: $(tail -n 3 "$dir/debootstrap.log" | tr '\n' ' ')" >&2
		return 1
	fi
	rm -rf "$DB_ROOT"/var/cache/apt/archives/*.deb "$DB_ROOT"/var/lib/apt/lists/*_Packages
	# the caller's own touches go in before the root is marked ready
	DB_DIR=$dir
	DB_T0=$t0
	DB_STATE=new
}

# debootstrap_ready: mark the root debootstrap_cached just made as complete
debootstrap_ready() {
	echo "$(($(date +%s) - DB_T0)) s, $(du -sm "$DB_ROOT" | cut -f1) MB" >"$DB_DIR/.ready"
	DB_STATE="built ($(cat "$DB_DIR/.ready"))"
}
