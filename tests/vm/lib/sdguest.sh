# shellcheck shell=bash
# The systemd guest (scenario systemd): the Debian 12 systemd root of lib/sdroot.sh with
# the package of this tree installed by the guest's own dpkg and the unit enabled by its own
# systemctl, edu_msi placed where udev's coldplug loads it (depmod: the edu device's
# modalias), /etc/default/imswatch asking for --pin and a JSON file beside the journal, and
# a check unit that reads the guest's own tools after imswatch is up, prints TAP on the
# serial console and powers off. Booted from an initramfs (rdinit=/sbin/init): systemd runs
# as PID 1 on the rootfs, no disk image or filesystem driver needed.
#
# sdguest_build sets SD_INITRD (reads KVER, KMOD_DIR, OUT_DIR, REPO_DIR).

sdguest_build() {
	local r=$OUT_DIR/sdguest/$KVER deb
	sdroot_ensure || return 1
	make -s -C "$REPO_DIR" deb >"$OUT_DIR/sdguest-deb.log" 2>&1 || {
		log "make deb failed (see $OUT_DIR/sdguest-deb.log)"
		return 1
	}
	deb=$(ls -t "$REPO_DIR"/.output/deb/imswatch_*_amd64.deb | head -n1)
	rm -rf "$r"
	mkdir -p "${r%/*}"
	cp -a "$SDROOT" "$r"
	cp "$deb" "$r/tmp/imswatch.deb"
	chroot "$r" dpkg -i /tmp/imswatch.deb >"$OUT_DIR/sdguest-dpkg.log" 2>&1 || {
		log "dpkg -i in the systemd root failed (see $OUT_DIR/sdguest-dpkg.log)"
		return 1
	}
	rm -f "$r/tmp/imswatch.deb"
	chroot "$r" systemctl enable imswatch.service >/dev/null 2>&1 || return 1
	cat >"$r/etc/default/imswatch" <<-'EOF'
		IMSWATCH_OPTS="--pin /sys/fs/bpf/imswatch --output /var/log/imswatch/imswatch.jsonl --format json"
	EOF
	# udev loads edu_msi at coldplug, by the edu device's modalias
	mkdir -p "$r/lib/modules/$KVER/extra"
	cp "$KMOD_DIR/edu_msi.ko" "$r/lib/modules/$KVER/extra/"
	depmod -b "$r" "$KVER" 2>/dev/null || return 1
	# the console is the checks' TAP channel: no login prompt, no boot status lines on it
	chroot "$r" systemctl mask serial-getty@ttyS0.service getty@tty1.service >/dev/null 2>&1
	install -m 0755 "$VM_DIR/guest/systemd-check" "$r/usr/local/sbin/imsw-check"
	cat >"$r/etc/systemd/system/imsw-check.service" <<-'EOF'
		[Unit]
		Description=imswatch checks (tests/vm scenario systemd)
		After=imswatch.service multi-user.target
		[Service]
		Type=oneshot
		ExecStart=/usr/local/sbin/imsw-check
		StandardOutput=tty
		StandardError=tty
		TTYPath=/dev/ttyS0
		[Install]
		WantedBy=multi-user.target
	EOF
	chroot "$r" systemctl enable imsw-check.service >/dev/null 2>&1 || return 1
	SD_INITRD=$OUT_DIR/initramfs-sd-$KVER.cpio.gz
	# owners kept (no -R 0:0): the journal's and dbus's files belong to their own users
	(cd "$r" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) |
		gzip -1 >"$SD_INITRD"
}
