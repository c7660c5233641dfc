#!/bin/sh
# mmapdemo-guest: flavor stock
# python3-mmapdemo (user/python, built into build/user/python) against
# the device in both map modes, NumPy views included when numpy is
# installed (user/tests/guest/python_module.py).
. /run/mmapdemo/repo/scripts/guest/lib.sh
PYTHONPATH=$USERBUILD/python exec python3 -B \
	"$REPO/user/tests/guest/python_module.py"
