#!/bin/bash
# Fail when a guest console log shows a kernel splat.
#
# usage: scripts/splat-scan.sh CONSOLE.LOG
#
# Only kernel lines are looked at (the guest boots with printk.time=1, so
# they start with "[   12.345678]"); user-space output on the console
# cannot fake or hide a splat. Prints each offending line; exit 1 if there
# is one, 0 otherwise.
set -euo pipefail

[[ $# -eq 1 && -f $1 ]] || { echo "usage: $0 CONSOLE.LOG" >&2; exit 2; }

kernel_line='^\[ *[0-9]+\.[0-9]+\]'
splat='BUG: |WARNING: |Oops|general protection fault|Kernel panic|KASAN:|UBSAN:|kmemleak: [0-9]+ new suspected|unreferenced object|possible (recursive|circular) locking|inconsistent lock state|INFO: task .* blocked|Bad page (state|map)|list_(add|del) corruption|sleeping function called from invalid context|Call Trace:|RIP: '
if tr -d '\r' <"$1" | grep -naE "$kernel_line" | grep -aE "$splat"; then
	exit 1
fi
exit 0
