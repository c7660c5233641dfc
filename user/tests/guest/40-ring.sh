#!/bin/sh
# Rings in both map modes (user/tests/guest/ring.c): ordering,
# back-pressure, wakeups, the producer's drop count, hostile writers,
# teardown. 512 Ki echo round trips per mode on the stock kernel, fewer
# on the (much slower) debug kernel; both cross the 2^32 index wrap.
. /run/mmapdemo/repo/scripts/guest/lib.sh
RING_RECORDS=524288
case $FLAVOR in debug | kcsan) RING_RECORDS=131072 ;; esac
export RING_RECORDS
exec "$GUEST_TESTS/ring"
