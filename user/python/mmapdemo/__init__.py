# SPDX-License-Identifier: LGPL-2.1-or-later
"""Use /dev/mmapdemo from Python: one kernel buffer shared through mmap().

Pure Python over ``os``, ``mmap``, ``fcntl`` and ``struct``.  The ioctl
numbers and struct layouts are in :mod:`mmapdemo._uapi`, generated at
build time from the driver's ABI header (``driver/uapi/mmapdemo.h``) by
``user/python/gen_uapi.py``.

>>> import mmapdemo
>>> with mmapdemo.Device() as dev:
...     dev.set_mode("remap")
...     with dev.map() as m:
...         m[4096:4101] = b"hello"             # a plain store ...
...         crc = dev.checksum(4096, 5)         # ... the kernel reads
...         dev.fill(0, 16, seed=7)             # the kernel writes ...
...         data = bytes(memoryview(m)[:16])    # ... the mapping shows it

Every failing call raises :class:`OSError` with the kernel's errno
(``EINVAL``, ``EBUSY``, ``EACCES``, ...); an argument refused before any
call (a map mode name other than ``"fault"`` or ``"remap"``) raises
:class:`ValueError`.
"""

import collections
import fcntl
import mmap
import os
import struct

from . import _uapi
from ._uapi import *  # noqa: F401,F403  (the ABI constants)

__all__ = ["Device", "Info", "Stats", "MODES", "DEVICE", "ABI_VERSION",
           "MODE_FAULT", "MODE_REMAP", "device_path"]

_INFO, _INFO_FIELDS = _uapi.STRUCTS["info"]
_FILL, _ = _uapi.STRUCTS["fill"]
_CHECKSUM, _ = _uapi.STRUCTS["checksum"]
_STATS, _STATS_FIELDS = _uapi.STRUCTS["stats"]
_EXPORT, _ = _uapi.STRUCTS["dmabuf_export"]
_U32 = struct.Struct("=I")         # SET_MODE's argument, a __u32

#: What INFO returns (``struct mmapdemo_info``).
Info = collections.namedtuple("Info", _INFO_FIELDS)
#: What STATS returns (``struct mmapdemo_stats``).
Stats = collections.namedtuple("Stats", _STATS_FIELDS)
#: Map mode names, as the module parameter ``map_mode`` spells them.
MODES = {"fault": _uapi.MODE_FAULT, "remap": _uapi.MODE_REMAP}


def device_path(index):
    """The node of device ``index``: DEVICE for 0, DEVICE + str(n) after
    (ValueError outside 0 to MAX_DEVICES - 1).
    """
    if not isinstance(index, int) or not 0 <= index < _uapi.MAX_DEVICES:
        raise ValueError("device index %r is not in 0..%d"
                         % (index, _uapi.MAX_DEVICES - 1))
    return _uapi.DEVICE + (str(index) if index else "")


class Device:
    """An open file of the mmapdemo device.

    ``Device(path=DEVICE, flags=os.O_RDWR)`` opens it; use it as a
    context manager or call :meth:`close`.  ``Device(index=n)`` opens
    device ``n`` of several (the module parameter ``devices=``):
    ``/dev/mmapdemo`` for 0, ``/dev/mmapdemo<n>`` for the others.  Each
    open file has its own map mode (the module's default until
    :meth:`set_mode`); all files of a device share its one buffer.
    """

    def __init__(self, path=None, flags=os.O_RDWR, index=None):
        if path is not None and index is not None:
            raise ValueError("give a path or an index, not both")
        if index is not None:
            path = device_path(index)
        elif path is None:
            path = _uapi.DEVICE
        self._fd = -1
        self._fd = os.open(path, flags | os.O_CLOEXEC)
        self._flags = flags

    def fileno(self):
        """The file descriptor (for select, os.read, ...)."""
        return self._fd

    def close(self):
        """Close the file; mappings made from it stay valid."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except (AttributeError, OSError):
            pass

    def info(self):
        """INFO: ABI version, page size, buffer size, modes, chunks."""
        buf = bytearray(_INFO.size)
        fcntl.ioctl(self._fd, _uapi.IOC_INFO, buf)
        return Info._make(_INFO.unpack(buf))

    @property
    def size(self):
        """The buffer size in bytes."""
        return self.info().size

    def set_mode(self, mode):
        """SET_MODE: ``"fault"``, ``"remap"`` or MODE_*, before the
        file's first mmap() (EBUSY after it, EINVAL for an unknown mode).
        """
        if isinstance(mode, str):
            if mode not in MODES:
                raise ValueError("unknown map mode %r" % mode)
            mode = MODES[mode]
        fcntl.ioctl(self._fd, _uapi.IOC_SET_MODE, _U32.pack(mode))

    def fill(self, offset, length, seed=0):
        """FILL: the kernel writes the pattern of ``seed`` over
        [offset, offset + length) (needs a writable file).
        """
        fcntl.ioctl(self._fd, _uapi.IOC_FILL,
                    _FILL.pack(offset, length, seed, 0))

    def checksum(self, offset, length):
        """CHECKSUM: the CRC32C the kernel computes over the range."""
        buf = bytearray(_CHECKSUM.pack(offset, length, 0, 0))
        fcntl.ioctl(self._fd, _uapi.IOC_CHECKSUM, buf)
        return _CHECKSUM.unpack(buf)[2]

    def stats(self):
        """STATS: the device's counters, as a :data:`Stats`."""
        buf = bytearray(_STATS.size)
        fcntl.ioctl(self._fd, _uapi.IOC_STATS, buf)
        return Stats._make(_STATS.unpack(buf))

    def export_dmabuf(self, offset=0, length=None, flags=None):
        """EXPORT_DMABUF: [offset, offset + length) of the buffer (the
        rest of it by default; page aligned) as a dma-buf, returned as a
        new file descriptor the caller owns (``os.close`` it).

        Other drivers import it (V4L2 ``V4L2_MEMORY_DMABUF``, DRM
        PRIME), other processes get it over a UNIX socket
        (``socket.send_fds``), and ``mmap.mmap(fd, length)`` maps it
        (shared only), so ``numpy.frombuffer`` sees the very pages of
        the device.  ``flags`` defaults to the file's access mode with
        ``O_CLOEXEC``.  While it lives the buffer cannot be resized and
        the module not unloaded.
        """
        if length is None:
            length = self.size - offset
        if flags is None:
            flags = (self._flags & os.O_ACCMODE) | os.O_CLOEXEC
        buf = bytearray(_EXPORT.pack(offset, length, flags, -1))
        fcntl.ioctl(self._fd, _uapi.IOC_EXPORT_DMABUF, buf)
        return _EXPORT.unpack(buf)[3]

    def map(self, offset=0, length=None, write=None, private=False):
        """mmap() the buffer: an :class:`mmap.mmap` of ``length`` bytes
        (the rest of the buffer by default) from ``offset`` (a multiple
        of the page size).

        The result supports the buffer protocol, so ``memoryview(m)``
        and ``numpy.frombuffer(m, numpy.uint8)`` see the shared pages
        without a copy.  ``write`` defaults to whether the file was
        opened for writing; ``private=True`` asks for MAP_PRIVATE
        (copy-on-write, fault mode only).  Close the mapping (or use it
        as a context manager) once no view of it is left.
        """
        if length is None:
            length = self.size - offset
        if write is None:
            write = (self._flags & os.O_ACCMODE) != os.O_RDONLY
        prot = mmap.PROT_READ | (mmap.PROT_WRITE if write else 0)
        flags = mmap.MAP_PRIVATE if private else mmap.MAP_SHARED
        return mmap.mmap(self._fd, length, flags=flags, prot=prot,
                         offset=offset)
