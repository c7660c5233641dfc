#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The mmapdemo Python module on the real device, in both map modes.
Runs in the guest with the module loaded; prints TAP.
"""
import errno
import functools
import os

import mmapdemo
import pytap
from pytap import expect

try:
    import numpy
except ImportError:
    numpy = None

# CRC32C of "123456789", and the FILL pattern of seed 7 over [0, 16)
# (README.md, "Using it", its Python paragraph).
CHECK = 0xE3069283
FILL7 = bytes.fromhex("d634db6811369cee5f3dd5b99d064e08")


def test(name):
    """fn(None), once."""
    def register(fn):
        pytap.add(name, functools.partial(fn, None))
        return fn
    return register


def both_modes(name):
    """fn(mode), once per map mode."""
    def register(fn):
        for mode in ("fault", "remap"):
            pytap.add("%s (%s)" % (name, mode), functools.partial(fn, mode))
        return fn
    return register


def expect_errno(want, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except OSError as e:
        expect(e.errno, want, "errno of %s" % fn.__name__)
        return
    raise AssertionError("%s did not fail" % fn.__name__)


@test("info() reports the ABI version, page size and buffer size")
def t_info(_):
    with mmapdemo.Device() as dev:
        info = dev.info()
        expect(info.abi_version, mmapdemo.ABI_VERSION, "abi_version")
        expect(info.page_size, os.sysconf("SC_PAGE_SIZE"), "page_size")
        expect(info.size, os.lseek(dev.fileno(), 0, os.SEEK_END), "size")
        expect(dev.size, info.size, "size property")


@both_modes("set_mode() is what info() then reports")
def t_mode(mode):
    with mmapdemo.Device() as dev:
        dev.set_mode(mode)
        expect(dev.info().map_mode, mmapdemo.MODES[mode], "map_mode")


@both_modes("a store through map() is what the kernel checksums and reads")
def t_store(mode):
    with mmapdemo.Device() as dev:
        dev.set_mode(mode)
        with dev.map() as m:
            view = memoryview(m)
            view[8192:8201] = b"123456789"
            expect(dev.checksum(8192, 9), CHECK, "checksum")
            expect(os.pread(dev.fileno(), 9, 8192), b"123456789", "read()")
            view.release()


@both_modes("fill() is seen in the mapping at once")
def t_fill(mode):
    with mmapdemo.Device() as dev:
        dev.set_mode(mode)
        with dev.map() as m:
            dev.fill(0, 16, seed=7)
            expect(bytes(memoryview(m)[:16]), FILL7, "pattern")


@both_modes("a NumPy array over map() shares the pages (no copy)")
def t_numpy(mode):
    if numpy is None:
        return "SKIP no numpy in the guest"
    with mmapdemo.Device() as dev:
        dev.set_mode(mode)
        with dev.map() as m:
            a = numpy.frombuffer(m, dtype=numpy.uint8)
            expect(a.flags.owndata, False, "owndata")
            a[:] = 0
            a[4096:4105] = numpy.frombuffer(b"123456789", numpy.uint8)
            expect(dev.checksum(4096, 9), CHECK, "checksum of numpy stores")
            dev.fill(0, 16, seed=7)
            expect(a[:16].tobytes(), FILL7, "fill seen by numpy")
            words = numpy.frombuffer(m, dtype=numpy.uint64)
            expect(words.size * 8, dev.size, "uint64 view")
            del a, words


@both_modes("stats() counts the mmaps, fills and checksums")
def t_stats(mode):
    with mmapdemo.Device() as dev:
        dev.set_mode(mode)
        before = dev.stats()
        with dev.map(0, 4096):
            dev.fill(0, 64, 1)
            dev.checksum(0, 64)
        after = dev.stats()
        expect(after.mmaps - before.mmaps, 1, "mmaps")
        expect(after.fills - before.fills, 1, "fills")
        expect(after.checksums - before.checksums, 1, "checksums")


@both_modes("errors are OSError with the errno")
def t_errors(mode):
    with mmapdemo.Device() as dev:
        dev.set_mode(mode)
        size = dev.size
        expect_errno(errno.EINVAL, dev.fill, size, 1)
        expect_errno(errno.EINVAL, dev.checksum, 0, size + 1)
        expect_errno(errno.EINVAL, dev.set_mode, 7)
        with dev.map(0, 4096):
            expect_errno(errno.EBUSY, dev.set_mode, mode)
    with mmapdemo.Device(flags=os.O_RDONLY) as ro:
        ro.set_mode(mode)
        expect_errno(errno.EACCES, ro.map, 0, 4096, write=True)
        with ro.map(0, 4096) as m:
            expect(len(m), 4096, "read-only mapping")


@test("map() with private=True is copy-on-write (fault mode)")
def t_private(_):
    with mmapdemo.Device() as dev:
        dev.set_mode("fault")
        dev.fill(0, 4096, 3)
        with dev.map(0, 4096, private=True) as m:
            m[0:4] = b"priv"
            expect(os.pread(dev.fileno(), 4, 0) != b"priv", True,
                   "device unchanged")


@both_modes("export_dmabuf() gives an fd that mmap and NumPy map")
def t_dmabuf(mode):
    import mmap
    with mmapdemo.Device() as dev:
        dev.set_mode(mode)
        before = dev.stats()
        fd = dev.export_dmabuf(4096, 8192)
        try:
            expect(os.get_inheritable(fd), False, "O_CLOEXEC by default")
            with mmap.mmap(fd, 8192) as m:
                m[0:5] = b"dmabf"
                expect(os.pread(dev.fileno(), 5, 4096), b"dmabf",
                       "store through the dma-buf, read through the device")
                dev.fill(4096, 16, seed=7)
                if numpy is not None:
                    a = numpy.frombuffer(m, dtype=numpy.uint8)
                    expect(a.size, 8192, "numpy view")
                    fill = os.pread(dev.fileno(), 16, 4096)
                    expect(a[:16].tobytes(), fill,
                           "numpy sees the kernel's fill")
                    del a
            expect(dev.stats().dmabuf_live - before.dmabuf_live, 1, "live")
        finally:
            os.close(fd)
        after = dev.stats()
        expect(after.dmabuf_live, before.dmabuf_live, "released")
        expect(after.dmabuf_exports - before.dmabuf_exports, 1, "exports")
        expect_errno(errno.EINVAL, dev.export_dmabuf, 1, 4096)
        expect_errno(errno.EINVAL, dev.export_dmabuf, 0, 0)


@test("Device(index=0) is /dev/mmapdemo; a path and an index conflict")
def t_index(_):
    with mmapdemo.Device(index=0) as dev:
        expect(os.fstat(dev.fileno()).st_rdev,
               os.stat(mmapdemo.DEVICE).st_rdev, "index 0")
    expect(mmapdemo.device_path(3), mmapdemo.DEVICE + "3", "device_path")
    for bad in (-1, mmapdemo.MAX_DEVICES, "1"):
        try:
            mmapdemo.device_path(bad)
        except ValueError:
            continue
        raise AssertionError("device_path(%r) accepted" % (bad,))
    try:
        mmapdemo.Device(mmapdemo.DEVICE, index=0)
    except ValueError:
        pass
    else:
        raise AssertionError("path and index accepted together")
    expect_errno(errno.ENOENT, mmapdemo.Device, index=9)


if __name__ == "__main__":
    raise SystemExit(pytap.main())
