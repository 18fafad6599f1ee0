# shellcheck shell=bash
# Build the guest initramfs for one kernel: static busybox, /init and the scenario scripts,
# the test modules, the imswatch binary (if any), and the peers and tools the scenarios
# run (jq, bash, bpftool, setpriv, systemd-detect-virt, virt-what, dmidecode) with their
# shared libraries, and the host test (tests/host/watch.sh, consistency.jq, this machine's
# fixture) under /imsw/host/ with the hook table it would read through the preprocessor,
# pre-generated here by tests/host/hook-table (/imsw/host/hook-table.json).
#
# initramfs_build sets INITRD. Reads KVER, KMOD_DIR, IMSWATCH_BIN (may be empty).

# copy_elf SRC [DEST]: an executable and the libraries ldd says it needs, at the same paths
copy_elf() {
	local root=$1 src=$2 dst=${3:-$2} lib libs
	install -D -m 0755 "$src" "$root$dst"
	libs=$(ldd "$src" 2>/dev/null | grep -oE '(^|[[:space:]])/[^[:space:]]+' | tr -d ' \t' || true)
	for lib in $libs; do
		[[ -e $root$lib ]] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}

initramfs_build() {
	local root=$OUT_DIR/initramfs/$KVER a tool
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/libexec,proc,sys,dev,tmp,run,root,etc,imsw/kmod,imsw/scenarios}
	install -m 0755 "$(command -v busybox)" "$root/bin/busybox"
	for a in $(busybox --list); do
		[[ $a == busybox ]] || ln -s busybox "$root/bin/$a"
	done
	install -m 0755 "$VM_DIR/guest/init" "$root/init"
	install -m 0644 "$VM_DIR/guest/lib.sh" "$root/imsw/lib.sh"
	install -m 0644 "$VM_DIR"/scenarios/*.sh "$root/imsw/scenarios/"
	install -m 0755 "$REPO_DIR/tools/capture-fixture" "$root/imsw/capture-fixture"
	install -D -m 0755 "$REPO_DIR/tests/host/watch.sh" "$root/imsw/host/watch.sh"
	install -m 0644 "$REPO_DIR/tests/host/consistency.jq" "$REPO_DIR/tests/host/this-machine.json" \
		"$root/imsw/host/"
	"$REPO_DIR/tests/host/hook-table" "$REPO_DIR/include" >"$root/imsw/host/hook-table.json" ||
		die "tests/host/hook-table: the hook table did not read through the preprocessor"
	install -m 0644 "$KMOD_DIR"/*.ko "$root/imsw/kmod/"
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"

	if [[ -n ${IMSWATCH_BIN:-} ]]; then
		copy_elf "$root" "$IMSWATCH_BIN" /usr/sbin/imswatch
	fi
	# tools from this machine; each is optional and a scenario that needs a missing one
	# says so. jq reads imswatch's JSON in the guest.
	for tool in jq bash bpftool setpriv dmidecode systemd-detect-virt virt-what; do
		a=$(command -v "$tool" 2>/dev/null || true)
		[[ -z $a ]] && for a in /usr/sbin/$tool /sbin/$tool ""; do [[ -x $a ]] && break; done
		[[ -n $a ]] || continue
		if [[ $tool == virt-what ]]; then
			install -D -m 0755 "$a" "$root/usr/sbin/virt-what"
			[[ -x /usr/libexec/virt-what-cpuid-helper ]] &&
				copy_elf "$root" /usr/libexec/virt-what-cpuid-helper
		else
			case $tool in
			dmidecode | bpftool) copy_elf "$root" "$a" /usr/sbin/$tool ;;
			bash) copy_elf "$root" "$a" /bin/bash ;;
			*) copy_elf "$root" "$a" /usr/bin/$tool ;;
			esac
		fi
	done
	INITRD=$OUT_DIR/initramfs-$KVER.cpio.gz
	(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$INITRD"
}
