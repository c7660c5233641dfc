#!/bin/sh
# 2 MiB mappings in both modes (huge.c) with a 16 MiB buffer: PMDs where
# INFO says this kernel maps them, none elsewhere, the same data always.
# mmapdemo-guest: start-unloaded
. /run/mmapdemo/repo/scripts/guest/lib.sh
# O_DIRECT test target: a RAM block device
[ -e /dev/ram0 ] || modprobe brd rd_nr=1 rd_size=4096
md_load size=16M || { echo "Bail out! cannot load with size=16M"; exit 1; }
exec "$GUEST_TESTS/huge"
