#!/bin/sh
# mmapdemo-guest: flavor stock
# mmapdemo bench --quick: the tool runs end to end in the guest and its
# table, CSV and JSON parse and hold every section and field. This checks
# that the benchmark works, never how fast anything is.
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/tap.sh"

t=$(mktemp -d)
param=/sys/module/mmapdemo/parameters/fault_around
huge=/sys/module/mmapdemo/parameters/huge
fa_before=$(cat $param)
huge_before=$(cat $huge 2>/dev/null)
plan 11

check "bench --quick --json --output runs and exits 0" \
	sh -c "'$MMAPDEMO_TOOL' bench --quick --json --output '$t/b' \
		>'$t/stdout.json' 2>'$t/err' || { cat '$t/err'; exit 1; }"

# The JSON: every section, with numbers where numbers belong.
# The JSON: every section, with numbers where numbers belong; every
# variant measured or listed as skipped with its reason.
check "the JSON has every section and field" python3 - "$t/stdout.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def num(x, what):
    assert isinstance(x, (int, float)) and x > 0, "%s: %r" % (what, x)
assert d["tool"] == "mmapdemo bench"
for k in ("cpu", "kernel", "arch"):
    assert isinstance(d["machine"][k], str) and d["machine"][k], k
num(d["machine"]["cpus"], "cpus")
num(d["machine"]["mem_bytes"], "mem_bytes")
c = d["config"]
assert c["quick"] is True
num(c["buffer_size"], "buffer_size")
num(c["fault_around"], "fault_around")
num(d["seconds"], "seconds")
skipped = {s["variant"]: s["reason"] for s in d["skipped"]}
assert all(skipped.values()), skipped
# Huge mappings: measured where INFO says the kernel has them, else
# skipped as not supported; never silently left out.
for bit, v in ((1, "remap"), (2, "fault")):
    for name in (v + "-huge", "mmap-%s-huge" % v):
        if c["huge"] & bit:
            assert name not in skipped, (name, skipped)
        else:
            assert skipped.get(name) == "not supported on this kernel", \
                (name, skipped)
for sec, sys_ in (("kernel_to_user", "read"), ("user_to_kernel", "write")):
    rows = d[sec]
    assert [r["size"] for r in rows] == [65536, 262144, 1048576], sec
    for r in rows:
        num(r["reps"], "reps")
        for v in ("memcpy", "mmap-fault-4K", "mmap-remap-4K",
                  "mmap-fault-huge", "mmap-remap-huge", sys_):
            if v in skipped:
                assert r[v]["ns"] is None, (sec, v, r[v])
                continue
            for k in ("ns", "min_ns", "max_ns", "mib_s"):
                num(r[v][k], "%s %s %s" % (sec, v, k))
            assert r[v]["min_ns"] <= r[v]["ns"] <= r[v]["max_ns"], r[v]
            if v.startswith("mmap"):
                num(r["ratios"][v + "/memcpy"], v + "/memcpy")
                num(r["ratios"]["%s/%s" % (v, sys_)], v + "/" + sys_)
        if sec == "user_to_kernel":
            for v in ("mmap-fault-4K", "mmap-remap-4K", "write"):
                num(r[v]["crc_ns"], v + " crc_ns")
            num(r["ratios"]["mmap-fault-4K+crc/write+crc"], "crc ratio")
variants = ("remap-4K", "fault-4K", "remap-huge", "fault-huge", "tmpfs",
            "shmem-thp", "anon")
fa_rows = ("fault-4K-fa0", "fault-4K-fa64K", "fault-4K-fa2M")
sizes = [z for z in (1 << 20, 4 << 20) if z <= c["buffer_size"]]
want = {(v, t, z) for v in variants if v not in skipped
        for t in ("write", "read") for z in sizes}
want |= {(v, t, sizes[0]) for v in fa_rows if v not in skipped
         for t in ("write", "read")}
got = {(s["variant"], s["touch"], s["size"]) for s in d["setup"]}
assert got == want, (sorted(got ^ want), skipped)
rows = {(s["variant"], s["touch"], s["size"]): s for s in d["setup"]}
for s in d["setup"]:
    for k in ("ns", "min_ns", "max_ns", "ns_per_page", "munmap_ns",
              "munmap_ns_per_page"):
        num(s[k], "setup " + k)
    assert s["min_ns"] <= s["ns"] <= s["max_ns"], s
    assert s["munmap_min_ns"] <= s["munmap_ns"] <= s["munmap_max_ns"], s
    assert s["minflt"] is not None and s["minflt"] >= 0
    others = {v for (v, t, z) in want if t == s["touch"] and
              z == s["size"]} - {s["variant"]}
    assert set(s["vs"]) == others, (s["vs"], others)
    for k in others:
        num(s["vs"][k], "vs " + k)
    pages = s["size"] // 4096
    v = s["variant"]
    if v.startswith("remap") or v.startswith("fault"):
        for k in ("faults", "fault_pages", "huge_faults", "huge_fallbacks"):
            assert s[k] is not None and s[k] >= 0, (k, s)
    else:
        assert s["faults"] is None and s["huge_faults"] is None, s
    if v.endswith("-4K") or v.startswith("fault-4K-"):
        # huge=never: 4 KiB entries only
        assert s["huge_faults"] == 0, s
    if v == "fault-4K":
        # fault-around: fewer faults than pages, every page mapped
        assert 1 <= s["faults"] < pages, s
        assert s["fault_pages"] == pages, s
    if v == "fault-4K-fa0":
        assert s["faults"] == pages, s
    if v == "remap-4K":
        assert s["faults"] == 0, s
    if v.endswith("-huge") and s["size"] >= 4 << 20:
        assert s["huge_faults"] >= 1, s
# shmem THP maps 2 MiB per fault where the tmpfs file maps fault_around
if ("shmem-thp", "write", 4 << 20) in rows and \
        ("tmpfs", "write", 4 << 20) in rows:
    assert rows[("shmem-thp", "write", 4 << 20)]["minflt"] * 4 <= \
        rows[("tmpfs", "write", 4 << 20)]["minflt"], \
        (rows[("shmem-thp", "write", 4 << 20)],
         rows[("tmpfs", "write", 4 << 20)])
got = {(s["variant"], s["size"]) for s in d["scaling"]}
assert got == {(v, 262144) for v in variants if v not in skipped}, got
assert all(s["touch"] == "write" for s in d["scaling"])
f = d["fio"]
assert f["version"].startswith("fio-"), f
assert {(j["rw"], j["engine"]) for j in f["jobs"]} == \
    {(r, e) for r in ("read", "write") for e in ("mmap", "psync")}
for j in f["jobs"]:
    num(j["bw_bytes"], "fio bw")
num(f["ratios"]["read mmap/psync"], "fio ratio")
names = [t["name"] for t in d["targets"]]
assert len(names) == 14 and len(set(names)) == 14 and all(names), names
for t in d["targets"]:
    assert t["op"] in ("<=", ">=") and isinstance(t["limit"], (int, float)), t
    assert isinstance(t["detail"], str) and t["detail"], t
    if t["value"] is None:
        # nothing to measure it with: not met, and the detail says why
        assert t["met"] is False, t
    else:
        ok = t["value"] <= t["limit"] if t["op"] == "<=" else \
            t["value"] >= t["limit"]
        assert t["met"] is ok, t
for t in d["targets"]:
    if "huge" in t["name"] and not c["huge"] and "memcpy" not in t["name"]:
        assert t["value"] is None and \
            "not supported on this kernel" in t["detail"], t
assert isinstance(d["notes"], list)
PY

check "--output wrote the same JSON" cmp "$t/stdout.json" "$t/b.json"

check "the CSV parses: header, every section, numbers" python3 - "$t/b.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows, "empty"
assert list(rows[0].keys()) == ["section", "variant", "op", "size_bytes",
    "reps", "median_ns", "min_ns", "max_ns", "mib_s", "ns_per_page",
    "munmap_ns", "minflt", "faults", "fault_pages", "huge_faults",
    "ratio"], rows[0].keys()
secs = {r["section"] for r in rows}
assert secs == {"k2u", "u2k", "setup", "scaling", "fio", "ratio"}, secs
for r in rows:
    int(r["size_bytes"])
    if r["section"] in ("k2u", "u2k"):
        assert float(r["median_ns"]) > 0 and float(r["mib_s"]) > 0, r
        if not r["variant"].endswith("+crc"):
            assert float(r["min_ns"]) <= float(r["median_ns"]) <= \
                float(r["max_ns"]), r
    if r["section"] in ("setup", "scaling"):
        assert float(r["ns_per_page"]) > 0, r
        assert float(r["min_ns"]) <= float(r["median_ns"]) <= \
            float(r["max_ns"]), r
    if r["section"] == "ratio":
        assert float(r["ratio"]) > 0, r
PY

check "the table has every section and the targets" sh -c "
	for s in '1. kernel -> user' '2. user -> kernel' '3. first touch' \
		 '4. scaling' '5. fio' 'targets:'; do
		grep -qF \"\$s\" '$t/b.txt' || { echo \"no '\$s'\"; exit 1; }
	done"

check "fault_around is back to its value" \
	sh -c "test -n \"$fa_before\" && test \"\$(cat $param)\" = \"$fa_before\""

# Without the parameter, the bench must say so and find no huge support.
check "the huge parameter is back to its value (or reported absent)" \
	python3 - "$t/stdout.json" "$huge" "$huge_before" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
if os.path.exists(sys.argv[2]):
    assert open(sys.argv[2]).read() == sys.argv[3] + "\n", sys.argv[3]
    assert d["config"]["huge_param"] == sys.argv[3], d["config"]
else:
    assert d["config"]["huge_param"] is None, d["config"]
    assert d["config"]["huge"] == 0, d["config"]
PY

check "no tmpfs mount or directory is left behind" sh -c "
	! grep -q mmapdemo-bench /proc/mounts &&
	! ls -d /tmp/mmapdemo-bench.* 2>/dev/null"

check "no mapping is left behind" \
	test "$(cat /sys/class/misc/mmapdemo/stats/live_vmas)" = 0

check "bad options: usage errors (exit 2)" sh -c "
	'$MMAPDEMO_TOOL' bench --reps 0 2>/dev/null; a=\$?
	'$MMAPDEMO_TOOL' bench --only nope 2>/dev/null; b=\$?
	'$MMAPDEMO_TOOL' bench --json --csv 2>/dev/null; c=\$?
	test \$a\$b\$c = 222"

check "--only setup --max-size 1M runs one section within the limit" \
	python3 -c "
import json, subprocess, sys
out = subprocess.run(['$MMAPDEMO_TOOL', 'bench', '--quick', '--quiet',
    '--json', '--only', 'setup', '--max-size', '1M'],
    capture_output=True, check=True).stdout
d = json.loads(out)
assert d['config']['buffer_size'] == 1048576, d['config']
assert not d['kernel_to_user'] and not d['fio']['jobs'], d
assert not d['scaling'], d['scaling']
skipped = {s['variant'] for s in d['skipped']}
names = ('remap-4K', 'fault-4K', 'remap-huge', 'fault-huge', 'tmpfs',
         'shmem-thp', 'anon', 'fault-4K-fa0', 'fault-4K-fa64K',
         'fault-4K-fa2M')
want = {(v, t) for v in names if v not in skipped for t in ('write', 'read')}
assert {(s['variant'], s['touch']) for s in d['setup']} == want, d['setup']
assert all(s['size'] == 1048576 for s in d['setup'])
"
rm -rf "$t"
done_testing
