#!/usr/bin/env python3
"""Count TAP/KTAP results.

usage: tap-count.py [--ktap-depth N] [--label L] FILE...

Prints one line per failing test ("FAIL <label>: <file>: <test>") and,
last, "<passed> <failed> <skipped>". A plan that does not match the
number of results counts the missing ones as failed (more results than
planned count as one failure), a "Bail out!" fails
the file, and a file with no results at all is a failure: no output is
never success. A "# SKIP" result is reported as skipped, not passed.

--ktap-depth N counts only results indented by N levels (4 spaces each;
KUnit: 1 = test cases inside suites); the plan check is then skipped.
"""
import re
import sys

RESULT = re.compile(r'^(?P<indent>\s*)(?P<ok>not ok|ok)\b\s*(?P<num>\d+)?\s*-?\s*(?P<desc>.*)$')
PLAN = re.compile(r'^1\.\.(\d+)')


def count(path, depth, label):
    passed = failed = skipped = 0
    fails = []
    try:
        with open(path, errors='replace') as f:
            lines = f.read().splitlines()
    except OSError as e:
        return 0, 1, 0, [f'{path}: {e.strerror}']
    plan = None
    seen = 0
    for line in lines:
        line = line.replace('\t', '    ')
        if depth is None:
            m = PLAN.match(line)
            if m and plan is None:
                plan = int(m.group(1))
            if line.startswith('Bail out!'):
                failed += 1
                fails.append(f'{path}: {line}')
        m = RESULT.match(line)
        if not m:
            continue
        level = len(m.group('indent')) // 4
        if depth is None and level != 0:
            continue
        if depth is not None and level != depth:
            continue
        seen += 1
        desc = m.group('desc')
        if re.search(r'#\s*SKIP', desc, re.I):
            skipped += 1
        elif m.group('ok') == 'ok':
            passed += 1
        else:
            failed += 1
            fails.append(f'{path}: {desc}')
    if seen == 0:
        failed += 1
        fails.append(f'{path}: no test results')
    elif plan is not None and seen < plan:
        failed += plan - seen
        fails.append(f'{path}: planned {plan}, ran {seen}')
    elif plan is not None and seen > plan:
        failed += 1
        fails.append(f'{path}: planned {plan}, ran {seen} (more than planned)')
    return passed, failed, skipped, fails


def main(argv):
    depth = None
    label = 'tests'
    files = []
    i = 0
    while i < len(argv):
        if argv[i] == '--ktap-depth':
            depth = int(argv[i + 1])
            i += 2
        elif argv[i] == '--label':
            label = argv[i + 1]
            i += 2
        else:
            files.append(argv[i])
            i += 1
    tp = tf = ts = 0
    for path in files:
        p, f, s, fails = count(path, depth, label)
        tp += p
        tf += f
        ts += s
        for x in fails:
            print(f'FAIL {label}: {x}')
    print(tp, tf, ts)


if __name__ == '__main__':
    main(sys.argv[1:])
