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
# An allocation that fails prints its own stack trace (warn_alloc):
# not a splat while a suite injects those failures on purpose, between
# the markers md_fault_sites writes to /dev/kmsg. Only the "Call Trace:"
# and "RIP: " lines of such a report (up to its "</TASK>") are let
# through; anything else still counts.
tr -d '\r' <"$1" | awk -v kernel_line="$kernel_line" -v splat="$splat" '
	$0 !~ kernel_line { next }
	/mmapdemo-test: fault injection on$/ { inj = 1 }
	/mmapdemo-test: fault injection off$/ { inj = 0 }
	inj && /: (vmalloc error|page allocation failure): / { report = 1 }
	/<\/TASK>$/ { report_end = 1 }
	$0 ~ splat {
		if (inj && report && /(Call Trace:|RIP: [0-9a-f]+:)/)
			next
		print NR ":" $0
		bad = 1
	}
	report_end { report = 0; report_end = 0 }
	END { exit bad }'
