#!/bin/sh
# Security properties (docs/testing.md, "Security review"): who may use the device and
# change its parameters, and that nothing the module or the tool prints
# shows a kernel address.
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/tap.sh"

plan 7
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
# Unprivileged: user and group nobody, no supplementary groups, no caps.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$@"
}

check "/dev/mmapdemo is root's, mode 0600 (dev_mode default)" \
	test "$(stat -c '%U %a' /dev/mmapdemo)" = "root 600"

t_nobody_open() {
	as_nobody "$MMAPDEMO_TOOL" info >"$t/out" 2>&1 && return 1
	grep -qi "permission denied" "$t/out" || { cat "$t/out"; return 1; }
}
check "an unprivileged user cannot open it (the tool says why)" t_nobody_open

t_nobody_resize() {
	before=$(md_param size)
	as_nobody sh -c 'echo 8M >/sys/module/mmapdemo/parameters/size' \
		2>/dev/null && return 1
	test "$(md_param size)" = "$before"
}
check "an unprivileged user cannot resize it (size parameter)" \
	t_nobody_resize

t_nobody_stats() {
	as_nobody cat /sys/class/misc/mmapdemo/stats/mmaps >/dev/null
}
check "the counters in sysfs are world-readable" t_nobody_stats

# Exercise the paths that print: load messages, a broken ring, the
# tool's every report, then look for kernel pointers (x86-64 kernel
# addresses start with ffff; also 0x-prefixed hashed pointers).
t_no_addresses() {
	{
		cat /sys/module/mmapdemo/parameters/* \
			/sys/class/misc/mmapdemo/stats/*
		"$MMAPDEMO_TOOL" status
		"$MMAPDEMO_TOOL" info
		"$MMAPDEMO_TOOL" info --json
		"$MMAPDEMO_TOOL" stats
		"$MMAPDEMO_TOOL" stats --json
		"$MMAPDEMO_TOOL" verify --mode both
		dmesg | grep -i mmapdemo
	} >"$t/all" 2>&1
	[ -s "$t/all" ] || return 1
	if grep -Ein 'ffff[0-9a-f]{12}|0x[0-9a-f]{16}|\(ptrval\)' "$t/all"; then
		return 1
	fi
}
check "no kernel address in sysfs, the tool's output or the log" \
	t_no_addresses

t_no_debugfs() {
	! ls -d /sys/kernel/debug/*mmapdemo* 2>/dev/null | grep -q .
}
check "nothing in debugfs" t_no_debugfs

t_params_modes() {
	stat -c '%n %a' /sys/module/mmapdemo/parameters/* >"$t/modes"
	# size, map_mode, fault_around: root may write; dev_mode: load time.
	grep -Eqv ' (644|444)$' "$t/modes" && { cat "$t/modes"; return 1; }
	grep -q 'dev_mode 444$' "$t/modes" || { cat "$t/modes"; return 1; }
}
check "parameters: writable by root only, dev_mode read-only" \
	t_params_modes

done_testing
