#!/bin/sh
# mmapdemo-guest: flavor stock
# mmapdemo bench --quick: the tool runs end to end in the guest and its
# table, CSV and JSON parse and hold every section and field. This checks
# that the benchmark works, never how fast anything is.
. /run/mmapdemo/repo/scripts/guest/lib.sh
. "$REPO/scripts/guest/tap.sh"

t=$(mktemp -d)
param=/sys/module/mmapdemo/parameters/fault_around
fa_before=$(cat $param)
plan 9

check "bench --quick --json --output runs and exits 0" \
	sh -c "'$MMAPDEMO_TOOL' bench --quick --json --output '$t/b' \
		>'$t/stdout.json' 2>'$t/err' || { cat '$t/err'; exit 1; }"

# The JSON: every section, with numbers where numbers belong.
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
for sec, sys_ in (("kernel_to_user", "read"), ("user_to_kernel", "write")):
    rows = d[sec]
    assert [r["size"] for r in rows] == [65536, 262144, 1048576], sec
    for r in rows:
        num(r["reps"], "reps")
        for v in ("memcpy", "mmap-fault", "mmap-remap", sys_):
            num(r[v]["ns"], "%s %s ns" % (sec, v))
            num(r[v]["mib_s"], "%s %s mib_s" % (sec, v))
        for k in ("mmap-fault/memcpy", "mmap-remap/memcpy",
                  "mmap-fault/" + sys_, "mmap-remap/" + sys_):
            num(r["ratios"][k], k)
        if sec == "user_to_kernel":
            for v in ("mmap-fault", "mmap-remap", "write"):
                num(r[v]["crc_ns"], v + " crc_ns")
            num(r["ratios"]["mmap-fault+crc/write+crc"], "crc ratio")
want = {(v, t) for v in ("anon", "remap", "fault", "fault-nofa",
                         "fault-64k", "fault-2m")
        for t in ("write", "read")}
assert {(s["variant"], s["touch"]) for s in d["setup"]} == want, d["setup"]
for s in d["setup"]:
    num(s["ns"], "setup ns")
    num(s["ns_per_page"], "setup ns/page")
    num(s["vs_anon"], "vs_anon")
    num(s["vs_remap"], "vs_remap")
    assert s["minflt"] is not None and s["minflt"] >= 0
    if s["variant"] == "fault":
        # fault-around: fewer faults than pages, every page mapped
        pages = s["size"] // 4096
        assert 1 <= s["faults"] < pages, s
        assert s["fault_pages"] == pages, s
    if s["variant"] == "fault-nofa":
        assert s["faults"] == s["size"] // 4096, s
    if s["variant"] == "remap":
        assert s["faults"] == 0, s
assert {(s["variant"], s["size"]) for s in d["scaling"]} == \
    {(v, z) for v in ("anon", "remap", "fault") for z in (262144, 1048576)}
f = d["fio"]
assert f["version"].startswith("fio-"), f
assert {(j["rw"], j["engine"]) for j in f["jobs"]} == \
    {(r, e) for r in ("read", "write") for e in ("mmap", "psync")}
for j in f["jobs"]:
    num(j["bw_bytes"], "fio bw")
num(f["ratios"]["read mmap/psync"], "fio ratio")
names = [t["name"] for t in d["targets"]]
assert len(names) == 7 and all(names), names
for t in d["targets"]:
    assert t["op"] in ("<=", ">=") and isinstance(t["limit"], (int, float)), t
    if t["value"] is None or t["value"] < 0:
        assert t["met"] is None, t
    else:
        ok = t["value"] <= t["limit"] if t["op"] == "<=" else \
            t["value"] >= t["limit"]
        assert t["met"] is ok, t
assert isinstance(d["notes"], list)
PY

check "--output wrote the same JSON" cmp "$t/stdout.json" "$t/b.json"

check "the CSV parses: header, every section, numbers" python3 - "$t/b.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows, "empty"
assert list(rows[0].keys()) == ["section", "variant", "op", "size_bytes",
    "reps", "median_ns", "mib_s", "ns_per_page", "munmap_ns", "minflt",
    "faults", "fault_pages", "ratio"], rows[0].keys()
secs = {r["section"] for r in rows}
assert secs == {"k2u", "u2k", "setup", "scaling", "fio", "ratio"}, secs
for r in rows:
    int(r["size_bytes"])
    if r["section"] in ("k2u", "u2k"):
        assert float(r["median_ns"]) > 0 and float(r["mib_s"]) > 0, r
    if r["section"] in ("setup", "scaling"):
        assert float(r["ns_per_page"]) > 0, r
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
assert len(d['setup']) == 12
"
rm -rf "$t"
done_testing
