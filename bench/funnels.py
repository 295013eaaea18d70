#!/usr/bin/env python3
"""What a funnel's order modes, trends and holding cost (LANGUAGE.md §12).

    bench/funnels.py --data DIR --segql BIN [--baseline BIN] [--runs 3] [--threads 2]

Runs the 5-step funnel of the suite (query 4) as it is and in each mode of
§12 on the same files, and prints a Markdown table: the median time of each
and its ratio to the plain funnel. Every funnel reports its times to
convert; with `--baseline` (a release build from before they existed) the
plain funnel also runs on that binary, so the table shows what counting
them costs. The data is what bench/run.sh wrote (bench/data/demo-10000000,
or bench/data/10000000 when written before the shapes), the binaries
release builds.
"""

import argparse
import statistics

import variants

FUNNEL = ('funnel viewed "/home" then viewed like "/product/%" then action "add_to_cart" '
          'then viewed "/cart" then action "CHECKOUT" within 1 day')

# (name, clauses after `within 1 day`)
MODES = [
    ("in strict order", "in strict order"),
    ("in any order", "in any order"),
    ("every week (trends)", "every week"),
    ("every week by device", "every week by device"),
    ("holding device", "holding device"),
]


def run(binary, args, text):
    """One whole `segql run` of `text` by `binary`, in seconds."""
    return variants.run(argparse.Namespace(**{**vars(args), "segql": binary}), text, [])


def median_of(binary, args, text):
    return statistics.median(run(binary, args, text) for _ in range(args.runs))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--segql", required=True)
    p.add_argument("--baseline", help="a release build from before times to convert")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--now", default="2026-04-01T00:00:00Z")
    args = p.parse_args()
    plain = median_of(args.segql, args, FUNNEL)
    print("| 5-step funnel within 1 day | seconds | × plain |")
    print("|---|---:|---:|")
    if args.baseline:
        before = median_of(args.baseline, args, FUNNEL)
        print(f"| plain, before times to convert | {before:.2f} | {before / plain:.2f} |")
    print(f"| plain (with times to convert) | {plain:.2f} | 1.00 |")
    for name, clauses in MODES:
        seconds = median_of(args.segql, args, f"{FUNNEL} {clauses}")
        print(f"| {name} | {seconds:.2f} | {seconds / plain:.2f} |")


if __name__ == "__main__":
    main()
