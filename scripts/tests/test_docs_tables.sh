#!/bin/bash
# Host test (TAP): the what-runs-where table in docs/testing.md is the
# output of scripts/what-runs-where.sh, so it cannot drift from the rules.
cd "$(dirname "$0")/../.." || exit 1
echo "1..1"
want=$(scripts/what-runs-where.sh)
got=$(sed -n '/^<!-- what-runs-where -->$/,/^<!-- \/what-runs-where -->$/p' docs/testing.md |
	sed '1d;$d')
if [[ -n $want && $got == "$want" ]]; then
	echo "ok 1 - docs/testing.md's what-runs-where table is scripts/what-runs-where.sh's output"
else
	echo "not ok 1 - docs/testing.md's what-runs-where table differs from scripts/what-runs-where.sh"
	diff <(echo "$want") <(echo "$got") | sed 's/^/# /'
	exit 1
fi
