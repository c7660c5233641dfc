#!/bin/bash
# Host test (TAP): docs/mmap.md quotes every expected output of the mmap
# primer's examples (user/examples/NAME.MODE.expected) as it is, each
# example is built by user/examples/Makefile, and each has an expected
# output for both map modes. The guest suite 15-primer checks that the
# programs print exactly those files.
cd "$(dirname "$0")/../.." || exit 1
python3 - <<'PY'
import glob, os, re

doc = open("docs/mmap.md").read()
blocks = re.findall(r"^```\n(.*?)^```$", doc, re.S | re.M)
mk = open("user/examples/Makefile").read()
names = re.search(r"^NAMES := ((?:.*\\\n)*.*)$", mk, re.M).group(1)
names = names.replace("\\\n", " ").split()
progs = ["mmap_basics", "demand_paging", "signals", "private_cow"]
tests = []
for p in progs:
    tests.append(("%s is built by user/examples/Makefile" % p, p in names))
    for mode in ("fault", "remap"):
        f = "user/examples/%s.%s.expected" % (p, mode)
        ok = os.path.exists(f) and open(f).read() in blocks
        tests.append(("docs/mmap.md quotes %s as it is" % f, ok))
extra = sorted(set(glob.glob("user/examples/*.expected")) -
               {"user/examples/%s.%s.expected" % (p, m) for p in progs
                for m in ("fault", "remap")})
tests.append(("no expected output without its program (%s)" %
              " ".join(extra), not extra))
print("1..%d" % len(tests))
failed = 0
for i, (name, ok) in enumerate(tests, 1):
    print("%sok %d - %s" % ("" if ok else "not ", i, name))
    failed += not ok
raise SystemExit(1 if failed else 0)
PY
