#!/bin/sh
# Inside the guest (chrooted into the host root): run one action.
#
# usage: run.sh tests|demo
#
# tests  every suite user/tests/guest/*.sh in turn. Before a suite the
#        module is loaded with its defaults (unless the suite has the line
#        "# mmapdemo-guest: start-unloaded"); afterwards it must unload.
#        Each suite prints TAP; run.sh saves OUT/<suite>.tap, .err, .rc
#        and .unload for the host to count.
# demo   the two-way sharing demo, as a transcript on the console.
. /run/mmapdemo/repo/scripts/guest/lib.sh
TMPDIR=/tmp
export TMPDIR

action=${1:-tests}
echo "guest: $(uname -r), flavor $FLAVOR, action $action"

run_suites() {
	for suite in "$REPO"/user/tests/guest/*.sh; do
		name=$(basename "$suite" .sh)
		md_unload 2>/dev/null
		if ! grep -q '^# mmapdemo-guest: start-unloaded' "$suite"; then
			if ! md_load 2>"$OUT/$name.load"; then
				echo "guest: cannot load module for $name"
				{ ls -la "$MMAPDEMO_KO"; dmesg | tail -n 5; } \
					>>"$OUT/$name.load" 2>&1
				echo 99 >"$OUT/$name.rc"
				continue
			fi
		fi
		echo "guest: suite $name"
		sh "$suite" >"$OUT/$name.tap" 2>"$OUT/$name.err"
		echo $? >"$OUT/$name.rc"
		if md_unload 2>>"$OUT/$name.err"; then
			echo 0 >"$OUT/$name.unload"
		else
			echo 1 >"$OUT/$name.unload"
		fi
	done
	md_unload
}

case $action in
tests)
	run_suites
	;;
demo)
	md_unload 2>/dev/null
	echo "guest: insmod mmapdemo.ko (size=4M, map_mode=fault)"
	md_load || exit 1
	ls -l /dev/mmapdemo
	"$REPO/build/user/examples/demo" || exit 1
	echo "guest: rmmod mmapdemo"
	md_unload
	;;
*)
	echo "guest: unknown action $action"
	exit 2
	;;
esac
