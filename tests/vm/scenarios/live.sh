# shellcheck shell=sh
# live (and modes: the same with imsw.attach=fentry|kprobe): imswatch starts first, then
# drivers bind while it watches: the boot-time nvme device is unbound and bound again
# through sysfs (nvme is built into the cloud kernels, so it cannot bind by module load),
# edu_msi loads and binds the edu device, and an edu and an nvme device are hot-plugged
# and hot-unplugged through the QEMU monitor on q35 PCIe root ports. imswatch must report
# each probe, MSI/MSI-X enablement (with vector counts) and, on 6.2+, each per-device MSI
# domain, with the right BDF, vendor:device and driver; the unplug must show the vectors'
# teardown. Then the sinks on real events: --fold, --metrics, --output's reopen on SIGHUP.

ATTACH=${IMSW_ATTACH:-auto}
if [ "$ATTACH" = auto ]; then set --; else set -- --attach "$ATTACH"; fi
DOMAINS=
kernel_at_least 6 2 && DOMAINS=1

NVME=$(pci_find $NVME_ID | head -n1)
EDU=$(pci_find $EDU_ID | head -n1)
check "boot-time devices: nvme $NVME (bound to nvme), edu $EDU" \
	[ -n "$NVME" -a -n "$EDU" -a "$(pci_driver "$NVME")" = nvme ]

imsw_begin "$@"
jcheck "status: attach preference is $ATTACH" \
	'exists(.[] | select(.type == "status" and .attach == $a))' --arg a "$ATTACH"
jcheck "status: the probe hooks and pci_alloc_irq_vectors_affinity are attached" \
	'[.[] | select(.type == "status") | .hooks[] | select(.attached) | .name] as $h
	 | ($h | index("pci_alloc_irq_vectors_affinity")) != null
	   and (($h | index("local_pci_probe")) != null or ($h | index("pci_device_probe")) != null)'
if [ "$ATTACH" != auto ]; then
	jcheck "status: function hooks attached as $ATTACH" \
		'exists(.[] | select(.type == "status") | .hooks[]
		        | select(.attached and .name == "pci_alloc_irq_vectors_affinity" and .mode == $a))' \
		--arg a "$ATTACH"
fi

# 1. rebind the boot-time nvme through sysfs
echo "$NVME" >/sys/bus/pci/drivers/nvme/unbind
check "nvme $NVME unbound through sysfs" wait_for 10 pci_unbound "$NVME"
echo "$NVME" >/sys/bus/pci/drivers/nvme/bind
check "nvme $NVME bound again with MSI-X" wait_for 20 sh -c "[ -e /sys/bus/pci/devices/$NVME/driver ] && grep -q msix /sys/bus/pci/devices/$NVME/msi_irqs/*"
NVME_IRQS=$(pci_irqs "$NVME" | tr "\n" " ")

# 2. edu_msi binds the boot-time edu device
check "insmod edu_msi binds $EDU with MSI" sh -c ". /imsw/lib.sh; load edu_msi && wait_for 10 pci_bound_to $EDU edu_msi && has_irqs $EDU msi"
EDU_IRQS=$(pci_irqs "$EDU" | tr "\n" " ")
diag "irqs after binding: nvme $NVME: $NVME_IRQS; edu $EDU: $EDU_IRQS"

# 3. hot-plug an edu and an nvme device
OLD_EDU=$(pci_find $EDU_ID | tr '\n' ' ')
OLD_NVME=$(pci_find $NVME_ID | tr '\n' ' ')
host_mon device_add edu,id=hpedu,bus=rp1
host_mon device_add nvme,id=hpnvme,bus=rp2,serial=hotplug,drive=hpdrive
wait_for 30 has_new_bdf "$OLD_EDU" $EDU_ID
HPEDU=$(new_bdf "$OLD_EDU" $EDU_ID)
wait_for 30 has_new_bdf "$OLD_NVME" $NVME_ID
HPNVME=$(new_bdf "$OLD_NVME" $NVME_ID)
check "hot-plugged edu $HPEDU bound to edu_msi with MSI" wait_for 20 sh -c ". /imsw/lib.sh; pci_bound_to '$HPEDU' edu_msi && has_irqs '$HPEDU' msi"
check "hot-plugged nvme $HPNVME bound to nvme with MSI-X" wait_for 30 sh -c ". /imsw/lib.sh; pci_bound_to '$HPNVME' nvme && has_irqs '$HPNVME' msix"
HP_IRQS="$(pci_irqs "$HPEDU") $(pci_irqs "$HPNVME")"
diag "hot-plugged: edu $HPEDU, nvme $HPNVME; their irqs: $HP_IRQS"
sleep 1

# 4. hot-unplug them again
host_mon device_del hpedu
host_mon device_del hpnvme
check "hot-unplugged edu and nvme are gone" wait_for 30 sh -c "[ ! -e /sys/bus/pci/devices/$HPEDU -a ! -e /sys/bus/pci/devices/$HPNVME ]"
sleep 1
imsw_end "live-$ATTACH"

# --- what imswatch saw -------------------------------------------------------------------
probe_f='exists(ev | select(.kind == "probe" and dev_is($b; $v; $d) and .driver == $drv))'
jcheck "probe: nvme rebind ($NVME 1b36:0010, nvme)" "$probe_f" \
	--arg b "$NVME" --arg v 1b36 --arg d 0010 --arg drv nvme
jcheck "probe: edu_msi load ($EDU 1234:11e8, edu_msi)" "$probe_f" \
	--arg b "$EDU" --arg v 1234 --arg d 11e8 --arg drv edu_msi
jcheck "probe: hot-plugged edu ($HPEDU 1234:11e8, edu_msi)" "$probe_f" \
	--arg b "$HPEDU" --arg v 1234 --arg d 11e8 --arg drv edu_msi
jcheck "probe: hot-plugged nvme ($HPNVME 1b36:0010, nvme)" "$probe_f" \
	--arg b "$HPNVME" --arg v 1b36 --arg d 0010 --arg drv nvme

msi_f='exists(ev | select(.kind == "msi" and dev_is($b; "1234"; "11e8") and .driver == "edu_msi"
	and .vectors.requested_min == 1 and .vectors.requested_max == 1 and .vectors.granted == 1))'
jcheck "msi: edu_msi on $EDU asked 1..1 vectors, got 1" "$msi_f" --arg b "$EDU"
jcheck "msi: edu_msi on hot-plugged $HPEDU asked 1..1 vectors, got 1" "$msi_f" --arg b "$HPEDU"
msix_f='exists(ev | select(.kind == "msix" and dev_is($b; "1b36"; "0010") and .driver == "nvme"
	and .vectors.granted >= 1 and .vectors.requested_min >= 1
	and .vectors.requested_max >= .vectors.granted))'
jcheck "msix: nvme on $NVME got >= 1 vector within its request" "$msix_f" --arg b "$NVME"
jcheck "msix: nvme on hot-plugged $HPNVME got >= 1 vector within its request" "$msix_f" --arg b "$HPNVME"

if [ -n "$DOMAINS" ]; then
	# the kind comes from the bus token through CO-RE enum relocation: a failed relocation
	# gives "unknown", so ask for the exact kind, and MSI_DEFAULT_DOMAIN (0)
	dom_f='exists(ev | select(.kind == ($k + "-domain") and bdf_is($b) and .domain.kind == $k
		and .domain.id == 0 and .within_ims_api == false and .ret == 1))'
	jcheck "msi-domain: per-device MSI domain (kind msi, id 0) for edu $EDU" "$dom_f" \
		--arg b "$EDU" --arg k msi
	jcheck "msix-domain: per-device MSI-X domain (kind msix, id 0) for nvme $NVME" "$dom_f" \
		--arg b "$NVME" --arg k msix
	jcheck "msi-domain: per-device MSI domain (kind msi, id 0) for hot-plugged edu $HPEDU" \
		"$dom_f" --arg b "$HPEDU" --arg k msi
	jcheck "msix-domain: per-device MSI-X domain (kind msix, id 0) for hot-plugged nvme $HPNVME" \
		"$dom_f" --arg b "$HPNVME" --arg k msix
else
	diag "$(uname -r) predates per-device MSI domains (6.2): no msi-domain checks"
fi

jcheck "unplug: vector teardown/deactivate for the hot-plugged devices' irqs ($HP_IRQS)" \
	'($irqs | split(" ") | map(select(length > 0))) as $l
	 | exists(ev | select(.kind == "vector" and ((.op // "") | test("teardown|deactivate"))
	                and ((.irq | tostring) as $i | any($l[]; . == $i))))' --arg irqs "$HP_IRQS"

# vector events carry only an irq: the device and driver come from sysfs (enrich.c). The
# bound devices' irqs must come back with their BDF, ids and driver; an irq that had
# vanished must say so and name no device or driver.
vec_f='($irqs | split(" ") | map(select(length > 0))) as $l
	 | exists(ev | select(.kind == "vector" and ((.irq | tostring) as $i | any($l[]; . == $i))
	                and .irq_gone == false and dev_is($b; $v; $d) and .device.source == "sysfs"
	                and .driver == $drv))'
jcheck "vector: an event for nvme's irqs ($NVME_IRQS) names $NVME 1b36:0010 and driver nvme (sysfs)" \
	"$vec_f" --arg irqs "$NVME_IRQS" --arg b "$NVME" --arg v 1b36 --arg d 0010 --arg drv nvme
jcheck "vector: an event for edu's irqs ($EDU_IRQS) names $EDU 1234:11e8 and driver edu_msi (sysfs)" \
	"$vec_f" --arg irqs "$EDU_IRQS" --arg b "$EDU" --arg v 1234 --arg d 11e8 --arg drv edu_msi
jcheck "vector: every event whose irq had vanished (irq_gone) names no device and no driver" \
	'[ev | select(.kind == "vector" and .irq_gone == true)]
	 | all(.[]; (.device.bdf // null) == null and ((.driver // "") == "") and (.irq_chip // "") == "")'
jcheck "vector: every event with a device names its source (sysfs) and is not irq_gone" \
	'[ev | select(.kind == "vector" and (.device.bdf // null) != null)]
	 | all(.[]; .device.source == "sysfs" and .irq_gone == false)'

if [ "$ATTACH" != auto ]; then
	jcheck "events: probe and MSI events came from $ATTACH hooks" \
		'exists(ev | select(.kind == "probe" and .mode == $a))
		 and exists(ev | select((.kind == "msi" or .kind == "msix") and .mode == $a))' --arg a "$ATTACH"
fi
jcheck "summary: no records lost" '[.[] | select(.type == "summary") | .records_lost] | (length > 0 and all(. == 0))'
jcheck "summary: every kretprobe found its saved arguments (paired by stack pointer), none dropped or stale" \
	'[.[] | select(.type == "summary")] | first | .kretprobe_no_entry == 0 and .kprobe_stash_dropped == 0 and .kretprobe_missed == 0'

# --- one hook that fails to load costs only itself -----------------------------------------
# local_pci_probe's programs are made to fail the verifier (IMSWATCH_TEST_FAIL_HOOKS, as a
# failed CO-RE relocation would): the other function hooks must still load and attach, the
# status must say why local_pci_probe is missing, and pci_device_probe must take over.
export IMSWATCH_TEST_FAIL_HOOKS=local_pci_probe
imsw_begin "$@"
unset IMSWATCH_TEST_FAIL_HOOKS
echo "$NVME" >/sys/bus/pci/drivers/nvme/unbind
wait_for 10 pci_unbound "$NVME"
echo "$NVME" >/sys/bus/pci/drivers/nvme/bind
check "nvme $NVME bound again (fallback run)" wait_for 20 sh -c "[ -e /sys/bus/pci/devices/$NVME/driver ]"
sleep 1
imsw_end "live-$ATTACH-fallback"
hook_f='[.[] | select(.type == "status") | .hooks[] | select(.name == $n)] | first'
jcheck "fallback: local_pci_probe not attached, reason names the load failure and the verifier" \
	"$hook_f | .attached == false and (.reason | test(\"load failed\") and test(\"verifier\"))" \
	--arg n local_pci_probe
jcheck "fallback: pci_device_probe left standby and is attached" \
	"$hook_f | .attached == true and (.reason | test(\"standby activated\"))" --arg n pci_device_probe
jcheck "fallback: the other function hooks and the tracepoints still attached" \
	'[.[] | select(.type == "status") | .hooks[] | select(.attached) | .name] as $h
	 | ($h | index("pci_alloc_irq_vectors_affinity")) != null
	   and ([$h[] | select(startswith("irq_vectors:"))] | length) == 4'
jcheck "fallback: the nvme rebind is seen through pci_device_probe ($NVME, nvme)" \
	'exists(ev | select(.kind == "probe" and .hook == "pci_device_probe" and dev_is($b; "1b36"; "0010")
		and .driver == "nvme"))' --arg b "$NVME"

# --- sinks: --fold, --metrics and --output's reopen on SIGHUP, sandboxed ---------------------
# The guest rebinds its own nvme (never the host's devices): three rebinds inside one 30 s
# window must fold into the first record plus one with a count; after a logrotate-style
# rename and SIGHUP a fourth rebind goes to the new file; nothing is lost or doubled across
# the two files; the metrics file (no promtool in the guest: its shape by grep) says what
# the summary says. The static binary has no journald support, so --journal is not here.
M=/tmp/m.prom
rm -f "$M" "$M".tmp.* "$IMSW_OUT.1"
imsw_begin "$@" --fold 30 --metrics "$M" --metrics-interval 1
rebind_nvme() {
	echo "$NVME" >/sys/bus/pci/drivers/nvme/unbind
	wait_for 10 pci_unbound "$NVME"
	echo "$NVME" >/sys/bus/pci/drivers/nvme/bind
	wait_for 20 sh -c "[ -e /sys/bus/pci/devices/$NVME/driver ]"
}
if have_imswatch; then
	# the status record is out before the snapshot is read; the filter goes in after it
	sandboxed() {
		grep -q '^Seccomp:[[:space:]]*2$' "/proc/$IMSW_PID/status" &&
			grep -q '^CapEff:[[:space:]]*0000000000000000$' "/proc/$IMSW_PID/status"
	}
	wait_for 30 sandboxed
	_s=$(grep -E '^(CapEff|Seccomp):' "/proc/$IMSW_PID/status" 2>/dev/null | tr -s '\t ' ' ' | tr '\n' ' ')
	check "sinks: watch --fold --metrics --output runs sandboxed ($_s)" sandboxed
	rebind_nvme
	rebind_nvme
	rebind_nvme
	mv "$IMSW_OUT" "$IMSW_OUT.1"
	kill -HUP "$IMSW_PID"
	check "sinks: SIGHUP after the rename: $IMSW_OUT opened again, watch still running" \
		sh -c ". /imsw/lib.sh; wait_for 10 test -e '$IMSW_OUT' && kill -0 $IMSW_PID"
	rebind_nvme
	sleep 2
fi
imsw_end "live-$ATTACH-sinks"
if have_imswatch; then
	cat "$IMSW_OUT.1" "$IMSW_OUT" >/tmp/sinks-all.jsonl
	cp /tmp/sinks-all.jsonl "$IMSW_OUT"
fi
jcheck "sinks: the status in the renamed file, the summary in the new one, no record in both" \
	'.[0].type == "status" and .[-1].type == "summary" and
	 ([.[] | select(.type == "status" or .type == "summary")] | length) == 2'
jcheck "sinks: every event counted once: unfolded records + folded counts = the summary's events" \
	'.[-1] as $s | ([ev | .folded.count // 1] | add) == ([$s.events[]] | add) and
	 ([ev | select(.folded) | .folded.count] | add // 0) == $s.folded.events and
	 ([ev | select(.folded)] | length) == $s.folded.records'
jcheck "sinks: nvme's repeated probes ($NVME) folded: a record with a count of at least 2" \
	'exists(ev | select(.kind == "probe" and bdf_is($b) and .driver == "nvme" and .folded.count >= 2
		and .folded.first_ts <= .folded.last_ts))' --arg b "$NVME"
if have_imswatch; then
	check "sinks: the rebind after the SIGHUP is in the new file" \
		sh -c "grep -q '\"kind\":\"probe\"' /tmp/sinks-all.jsonl && tail -n +\$((\$(wc -l <'$IMSW_OUT.1') + 1)) /tmp/sinks-all.jsonl | grep -q '\"kind\":\"probe\"'"
	ev_total=$(jval '.[-1] | [.events[]] | add')
	folded_ev=$(jval '.[-1].folded.events')
	m_ev=$(awk '/^imswatch_events_total\{/ { s += $2 } END { print s + 0 }' "$M" 2>/dev/null)
	# the build info names the record format the records themselves carry
	rf=$(jq -r -s '[.[] | select(.type == "status")] | first | .format_version' /tmp/sinks-all.jsonl 2>/dev/null)
	check "sinks: metrics file shape (HELP/TYPE lines, build info, no temporary file left)" \
		sh -c "grep -q '^# TYPE imswatch_events_total counter$' '$M' &&
			grep -q '^# HELP imswatch_events_total ' '$M' &&
			grep -q '^imswatch_build_info{version=\"[^\"]*\",record_format=\"$rf\"} 1$' '$M' &&
			grep -q '^imswatch_last_update_timestamp_seconds [0-9]' '$M' &&
			! grep -v -E '^(# (HELP|TYPE) [a-z_]+ .*|[a-z_]+(\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\})? [0-9.e+-]+)$' '$M' | grep -q . &&
			[ -z \"\$(ls '$M'.tmp.* 2>/dev/null)\" ]"
	check "sinks: metrics events ($m_ev) and folded events = the summary's ($ev_total, $folded_ev)" \
		sh -c "[ -n '$ev_total' ] && [ '$m_ev' = '$ev_total' ] && grep -qx 'imswatch_folded_events_total $folded_ev' '$M'"
fi
rmmod edu_msi 2>/dev/null
true
