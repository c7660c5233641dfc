#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Python as a client of /dev/mmapdemo: the standard library's mmap and
fcntl.ioctl, nothing from this project but the ABI (driver/uapi/mmapdemo.h,
restated below) and the tests' TAP runner (pytap.py). Runs in the guest
with the module loaded; prints TAP.

usage: python_mmap.py [TOOL]   TOOL: the mmapdemo tool, for one test that
                               has it fill the buffer under a live mapping
"""
import contextlib
import errno
import fcntl
import io
import mmap
import os
import random
import re
import struct
import subprocess
import sys

from pytap import add, expect, main, test

DEVICE = "/dev/mmapdemo"
PARAMS = "/sys/module/mmapdemo/parameters/"
README = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "../../../README.md")

# --- the ABI, from driver/uapi/mmapdemo.h ------------------------------------

MODE_FAULT, MODE_REMAP = 0, 1
MODES = {"fault": MODE_FAULT, "remap": MODE_REMAP}

# struct mmapdemo_info, _fill, _checksum: little-endian, no padding.
INFO = struct.Struct("<IIQIIII")
FILL = struct.Struct("<QQII")
CHECKSUM = struct.Struct("<QQII")
U32 = struct.Struct("<I")


def _ioc(direction, nr, size):
    """The _IOC() macro of <asm-generic/ioctl.h> with type 0xB7."""
    return direction << 30 | size << 16 | 0xB7 << 8 | nr


_IOW, _IOR = 1, 2
IOC_INFO = _ioc(_IOR, 0x00, INFO.size)
IOC_SET_MODE = _ioc(_IOW, 0x01, U32.size)
IOC_FILL = _ioc(_IOW, 0x02, FILL.size)
IOC_CHECKSUM = _ioc(_IOR | _IOW, 0x03, CHECKSUM.size)


def info(fd):
    buf = bytearray(INFO.size)
    fcntl.ioctl(fd, IOC_INFO, buf)
    keys = ("abi_version", "page_size", "size", "map_mode", "default_mode",
            "nr_chunks", "huge")
    return dict(zip(keys, INFO.unpack(buf)))


def set_mode(fd, mode):
    fcntl.ioctl(fd, IOC_SET_MODE, U32.pack(mode))


def kernel_fill(fd, offset, length, seed):
    fcntl.ioctl(fd, IOC_FILL, FILL.pack(offset, length, seed, 0))


def kernel_crc32c(fd, offset, length):
    buf = bytearray(CHECKSUM.pack(offset, length, 0, 0))
    fcntl.ioctl(fd, IOC_CHECKSUM, buf)
    return CHECKSUM.unpack(buf)[2]


M64 = (1 << 64) - 1


def pattern_word(seed, word):
    """mmapdemo_pattern_word() of the uapi header."""
    x = word ^ (seed << 32 | seed) ^ 0x9E3779B97F4A7C15
    x ^= x >> 33
    x = x * 0xFF51AFD7ED558CCD & M64
    x ^= x >> 33
    x = x * 0xC4CEB9FE1A85EC53 & M64
    x ^= x >> 33
    return x


def pattern(seed, offset, length):
    """The bytes FILL writes at [offset, offset + length)."""
    first, last = offset >> 3, (offset + length + 7) >> 3
    words = b"".join(struct.pack("<Q", pattern_word(seed, w))
                     for w in range(first, last))
    start = offset - (first << 3)
    return words[start:start + length]


# --- CRC32C (Castagnoli, reflected 0x82F63B78, ~0 in and out) ----------------

CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    CRC_TABLE.append(_c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# --- tests --------------------------------------------------------------------

def expect_oserror(err, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs).close()
    except OSError as e:
        expect(errno.errorcode.get(e.errno), errno.errorcode[err], "errno")
        return
    raise AssertionError("no error, want %s" % errno.errorcode[err])


def open_dev(mode=None, flags=os.O_RDWR):
    fd = os.open(DEVICE, flags)
    if mode is not None:
        set_mode(fd, mode)
    return fd


# --- tests -------------------------------------------------------------------

@test("python's crc32c gives the check value: '123456789' -> e3069283")
def t_crc_self():
    expect(crc32c(b"123456789"), 0xE3069283, "crc32c")


@test("INFO through fcntl.ioctl agrees with sysfs and mmap.PAGESIZE")
def t_info():
    fd = open_dev()
    try:
        i = info(fd)
    finally:
        os.close(fd)
    with open(PARAMS + "size") as f:
        size = int(f.read())
    with open(PARAMS + "map_mode") as f:
        default = MODES[f.read().strip()]
    expect((i["abi_version"], i["page_size"], i["size"], i["map_mode"],
            i["default_mode"], i["huge"] & ~3),
           (1, mmap.PAGESIZE, size, default, default, 0), "info")


def per_mode(name):
    """Register a test once per map mode; fn(mode, fd) gets a fresh fd."""
    def register(fn):
        for mname, mode in MODES.items():
            def run(fn=fn, mode=mode):
                fd = open_dev(mode)
                try:
                    fn(mode, fd)
                finally:
                    os.close(fd)
            add("%s: %s" % (mname, name), run)
        return fn
    return register


@per_mode("SET_MODE through fcntl.ioctl, INFO shows it")
def t_set_mode(mode, fd):
    expect(info(fd)["map_mode"], mode, "map_mode")


@per_mode("mmap.mmap maps the whole buffer; python's writes reach the "
          "kernel: its CHECKSUM equals python's crc32c")
def t_user_to_kernel(mode, fd):
    size = info(fd)["size"]
    rng = random.Random(mode + 1)
    with mmap.mmap(fd, size) as m:
        expect(len(m), size, "len(mmap)")
        # Ranges across page boundaries, at the start, middle and end.
        for off, n in ((0, 100), (3 * mmap.PAGESIZE - 77, 9000),
                       (size // 2 + 5, 4096), (size - 3000, 3000)):
            data = bytes(rng.getrandbits(8) for _ in range(n))
            m[off:off + n] = data
            expect(kernel_crc32c(fd, off, n), crc32c(data),
                   "CHECKSUM of [%d, +%d)" % (off, n))


@per_mode("read() (os.pread) returns what python wrote through the mapping")
def t_mapping_then_read(mode, fd):
    size = info(fd)["size"]
    data = os.urandom(10000)
    off = size - 20000 - 1
    with mmap.mmap(fd, size) as m:
        m[off:off + len(data)] = data
        expect(os.pread(fd, len(data), off), data, "pread")


@per_mode("write() (os.pwrite) shows in the mapping at once")
def t_write_then_mapping(mode, fd):
    size = info(fd)["size"]
    data = os.urandom(5000)
    with mmap.mmap(fd, size) as m:
        old = m[4090:4090 + len(data)]  # fault mode: the pages are in now
        os.pwrite(fd, data, 4090)
        expect(m[4090:4090 + len(data)], data, "mapping")
        expect(old != data, True, "the bytes changed")


@per_mode("FILL through fcntl.ioctl: the mapping shows the uapi pattern "
          "computed in python")
def t_kernel_to_user(mode, fd):
    size = info(fd)["size"]
    with mmap.mmap(fd, size, access=mmap.ACCESS_READ) as m:
        seed = 0x5EED0000 + mode
        kernel_fill(fd, 0, size, seed)
        for off, n in ((0, 64), (mmap.PAGESIZE - 5, 20), (size - 33, 33)):
            expect(m[off:off + n], pattern(seed, off, n),
                   "pattern at %d" % off)
        # A sub-range with another seed stays inside its bounds.
        kernel_fill(fd, 1001, 50, seed + 1)
        expect(m[995:1057], pattern(seed, 995, 6) +
               pattern(seed + 1, 1001, 50) + pattern(seed, 1051, 6),
               "sub-range fill")


@per_mode("the mmapdemo tool fills while python maps: python sees it")
def t_tool_fill(mode, fd):
    if len(sys.argv) < 2:
        raise AssertionError("no mmapdemo tool given")
    size = info(fd)["size"]
    with mmap.mmap(fd, size, access=mmap.ACCESS_READ) as m:
        for seed in (7 + mode, 8 + mode):
            around = m[8189:8192] + m[16384:16387]
            subprocess.run([sys.argv[1], "fill", "--seed", str(seed),
                            "--offset", "8192", "--length", "8192"],
                           check=True, stdout=subprocess.DEVNULL)
            expect(m[8192:16384], pattern(seed, 8192, 8192),
                   "after fill --seed %d" % seed)
            expect(m[8189:8192] + m[16384:16387], around, "around the fill")


@per_mode("a mapping at an offset sees the same bytes as the whole one")
def t_offset_mapping(mode, fd):
    size = info(fd)["size"]
    off = 5 * mmap.ALLOCATIONGRANULARITY
    with mmap.mmap(fd, size) as whole, \
            mmap.mmap(fd, 2 * mmap.PAGESIZE, offset=off) as part:
        whole[off + 100:off + 108] = b"mmapdemo"
        expect(part[100:108], b"mmapdemo", "offset mapping")
        part[mmap.PAGESIZE:mmap.PAGESIZE + 6] = b"python"
        expect(whole[off + mmap.PAGESIZE:off + mmap.PAGESIZE + 6],
               b"python", "whole mapping")


@per_mode("the mapping keeps working after os.close() of its fd")
def t_close_fd(mode, fd):
    size = info(fd)["size"]
    fd2 = open_dev(mode)
    m = mmap.mmap(fd2, size)
    os.close(fd2)
    try:
        data = os.urandom(64)
        m[size - 64:] = data
        expect(kernel_crc32c(fd, size - 64, 64), crc32c(data), "CHECKSUM")
    finally:
        m.close()


@per_mode("mapping more than the buffer fails with EINVAL")
def t_too_long(mode, fd):
    size = info(fd)["size"]
    expect_oserror(errno.EINVAL, mmap.mmap, fd, size + mmap.PAGESIZE)
    expect_oserror(errno.EINVAL, mmap.mmap, fd, mmap.PAGESIZE,
                   offset=size)


@per_mode("a writable mapping of an O_RDONLY file fails with EACCES")
def t_readonly(mode, fd):
    ro = open_dev(mode, os.O_RDONLY)
    try:
        expect_oserror(errno.EACCES, mmap.mmap, ro, mmap.PAGESIZE)
        with mmap.mmap(ro, mmap.PAGESIZE, access=mmap.ACCESS_READ) as m:
            expect(len(m[:16]), 16, "read-only mapping")
    finally:
        os.close(ro)


@per_mode("ACCESS_COPY (MAP_PRIVATE): copy-on-write in fault mode, "
          "EINVAL in remap mode")
def t_private(mode, fd):
    if mode == MODE_REMAP:
        expect_oserror(errno.EINVAL, mmap.mmap, fd, mmap.PAGESIZE,
                       access=mmap.ACCESS_COPY)
        return
    os.pwrite(fd, b"shared", 0)
    with mmap.mmap(fd, mmap.PAGESIZE, access=mmap.ACCESS_COPY) as m:
        expect(m[:6], b"shared", "private mapping before a write")
        m[:7] = b"private"
        expect(m[:7], b"private", "private mapping after a write")
        expect(os.pread(fd, 6, 0), b"shared", "device after it")


@per_mode("mmap.flush() (msync MS_SYNC), whole and part: the kernel has "
          "the bytes")
def t_flush(mode, fd):
    size = info(fd)["size"]
    data = os.urandom(3 * mmap.PAGESIZE)
    off = 2 * mmap.PAGESIZE - 123
    with mmap.mmap(fd, size) as m:
        m[off:off + len(data)] = data
        m.flush()
        m.flush(mmap.PAGESIZE, 4 * mmap.PAGESIZE)
        expect(kernel_crc32c(fd, off, len(data)), crc32c(data), "CHECKSUM")
        expect(os.pread(fd, len(data), off), data, "pread")
    os.fsync(fd)
    os.fdatasync(fd)


@per_mode("mmap.madvise(): NORMAL, WILLNEED, DONTNEED (EINVAL in remap "
          "mode), the data stays")
def t_madvise(mode, fd):
    size = info(fd)["size"]
    data = os.urandom(10000)
    with mmap.mmap(fd, size) as m:
        m[5000:15000] = data
        m.madvise(mmap.MADV_NORMAL)
        m.madvise(mmap.MADV_WILLNEED, 0, 4 * mmap.PAGESIZE)
        try:
            m.madvise(mmap.MADV_DONTNEED)
            expect(mode, MODE_FAULT, "MADV_DONTNEED succeeded")
        except OSError as e:
            expect((mode, errno.errorcode.get(e.errno)),
                   (MODE_REMAP, "EINVAL"), "MADV_DONTNEED")
        expect(m[5000:15000], data, "after madvise")
        expect(kernel_crc32c(fd, 5000, 10000), crc32c(data), "CHECKSUM")


@per_mode("slices across a page boundary, also with a step, both ways")
def t_slices(mode, fd):
    size = info(fd)["size"]
    pg = mmap.PAGESIZE
    seed = 0x511CE + mode
    kernel_fill(fd, 0, size, seed)
    with mmap.mmap(fd, size) as m:
        expect(m[pg - 3:pg + 5], pattern(seed, pg - 3, 8), "read slice")
        expect(m[pg - 10:pg + 10:3], pattern(seed, pg - 10, 20)[::3],
               "read slice with a step")
        expect(m[2 * pg - 1], pattern(seed, 2 * pg - 1, 1)[0], "one byte")
        m[pg - 4:pg + 4] = b"ABCDEFGH"
        m[3 * pg - 6:3 * pg + 6:2] = b"abcdef"
        want = bytearray(pattern(seed, 0, 4 * pg))
        want[pg - 4:pg + 4] = b"ABCDEFGH"
        want[3 * pg - 6:3 * pg + 6:2] = b"abcdef"
        expect(os.pread(fd, 4 * pg, 0), bytes(want), "pread")
        expect(kernel_crc32c(fd, 0, 4 * pg), crc32c(want), "CHECKSUM")


def numpy_or_fail():
    try:
        import numpy
    except ImportError:
        raise AssertionError("no numpy: install python3-numpy "
                             "(scripts/deps.sh)")
    return numpy


@contextlib.contextmanager
def default_mode(mode):
    """numpy.memmap opens the device itself: set the module's default."""
    with open(PARAMS + "map_mode") as f:
        old = f.read().strip()
    with open(PARAMS + "map_mode", "w") as f:
        f.write("fault" if mode == MODE_FAULT else "remap")
    try:
        yield
    finally:
        with open(PARAMS + "map_mode", "w") as f:
            f.write(old)


@per_mode("numpy.memmap of the device: the FILL pattern as uint64, "
          "writes and flush() reach the kernel")
def t_numpy_memmap(mode, fd):
    np = numpy_or_fail()
    size = info(fd)["size"]
    seed = 0x4E554D50 + mode
    kernel_fill(fd, 0, size, seed)
    with default_mode(mode):
        a = np.memmap(DEVICE, dtype="<u8", mode="r+")
        try:
            expect(a.shape, (size // 8,), "shape")
            for w in (0, 1, 511, 512, size // 16, size // 8 - 1):
                expect(int(a[w]), pattern_word(seed, w), "word %d" % w)
            b = np.memmap(DEVICE, dtype=np.uint8, mode="r+",
                          offset=mmap.ALLOCATIONGRANULARITY,
                          shape=(2 * mmap.PAGESIZE,))
            b[mmap.PAGESIZE - 2:mmap.PAGESIZE + 2] = [1, 2, 3, 4]
            b.flush()
            a[-1] = 0x0102030405060708
            a.flush()
            expect(os.pread(fd, 8, size - 8),
                   bytes(range(8, 0, -1)), "the last word")
            at = mmap.ALLOCATIONGRANULARITY + mmap.PAGESIZE - 2
            expect(os.pread(fd, 4, at), bytes([1, 2, 3, 4]), "bytes")
            expect(kernel_crc32c(fd, at, 4), crc32c(bytes([1, 2, 3, 4])),
                   "CHECKSUM")
            del b
        finally:
            del a


@per_mode("numpy.frombuffer on an mmap.mmap: sums and writes in place")
def t_numpy_frombuffer(mode, fd):
    np = numpy_or_fail()
    size = info(fd)["size"]
    seed = 0xF00B + mode
    kernel_fill(fd, 0, size, seed)
    with mmap.mmap(fd, size) as m:
        a = np.frombuffer(m, dtype="<u8")
        n = 4096
        want = sum(pattern_word(seed, w) for w in range(n)) & M64
        expect(int(a[:n].sum(dtype=np.uint64)), want, "sum of the words")
        a[n:2 * n] = np.arange(n, dtype="<u8")
        data = np.arange(n, dtype="<u8").tobytes()
        expect(kernel_crc32c(fd, 8 * n, 8 * n), crc32c(data), "CHECKSUM")
        expect(os.pread(fd, 8 * n, 8 * n), data, "pread")
        del a       # the mapping cannot close while numpy holds it


@test("the README's Python example runs and prints what the README says")
def t_readme():
    with open(README) as f:
        text = f.read()
    # The README's "Using it" section, from its Python paragraph on.
    section = text[text.index("\nFrom Python ("):]
    m = re.search(r"```python\n(.*?)```.*?```text\n(.*?)```", section, re.S)
    if not m:
        raise AssertionError("no python and text blocks in the README")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(m.group(1), "README.md", "exec"), {})
    expect(out.getvalue(), m.group(2), "output")


if __name__ == "__main__":
    sys.exit(main())
