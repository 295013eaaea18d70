#!/usr/bin/env python3
"""What each scan technique changes, per suite query: segql in several
variants on the same data, runs alternated, medians, answers compared.

    bench/techniques.py --segql target/release/segql --data bench/data/demo-10000000 \\
        [--prepared DIR] [--runs 3] [--threads 2] [--baseline OLD_SEGQL]

Variants (each a column, the first the reference of the ratios):
- default: segql as shipped (dictionary reads, no pushdown);
- plain strings: `--plain-strings` (the type and name read as strings);
- pushdown on: `--pushdown on` (late materialization in the reader);
- prepared: the default on the `segql prepare` layout (with --prepared);
- baseline: another build's default (with --baseline), e.g. one from
  before these techniques.
"""

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

SUITE = Path(__file__).resolve().parent / "suite"
FILTER_FLOOR_SEG = 'users who viewed "/cart" or action "CHECKOUT" within session'


def run(segql, data, text_args, extra, threads, now):
    argv = ["/usr/bin/time", "-f", "peak_kb %M", segql, "run", "--data", data,
            "--threads", str(threads), "--now", now, "--pictures", "never",
            "--format", "csv"] + extra + text_args
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{proc.stderr}")
    return seconds, proc.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--segql", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--prepared", help="the same data after `segql prepare`")
    p.add_argument("--baseline", help="another segql build to compare with")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--now", default="2026-04-01T00:00:00Z")
    p.add_argument("--only", nargs="*", help="the queries whose names contain these")
    args = p.parse_args()

    queries = [(seg.stem, [str(seg)]) for seg in sorted(SUITE.glob("*.seg"))]
    queries.append(("filter floor (as a segment)", ["-e", FILTER_FLOOR_SEG]))
    if args.only:
        queries = [q for q in queries if any(o in q[0] for o in args.only)]
    variants = [("default", args.segql, args.data, []),
                ("plain strings", args.segql, args.data, ["--plain-strings"]),
                ("pushdown on", args.segql, args.data, ["--pushdown", "on"])]
    if args.prepared:
        variants.append(("prepared", args.segql, args.prepared, []))
    if args.baseline:
        variants.append(("baseline", args.baseline, args.data, []))

    names = [v[0] for v in variants]
    print("| query | " + " | ".join(f"{n} s" for n in names) + " | "
          + " | ".join(f"{n} / default" for n in names[1:]) + " |")
    print("|---" * (2 * len(names)) + "|")
    for name, text in queries:
        times = {n: [] for n in names}
        answers = {}
        for _ in range(args.runs):
            for variant, segql, data, extra in variants:
                seconds, out = run(segql, data, text, extra, args.threads, args.now)
                times[variant].append(seconds)
                answers[variant] = out
        if len(set(answers.values())) != 1:
            sys.exit(f"{name}: the variants answer differently")
        medians = {n: statistics.median(t) for n, t in times.items()}
        line = f"| {name} | " + " | ".join(f"{medians[n]:.3f}" for n in names) + " | "
        line += " | ".join(f"{medians[n] / medians['default']:.2f}" for n in names[1:]) + " |"
        print(line, flush=True)


if __name__ == "__main__":
    main()
