#!/usr/bin/env python3
"""Where guest time goes: the slowest tests and suites of a make check run.

usage: test-times.py [--top N] RESULTS-DIR

Reads every RESULTS-DIR/<stage>/<suite>.tap and .secs that the guest
stages left (each test's "# time: N ms" line follows its result) and
prints, per stage, its guest's seconds (boot and suites), then the
slowest suites and the slowest tests over all stages.
"""
import argparse
import os
import re
import sys

RESULT = re.compile(r'^(?:not ok|ok)\b\s*\d*\s*-?\s*(?P<desc>.*)$')
TIME = re.compile(r'^# time: (\d+) ms$')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--top', type=int, default=15)
    ap.add_argument('results')
    a = ap.parse_args()
    tests, suites, stages = [], [], []
    for stage in sorted(os.listdir(a.results)):
        d = os.path.join(a.results, stage)
        if not os.path.isdir(d) or not os.path.exists(os.path.join(d, 'console.log')):
            continue
        total = 0
        for f in sorted(os.listdir(d)):
            if not f.endswith('.secs'):
                continue
            suite = f[:-5]
            try:
                secs = int(open(os.path.join(d, f)).read().strip() or 0)
            except ValueError:
                continue
            total += secs
            suites.append((secs, stage, suite))
            last = None
            try:
                lines = open(os.path.join(d, suite + '.tap'), errors='replace').read().splitlines()
            except OSError:
                continue
            for line in lines:
                m = RESULT.match(line)
                if m:
                    last = m.group('desc')
                    continue
                m = TIME.match(line)
                if m and last is not None:
                    tests.append((int(m.group(1)), stage, suite, last))
                    last = None
        # The console's last kernel timestamp: the guest's whole life.
        life = 0.0
        with open(os.path.join(d, 'console.log'), errors='replace') as c:
            for line in c:
                m = re.match(r'^\[ *(\d+\.\d+)\]', line)
                if m:
                    life = float(m.group(1))
        stages.append((stage, life, total))
    print('stage: guest seconds (kernel clock), of them in suites')
    for stage, life, total in stages:
        print('  %-18s %7.0f  %7d' % (stage, life, total))
    print('slowest suites (seconds):')
    for secs, stage, suite in sorted(suites, reverse=True)[:a.top]:
        print('  %5d  %-18s %s' % (secs, stage, suite))
    print('slowest tests (ms):')
    for ms, stage, suite, desc in sorted(tests, reverse=True)[:a.top]:
        print('  %7d  %-18s %-18s %s' % (ms, stage, suite, desc[:70]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
