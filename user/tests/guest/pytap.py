# SPDX-License-Identifier: GPL-2.0
"""The TAP runner of the Python guest tests (python_mmap.py,
python_module.py). A test is a callable registered with @test(name) or
add(name, fn); it passes when it returns without raising, and a string
it returns is its "# SKIP" reason.
"""
import sys
import time
import traceback

TESTS = []


def add(name, fn):
    TESTS.append((name, fn))


def test(name):
    def register(fn):
        add(name, fn)
        return fn
    return register


def expect(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def main():
    print("1..%d" % len(TESTS))
    failed = 0
    for n, (name, fn) in enumerate(TESTS, 1):
        t0 = time.monotonic()
        try:
            skip = fn()
            print("ok %d - %s%s" % (n, name, " # " + skip if skip else ""))
        except Exception:       # noqa: BLE001 - any failure fails the test
            failed += 1
            print("not ok %d - %s" % (n, name))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        print("# time: %d ms" % ((time.monotonic() - t0) * 1000))
        sys.stdout.flush()
    return 1 if failed else 0
