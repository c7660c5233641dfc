#!/bin/sh
# mmapdemo-guest: flavor stock
# fio, a client nobody here wrote, on /dev/mmapdemo in both map modes:
# ioengine=mmap with verify=crc32c, and the same data verified across
# engines (mmap against read()/write() through psync). fio cannot issue
# the SET_MODE ioctl, so the map mode is the module parameter map_mode
# (the default of newly opened files), set through sysfs.
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/tap.sh"

dev=/dev/mmapdemo
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
plan 11

# fio_run NAME ARGS...: fio on the whole 4 MiB device with a fixed random
# seed (verify_only runs regenerate what an earlier run wrote), its JSON
# report in $t/NAME.json and its messages in $t/NAME.log.
fio_run() {
	_n=$1
	shift
	fio --name=mmapdemo --filename=$dev --size=4M --randrepeat=1 \
		--randseed=1234 --verify_state_save=0 \
		--output-format=json --output="$t/$_n.json" \
		"$@" >"$t/$_n.log" 2>&1
	_rc=$?
	if [ $_rc -ne 0 ]; then
		echo "fio exited $_rc"
		cat "$t/$_n.log" "$t/$_n.json" 2>/dev/null | tail -n 30
		return 1
	fi
}

# fio_report NAME WRITTEN READ: the job reports no error and moved these
# many bytes each way (the read side of a write job is its verify pass).
fio_report() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
j = r["jobs"][0]
got = (j["error"], j["write"]["io_bytes"], j["read"]["io_bytes"])
want = (0, int(sys.argv[2]), int(sys.argv[3]))
if got != want:
    sys.exit("fio job (error, written, read) = %s, want %s" % (got, want))' \
		"$t/$1.json" "$2" "$3"
}

# counter_grew NAME BEFORE BYTES: the counter went up by exactly BYTES.
counter_grew() {
	_now=$(md_stat "$1")
	[ "$_now" -eq $(($2 + $3)) ] && return 0
	echo "$1: $2 -> $_now, want +$3"
	return 1
}

for mode in fault remap; do
	md_param map_mode $mode
	mmaps=$(md_stat mmaps)
	faults=$(md_faults)
	pte_faults=$(md_stat faults)

	t_mmap_verify() {
		fio_run mmap-$mode --ioengine=mmap --rw=randwrite --bs=4k \
			--verify=crc32c &&
			fio_report mmap-$mode 4194304 4194304
	}
	check "$mode: fio ioengine=mmap randwrite bs=4k verify=crc32c" \
		t_mmap_verify

	# fio itself mapped the device, in this mode: remap never faults (a
	# huge remap mapping takes 2 MiB entries only, counted apart).
	t_kernel_saw() {
		[ "$(md_stat mmaps)" -ge $((mmaps + 2)) ] || {
			echo "mmaps $mmaps -> $(md_stat mmaps)"
			return 1
		}
		if [ $mode = fault ]; then
			[ "$(md_faults)" -gt "$faults" ]
		else
			[ "$(md_stat faults)" -eq "$pte_faults" ]
		fi || { echo "faults $faults -> $(md_faults)"; return 1; }
	}
	check "$mode: the driver served fio's mappings in $mode mode" \
		t_kernel_saw

	# What fio wrote through the mapping, read() returns, and the other
	# way round: one fio run writes, another verifies through the other
	# engine (verify_only: fio writes nothing, though its report counts
	# the blocks it checked as written). The driver's read()/write()
	# counters show which path moved the data. Blocks of 3 KiB straddle
	# page boundaries. (No offset=: fio cannot size a character device
	# and then moves next to nothing.)
	t_mmap_then_read() {
		fio_run a-$mode --ioengine=mmap --rw=randwrite --bs=3k \
			--size=3M --verify=crc32c --do_verify=0 || return 1
		r=$(md_stat bytes_read)
		w=$(md_stat bytes_written)
		fio_run b-$mode --ioengine=psync --rw=randwrite --bs=3k \
			--size=3M --verify=crc32c --verify_only=1 &&
			fio_report b-$mode 3145728 3145728 &&
			counter_grew bytes_read "$r" 3145728 &&
			counter_grew bytes_written "$w" 0
	}
	check "$mode: written by fio through mmap, bs=3k, verified through read()" \
		t_mmap_then_read

	t_write_then_mmap() {
		w=$(md_stat bytes_written)
		fio_run c-$mode --ioengine=psync --rw=randwrite --bs=16k \
			--verify=crc32c --do_verify=0 &&
			counter_grew bytes_written "$w" 4194304 || return 1
		r=$(md_stat bytes_read)
		w=$(md_stat bytes_written)
		fio_run d-$mode --ioengine=mmap --rw=randwrite --bs=16k \
			--verify=crc32c --verify_only=1 &&
			fio_report d-$mode 4194304 4194304 &&
			counter_grew bytes_read "$r" 0 &&
			counter_grew bytes_written "$w" 0
	}
	check "$mode: written by fio through write(), verified through mmap" \
		t_write_then_mmap

	# The verify above is real: one byte changed through write() makes
	# it fail, in the 16 KiB block that holds the byte.
	t_corrupt_detected() {
		printf '\377' | dd of=$dev bs=1 seek=3000000 conv=notrunc \
			status=none || return 1
		if fio_run e-$mode --ioengine=mmap --rw=randwrite --bs=16k \
				--verify=crc32c --verify_only=1 >/dev/null; then
			echo "fio verified a corrupted buffer"
			return 1
		fi
		grep -q "verify failed at file $dev offset $((3000000 / 16384 * 16384))," \
			"$t/e-$mode.log" || { cat "$t/e-$mode.log"; return 1; }
	}
	# Once is enough: this checks the method, not the driver.
	if [ $mode = fault ]; then
		check "a byte changed behind fio's back fails its verify" \
			t_corrupt_detected
	fi
done

md_check_reset

done_testing
