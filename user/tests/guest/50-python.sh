#!/bin/sh
# mmapdemo-guest: flavor stock
# python3 as a client: the mmap module and fcntl.ioctl on /dev/mmapdemo,
# checked against CRC32C and the FILL pattern computed in python, in both
# map modes (user/tests/guest/python_mmap.py).
. /run/mmapdemo/repo/scripts/guest/lib.sh
# The README example imports the mmapdemo module (build/user/python).
PYTHONPATH=$USERBUILD/python exec python3 -B \
	"$REPO/user/tests/guest/python_mmap.py" "$MMAPDEMO_TOOL"
