#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""TAP: the generated mmapdemo._uapi matches the values a C program
compiled against driver/uapi/mmapdemo.h prints, and the Device class
behaves on files that are not the device (no module on the host).

usage: test_python.py PYTHONPATH UAPI_HEADER   (CC from the environment)
"""

import errno
import os
import re
import shlex
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, sys.argv[1])
HEADER = os.path.abspath(sys.argv[2])
import mmapdemo            # noqa: E402
from mmapdemo import _uapi  # noqa: E402

# Written here by hand on purpose: an independent list of what the C side
# says, not the generator's parse of the header.
C = r'''
#include <stddef.h>
#include <stdio.h>
#include "%s"
#define V(x) printf(#x " %%llu\n", (unsigned long long)(x))
#define S(s) printf("sizeof_" #s " %%zu\n", sizeof(struct mmapdemo_##s))
#define F(s, f) printf("off_" #s "_" #f " %%zu\n", \
		       offsetof(struct mmapdemo_##s, f))
int main(void)
{
	V(MMAPDEMO_IOC_INFO); V(MMAPDEMO_IOC_SET_MODE); V(MMAPDEMO_IOC_FILL);
	V(MMAPDEMO_IOC_CHECKSUM); V(MMAPDEMO_IOC_STATS);
	V(MMAPDEMO_IOC_RING_SETUP); V(MMAPDEMO_IOC_RING_DOORBELL);
	V(MMAPDEMO_IOC_RING_PRODUCER_START); V(MMAPDEMO_IOC_RING_STATS);
	V(MMAPDEMO_ABI_VERSION); V(MMAPDEMO_MODE_FAULT); V(MMAPDEMO_MODE_REMAP);
	V(MMAPDEMO_RING_OFFSET);
	S(info); S(fill); S(checksum); S(stats); S(ring_setup); S(sqe);
	S(cqe); S(ring_ctrl);
	F(info, size); F(info, map_mode); F(checksum, crc32c);
	F(stats, fault_pages); F(cqe, value); F(ring_ctrl, cq_tail);
	return 0;
}
'''

n = 0


def ok(cond, name, diag=""):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
    if not cond and diag:
        print("#   " + str(diag).replace("\n", "\n#   "))


print("1..7")
with tempfile.TemporaryDirectory() as tmp:
    src, exe = os.path.join(tmp, "v.c"), os.path.join(tmp, "v")
    with open(src, "w") as f:
        f.write(C % HEADER)
    # CC may carry flags (the sanitize stage: "gcc -fsanitize=...").
    cc = shlex.split(os.environ.get("CC", "cc"))
    subprocess.run(cc + ["-o", exe, src], check=True)
    real = dict(line.split() for line in subprocess.run(
        [exe], check=True, stdout=subprocess.PIPE,
        universal_newlines=True).stdout.splitlines())

bad = []
for name, value in real.items():
    value = int(value)
    if name.startswith("MMAPDEMO_"):
        got = getattr(_uapi, name[len("MMAPDEMO_"):], None)
    elif name.startswith("sizeof_"):
        got = _uapi.STRUCTS[name[len("sizeof_"):]][0].size
    else:
        s = None
        for short in sorted(_uapi.STRUCTS, key=len, reverse=True):
            if name.startswith("off_%s_" % short):
                s = short
                break
        field = name[len("off_%s_" % s):]
        st, names = _uapi.STRUCTS[s]
        # Offset of a field: size of the format of the fields before it
        # (array fields count once, as their format item does).
        items = st.format.lstrip("=")
        parts = re.findall(r"\d*[a-zA-Z]", items)
        got = struct.calcsize("=" + "".join(parts[:names.index(field)]))
    if got != value:
        bad.append("%s: C %d, python %r" % (name, value, got))
ok(not bad, "generated constants and layouts match the C compiler's",
   "\n".join(bad))

try:
    mmapdemo.Device("/nonexistent/mmapdemo")
    ok(False, "opening a missing device raises OSError ENOENT")
except OSError as e:
    ok(e.errno == errno.ENOENT,
       "opening a missing device raises OSError ENOENT", e)

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "f")
    with open(path, "wb") as f:
        f.write(b"\0" * 8192)
    with mmapdemo.Device(path) as dev:
        try:
            dev.info()
            ok(False, "an ioctl on a plain file raises OSError ENOTTY")
        except OSError as e:
            ok(e.errno == errno.ENOTTY,
               "an ioctl on a plain file raises OSError ENOTTY", e)
        try:
            dev.set_mode("sideways")
            ok(False, "an unknown mode name raises ValueError")
        except ValueError:
            ok(True, "an unknown mode name raises ValueError")
        m = dev.map(0, 8192)
        mv = memoryview(m)
        mv[10:13] = b"abc"
        ok(m[10:13] == b"abc", "map() is writable through a memoryview")
        mv.release()
        try:
            import numpy
        except ImportError:
            numpy = None
        if numpy is None:
            n += 1
            print("ok %d - map() as a NumPy array # SKIP no numpy" % n)
        else:
            a = numpy.frombuffer(m, dtype=numpy.uint8)
            a[20] = 0x5a
            ok(m[20] == 0x5a and not a.flags.owndata,
               "map() as a NumPy array without a copy")
            del a
        m.close()
    ro = mmapdemo.Device(path, os.O_RDONLY)
    m = ro.map(0, 4096)
    try:
        m[0] = 1
        ok(False, "a read-only file maps read-only")
    except TypeError:
        ok(True, "a read-only file maps read-only")
    m.close()
    ro.close()
