#!/bin/bash
# Host test (TAP) of scripts/sched.sh: dependencies, groups, slots, the
# jobs a stage pulls in, and the critical path, with jobs that sleep.
cd "$(dirname "$0")/../.." || exit 1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0 failed=0

ok() {
	n=$((n + 1))
	if "${@:2}"; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		failed=$((failed + 1))
	fi
}

# A job sleeps for its duration (DUR[name], units of 0.3 s: more than the
# scheduler's 0.2 s look for ended jobs) and
# records when it started and ended; job "bad" fails.
declare -A DUR=()
start_job() {
	date +%s.%N >"$T/$1.start"
	sleep "$(awk -v d="${DUR[$1]:-2}" 'BEGIN { print d * 0.3 }')"
	date +%s.%N >"$T/$1.end"
	[[ $1 != bad ]]
}
done_order=()
done_job() {
	done_order+=("$1")
}
# before A B: job A ended before job B started.
before() {
	awk -v a="$(cat "$T/$1.end")" -v b="$(cat "$T/$2.start")" 'BEGIN { exit !(a <= b) }'
}
overlap() {
	! before "$1" "$2" && ! before "$2" "$1"
}
ran() {
	[[ -f $T/$1.end ]]
}

echo "1..15"
# shellcheck source=scripts/sched.sh
. scripts/sched.sh
SCHED_LIGHT_GROUPS=light
DUR=([k1]=5 [k2]=3 [g1]=2 [g2]=12 [g3]=2 [r1]=9 [bad]=1 [x]=1 [unasked]=1 [heavy]=2)
job r1 "" "" light
job k1 "" "" kbuild
job k2 "r1" "" kbuild
job g1 "k1" "" ""
job g2 "k2" "g1" ""
job g3 "" "" ""
job bad "" "" ""
job x "bad" "" ""
job unasked "" "" ""
job afterless "" "unasked" ""
job heavy "" "" "" 2
for j in g1 g2 g3 x afterless heavy; do
	sched_add "$j"
done
sched_run 2 start_job done_job

ok "a stage pulls in what it needs, at any depth (g2: k2, r1)" \
	ran r1 && ok "... and nothing it does not (unasked)" eval '! ran unasked'
ok "a job starts after the jobs it needs have ended (k2 after r1)" before r1 k2
ok "... and after those it comes after (g2 after g1)" before g1 g2
ok "two jobs of one group never overlap (k1, k2)" eval '! overlap k1 k2'
ok "a light job runs beside two others (r1 beside k1 and g3)" \
	eval 'overlap r1 k1 && overlap r1 g3'
# Never more than two non-light jobs at any start time.
max_running() {
	local j o c m=0 s
	for j in k1 k2 g1 g2 g3 bad x afterless heavy; do
		s=$(cat "$T/$j.start")
		c=0
		for o in k1 k2 g1 g2 g3 bad x afterless heavy; do
			awk -v s="$s" -v a="$(cat "$T/$o.start")" -v b="$(cat "$T/$o.end")" \
				'BEGIN { exit !(a <= s && s < b) }' && c=$((c + 1))
		done
		((c > m)) && m=$c
	done
	((m <= 2))
}
ok "at most 2 slots' worth of jobs at once" max_running
alone() {
	local o
	for o in k1 k2 g1 g2 g3 bad x afterless; do
		overlap heavy "$o" && return 1
	done
	return 0
}
ok "a job of weight 2 runs with no other slotted job" alone
ok "a failed job does not stop the job that needs it (x ran after bad)" \
	eval 'ran x && before bad x'
ok "every job was reported done once" \
	eval '[[ $(printf "%s\n" "${done_order[@]}" | sort | uniq -d) == "" && ${#done_order[@]} -eq 10 ]]'
ok "nothing stuck" eval '[[ ${#SCHED_STUCK[@]} -eq 0 ]]'
cp_line=$(sched_critical_path)
ok "the critical path ends with the last job, through what it waited for ($cp_line)" \
	eval '[[ $cp_line == *"k2 ("*") -> g2 ("*")" ]]'

# The hold: W (weight 2) is ready once p has ended, while a still runs.
# Without the hold the free slot goes to l, the first ready job that
# fits, and W waits for l. With it, W waits only for a, and s (expected
# to end before a does) runs in the free slot meanwhile.
. scripts/sched.sh
DUR=([p]=1 [a]=6 [W]=2 [l]=8 [s]=1)
job p "" "" ""
job a "" "" ""
job W "p" "" "" 2
job l "p" "" ""
job s "p" "" ""
for j in p a W l s; do
	sched_estimate "$j" "$(awk -v d="${DUR[$j]}" 'BEGIN { print d * 0.3 }')"
	sched_add "$j"
done
sched_run 2 start_job done_job
ok "a ready job of weight 2 holds the slots: it starts before a later, longer job (W before l)" \
	before W l
ok "... right after the running job it waits for (a, then W)" \
	eval 'before a W && awk -v a="$(cat "$T/a.end")" -v w="$(cat "$T/W.start")" "BEGIN { exit !(w - a < 0.5) }"'
ok "... and a job that ends in time runs in the held slot meanwhile (s beside a, before W)" \
	eval 'overlap s a && before s W'
[[ $failed -eq 0 ]]
