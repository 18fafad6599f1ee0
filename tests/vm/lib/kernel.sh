# shellcheck shell=bash
# Fetch and unpack Debian cloud kernels (image, headers, kbuild) with a private apt
# configuration that never touches the machine's own apt state, and prepare the headers
# for out-of-tree module builds.
#
# kernel_prepare SERIES sets the variables below. SERIES is a family (6.1 = bookworm's
# newest, 6.12 = bookworm-backports' newest, 7 = the pinned trixie-backports kernel below)
# or one exact Debian cloud kernel ABI from any reachable suite (e.g. 7.3-cloud-amd64, from
# experimental: the canary for the next kernel):
#   KVER      kernel release, e.g. 6.12.95+deb12-cloud-amd64
#   KPKGVER   Debian package version, e.g. 6.12.95-1~bpo12+1
#   KROOT     where the packages are unpacked (dpkg -x)
#   KIMAGE    the bzImage
#   KHEADERS  the arch headers directory (kbuild's objtree), with vmlinux for module BTF
#   KPREP_TIMES  what took how long (index update, download, unpack), empty when cached
#
# Environment: IMSWATCH_VM_MIRROR (default: the Debian mirror in /etc/apt/sources*, else
# deb.debian.org), IMSWATCH_VM_REFRESH=1 (update the index even if fresh),
# IMSWATCH_VM_OFFLINE=1 (no index update and no download: newest cached kernel).

# The 7.x family: one pinned build, the newest 7.x cloud kernel in trixie-backports when it
# was chosen (2026-12-07). Every table that names the 7.x family reads the version from the
# run (KVER, KPKGVER), so moving the pin is this one line. Should the archive drop it, the
# newest 7.x in trixie-backports is used and the run says so (KPIN_NOTE).
KERNEL7_PIN=7.3.4+deb13-cloud-amd64

APT_DIR=$CACHE_DIR/apt
KERNELS_DIR=$CACHE_DIR/kernels
INDEX_MAX_AGE=${IMSWATCH_VM_INDEX_MAX_AGE:-86400}

# The mirror this machine uses for Debian (deb822 or one-line sources), else the default.
debian_mirror() {
	local m
	if [[ -n ${IMSWATCH_VM_MIRROR:-} ]]; then
		echo "${IMSWATCH_VM_MIRROR%/}"
		return
	fi
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | grep -v -- '-security' | head -n1 | tr -d ' ')
	echo "${m:-http://deb.debian.org/debian}" | sed 's:/*$::'
}

# The security archive (linux-source-6.12 for bookworm is published there).
debian_security_mirror() {
	local m
	if [[ -n ${IMSWATCH_VM_SECURITY_MIRROR:-} ]]; then
		echo "${IMSWATCH_VM_SECURITY_MIRROR%/}"
		return
	fi
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE '(https?|file)://[^ ]*/debian-security/?( |$)' | head -n1 | tr -d ' ')
	echo "${m:-http://deb.debian.org/debian-security}" | sed 's:/*$::'
}

apt_opts() {
	printf '%s\n' \
		-o "Dir::Etc::SourceList=$APT_DIR/sources.list" \
		-o "Dir::Etc::SourceParts=/dev/null" \
		-o "Dir::Etc::Preferences=/dev/null" \
		-o "Dir::Etc::PreferencesParts=/dev/null" \
		-o "Dir::State::Lists=$APT_DIR/lists" \
		-o "Dir::Cache=$APT_DIR/cache" \
		-o "APT::Sandbox::User=root" \
		-o "Debug::NoLocking=1" \
		-q
}

papt_get() {
	local -a o
	mapfile -t o < <(apt_opts)
	apt-get "${o[@]}" "$@"
}

papt_cache() {
	local -a o
	mapfile -t o < <(apt_opts)
	apt-cache "${o[@]}" "$@"
}

# Refresh the private package index unless it is younger than a day.
apt_index() {
	local mirror keyring=/usr/share/keyrings/debian-archive-keyring.gpg opt=""
	[[ -n ${APT_INDEX_DONE:-} ]] && return 0
	APT_INDEX_DONE=1
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	mirror=$(debian_mirror)
	[[ -r $keyring ]] && opt="[signed-by=$keyring] "
	cat >"$APT_DIR/sources.list.new" <<-SRC
		deb ${opt}$mirror bookworm main
		deb ${opt}$mirror bookworm-backports main
		deb ${opt}$(debian_security_mirror) bookworm-security main
		deb ${opt}$mirror trixie-backports main
		deb ${opt}$mirror sid main
		deb ${opt}$mirror experimental main
	SRC
	if ! cmp -s "$APT_DIR/sources.list.new" "$APT_DIR/sources.list"; then
		mv "$APT_DIR/sources.list.new" "$APT_DIR/sources.list"
		rm -f "$APT_DIR/index.stamp"
	else
		rm -f "$APT_DIR/sources.list.new"
	fi
	[[ -n ${IMSWATCH_VM_OFFLINE:-} ]] && return 0
	if [[ -z ${IMSWATCH_VM_REFRESH:-} && $(age_seconds "$APT_DIR/index.stamp") -lt $INDEX_MAX_AGE ]]; then
		return 0
	fi
	log "updating the private package index from $mirror (bookworm, bookworm-backports, bookworm-security, trixie-backports, sid, experimental)"
	local t0
	t0=$(now_ms)
	if papt_get update >"$APT_DIR/update.log" 2>&1; then
		touch "$APT_DIR/index.stamp"
		KPREP_TIMES+="package index updated in $(secs_since "$t0") s; "
	else
		log "apt-get update failed (see $APT_DIR/update.log); using the index already cached, if any"
	fi
}

# The kernels of a family in the private index, as ABI names (e.g. 6.1.0-50-cloud-amd64),
# oldest first. 6.1 and 6.12 are bookworm's builds (+deb12 or none): trixie's and sid's
# 6.12 are built with a newer gcc than this machine's. Both packagings are listed:
# linux-image-<abi>-unsigned up to 6.x, linux-binary-unsigned-<abi> from 7.x.
family_kernels() {
	local series=$1 re
	case $series in
	7) re='7\.[0-9]+(\.[0-9]+)?\+deb13' ;;
	*) re="${series//./\\.}\\.[0-9][^ ]*" ;;
	esac
	papt_cache pkgnames linux- 2>/dev/null |
		sed -n -E -e "s/^linux-image-(${re}-cloud-amd64)-unsigned\$/\1/p" \
			-e "s/^linux-binary-unsigned-(${re}-cloud-amd64)\$/\1/p" |
		{ [[ $series == 7 ]] && cat || grep -v -E '\+deb1[3-9]'; } |
		sort -uV
}

# The kernel to use for SERIES (an ABI name on stdout).
resolve_kernel() {
	local series=$1
	case $series in
	6.1 | 6.12) family_kernels "$series" | tail -n1 ;;
	7)
		if kernel_in_index "$KERNEL7_PIN"; then
			echo "$KERNEL7_PIN"
		else
			family_kernels 7 | tail -n1
		fi
		;;
	*) kernel_in_index "$series" && echo "$series" ;;
	esac
}

kernel_in_index() {
	papt_cache show "linux-binary-unsigned-$1" >/dev/null 2>&1 ||
		papt_cache show "linux-image-$1-unsigned" >/dev/null 2>&1
}

# The newest kernel of SERIES already unpacked in the cache (offline fallback).
cached_kernel() {
	local series=$1 d
	for d in "$KERNELS_DIR"/*; do
		[[ -f $d/.ready ]] || continue
		case ${d##*/} in "$series" | "$series".[0-9]*) echo "${d##*/}" ;; esac
	done | grep -E "^${series//./\\.}(\\.[0-9]|$)" | sort -V | tail -n1
}

# Decompress the ELF vmlinux out of a bzImage (what scripts/extract-vmlinux does, which the
# packages do not ship). Only its .BTF section is used: the base for module BTF.
extract_vmlinux() {
	local img=$1 out=$2 magic tool off
	for magic in '\x1f\x8b\x08:gzip -dc' '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dc' \
		'\x02\x21\x4c\x18:lz4 -dc' '\x5d\x00\x00\x00:xz -dc --format=lzma' \
		'BZh:bzip2 -dc'; do
		tool=${magic#*:}
		magic=${magic%%:*}
		command -v "${tool%% *}" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "$magic" "$img" 2>/dev/null | cut -d: -f1 | head -n 5); do
			tail -c +$((off + 1)) "$img" | $tool >"$out.tmp" 2>/dev/null
			if [[ $(head -c 4 "$out.tmp" 2>/dev/null | od -An -c | tr -d ' ') == '177ELF' ]]; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

# Download and unpack one kernel (ABI name) into $KERNELS_DIR/<release>.
fetch_kernel() {
	local abi=$1 dir=$KERNELS_DIR/$1 debs hdr common kbuild pkgs f t0
	debs=$CACHE_DIR/debs
	hdr=linux-headers-$abi
	common=$(papt_cache depends "$hdr" 2>/dev/null | sed -n 's/^ *Depends: \(linux-headers-[^ ]*-common\)$/\1/p' | head -n1)
	kbuild=$(papt_cache depends "$hdr" 2>/dev/null | sed -n 's/^ *Depends: \(linux-kbuild-[^ ]*\)$/\1/p' | head -n1)
	[[ -n $common && -n $kbuild ]] || {
		log "cannot resolve the -common/kbuild packages that $hdr depends on"
		return 1
	}
	# From 7.x linux-image-<abi> is a meta package over linux-binary (the kernel, at
	# usr/lib/modules/<abi>/vmlinuz*) and linux-modules; the guests need only the kernel
	# (nvme, PCI MSI and the lockdown LSM are built in) and the headers for tests/kmod.
	if papt_cache show "linux-binary-unsigned-$abi" >/dev/null 2>&1; then
		pkgs=("linux-binary-unsigned-$abi")
	else
		pkgs=("linux-image-$abi-unsigned")
	fi
	pkgs+=("$hdr" "$common" "$kbuild")
	log "downloading ${pkgs[*]}"
	rm -rf "$debs" "$dir"
	mkdir -p "$debs" "$dir/root"
	t0=$(now_ms)
	(cd "$debs" && papt_get download "${pkgs[@]}") >"$CACHE_DIR/download.log" 2>&1 || {
		log "apt-get download failed: $(tail -n 3 "$CACHE_DIR/download.log" | tr '\n' ' ')"
		return 1
	}
	KPREP_TIMES+="downloaded $(du -cm "$debs"/*.deb | tail -n1 | cut -f1) MB in $(secs_since "$t0") s; "
	t0=$(now_ms)
	for f in "$debs"/*.deb; do
		dpkg -x "$f" "$dir/root" || return 1
	done
	dpkg-deb -f "$(ls "$debs"/linux-image-*.deb "$debs"/linux-binary-*.deb 2>/dev/null | head -n1)" \
		Version >"$dir/pkgversion"
	for f in "boot/vmlinuz-$abi" "usr/lib/modules/$abi/vmlinuz.unsigned" "usr/lib/modules/$abi/vmlinuz"; do
		[[ -f $dir/root/$f ]] && echo "$f" >"$dir/image" && break
	done
	rm -rf "$debs"
	prepare_headers "$abi" || return 1
	KPREP_TIMES+="unpacked and headers prepared in $(secs_since "$t0") s; "
	touch "$dir/.ready"
	# keep the cache bounded: older builds of the same line go (same major.minor and the
	# same Debian release tag: 7.3.2+deb13 gives way to 7.3.4+deb13, never to sid's
	# 7.3.4+deb14 or experimental's 7.3)
	for f in "$KERNELS_DIR"/*; do
		[[ $f != "$dir" && -d $f ]] || continue
		[[ $(kernel_line "${f##*/}") == "$(kernel_line "$abi")" ]] && rm -rf "$f"
	done
	return 0
}

# kernel_line ABI: "major.minor tag" (6.1.0-50-cloud-amd64 -> "6.1 -", 7.3.4+deb13-... ->
# "7.3 deb13", 7.3-cloud-amd64 -> "7.3 -")
kernel_line() {
	local abi=$1 mm tag=-
	mm=$(echo "${abi%%[-+]*}" | cut -d. -f1,2)
	[[ $abi == *+* ]] && tag=${abi#*+} && tag=${tag%%-*}
	echo "$mm $tag"
}

prepare_headers() {
	local abi=$1 root=$KERNELS_DIR/$1/root h
	h=$root/usr/src/linux-headers-$abi
	[[ -f $h/Makefile ]] || {
		log "no headers at $h"
		return 1
	}
	# the arch headers include the common ones by absolute /usr/src path
	# (and from 7.x name their own directory as KBUILD_OUTPUT the same way)
	sed -i -e "s|^include /usr/src/|include $root/usr/src/|" \
		-e "s|^KBUILD_OUTPUT=/usr/src/|KBUILD_OUTPUT=$root/usr/src/|" "$h/Makefile"
	# module BTF needs the kernel's BTF as a base: 6.12 ships vmlinux in the headers,
	# 6.1 does not, so take it out of the image
	if [[ ! -f $h/vmlinux ]]; then
		extract_vmlinux "$root/$(cat "$KERNELS_DIR/$abi/image")" "$h/vmlinux" || log "warning: no vmlinux for $abi: modules get no BTF"
	fi
}

kernel_prepare() {
	local series=$1 abi="" why=""
	KPREP_TIMES=""
	KPIN_NOTE=""
	if [[ -z ${IMSWATCH_VM_OFFLINE:-} ]]; then
		apt_index
		abi=$(resolve_kernel "$series")
		[[ $series != 7 || -z $abi || $abi == "$KERNEL7_PIN" ]] ||
			KPIN_NOTE="the pinned $KERNEL7_PIN is no longer in the archive: using the newest 7.x in trixie-backports, $abi"
		if [[ -z $abi ]]; then
			why="no $series cloud kernel (linux-image-*-unsigned or linux-binary-unsigned-*) in the package index"
		elif [[ ! -f $KERNELS_DIR/$abi/.ready ]]; then
			fetch_kernel "$abi" || {
				why="download/unpack of $abi failed"
				abi=""
			}
		fi
	fi
	if [[ -z $abi ]]; then
		abi=$(cached_kernel "$series")
		if [[ -z $abi ]]; then
			log "no $series kernel could be fetched${why:+ ($why)} and none is cached in $KERNELS_DIR"
			return 1
		fi
		log "warning: ${why:-offline}: using the cached $abi"
	fi
	KVER=$abi
	KROOT=$KERNELS_DIR/$abi/root
	KIMAGE=$KROOT/$(cat "$KERNELS_DIR/$abi/image" 2>/dev/null || echo "boot/vmlinuz-$abi")
	KHEADERS=$KROOT/usr/src/linux-headers-$abi
	KPKGVER=$(cat "$KERNELS_DIR/$abi/pkgversion" 2>/dev/null || echo unknown)
	[[ -f $KIMAGE ]] || {
		log "kernel image missing: $KIMAGE"
		return 1
	}
}

# ims_kernel_prepare: the IMS test kernel (Debian's 6.12 source with the 6.2-6.9 IMS API
# restored), built or found in the cache by tests/kernel/build.sh. Sets KVER, KIMAGE,
# KPKGVER, KPREP_TIMES (the build steps, when this run built it) and IMSK_*.
ims_kernel_prepare() {
	local env
	KPREP_TIMES=""
	env=$("$REPO_DIR/tests/kernel/build.sh" --print-env) || return 1
	eval "$env"
	KVER=$IMSK_RELEASE
	KIMAGE=$IMSK_IMAGE
	KPKGVER="linux-source-6.12 $IMSK_VERSION with IMS restored, build key $IMSK_KEY"
	KPREP_TIMES=${IMSK_STEPS:-}
	[[ -n $KPREP_TIMES ]] || KPREP_TIMES="kernel cached (built in: $IMSK_BUILD_TIMES) "
}
