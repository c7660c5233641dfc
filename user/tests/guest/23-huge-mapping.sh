#!/bin/sh
# The mapping suite (mapping.c) in both modes with a 16 MiB buffer, so
# that on kernels with huge mappings its mappings get 2 MiB entries.
# mmapdemo-guest: start-unloaded
. /run/mmapdemo/repo/scripts/guest/lib.sh
[ -e /dev/ram0 ] || modprobe brd rd_nr=1 rd_size=4096
md_load size=16M || { echo "Bail out! cannot load with size=16M"; exit 1; }
exec "$GUEST_TESTS/mapping"
