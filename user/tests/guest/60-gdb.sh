#!/bin/sh
# mmapdemo-guest: flavor stock
# gdb, in batch mode, attached to a process that maps /dev/mmapdemo (the
# holdmap helper, which never touches its mappings), in both map modes:
# it reads what the kernel filled in, sees a later fill, writes bytes
# that read() and the mmapdemo tool then return, reads a read-only
# mapping and is refused a write to it. In the fault mode gdb's accesses
# fault the pages in (get_user_pages); in the remap mode they go through
# the driver's vm_ops->access.
#
# gdb is slow to start under TCG, so there is one gdb session per mode,
# with markers (echo @x) between its commands; the tests read its output.
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/tap.sh"

dev=/dev/mmapdemo
t=$(mktemp -d)
holder=
trap '[ -n "$holder" ] && kill $holder 2>/dev/null; rm -rf "$t"' EXIT
plan 17

# after MARKER: the line gdb printed after "echo @MARKER".
after() {
	sed -n "/^@$1\$/{n;p;q}" "$t/gdb.$mode"
}

# xbytes MARKER: the bytes of the "x/Nxb" after MARKER ("0x...:" then
# 0xNN per byte), as "nn nn ...".
xbytes() {
	after "$1" | sed 's/^0x[0-9a-f]*:[[:space:]]*//' | tr -s ' \t' '\n' |
		sed -n 's/^0x//p' | tr '\n' ' ' | sed 's/ $//'
}

# hex_bytes: stdin as "xx xx ...", as xbytes prints.
hex_bytes() {
	od -An -v -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}

# read_bytes OFFSET N: the same through read() on the device.
read_bytes() {
	dd if=$dev bs=1 skip="$1" count="$2" status=none | hex_bytes
}

# pattern_bytes SEED OFFSET N: the FILL pattern there.
pattern_bytes() {
	md_pattern "$@" | hex_bytes
}

# same WHAT GOT WANT
same() {
	[ "$2" = "$3" ] && return 0
	echo "$1: got '$2', want '$3'"
	return 1
}

for mode in fault remap; do
	"$MMAPDEMO_TOOL" fill --seed 0x600d >/dev/null
	# Through a FIFO: the read waits for holdmap's line, or its exit.
	rm -f "$t/addr"
	mkfifo "$t/addr"
	"$GUEST_TESTS/holdmap" -m $mode >"$t/addr" 2>"$t/holdmap.err" &
	holder=$!
	read -r rw ro size <"$t/addr"
	rw=${rw:-0x0} ro=${ro:-0x0} size=${size:-0}
	mid=$((size / 2 + 8))
	end=$((size - 8))
	wr=$((size / 4 + 4094))		# an int across two untouched pages

	t_holdmap() {
		cat "$t/holdmap.err"
		grep -q "^${rw#0x}-.* rw-s .*/dev/mmapdemo" /proc/$holder/maps &&
			grep -q "^${ro#0x}-.* r--s .*/dev/mmapdemo" /proc/$holder/maps
	}
	check "$mode: holdmap maps the buffer read-write and read-only" \
		t_holdmap

	faults=$(md_stat faults) huge=$(md_stat huge_faults)
	cat >"$t/cmds" <<-EOF
	echo @a\\n
	x/8xb $rw+4092
	echo @b\\n
	x/8xb $rw+$mid
	echo @c\\n
	x/8xb $rw+$end
	shell "$MMAPDEMO_TOOL" fill --seed 0xbeef --offset 4096 --length 4096 >/dev/null
	echo @d\\n
	x/8xb $rw+4092
	set {unsigned char}($rw+100) = 0x5a
	set {unsigned int}($rw+$wr) = 0xdeadbeef
	echo @e\\n
	x/1xb $ro+200
	echo @f\\n
	set {unsigned char}($ro+200) = 0x77
	echo @g\\n
	EOF
	# The script ends at its first error: the refused write.
	timeout 600 gdb -nx -batch -iex 'set debuginfod enabled off' \
		-iex 'set auto-load off' -p $holder -x "$t/cmds" \
		>"$t/gdb.$mode" 2>&1
	faults=$(($(md_stat faults) - faults)) huge=$(($(md_stat huge_faults) - huge))

	t_session() {
		grep -q "^\\[Inferior 1 (process $holder) detached\\]" \
			"$t/gdb.$mode" && grep -q '^@f$' "$t/gdb.$mode" || {
			cat "$t/gdb.$mode"
			return 1
		}
	}
	check "$mode: gdb -batch -p attaches, runs its script, detaches" \
		t_session

	t_reads() {
		same "x/8xb at +4092" "$(xbytes a)" \
			"$(pattern_bytes 0x600d 4092 8)" &&
			same "x/8xb at +$mid" "$(xbytes b)" \
				"$(pattern_bytes 0x600d $mid 8)" &&
			same "x/8xb at +$end" "$(xbytes c)" \
				"$(pattern_bytes 0x600d $end 8)"
	}
	check "$mode: gdb x/8xb shows the kernel's fill, across pages and at the end" \
		t_reads

	# 4 pages read, 2 written: in the fault mode each is faulted in by
	# gdb's access (at least the 4 it read), or all of them at once by a
	# 2 MiB entry where huge mappings are in effect; the remap mode never
	# takes a 4 KiB fault.
	t_faults() {
		if [ $mode = fault ]; then
			[ $faults -ge 4 ] || [ $huge -ge 1 ]
		else
			[ $faults -eq 0 ]
		fi || { echo "$faults faults, $huge huge faults"; return 1; }
	}
	check "$mode: gdb's accesses faulted $([ $mode = fault ] &&
		echo 'the pages in' || echo 'nothing in')" t_faults

	check "$mode: a fill while gdb is attached shows in its next read" \
		same "x/8xb at +4092" "$(xbytes d)" \
		"$(pattern_bytes 0x600d 4092 4) $(pattern_bytes 0xbeef 4096 4)"

	t_writes() {
		same "read() at 100" "$(read_bytes 100 1)" "5a" &&
			same "read() at $wr" "$(read_bytes $wr 4)" "ef be ad de"
	}
	check "$mode: gdb's set {type}addr = ... writes what read() returns" \
		t_writes

	t_tool_sees_writes() {
		"$MMAPDEMO_TOOL" read-to "$t/r" --offset $wr --length 4 \
			>/dev/null &&
			same "read-to" "$(od -An -tx1 "$t/r" | sed 's/^ //')" \
				"ef be ad de"
	}
	check "$mode: the mmapdemo tool's own mapping shows gdb's write" \
		t_tool_sees_writes

	t_readonly() {
		same "x/1xb of the read-only mapping" "$(xbytes e)" \
			"$(read_bytes 200 1)" &&
			sed -n '/^@f$/,$p' "$t/gdb.$mode" | grep -q \
				"^Cannot access memory at address $(printf '%#x' \
					$((ro + 200)))\$" &&
			same "read() at 200" "$(read_bytes 200 1)" "$(xbytes e)" &&
			! grep -q '^@g$' "$t/gdb.$mode"
	}
	check "$mode: gdb reads the read-only mapping but cannot write it" \
		t_readonly

	kill $holder 2>/dev/null
	wait $holder 2>/dev/null
	holder=
done

check "holdmap is gone: no mapping left (live_vmas 0)" \
	test "$(md_stat live_vmas)" -eq 0

done_testing
