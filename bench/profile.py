#!/usr/bin/env python3
"""Where segql's CPU time goes, per suite query: `perf record` of one
`segql run`, its samples' own functions summed by kind of work, and a
flame graph of each query when inferno is installed.

    bench/profile.py --segql target/release/segql --data bench/data/highcard-10000000 \\
        [--out bench/profiles] [--threads 2] [--only 3_ 6_] [--frequency 997]

Prints a Markdown table: per query the share of samples in each kind of
work (Parquet decoding, zstd, dates and time zones, filter and take
kernels, hashing, grouping, joins, sorting, repartitioning, building arrays,
segql's own operators, memory, the kernel's file reads and the rest of its
work, the rest). With `inferno-collapse-perf` and `inferno-flamegraph` on the
PATH (`cargo install inferno`), also writes OUT/<query>.svg. Needs perf
with access to the process's samples (perf_event_paranoid 2 or less for
one's own processes).
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SUITE = Path(__file__).resolve().parent / "suite"

# A sample's own function, by the first pattern that matches its symbol.
KINDS = [
    ("zstd", re.compile(r"ZSTD_|zstd|HUF_|FSE_")),
    ("dates and time zones", re.compile(r"chrono|date_trunc|timezone|date_bin|to_local")),
    ("Parquet decoding", re.compile(r"parquet::|parquet_|snap::")),
    ("segql operators", re.compile(r"segql")),
    ("hashing", re.compile(r"ahash|hash_utils|create_hashes|hashbrown|foldhash|RandomState|"
                           r"BytesViewMap|HashTable")),
    ("grouping", re.compile(r"aggregates::|GroupValues|group_values|groups_accumulator|"
                            r"functions_aggregate|Accumulator")),
    ("joins", re.compile(r"joins::|JoinHash|hash_join")),
    ("sorting", re.compile(r"sort|lexsort|arrow_row::|merge")),
    ("repartitioning", re.compile(r"repartition|BatchPartitioner")),
    ("filter and take kernels", re.compile(r"arrow_select::|filter|take|arrow_ord::|"
                                            r"arrow_string::|cmp::|comparison")),
    ("building arrays", re.compile(r"arrow_array::builder|make_view|arrow_data::transform")),
    ("memory", re.compile(r"memcpy|memmove|memset|malloc|free|realloc|_int_|mi_|je_|"
                          r"alloc::|RawVec|Vec<.*>::extend|clone")),
]
# The kernel's share: copying file pages into the process (reads), and the
# rest (page faults of new memory, scheduling).
FILE_COPIES = re.compile(r"copy_to_iter|copy_mc|copy_user|filemap|generic_file_read")
COLUMNS = [k for k, _ in KINDS] + ["kernel: file reads", "kernel: other", "rest"]


def kind_of(symbol, dso):
    if dso.startswith("[kernel") or symbol.startswith("[k]"):
        return "kernel: file reads" if FILE_COPIES.search(symbol) else "kernel: other"
    for name, pattern in KINDS:
        if pattern.search(symbol):
            return name
    return "rest"


def record(args, seg, workdir):
    data = workdir / "perf.data"
    argv = ["perf", "record", "-q", "-F", str(args.frequency), "--call-graph", "dwarf,16384",
            "-o", str(data), "--", args.segql, "run", "--data", args.data,
            "--threads", str(args.threads), "--now", args.now, "--pictures", "never",
            "--format", "csv", str(seg)]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{proc.stderr}")
    return data


def own_functions(data):
    """Samples per (symbol, dso) of the function each sample was in."""
    argv = ["perf", "report", "-i", str(data), "--no-children", "--stdio", "-q",
            "--sort", "dso,symbol", "-g", "none", "--percent-limit", "0"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    shares = collections.Counter()
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*)", line)
        if m:
            shares[kind_of(m.group(3), m.group(2))] += float(m.group(1))
    return shares


def flame_graph(data, svg, title):
    if not (shutil.which("inferno-collapse-perf") and shutil.which("inferno-flamegraph")):
        return False
    script = subprocess.run(["perf", "script", "-i", str(data)], capture_output=True,
                            check=True).stdout
    folded = subprocess.run(["inferno-collapse-perf"], input=script, capture_output=True,
                            check=True).stdout
    graph = subprocess.run(["inferno-flamegraph", "--title", title], input=folded,
                           capture_output=True, check=True).stdout
    svg.write_bytes(graph)
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--segql", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", default="bench/profiles", help="folder for the flame graphs")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--now", default="2026-04-01T00:00:00Z")
    p.add_argument("--frequency", type=int, default=997, help="samples per second and thread")
    p.add_argument("--only", nargs="*", help="the queries whose names contain these")
    args = p.parse_args()
    if not shutil.which("perf"):
        sys.exit("bench/profile.py needs perf (linux-perf) on the PATH")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    queries = sorted(SUITE.glob("*.seg"))
    if args.only:
        queries = [q for q in queries if any(o in q.stem for o in args.only)]
    print("| query | " + " | ".join(f"{c} %" for c in COLUMNS) + " |")
    print("|---|" + "---:|" * len(COLUMNS))
    graphs = []
    for seg in queries:
        with tempfile.TemporaryDirectory() as tmp:
            data = record(args, seg, Path(tmp))
            shares = own_functions(data)
            if flame_graph(data, out / f"{seg.stem}.svg", f"segql {seg.stem}"):
                graphs.append(out / f"{seg.stem}.svg")
        total = sum(shares.values()) or 1.0
        cells = [f"{100 * shares[c] / total:.0f}" for c in COLUMNS]
        print(f"| {seg.stem} | " + " | ".join(cells) + " |", flush=True)
    for graph in graphs:
        print(f"wrote {graph}", file=sys.stderr)


if __name__ == "__main__":
    main()
