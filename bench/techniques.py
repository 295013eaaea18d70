#!/usr/bin/env python3
"""What each scan technique changes, per suite query: segql in several
variants on the same data, runs alternated, medians, answers compared.

    bench/techniques.py --segql target/release/segql --data bench/data/demo-10000000 \\
        [--prepared DIR] [--integer-ids DIR] [--runs 3] [--threads 2] [--baseline OLD_SEGQL]

Variants (each a column, the first the reference of the ratios):
- default: segql as shipped (dictionary reads, no pushdown);
- plain strings: `--plain-strings` (the type and name read as strings);
- pushdown on: `--pushdown on` (late materialization in the reader);
- prepared: the default on the `segql prepare` layout (with --prepared),
  whose events are read in ranges of whole users, one per thread;
- prepared, hashed: the same with `--no-actor-ranges`, the events
  repartitioned by a hash of the user as on other files;
- baseline: another build's default (with --baseline), e.g. one from
  before these techniques;
- integer ids: the default on a copy whose ids are integers
  (bench/integer_ids.py, with --integer-ids): what grouping, joining and
  sorting on integer keys instead of text would change. Answers are
  compared with the ids' letters taken off and the lines sorted.
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


ID = re.compile(r"\b[usa](\d+)(?:-(\d+))?\b")


def comparable(answer, numbered_ids):
    """An answer as compared: with numbered_ids (when an integer-id copy
    runs), text ids as the integers of their digits, in sorted lines."""
    if not numbered_ids:
        return answer
    numbered = ID.sub(lambda m: str(int(m.group(1) + (m.group(2) or ""))), answer)
    return "\n".join(sorted(numbered.splitlines()))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--segql", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--prepared", help="the same data after `segql prepare`")
    p.add_argument("--baseline", help="another segql build to compare with")
    p.add_argument("--integer-ids", help="the same data with integer ids (bench/integer_ids.py)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--now", default="2026-04-01T00:00:00Z")
    p.add_argument("--only", nargs="*", help="the queries whose names contain these")
    p.add_argument("--variants", nargs="*",
                   help="run only these variants beside the default (e.g. \"integer ids\")")
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
        variants.append(("prepared, hashed", args.segql, args.prepared, ["--no-actor-ranges"]))
    if args.baseline:
        variants.append(("baseline", args.baseline, args.data, []))
    if args.integer_ids:
        variants.append(("integer ids", args.segql, args.integer_ids, []))
    if args.variants:
        keep = ["default"] + args.variants
        variants = [v for v in variants if v[0] in keep]

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
                answers[variant] = comparable(out, bool(args.integer_ids))
        if len(set(answers.values())) != 1:
            sys.exit(f"{name}: the variants answer differently")
        medians = {n: statistics.median(t) for n, t in times.items()}
        line = f"| {name} | " + " | ".join(f"{medians[n]:.3f}" for n in names) + " | "
        line += " | ".join(f"{medians[n] / medians['default']:.2f}" for n in names[1:]) + " |"
        print(line, flush=True)


if __name__ == "__main__":
    main()
