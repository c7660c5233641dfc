#!/bin/sh
# The mapping suite (mapping.c) in both modes with a buffer of four PMDs
# (at least 16 MiB), so that on kernels with huge mappings its mappings
# get PMD entries.
# mmapdemo-guest: start-unloaded
. /run/mmapdemo/repo/scripts/guest/lib.sh
[ -e /dev/ram0 ] || modprobe brd rd_nr=1 rd_size=4096
HUGE_SIZE=$(md_huge_size)
md_load size="$HUGE_SIZE" || { echo "Bail out! cannot load with size=$HUGE_SIZE"; exit 1; }
exec "$GUEST_TESTS/mapping"
