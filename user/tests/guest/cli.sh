#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# mmapdemo-guest: start-unloaded
# mmapdemo-guest: flavor stock
#
# The mmapdemo tool end to end, as root inside the guest: load through
# libkmod, inspect, fill, dump, verify both map modes, copy files in and
# out through the mapping, the error paths (missing device, already
# loaded, in use, bad parameters, missing file, not root), and unload.
# Starts and ends with the module unloaded.  Prints TAP.
#
# The module and the tool: those of scripts/guest/lib.sh (MMAPDEMO_KO,
# MMAPDEMO_TOOL).
. "${REPO:-/run/mmapdemo/repo}/scripts/guest/lib.sh"
KO=$MMAPDEMO_KO
TOOL=${MMAPDEMO_TOOL:-$USERBUILD/cli/mmapdemo}
SIZE=1048576
T=$(mktemp -d "${TMPDIR:-/tmp}/mmapdemo-cli.XXXXXX") || exit 1
OUT=$T/out
ERR=$T/err
n=0
failed=0
watcher=

cleanup() {
	[ -n "$watcher" ] && kill "$watcher" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# --- TAP ------------------------------------------------------------------

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	for f in "$OUT" "$ERR"; do
		[ -s "$f" ] && sed 's/^/# /' "$f"
	done
	return 0
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# check NAME CMD...: passes when CMD exits 0.
check() {
	name=$1
	shift
	_t0=$(tap_ms)
	if "$@"; then ok "$name"; else not_ok "$name"; fi
	echo "# time: $(($(tap_ms) - _t0)) ms"
}

# md [ARGS...]: run the tool; stdout in $OUT, stderr in $ERR, its exit
# status in $rc and as md's own.
md() {
	"$TOOL" "$@" >"$OUT" 2>"$ERR"
	rc=$?
	return $rc
}

# expect RC TEXT FILE: the last md exited RC and FILE contains TEXT.
expect() {
	[ "$rc" -eq "$1" ] || { echo "exit status $rc, want $1" >>"$ERR"; return 1; }
	[ -z "$2" ] || grep -qF -- "$2" "$3" || {
		echo "no '$2' in $3" >>"$ERR"
		return 1
	}
}

loaded() {
	[ -d /sys/module/mmapdemo ]
}

param() {
	md_param "$1"
}

# json EXPR: python3 evaluates EXPR with d = the JSON object in $OUT.
json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$OUT" "$1" \
		2>>"$ERR"
}

# pattern OFFSET LENGTH SEED FILE: FILE is the FILL pattern there.
pattern() {
	md_pattern "$3" "$1" "$2" | cmp -s - "$4" 2>>"$ERR"
}

wait_for_mapping() {
	i=0
	while [ $i -lt 100 ]; do
		grep -q /dev/mmapdemo "/proc/$1/maps" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "pid $1 never mapped /dev/mmapdemo" >>"$ERR"
	return 1
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

echo "1..43"

if [ ! -x "$TOOL" ] || [ ! -f "$KO" ]; then
	echo "Bail out! need $TOOL and $KO"
	exit 1
fi
if loaded; then
	rmmod mmapdemo 2>/dev/null
fi

# --- module missing ----------------------------------------------------------

t_info_missing() {
	md info && return 1
	expect 3 "device not found (module not loaded?)" "$ERR" &&
		expect 3 "hint: load it with: mmapdemo load" "$ERR"
}
check "info without the module: exit 3 and the hint" t_info_missing

t_status_missing() {
	md status
	expect 3 "state:    not loaded" "$OUT"
}
check "status without the module: not loaded, exit 3" t_status_missing

t_unload_missing() {
	md unload
	expect 3 "module mmapdemo is not loaded" "$ERR"
}
check "unload without the module: exit 3" t_unload_missing

t_load_missing_file() {
	md load --module /nonexistent.ko
	expect 3 "/nonexistent.ko: module file not found" "$ERR" && ! loaded
}
check "load --module /nonexistent.ko: file missing, exit 3" t_load_missing_file

t_load_unknown_param() {
	md load --module "$KO" bogus=1
	expect 2 "unknown parameter 'bogus'" "$ERR" &&
		expect 2 "size" "$ERR" && ! loaded
}
check "load with an unknown parameter: named, with the known ones" \
	t_load_unknown_param

t_load_bad_value() {
	md load --module "$KO" map_mode=sideways
	expect 1 "rejected a parameter value" "$ERR" &&
		expect 1 "dmesg" "$ERR" && ! loaded
}
check "load with a bad parameter value: EINVAL, see dmesg" t_load_bad_value

# Without --module the tool looks in /lib/modules/$(uname -r).
if modinfo mmapdemo >/dev/null 2>&1; then
	skip "load without --module when not installed" "installed here"
else
	t_load_not_installed() {
		md load
		expect 3 "not found in /lib/modules/" "$ERR" &&
			expect 3 "--module" "$ERR" && ! loaded
	}
	check "load without --module when not installed: says so, exit 3" \
		t_load_not_installed
fi

# --- load --------------------------------------------------------------------

t_load() {
	md load --module "$KO" size=1M map_mode=remap
	expect 0 "loaded mmapdemo" "$OUT" && loaded
}
check "load --module KO size=1M map_mode=remap" t_load

check "size parameter reads 1048576" test "$(param size)" = $SIZE
check "map_mode parameter reads remap" test "$(param map_mode)" = remap

t_load_again() {
	md load --module "$KO"
	expect 1 "module mmapdemo is already loaded" "$ERR"
}
check "load again: already loaded (EEXIST), exit 1" t_load_again

t_status() {
	md status && expect 0 "state:    live" "$OUT" &&
		expect 0 "param:    size=$SIZE" "$OUT" &&
		expect 0 "device:   /dev/mmapdemo (present)" "$OUT"
}
check "status: live, with parameters and device" t_status

t_status_json() {
	md status --json &&
		json 'd["state"] == "live" and d["loaded"] and
		      d["refcount"] == 0 and d["holders"] == [] and
		      d["parameters"]["map_mode"] == "remap"'
}
check "status --json parses: live, refcount 0" t_status_json

# --- inspect ---------------------------------------------------------------

t_info() {
	md info && expect 0 "size:         $SIZE (1.0 MiB)" "$OUT" &&
		expect 0 "map_mode:     remap" "$OUT"
}
check "info shows size and map mode" t_info

t_info_json() {
	md info --json &&
		json 'd["size"] == '$SIZE' and d["abi_version"] == 1 and
		      d["map_mode"] == "remap" and
		      d["default_mode"] == "remap" and d["page_size"] > 0 and
		      d["nr_chunks"] >= 1 and d["device"] == "/dev/mmapdemo"'
}
check "info --json parses and matches the parameters" t_info_json

# --- verify ------------------------------------------------------------------

t_verify() {
	md verify --mode both &&
		expect 0 "fault: PASS" "$OUT" && expect 0 "remap: PASS" "$OUT" &&
		expect 0 "verify: PASS" "$OUT"
}
check "verify --mode both passes" t_verify

t_verify_json() {
	md verify --json &&
		json 'd["pass"] and [m["mode"] for m in d["modes"]] ==
		      ["fault", "remap"] and
		      all(m["user_to_kernel"] and m["kernel_to_user"]
			  for m in d["modes"])'
}
check "verify --json parses and passes" t_verify_json

for mode in fault remap; do
	t_verify_one() {
		other=fault
		[ "$mode" = fault ] && other=remap
		md verify --mode "$mode" && expect 0 "$mode: PASS" "$OUT" &&
			! grep -q "^$other:" "$OUT"
	}
	check "verify --mode $mode checks only $mode" t_verify_one
done

# --- fill and dump -----------------------------------------------------------

t_fill() {
	md fill --seed 0x1234 &&
		expect 0 "filled $SIZE bytes at offset 0 with seed 4660" "$OUT"
}
check "fill --seed 0x1234 over the whole buffer" t_fill

t_read_pattern() {
	md read-to "$T/pat" --offset 4090 --length 8200 &&
		pattern 4090 8200 0x1234 "$T/pat"
}
check "read-to through the mapping shows the kernel's pattern" \
	t_read_pattern

# The same bytes at the same offsets, for hexdump -C to show.
dd if=/dev/zero bs=4090 count=1 status=none >"$T/padded"
cat "$T/pat" >>"$T/padded" 2>/dev/null
have_hexdump=
hexdump -C -v -s 4090 -n 100 "$T/padded" >"$T/want" 2>/dev/null &&
	have_hexdump=1

for mode in fault remap; do
	t_dump() {
		md dump --mode "$mode" --offset 4090 --length 100 -v ||
			return 1
		cmp -s "$OUT" "$T/want" && return 0
		diff "$T/want" "$OUT" >>"$ERR"
		return 1
	}
	if [ -n "$have_hexdump" ]; then
		check "dump --mode $mode equals hexdump -C of the pattern" \
			t_dump
	else
		skip "dump --mode $mode equals hexdump -C of the pattern" \
			"no hexdump (bsdextrautils)"
	fi
done

t_dump_default() {
	md dump && [ "$(head -n 1 "$OUT" | cut -c1-8)" = 00000000 ] &&
		[ "$(tail -n 1 "$OUT")" = 00000100 ]
}
check "dump defaults to the first 256 bytes" t_dump_default

t_fill_range() {
	md fill --offset 100 --length 50 --seed 7 &&
		md read-to "$T/r" --offset 100 --length 50 &&
		pattern 100 50 7 "$T/r" &&
		md read-to "$T/r" --offset 150 --length 10 &&
		pattern 150 10 0x1234 "$T/r"
}
check "fill of a sub-range stays inside it" t_fill_range

t_dump_past_end() {
	md dump --offset $SIZE
	expect 1 "past the end of the buffer" "$ERR"
}
check "dump past the end: exit 1" t_dump_past_end

t_fill_past_end() {
	md fill --offset 1M --length 1
	expect 1 "past the end of the buffer" "$ERR"
}
check "fill past the end: exit 1" t_fill_past_end

# --- files in and out --------------------------------------------------------

head -c 300000 /dev/urandom >"$T/in"

t_roundtrip() {
	md write-from "$T/in" --offset 12345 &&
		expect 0 "wrote 300000 bytes at offset 12345" "$OUT" &&
		md read-to "$T/back" --offset 12345 --length 300000 &&
		cmp "$T/in" "$T/back" >>"$ERR" 2>&1
}
check "write-from then read-to round-trips a random file" t_roundtrip

t_kernel_sees_file() {
	md read-to "$T/all" && cmp -n 300000 "$T/in" "$T/all" 0 12345 &&
		[ "$(wc -c <"$T/all")" -eq $SIZE ]
}
check "read-to without a range copies the whole buffer" t_kernel_sees_file

t_stdin_stdout() {
	head -c 5000 /dev/urandom >"$T/small"
	"$TOOL" write-from - --offset 3 <"$T/small" >"$OUT" 2>"$ERR" &&
		"$TOOL" read-to - --offset 3 --length 5000 >"$T/small.back" \
			2>"$ERR" &&
		cmp "$T/small" "$T/small.back" >>"$ERR" 2>&1
}
check "write-from - and read-to - use stdin and stdout" t_stdin_stdout

t_too_big() {
	head -c $((SIZE + 1)) /dev/zero >"$T/big"
	md write-from "$T/big"
	expect 1 "1048577 bytes; 1048576 fit after offset 0" "$ERR"
}
check "write-from a file larger than the buffer: exit 1" t_too_big

# --- watch and stats ----------------------------------------------------------

t_watch() {
	md watch --count 2 --interval 10 --length 32 &&
		[ "$(grep -c '^sample ' "$OUT")" -eq 2 ]
}
check "watch --count 2 shows two samples" t_watch

t_stats() {
	md stats --json &&
		json 'd["mmaps"] >= 10 and d["fills"] >= 5 and
		      d["checksums"] >= 4 and d["live_vmas"] == 0 and
		      d["faults"] > 0 and d["device"] == "/dev/mmapdemo"'
}
check "stats --json parses and counts what ran" t_stats

t_stats_sysfs() {
	md stats && expect 0 "fills" "$OUT" &&
		[ "$(grep '^fills ' "$OUT" | awk '{print $2}')" = \
		  "$(md_stat fills)" ]
}
check "stats agrees with sysfs" t_stats_sysfs

# bench changes the system-wide fault_around for some variants. python
# polls the parameter (no fork per look, so it sees the short windows),
# stops bench while the value is changed, then SIGTERMs it: bench must
# put the value back before it dies of the signal.
t_bench_sigterm() {
	python3 - "$TOOL" 2>>"$ERR" <<-'PY'
	import os, signal, subprocess, sys
	P = "/sys/module/mmapdemo/parameters/fault_around"
	def fa():
	    with open(P) as f:
	        return f.read()
	old = fa()
	for attempt in range(5):
	    b = subprocess.Popen([sys.argv[1], "bench", "--quick", "--only",
	                          "setup", "--quiet"], stdout=subprocess.DEVNULL)
	    caught = False
	    while b.poll() is None:
	        if fa() != old:
	            os.kill(b.pid, signal.SIGSTOP)
	            caught = fa() != old
	            if caught:
	                os.kill(b.pid, signal.SIGTERM)
	            os.kill(b.pid, signal.SIGCONT)
	            break
	    rc = b.wait()
	    if caught:
	        if rc != -signal.SIGTERM or fa() != old:
	            sys.exit("bench: status %d, fault_around %r, want %r"
	                     % (rc, fa(), old))
	        sys.exit(0)
	sys.exit("never caught bench with fault_around changed")
	PY
}
check "bench killed by SIGTERM restores fault_around" t_bench_sigterm

# --- not root ------------------------------------------------------------------

# The tool may sit where nobody cannot reach it; run a copy from /tmp.
cp "$TOOL" "$T/mmapdemo" && chmod 755 "$T" "$T/mmapdemo"

t_nobody_info() {
	as_nobody "$T/mmapdemo" info >"$OUT" 2>"$ERR"
	rc=$?
	expect 4 "permission denied" "$ERR"
}
if command -v setpriv >/dev/null; then
	check "info as a non-root user: exit 4" t_nobody_info
else
	skip "info as a non-root user: exit 4" "no setpriv"
fi

t_nobody_unload() {
	as_nobody "$T/mmapdemo" unload >"$OUT" 2>"$ERR"
	rc=$?
	expect 4 "needs root" "$ERR" && loaded
}
if command -v setpriv >/dev/null; then
	check "unload as a non-root user: exit 4" t_nobody_unload
else
	skip "unload as a non-root user: exit 4" "no setpriv"
fi

# --- in use -----------------------------------------------------------------------

# Runs until killed below (a slow debug kernel must not outlive it).
"$TOOL" watch --count 1000000 --interval 10 >/dev/null 2>&1 &
watcher=$!

t_unload_busy() {
	wait_for_mapping "$watcher" || return 1
	md unload
	expect 1 "module mmapdemo is in use" "$ERR" &&
		expect 1 "in use by pid $watcher" "$ERR" && loaded
}
check "unload while a process maps the buffer: in use" t_unload_busy

t_status_busy() {
	md status --json && json 'd["refcount"] >= 1'
}
check "status shows the mapping's reference" t_status_busy

kill $watcher 2>/dev/null
wait $watcher 2>/dev/null
watcher=

t_unload() {
	md unload && expect 0 "unloaded mmapdemo" "$OUT" && ! loaded &&
		[ ! -e /dev/mmapdemo ]
}
check "unload after the mapping is gone" t_unload

t_info_after() {
	md info
	expect 3 "hint: load it with: mmapdemo load" "$ERR"
}
check "info after unload: exit 3 and the hint" t_info_after

# --- defaults ---------------------------------------------------------------------

t_defaults() {
	md load --module "$KO" && [ "$(param map_mode)" = fault ] &&
		md info --json && json 'd["map_mode"] == "fault"' &&
		md verify && md unload
}
check "load with defaults, verify, unload" t_defaults

t_final() {
	! loaded
}
check "the module is unloaded at the end" t_final

[ "$n" -eq 43 ] || echo "# ran $n tests, planned 43"
[ "$failed" -eq 0 ]
