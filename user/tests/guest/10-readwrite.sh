#!/bin/sh
# The read/write/llseek path: /dev/mmapdemo behaves like a fixed-size file,
# checked with ordinary tools (dd, cmp, stat).
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/tap.sh"

dev=/dev/mmapdemo
size=4194304
t=$(mktemp -d)
plan 8

check "size parameter defaults to 4M" \
	test "$(md_param size)" = $size
check "map_mode parameter defaults to fault" \
	test "$(md_param map_mode)" = fault
check "device node is root-only (0600)" \
	test "$(stat -c %a $dev)" = 600
check "new buffer reads back as size zero bytes" \
	sh -c "head -c $size /dev/zero | cmp - $dev"

head -c $size /dev/urandom >"$t/data"
check "dd write then read returns the same bytes" \
	sh -c "dd if=$t/data of=$dev bs=64k conv=notrunc status=none &&
	       dd if=$dev of=$t/back bs=64k status=none && cmp $t/data $t/back"
check "write at an offset lands there" \
	sh -c "printf mmapdemo | dd of=$dev bs=1 seek=1000000 conv=notrunc status=none &&
	       test \$(dd if=$dev bs=1 skip=1000000 count=8 status=none) = mmapdemo"
check "writing past the end fails with ENOSPC" \
	sh -c "! printf x | dd of=$dev bs=1 seek=$size conv=notrunc 2>$t/err &&
	       grep -q 'No space left on device' $t/err"
check "reading at the end returns nothing" \
	test "$(dd if=$dev bs=4096 skip=1024 status=none | wc -c)" -eq 0
rm -rf "$t"
done_testing
