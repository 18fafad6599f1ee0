# shellcheck shell=sh
# lost: a stalled reader and a ring buffer far too small for a burst. imswatch runs with the
# smallest ring buffer it accepts (4 KiB, ~17 records) and is stopped (SIGSTOP: a reader
# stuck on a slow disk or pipe) while the nvme device is unbound and bound again ten times
# (each bind: a probe, MSI-X enablement, a per-device domain on 6.2+ and a run of vector
# tracepoints). Records must be lost here, and every one must be accounted for: the BPF
# side counts each failed reservation per hook, imswatch emits a `lost` record once it runs
# again, and at the end hits = records delivered + records lost, exactly.

NVME=$(pci_find $NVME_ID | head -n1)
check "boot-time nvme $NVME bound to nvme" [ -n "$NVME" -a "$(pci_driver "$NVME")" = nvme ]
imsw_begin --ringbuf-kb 4
[ -n "$IMSW_PID" ] && kill -STOP "$IMSW_PID"
i=0
while [ $i -lt 10 ]; do
	echo "$NVME" >/sys/bus/pci/drivers/nvme/unbind
	echo "$NVME" >/sys/bus/pci/drivers/nvme/bind
	i=$((i + 1))
done
check "nvme $NVME bound again after 10 rebinds" wait_for 30 sh -c "[ -e /sys/bus/pci/devices/$NVME/driver ] && grep -q msix /sys/bus/pci/devices/$NVME/msi_irqs/*"
[ -n "$IMSW_PID" ] && kill -CONT "$IMSW_PID"
sleep 2 # imswatch reports new losses once a second
imsw_end lost

LOST=$(jval '[.[] | select(.type == "summary") | .records_lost] | first')
diag "records lost: ${LOST:-?}"
jcheck "the burst overflowed the 4 KiB ring buffer: summary records_lost > 0" \
	'[.[] | select(.type == "summary") | .records_lost] | first > 0'
jcheck "losses were reported while running (a lost record), never only at the end" \
	'exists(.[] | select(.type == "lost" and .total > 0))'
jcheck "the last lost record's total does not exceed the summary's count" \
	'([.[] | select(.type == "lost") | .total] | max) <= ([.[] | select(.type == "summary") | .records_lost] | first)'
jcheck "per-hook lost counts add up to records_lost" \
	'[.[] | select(.type == "summary")] | first | ([.hooks[].lost] | add) == .records_lost'
jcheck "nothing vanished: hits = records delivered + records lost" \
	'([ev] | length) as $delivered | [.[] | select(.type == "summary")] | first as $s
	 | ([$s.hooks[].hits] | add) == $delivered + $s.records_lost + ($s.decode_errors // 0)'
row "lost=${LOST:--}"
true
