# shellcheck shell=bash
# A small scheduler of dependent jobs, for scripts/check.sh. Source it.
#
#   job NAME NEEDS AFTER GROUP [WEIGHT]
#                                declare a job (the order of declaration is
#                                its priority among ready jobs); it takes
#                                WEIGHT slots (default 1)
#   sched_estimate NAME SECONDS  how long job NAME is expected to take
#   sched_add NAME               put NAME and every job it needs, at any
#                                depth, into the run
#   sched_run SLOTS START DONE   run the jobs of the run: START NAME is
#                                called in a background subshell, DONE NAME
#                                in this shell when that job has ended;
#                                jobs that could never start (a cycle) are
#                                left in SCHED_STUCK
#   sched_critical_path          the chain of jobs that set the wall time
#
# A job starts when every job it needs, and every job it comes after that
# is in the run, has ended; no two jobs of one group run at once; the
# running jobs take at most SLOTS slots (a job heavier than SLOTS runs
# alone), not counting those of the groups in SCHED_LIGHT_GROUPS
# (space-separated), which take none. t_start and t_end hold each job's
# times (seconds since the epoch, with decimals).
#
# Among ready jobs the first declared starts first. When a ready job
# does not fit in the free slots (a job of weight 2 while one slot is
# taken), the first such job holds the slots it waits for: the time they
# free up is reckoned from the running jobs' starts and estimates, and
# until then a later job starts in a free slot only if its estimate says
# it ends by that time (backfilling, as batch schedulers do). Without
# that hold, short jobs keep taking the slot that frees, and the wide
# job waits for the end of the run, alone, while the other slot idles.
# A job with no estimate is taken to take for ever: it never starts in
# a held slot, and a running one makes the hold end never, which lets
# every job start as if there were no hold.

declare -A J_NEEDS=() J_AFTER=() J_GROUP=() J_WEIGHT=() J_EST=() in_run=() state=() t_start=() t_end=()
JOB_ORDER=()
SCHED_LIGHT_GROUPS=${SCHED_LIGHT_GROUPS:-}
SCHED_STUCK=()

job() {
	J_NEEDS[$1]=$2 J_AFTER[$1]=$3 J_GROUP[$1]=$4 J_WEIGHT[$1]=${5:-1}
	JOB_ORDER+=("$1")
}

sched_estimate() {
	J_EST[$1]=$2
}

sched_add() {
	local n
	[[ -n ${in_run[$1]:-} ]] && return
	in_run[$1]=1
	for n in ${J_NEEDS[$1]}; do
		sched_add "$n"
	done
}

# sched_slots NAME: the slots job NAME takes.
sched_slots() {
	if [[ -n ${J_GROUP[$1]} && " $SCHED_LIGHT_GROUPS " == *" ${J_GROUP[$1]} "* ]]; then
		echo 0
	else
		echo "${J_WEIGHT[$1]}"
	fi
}

# sched_ready NAME: whether job NAME can start now.
sched_ready() {
	local n g=${J_GROUP[$1]} o
	for n in ${J_NEEDS[$1]} ${J_AFTER[$1]}; do
		[[ -z ${in_run[$n]:-} || ${state[$n]:-} == done ]] || return 1
	done
	if [[ -n $g ]]; then
		for o in "${!state[@]}"; do
			[[ ${state[$o]} == running && ${J_GROUP[$o]} == "$g" ]] && return 1
		done
	fi
	return 0
}

sched_now() {
	date +%s.%N
}

# sched_free_at NAME SLOTS: when (seconds since the epoch) enough of the
# running jobs will have ended, by their estimates, for job NAME to fit;
# "never" if that rests on a job with no estimate.
sched_free_at() {
	local o need=${J_WEIGHT[$1]}
	((need > $2)) && need=$2
	for o in "${!state[@]}"; do
		[[ ${state[$o]} == running ]] || continue
		echo "$(sched_slots "$o") ${t_start[$o]} ${J_EST[$o]:--1}"
	done | awk -v now="$(sched_now)" -v slots="$2" -v need="$need" '
		$1 > 0 { n++; w[n] = $1; e[n] = $3 < 0 ? "never" : ($2 + $3 > now ? $2 + $3 : now); used += $1 }
		END {
			free = slots - used
			# the running jobs by expected end, the unknown last
			for (i = 1; i <= n; i++)
				for (k = i + 1; k <= n; k++)
					if (e[i] == "never" || (e[k] != "never" && e[k] < e[i])) {
						t = e[i]; e[i] = e[k]; e[k] = t; t = w[i]; w[i] = w[k]; w[k] = t
					}
			at = now
			for (i = 1; i <= n && free < need; i++) { free += w[i]; at = e[i] }
			if (at == "never") print "never"; else printf "%.3f\n", at
		}'
}

# sched_ends_by NAME TIME: whether job NAME, started now, is expected to
# end by TIME.
sched_ends_by() {
	[[ $2 != never && -n ${J_EST[$1]:-} ]] &&
		awk -v now="$(sched_now)" -v est="${J_EST[$1]}" -v t="$2" \
			'BEGIN { exit !(now + est <= t) }'
}

sched_run() {
	local slots=$1 start_fn=$2 done_fn=$3 j running=0 done_pid w hold
	local -A pid_job=()
	while :; do
		hold=
		for j in "${JOB_ORDER[@]}"; do
			[[ -n ${in_run[$j]:-} && -z ${state[$j]:-} ]] || continue
			sched_ready "$j" || continue
			w=$(sched_slots "$j")
			if ! ((w == 0 || running == 0 || running + w <= slots)); then
				[[ -n $hold ]] || hold=$(sched_free_at "$j" "$slots")
				continue
			fi
			if [[ -n $hold && $hold != never ]] && ((w > 0)) &&
				! sched_ends_by "$j" "$hold"; then
				continue
			fi
			state[$j]=running
			t_start[$j]=$(sched_now)
			"$start_fn" "$j" &
			pid_job[$!]=$j
			running=$((running + w))
		done
		((${#pid_job[@]} > 0)) || break
		# A job has ended when its process is gone: looking at the
		# processes does not depend on when bash reaps them (a job can
		# end while this shell runs a command substitution), where a
		# wait -n that missed one would block the run for good.
		done_pid=
		while [[ -z $done_pid ]]; do
			for j in "${!pid_job[@]}"; do
				if ! kill -0 "$j" 2>/dev/null; then
					done_pid=$j
					break
				fi
			done
			[[ -n $done_pid ]] || sleep 0.2
		done
		wait "$done_pid" 2>/dev/null
		j=${pid_job[$done_pid]}
		unset "pid_job[$done_pid]"
		running=$((running - $(sched_slots "$j")))
		state[$j]=done
		t_end[$j]=$(sched_now)
		"$done_fn" "$j"
	done
	SCHED_STUCK=()
	for j in "${JOB_ORDER[@]}"; do
		[[ -n ${in_run[$j]:-} && -z ${state[$j]:-} ]] && SCHED_STUCK+=("$j")
	done
	return 0
}

# sched_critical_path: from the job that ended last, back through what
# each job waited for, as "a (12s) -> b (345s)": the job it needs, comes
# after or shares a group with that ended last before it started, when
# that was at most 5 s before; otherwise the job whose end freed its slot
# (any job that ended last before it started), marked "slot".
sched_critical_path() {
	local j last= best n e chain= o gap sep=
	local -A seen=()
	for j in "${!t_end[@]}"; do
		if [[ -z $last ]] || sched_later "${t_end[$j]}" "${t_end[$last]}"; then
			last=$j
		fi
	done
	j=$last
	while [[ -n $j && -z ${seen[$j]:-} ]]; do
		seen[$j]=1
		chain="$j ($(awk -v a="${t_start[$j]}" -v b="${t_end[$j]}" \
			'BEGIN { printf "%.0f", b - a }')s)$sep$chain"
		best=
		for n in ${J_NEEDS[$j]} ${J_AFTER[$j]} $(for o in "${!t_end[@]}"; do
				[[ -n ${J_GROUP[$j]} && $o != "$j" && ${J_GROUP[$o]} == "${J_GROUP[$j]}" ]] &&
					echo "$o"
			done); do
			[[ -z ${seen[$n]:-} ]] && sched_ended_before "$n" "$j" || continue
			if [[ -z $best ]] || sched_later "${t_end[$n]}" "${t_end[$best]}"; then
				best=$n
			fi
		done
		sep=" -> "
		gap=1
		[[ -n $best ]] && gap=$(awk -v a="${t_end[$best]}" -v b="${t_start[$j]}" \
			'BEGIN { print (b - a > 5) }')
		if [[ $gap == 1 ]]; then
			best=
			for o in "${!t_end[@]}"; do
				[[ -z ${seen[$o]:-} ]] && sched_later "${t_start[$j]}" "${t_end[$o]}" ||
					continue
				if [[ -z $best ]] || sched_later "${t_end[$o]}" "${t_end[$best]}"; then
					best=$o
				fi
			done
			[[ -z $best ]] || sep=" -> slot -> "
		fi
		j=$best
	done
	echo "$chain"
}

# sched_later A B: whether time A is after time B.
sched_later() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'
}

# sched_ended_before A B: whether job A ended by the time job B started
# (within a second).
sched_ended_before() {
	[[ -n ${t_end[$1]:-} ]] && awk -v a="${t_end[$1]}" -v b="${t_start[$2]}" \
		'BEGIN { exit !(a <= b + 1) }'
}
