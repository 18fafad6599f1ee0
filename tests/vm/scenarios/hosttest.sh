# shellcheck shell=sh
# hosttest: the host test (tests/host/watch.sh) run unchanged in the guest, against the
# static imswatch, on a kernel where fentry/fexit and kprobes exist. Its expectations come
# from the machine it runs on (kallsyms, BTF through bpftool, the kprobe PMU, tracefs), so a
# rule that only holds on the development machine fails here. The initramfs carries it under
# /imsw/host/ with consistency.jq and the hook table pre-generated on the host
# (tests/host/hook-table: the guest has no preprocessor). It runs twice: as it runs on the
# host (--attach auto, which picks fentry here), and with every watch run given --attach
# kprobe (IMSWATCH_ATTACH), so that the rules for kprobe attachments meet real kprobes. Each
# of its TAP points becomes one of this scenario's, prefixed "host test in guest:"; its
# comments are passed on.

# ht_run ATTACH: one run of the host test, its points re-emitted
ht_run() {
	if [ "$1" = auto ]; then _p="host test in guest"; else _p="host test in guest (--attach $1)"; fi
	_t0=$(date +%s)
	IMSWATCH=$IMSW_BIN IMSWATCH_HOOK_TABLE=/imsw/host/hook-table.json IMSWATCH_ATTACH=$1 \
		timeout 500 bash /imsw/host/watch.sh >/tmp/hosttest.tap 2>/tmp/hosttest.err
	_rc=$?
	diag "$_p: tests/host/watch.sh exited $_rc after $(($(date +%s) - _t0)) s"
	_n=0
	_plan=
	while IFS= read -r _l; do
		case $_l in
		"not ok "*)
			_n=$((_n + 1))
			_l=${_l#not ok }
			tap_fail "$_p: ${_l#* - }"
			;;
		"ok "*" # SKIP "*)
			_n=$((_n + 1))
			_l=${_l#ok }
			_l=${_l#* - }
			tap_skip "$_p: ${_l%% # SKIP *}" "${_l#* # SKIP }"
			;;
		"ok "*)
			_n=$((_n + 1))
			_l=${_l#ok }
			tap_ok "$_p: ${_l#* - }"
			;;
		"1.."*) _plan=${_l#1..} ;;
		"#"*) echo "# $_p: ${_l#"#"}" ;;
		*) [ -n "$_l" ] && echo "# $_p: | $_l" ;;
		esac
	done </tmp/hosttest.tap
	if [ -s /tmp/hosttest.err ]; then
		diag "$_p: stderr (last 15 lines):"
		tail -n 15 /tmp/hosttest.err | sed 's/^/#   /'
	fi
	_d="$_p: ran to its plan (1..${_plan:-none}, $_n points) and exited 0 (was $_rc)"
	if [ "$_rc" = 0 ] && [ "${_plan:-x}" = "$_n" ]; then tap_ok "$_d"; else tap_fail "$_d"; fi
}

if ! have_imswatch; then
	tap_skip "host test in guest: tests/host/watch.sh" "$(imsw_skip_reason)"
elif ! command -v bash >/dev/null; then
	tap_fail "host test in guest: bash is in the guest (tests/host/watch.sh is a bash script)"
else
	for t in bpftool setpriv timeout; do
		command -v $t >/dev/null || diag "host test in guest: no $t in the guest: the checks that need it skip"
	done
	ht_run auto
	ht_run kprobe
fi
true
