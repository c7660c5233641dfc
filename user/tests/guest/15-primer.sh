#!/bin/sh
# The mmap primer's example programs (docs/mmap.md, user/examples/
# mmap_basics, demand_paging, signals, private_cow), each in both map
# modes: the output must be exactly user/examples/NAME.MODE.expected, the
# text docs/mmap.md quotes, so the primer cannot drift from the code.
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/tap.sh"

EX=$USERBUILD/examples
EXP=$REPO/user/examples
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
plan 9

# primer NAME MODE: NAME's output in MODE is what its .expected file says.
primer() {
	_rc=0
	"$EX/$1" "$2" >"$t/$1.$2" 2>"$t/$1.$2.err" || _rc=$?
	diff -u "$EXP/$1.$2.expected" "$t/$1.$2" || _rc=1
	[ "$_rc" -eq 0 ] || cat "$t/$1.$2.err"
	return "$_rc"
}

for mode in fault remap; do
	for prog in mmap_basics demand_paging signals private_cow; do
		check "$prog $mode: the output docs/mmap.md shows" \
			primer "$prog" "$mode"
	done
done
check "no mapping left behind (live_vmas 0)" test "$(md_stat live_vmas)" -eq 0
