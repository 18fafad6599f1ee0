# shellcheck shell=sh
# hosttest: the host test (tests/host/watch.sh) run unchanged in the guest, against the
# static imswatch, on a kernel where fentry/fexit and kprobes exist. Its expectations come
# from the machine it runs on (kallsyms, BTF through bpftool, the kprobe PMU, tracefs), so a
# rule that only holds on the development machine fails here. The initramfs carries it under
# /imsw/host/ with consistency.jq and the hook table pre-generated on the host
# (tests/host/hook-table: the guest has no preprocessor). Each of its TAP points becomes
# one of this scenario's, prefixed "host test in guest:"; its comments are passed on.

HT_PRE="host test in guest"
if ! have_imswatch; then
	tap_skip "$HT_PRE: tests/host/watch.sh" "$(imsw_skip_reason)"
elif ! command -v bash >/dev/null; then
	tap_fail "$HT_PRE: bash is in the guest (tests/host/watch.sh is a bash script)"
else
	for t in bpftool setpriv timeout; do
		command -v $t >/dev/null || diag "$HT_PRE: no $t in the guest: the checks that need it skip"
	done
	_t0=$(date +%s)
	IMSWATCH=$IMSW_BIN IMSWATCH_HOOK_TABLE=/imsw/host/hook-table.json \
		timeout 900 bash /imsw/host/watch.sh >/tmp/hosttest.tap 2>/tmp/hosttest.err
	HT_RC=$?
	diag "$HT_PRE: tests/host/watch.sh exited $HT_RC after $(($(date +%s) - _t0)) s"
	HT_N=0
	HT_PLAN=
	while IFS= read -r _l; do
		case $_l in
		"not ok "*)
			HT_N=$((HT_N + 1))
			_l=${_l#not ok }
			tap_fail "$HT_PRE: ${_l#* - }"
			;;
		"ok "*" # SKIP "*)
			HT_N=$((HT_N + 1))
			_l=${_l#ok }
			_l=${_l#* - }
			tap_skip "$HT_PRE: ${_l%% # SKIP *}" "${_l#* # SKIP }"
			;;
		"ok "*)
			HT_N=$((HT_N + 1))
			_l=${_l#ok }
			tap_ok "$HT_PRE: ${_l#* - }"
			;;
		"1.."*) HT_PLAN=${_l#1..} ;;
		"#"*) echo "# $HT_PRE: ${_l#"#"}" ;;
		*) [ -n "$_l" ] && echo "# $HT_PRE: | $_l" ;;
		esac
	done </tmp/hosttest.tap
	if [ -s /tmp/hosttest.err ]; then
		diag "$HT_PRE: stderr (last 15 lines):"
		tail -n 15 /tmp/hosttest.err | sed 's/^/#   /'
	fi
	_d="$HT_PRE: ran to its plan (1..${HT_PLAN:-none}, $HT_N points) and exited 0 (was $HT_RC)"
	if [ "$HT_RC" = 0 ] && [ "${HT_PLAN:-x}" = "$HT_N" ]; then tap_ok "$_d"; else tap_fail "$_d"; fi
fi
true
