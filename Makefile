# imswatch: see README.md. `sudo make run` and `make test` are the two entry points.

OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
ARCH := x86

# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are the caller's (`make CFLAGS=-O0`): the project's
# own flags live in IMSW_* and are always added, so overriding one never drops them.
CFLAGS ?= -O2 -g
# user/ is one folder per subsystem (see README, Layout); headers are included by name
IMSW_CPPFLAGS := -Iinclude -Iuser -Iuser/common -Iuser/output -Iuser/watch -Iuser/platform -Iuser/audit \
	-I$(OUTPUT)
# snprintf truncation of diagnostic text is intended (bounded reason strings)
IMSW_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-format-truncation
# one .d file per object: each object depends on the headers it includes, no others
DEPFLAGS = -MMD -MP
COMPILE = $(CC) $(IMSW_CPPFLAGS) $(CPPFLAGS) $(IMSW_CFLAGS) $(CFLAGS) $(DEPFLAGS)
LINK = $(CC) $(IMSW_CFLAGS) $(CFLAGS) $(LDFLAGS)
# Link flags from pkg-config; the fixed list is the fallback before pkg-config is installed.
# Static links take the libraries' private dependencies too (libelf needs -lzstd on trixie).
# --journal: libsystemd's sd_journal_sendv (Debian ships no libsystemd.a: the static build
# takes a stand-in that refuses --journal, journal-none.o)
# libseccomp: the event loop's system call filter (user/watch/sandbox.c)
SD_LIBS = $(or $(shell $(PKG_CONFIG) --libs libsystemd 2>/dev/null),-lsystemd)
IMSW_LIBS = $(or $(shell $(PKG_CONFIG) --libs libbpf libelf zlib libseccomp 2>/dev/null),-lbpf -lelf -lz -lseccomp) $(SD_LIBS)
IMSW_STATIC_LIBS = $(or $(shell $(PKG_CONFIG) --static --libs libbpf libelf zlib libseccomp 2>/dev/null),-lbpf -lelf -lz -lseccomp)
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Debian packages the build, the tests and the VM bench need (bookworm names; trixie's are
# the same).
BUILD_PKGS := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev pkg-config \
	make gcc libsystemd-dev libseccomp-dev
# json-c: the tests and fuzz targets parse records with it; the binary writes JSON itself
UNIT_PKGS := libcmocka-dev libjson-c-dev perl
FUZZ_PKGS := clang libclang-rt-dev
TEST_PKGS := $(UNIT_PKGS) $(FUZZ_PKGS) jq qemu-system-x86 busybox-static cpio pahole kmod \
	systemd virt-what dmidecode xz-utils flex bison bc patch libssl-dev binutils python3 \
	acpica-tools prometheus debootstrap systemd-container
# the Debian package and its test (tests/host/package.sh): build, lint, unit and sandbox checks
PACKAGE_PKGS := dpkg-dev debhelper lintian mandoc logrotate strace

USER_SRCS := $(wildcard user/*.c user/*/*.c)
# everything but argv handling and the libbpf-facing modules: what unit tests and benches link
CORE_SRCS := $(filter-out user/main.c user/watch/loader.c user/watch/watch.c user/watch/kview.c \
	user/watch/pin.c user/watch/sandbox.c,$(USER_SRCS))
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/%.o,$(USER_SRCS))
SAN := $(OUTPUT)/sanitize
SAN_OBJS := $(patsubst user/%.c,$(SAN)/%.o,$(USER_SRCS))
SAN_CORE_OBJS := $(patsubst user/%.c,$(SAN)/%.o,$(CORE_SRCS))
BPF_OBJ := $(OUTPUT)/imswatch.bpf.o
SKEL := $(OUTPUT)/imswatch.skel.h
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/test/%,$(wildcard tests/unit/test_*.c))

# The binary the host tests run: the ASan/UBSan build, so a leak or an overflow on a real
# run fails them. `make hosttest IMSWATCH=./imswatch` runs them on the plain one.
IMSWATCH ?= $(SAN)/imswatch
HOST_TEST_ENV = IMSWATCH=$(IMSWATCH) \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 UBSAN_OPTIONS=print_stacktrace=1

.PHONY: install uninstall deb
.PHONY: all deps build-deps test unittest hosttest vmtest vmtest-ims bench run static sanitize vmlinux \
	clean fuzz fuzz-smoke fuzz-build trixie-check

all: imswatch

$(OUTPUT) $(OUTPUT)/test $(SAN):
	mkdir -p $@

# Installs only what is missing; needs root only when something is.
build-deps:
	@tools/ensure-packages $(BUILD_PKGS)
deps:
	@tools/ensure-packages $(BUILD_PKGS) $(TEST_PKGS) $(PACKAGE_PKGS)

$(BPF_OBJ): bpf/imswatch.bpf.c | $(OUTPUT)
	$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) \
		-Ivmlinux -Iinclude -Ibpf $(DEPFLAGS) -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name imswatch_bpf > $@

# The skeleton is order-only: the first build needs it to exist, and from then on the .d
# files name it for the objects that include it (loader, kview).
$(OUTPUT)/%.o: user/%.c | $(SKEL) $(OUTPUT)
	@mkdir -p $(@D)
	$(COMPILE) -c $< -o $@

imswatch: $(USER_OBJS)
	$(LINK) $^ $(IMSW_LIBS) $(LDLIBS) -o $@

# ASan/UBSan build of the binary itself (the host tests run it).
sanitize: $(SAN)/imswatch
$(SAN)/%.o: user/%.c | $(SKEL) $(SAN)
	@mkdir -p $(@D)
	$(COMPILE) $(SANITIZE) -c $< -o $@
$(SAN)/imswatch: $(SAN_OBJS)
	$(LINK) $(SANITIZE) $^ $(IMSW_LIBS) $(LDLIBS) -o $@

# Statically linked, for the VM bench's initramfs (no libc or libbpf in the guest).
# elfutils 0.192's libelf.a calls eu_search_tree_init/fini without containing them
# (sourceware bug 32293, fixed in 0.193): a probe link decides whether compat/ supplies them.
static: $(OUTPUT)/imswatch.static
$(OUTPUT)/static-extra: compat/eu-search-shim.c tools/static-probe | $(OUTPUT)
	CC="$(CC)" OUTPUT="$(OUTPUT)" tools/static-probe $(IMSW_STATIC_LIBS) > $@.tmp && mv $@.tmp $@
STATIC_OBJS := $(filter-out $(OUTPUT)/output/journal.o,$(USER_OBJS)) $(OUTPUT)/output/journal-none.o
$(OUTPUT)/output/journal-none.o: user/output/journal.c | $(SKEL) $(OUTPUT)
	@mkdir -p $(@D)
	$(COMPILE) -DIMSW_NO_LIBSYSTEMD -c $< -o $@
$(OUTPUT)/imswatch.static: $(STATIC_OBJS) $(OUTPUT)/static-extra
	$(LINK) -static $(STATIC_OBJS) $$(cat $(OUTPUT)/static-extra) $(IMSW_STATIC_LIBS) $(LDLIBS) -o $@

# Regenerated only on purpose: the checked-in header is what CO-RE builds against.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(OUTPUT)/vmlinux.h.new
	{ printf '/* x86_64 vmlinux.h generated by %s from Linux %s.\n * Regenerate only on purpose: CO-RE relocations make it usable on other kernels. */\n' \
		"'make vmlinux' (bpftool btf dump file /sys/kernel/btf/vmlinux format c)" "$$(uname -r)"; \
		cat $(OUTPUT)/vmlinux.h.new; } > vmlinux/vmlinux.h
	rm -f $(OUTPUT)/vmlinux.h.new

# Unit tests: every module but the loader, with ASan/UBSan (the sanitize objects), against
# hand-built records.
$(OUTPUT)/test/test_%: tests/unit/test_%.c $(SAN_CORE_OBJS) | $(OUTPUT)/test
	$(COMPILE) $(SANITIZE) $< $(SAN_CORE_OBJS) $(LDFLAGS) -ljson-c -lcmocka $(SD_LIBS) -o $@

# the hook table against the BPF object: opens the skeleton, so it links libbpf
$(OUTPUT)/test/test_hooks: tests/unit/test_hooks.c $(SAN_CORE_OBJS) | $(SKEL) $(OUTPUT)/test
	$(COMPILE) $(SANITIZE) $< $(SAN_CORE_OBJS) $(LDFLAGS) -ljson-c -lcmocka $(IMSW_LIBS) $(LDLIBS) -o $@

# cmocka speaks TAP, so prove aggregates every layer
export CMOCKA_MESSAGE_OUTPUT := TAP

unittest: $(UNIT_TESTS)
	prove -v --exec '' $(UNIT_TESTS)

# cpuid_file.sh, escape.sh and signals.sh run ./imswatch whatever IMSWATCH says
hosttest: $(IMSWATCH) imswatch
	$(HOST_TEST_ENV) prove -v --exec '' tests/host/*.sh

# make's VM runs must exercise imswatch: run.sh bails out without jq or the static binary.
# KERNEL=<Debian cloud kernel ABI> (e.g. 7.3-cloud-amd64 from experimental) is the canary
# for the next kernel: smoke and live on that one kernel, fetched from the archive.
vmtest: static
	IMSWATCH_VM_REQUIRE_IMSWATCH=1 tests/vm/run.sh $(if $(KERNEL),--kernel $(KERNEL))

# The IMS test kernel alone (tests/kernel/: built once, then cached) and its ims-real cells.
vmtest-ims: deps static
	IMSWATCH_VM_REQUIRE_IMSWATCH=1 tests/vm/run.sh --kernel ims --scenario ims-real

test: deps
	$(MAKE) imswatch static sanitize fuzz-build $(UNIT_TESTS)
	$(HOST_TEST_ENV) IMSWATCH_REQUIRE_PACKAGING=1 FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) IMSWATCH_VM_REQUIRE_IMSWATCH=1 \
		prove -v -j1 --exec '' $(UNIT_TESTS) tests/fuzz/smoke.sh tests/host/*.sh tests/vm/run.sh

# the benchmarks measure with project code only (tests/bench/bench_exec.c)
bench: build-deps imswatch
	tests/bench/run.sh

run: build-deps imswatch
	./imswatch watch

# libFuzzer targets (tests/fuzz/): the parsers of untrusted input with ASan/UBSan. `make fuzz`
# runs each for FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus/<target>/, new inputs go
# to .output/fuzz/corpus/<target>/); `make fuzz-smoke` for FUZZ_SMOKE_SECONDS each.
FUZZ_CC ?= $(CLANG)
FUZZ_CFLAGS ?= -O1 -g
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_TARGETS := cpuid decode escape sysroot
FUZZ := $(OUTPUT)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_COMPILE = $(FUZZ_CC) $(IMSW_CPPFLAGS) $(IMSW_CFLAGS) -Wno-unknown-warning-option $(FUZZ_CFLAGS) $(FUZZ_SAN) $(DEPFLAGS)
FUZZ_CORE_OBJS := $(patsubst user/%.c,$(FUZZ)/%.o,$(CORE_SRCS))
FUZZ_BINS := $(patsubst %,$(FUZZ)/fuzz_%,$(FUZZ_TARGETS))

$(FUZZ):
	mkdir -p $@
$(FUZZ)/%.o: user/%.c | $(SKEL) $(FUZZ)
	@mkdir -p $(@D)
	$(FUZZ_COMPILE) -fsanitize=fuzzer-no-link -c $< -o $@
$(FUZZ)/fuzz_check.o: tests/fuzz/fuzz_check.c | $(FUZZ)
	$(FUZZ_COMPILE) -Itests/fuzz -c $< -o $@
$(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ)/fuzz_check.o $(FUZZ_CORE_OBJS)
	$(FUZZ_COMPILE) -Itests/fuzz -fsanitize=fuzzer $< $(FUZZ)/fuzz_check.o $(FUZZ_CORE_OBJS) \
		-ljson-c $(SD_LIBS) -o $@

# objects the pattern rules above chain through: keep them between runs
.SECONDARY: $(SAN_CORE_OBJS) $(FUZZ_CORE_OBJS) $(FUZZ)/fuzz_check.o

fuzz-build: $(FUZZ_BINS)
fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)
fuzz-smoke: fuzz-build
	FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) tests/fuzz/smoke.sh

# Debian 13 (trixie) in a chroot: make imswatch static unittest, timed (root; cached).
trixie-check:
	tools/trixie-check $(UNIT_PKGS)

# Installation: `make install DESTDIR=... prefix=/usr` is what the Debian package runs.
# systemd also reads units under /usr/local/lib/systemd/system; logrotate only /etc.
prefix ?= /usr/local
sbindir ?= $(prefix)/sbin
mandir ?= $(prefix)/share/man
systemdunitdir ?= $(prefix)/lib/systemd/system
logrotatedir ?= /etc/logrotate.d
# the options file the units read (EnvironmentFile=-/etc/default/imswatch): a conffile
defaultdir ?= /etc/default
UNITS := imswatch.service imswatch-audit.service imswatch-audit.timer
INSTALL ?= install

install: imswatch
	$(INSTALL) -d $(DESTDIR)$(sbindir) $(DESTDIR)$(mandir)/man8 $(DESTDIR)$(systemdunitdir) \
		$(DESTDIR)$(logrotatedir) $(DESTDIR)$(defaultdir)
	$(INSTALL) -m 0755 imswatch $(DESTDIR)$(sbindir)/imswatch
	$(INSTALL) -m 0644 dist/imswatch.8 $(DESTDIR)$(mandir)/man8/imswatch.8
	for u in $(UNITS); do \
		sed 's|/usr/sbin/imswatch|$(sbindir)/imswatch|' dist/$$u > $(DESTDIR)$(systemdunitdir)/$$u && \
		chmod 0644 $(DESTDIR)$(systemdunitdir)/$$u || exit 1; \
	done
	$(INSTALL) -m 0644 dist/imswatch.logrotate $(DESTDIR)$(logrotatedir)/imswatch
	$(INSTALL) -m 0644 dist/imswatch.default $(DESTDIR)$(defaultdir)/imswatch

uninstall:
	rm -f $(DESTDIR)$(sbindir)/imswatch $(DESTDIR)$(mandir)/man8/imswatch.8 \
		$(addprefix $(DESTDIR)$(systemdunitdir)/,$(UNITS)) $(DESTDIR)$(logrotatedir)/imswatch \
		$(DESTDIR)$(defaultdir)/imswatch

# The Debian package, built from a copy of the tree (dpkg-buildpackage cleans the tree it
# runs in) into $(OUTPUT)/deb/; the copy keeps its objects between runs.
deb:
	@tools/ensure-packages $(BUILD_PKGS) dpkg-dev debhelper
	tools/build-deb $(OUTPUT)/deb

clean:
	rm -rf $(OUTPUT) imswatch

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/*/*.d $(SAN)/*.d $(SAN)/*/*.d $(OUTPUT)/test/*.d \
	$(FUZZ)/*.d $(FUZZ)/*/*.d)
