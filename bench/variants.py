#!/usr/bin/env python3
"""What segql's data-model options cost: one query, with and without them.

    bench/variants.py --data DIR --segql BIN [--runs 3] [--threads 2]

Runs each query of VARIANTS on the same files as it is (sessions from the
`session_id` column, events as written) and with an option of LANGUAGE.md
§10 (derived sessions, identity stitching, a reporting time zone), and
prints a Markdown table: the medians and their ratio. The answers are not
compared: an option changes them by design. The data is what bench/run.sh
wrote (bench/data/demo-10000000, or bench/data/10000000 when written before
the shapes), the binary a release build.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

WITHIN_SESSION = 'users who viewed "/cart" then not action "CHECKOUT" within session'
COUNT_IN_SESSION = 'users who performed action "add_to_cart" at least 3 times within session'
FUNNEL = ('funnel viewed "/home" then viewed "/cart" then action "CHECKOUT" within 1 day')
RETENTION = 'retention viewed "/home" returning action "add_to_cart" every week'

IDENTITY = '[identity]\nanonymous_id = "anon_id"\n'

# (name, text, options for the base run, options for the variant run)
VARIANTS = [
    ("derived sessions (30m)", WITHIN_SESSION, [], ["--sessions", "30m"]),
    ("derived sessions (30m, max 24h)", WITHIN_SESSION, [], ["--sessions", "30m,24h"]),
    ("derived sessions (30m), count", COUNT_IN_SESSION, [], ["--sessions", "30m"]),
    ("identity stitching", WITHIN_SESSION, [], ["--schema", "{identity}"]),
    ("identity stitching, funnel", FUNNEL, [], ["--schema", "{identity}"]),
    ("stitching + derived sessions", WITHIN_SESSION, [],
     ["--schema", "{identity}", "--sessions", "30m"]),
    ("time zone Europe/Berlin, retention", RETENTION, [], ["--time-zone", "Europe/Berlin"]),
]


def run(args, text, options):
    argv = [args.segql, "run", "--data", args.data, "--threads", str(args.threads),
            "--now", args.now, "--pictures", "never", "--format", "csv", *options, "-e", text]
    started = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{proc.stderr.decode()}")
    return seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--segql", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--now", default="2026-04-01T00:00:00Z")
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as work:
        identity = os.path.join(work, "identity.toml")
        with open(identity, "w") as f:
            f.write(IDENTITY)
        print("| query | option | without s | with s | with / without |")
        print("|---|---|---:|---:|---:|")
        for name, text, base, variant in VARIANTS:
            variant = [o.replace("{identity}", identity) for o in variant]
            without, with_ = [], []
            for _ in range(args.runs):
                without.append(run(args, text, base))
                with_.append(run(args, text, variant))
            a, b = statistics.median(without), statistics.median(with_)
            shown = " ".join(o if o != identity else "identity.toml" for o in variant)
            print(f"| `{text}` | {name}: `{shown}` | {a:.3f} | {b:.3f} | {b / a:.2f} |",
                  flush=True)


if __name__ == "__main__":
    main()
