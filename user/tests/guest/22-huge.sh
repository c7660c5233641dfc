#!/bin/sh
# PMD (2 MiB at 4 KiB pages) mappings in both modes (huge.c) with a buffer
# of four PMDs, at least 16 MiB: PMDs where INFO says this kernel maps
# them, none elsewhere, the same data always.
# mmapdemo-guest: start-unloaded
. /run/mmapdemo/repo/scripts/guest/lib.sh
# O_DIRECT test target: a RAM block device
[ -e /dev/ram0 ] || modprobe brd rd_nr=1 rd_size=4096
HUGE_SIZE=$(md_huge_size)
md_load size="$HUGE_SIZE" || { echo "Bail out! cannot load with size=$HUGE_SIZE"; exit 1; }
exec "$GUEST_TESTS/huge"
