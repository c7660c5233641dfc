#!/bin/sh
# mmap() behaviour in both map modes (user/tests/guest/mapping.c).
. /run/mmapdemo/repo/scripts/guest/lib.sh
# O_DIRECT test target: a RAM block device
[ -e /dev/ram0 ] || modprobe brd rd_nr=1 rd_size=4096
exec "$GUEST_TESTS/mapping"
