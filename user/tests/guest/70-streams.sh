#!/bin/sh
# mmapdemo-guest: flavor stock
# dd, cat, cp, hexdump and sendfile() over the read()/write() and splice
# paths against the mapping
# (the mmapdemo tool: read-to, write-from and dump go through mmap()), in
# both map modes: the same bytes either way, in both directions. The
# tool's mapping takes the module's default mode (the map_mode parameter,
# set through sysfs); dump also takes --mode.
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/tap.sh"

dev=/dev/mmapdemo
size=4194304
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
plan 26

md() {
	"$MMAPDEMO_TOOL" "$@"
}

# cmp_files A B: equal, else say where they differ.
cmp_files() {
	cmp "$1" "$2" && return 0
	echo "$1 and $2 differ"
	return 1
}

# written_at_start FILE N: the buffer holds FILE's first N bytes at 0, and
# past them what it held before ($t/before).
written_at_start() {
	md read-to "$t/map" >/dev/null &&
		cmp -n "$2" "$1" "$t/map" &&
		cmp -i "$2" "$t/before" "$t/map"
}

for mode in fault remap; do
	md_param map_mode $mode
	seed=$((0x5000 + ${#mode}))

	t_cat_whole() {
		md fill --seed $seed >/dev/null &&
			cat $dev >"$t/cat" &&
			md read-to "$t/map" >/dev/null &&
			[ "$(wc -c <"$t/cat")" -eq $size ] &&
			cmp_files "$t/cat" "$t/map"
	}
	check "$mode: cat of the device equals the whole mapping (after a fill)" \
		t_cat_whole

	t_dd_pages() {
		dd if=$dev of="$t/dd" bs=4096 skip=3 count=5 status=none &&
			md read-to "$t/map" --offset 12288 --length 20480 \
				>/dev/null &&
			cmp_files "$t/dd" "$t/map"
	}
	check "$mode: dd bs=4096 skip=3 count=5 equals the mapping there" \
		t_dd_pages

	t_dd_bytes() {
		dd if=$dev of="$t/dd" iflag=skip_bytes,count_bytes skip=4093 \
			count=4103 bs=1000 status=none &&
			md read-to "$t/map" --offset 4093 --length 4103 \
				>/dev/null &&
			cmp_files "$t/dd" "$t/map"
	}
	check "$mode: dd at an odd byte offset, across pages, equals the mapping" \
		t_dd_bytes

	t_hexdump() {
		hexdump -C -v -s 4000 -n 300 $dev >"$t/hd" &&
			md dump --mode $mode --offset 4000 --length 300 -v \
				>"$t/dump" &&
			diff "$t/hd" "$t/dump"
	}
	check "$mode: hexdump -C -v of the device equals mmapdemo dump" \
		t_hexdump

	# Repeated lines squeeze to "*" the same way.
	t_hexdump_squeeze() {
		dd if=/dev/zero of=$dev bs=512 seek=16 count=4 conv=notrunc \
			status=none &&
			hexdump -C -s 8000 -n 2500 $dev >"$t/hd" &&
			md dump --mode $mode --offset 8000 --length 2500 \
				>"$t/dump" &&
			grep -qx '\*' "$t/hd" &&
			diff "$t/hd" "$t/dump"
	}
	check "$mode: hexdump -C equals mmapdemo dump, zeros squeezed to *" \
		t_hexdump_squeeze

	head -c 300000 /dev/urandom >"$t/in"

	t_dd_write() {
		dd if="$t/in" of=$dev bs=4096 seek=77 conv=notrunc status=none &&
			md read-to "$t/map" --offset $((77 * 4096)) \
				--length 300000 >/dev/null &&
			cmp_files "$t/in" "$t/map"
	}
	check "$mode: dd of=/dev/mmapdemo writes what the mapping shows" \
		t_dd_write

	t_map_write() {
		head -c 123457 /dev/urandom >"$t/in2" &&
			md write-from "$t/in2" --offset 999999 >/dev/null &&
			dd if=$dev of="$t/dd" iflag=skip_bytes,count_bytes \
				skip=999999 count=123457 bs=65536 status=none &&
			cmp_files "$t/in2" "$t/dd"
	}
	check "$mode: what the mapping writes, dd reads back" t_map_write

	# The shell's O_TRUNC means nothing to a device: the bytes past the
	# file stay as they were.
	t_cat_write() {
		cat $dev >"$t/before" &&
			cat "$t/in" >$dev &&
			written_at_start "$t/in" 300000
	}
	check "$mode: cat file >/dev/mmapdemo writes its bytes at 0, no more" \
		t_cat_write

	# cat and cp try copy_file_range() first (coreutils 9); the device
	# answers EINVAL (regular files only) and they fall back to read()
	# and write(). strace shows which calls ran, where it is installed.
	t_cat_cfr() {
		md fill --seed $((seed + 1)) >/dev/null || return 1
		if command -v strace >/dev/null; then
			strace -f -o "$t/st" -e trace=copy_file_range,sendfile \
				cat $dev >"$t/cat" || return 1
			if grep -q copy_file_range "$t/st" &&
				! grep -q 'copy_file_range(.*= -1 EINVAL' "$t/st"; then
				cat "$t/st"
				return 1
			fi
		else
			cat $dev >"$t/cat" || return 1
		fi
		md read-to "$t/map" >/dev/null && cmp_files "$t/cat" "$t/map"
	}
	check "$mode: cat of the device to a file (copy_file_range: EINVAL, then read)" \
		t_cat_cfr

	t_cp_from() {
		md fill --seed $((seed + 2)) >/dev/null &&
			cp $dev "$t/cp" &&
			md read-to "$t/map" >/dev/null &&
			[ "$(wc -c <"$t/cp")" -eq $size ] &&
			cmp_files "$t/cp" "$t/map"
	}
	check "$mode: cp /dev/mmapdemo FILE copies the whole buffer" t_cp_from

	t_cp_to() {
		head -c 200000 /dev/urandom >"$t/in3" &&
			cat $dev >"$t/before" &&
			cp "$t/in3" $dev &&
			written_at_start "$t/in3" 200000
	}
	check "$mode: cp FILE /dev/mmapdemo writes its bytes at 0, no more" \
		t_cp_to

	# sendfile(2) both ways (os.sendfile), through the driver's
	# splice_read and splice_write.
	t_sendfile() {
		head -c 150001 /dev/urandom >"$t/in4" &&
			python3 - "$dev" "$t/in4" "$t/sf" <<-'PY' &&
			import os, sys
			dev, src, dst = sys.argv[1:]
			d = os.open(dev, os.O_RDWR)
			s = os.open(src, os.O_RDONLY)
			os.lseek(d, 8192, os.SEEK_SET)
			n, off = 0, 0
			while n < 150001:
			    k = os.sendfile(d, s, off, 150001 - n)
			    assert k > 0, k
			    n, off = n + k, off + k
			o = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
			n = 0
			while n < 150001:
			    k = os.sendfile(o, d, 8192 + n, 150001 - n)
			    assert k > 0, k
			    n += k
			PY
			md read-to "$t/map" --offset 8192 --length 150001 \
				>/dev/null &&
			cmp_files "$t/in4" "$t/map" && cmp_files "$t/in4" "$t/sf"
	}
	check "$mode: sendfile() into and out of the device (python os.sendfile)" \
		t_sendfile
done

md_check_reset

done_testing
