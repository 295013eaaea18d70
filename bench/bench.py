#!/usr/bin/env python3
"""The benchmark driver: each suite query in segql, DuckDB and plain
DataFusion on the same Parquet files, the answers checked equal, the times
printed as a Markdown table.

segql is timed as a whole `segql run` process (start, planning, reading,
matching, printing). DuckDB and DataFusion are timed on the query alone,
in process, from opening a fresh connection or context to the last row:
that is the stricter comparison for segql.

Runs alternate between the engines (segql, DuckDB, DataFusion, segql, ...)
so that a slow minute on the machine hits all of them alike; the table
shows medians.
"""

import argparse
import csv
import io
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

SUITE = Path(__file__).resolve().parent / "suite"

# What an answer is compared on: a segment's member count, or an analysis's
# columns (the SQL computes just those).
COMPARED = {
    "funnel": ["step", "users"],
    "retention": ["cohort", "period", "users", "retained"],
    "paths": ["path", "sessions", "users"],
}

# The floor: the same question in every engine, one that must read every
# event's type, name and session and matches none, so that nothing but the
# scan and a filter costs.
FLOOR_SQL = (
    "SELECT count(DISTINCT user_id) AS members FROM events"
    " WHERE event_type = 'view' AND name = '/cart ' AND session_id IS NOT NULL"
)
FLOOR_SEG = 'users who viewed "/cart " within session'


def dialect(sql, engine):
    """Fills the suite's placeholders in the engine's dialect."""
    if engine == "duckdb":
        sql = sql.replace("{MS}", "epoch_ms(timestamp)")
        sql = re.sub(r"\{TIME:([0-9-]+)\}", r"TIMESTAMPTZ '\1 00:00:00+00'", sql)
        sql = re.sub(r"\{WEEKS:([\w.]+),([\w.]+)\}", r"date_diff('week', \1, \2)", sql)
        sql = re.sub(r"\{DAY_TEXT:([\w.]+)\}", r"strftime(\1, '%Y-%m-%d')", sql)
    else:
        sql = sql.replace("{MS}", "CAST(timestamp AS BIGINT)")
        sql = re.sub(r"\{TIME:([0-9-]+)\}", r"to_timestamp_millis('\1T00:00:00Z')", sql)
        # Event times are epoch milliseconds in the benchmark's files.
        sql = re.sub(r"\{WEEKS:([\w.]+),([\w.]+)\}",
                     r"((CAST(\2 AS BIGINT) - CAST(\1 AS BIGINT)) / 604800000)", sql)
        sql = re.sub(r"\{DAY_TEXT:([\w.]+)\}", r"to_char(\1, '%Y-%m-%d')", sql)
    return sql


def suite(only):
    queries = []
    for seg in sorted(SUITE.glob("*.seg")):
        name = seg.stem
        if only and not any(o in name for o in only):
            continue
        text = seg.read_text()
        shared = SUITE / f"{name}.sql"
        sql = {}
        for engine in ("duckdb", "datafusion"):
            own = SUITE / f"{name}.{engine}.sql"
            sql[engine] = dialect((own if own.exists() else shared).read_text(), engine)
        kind = text.split()[0]
        queries.append({"name": name, "seg": seg, "text": text, "sql": sql, "kind": kind})
    return queries


def normalize(rows, columns):
    """Rows as tuples of text, numbers without trailing `.0`."""
    def cell(v):
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = str(v)
        return text[:-2] if re.fullmatch(r"-?\d+\.0", text) else text
    return [tuple(cell(r[c]) for c in columns) for r in rows]


def answer_from_csv(text, kind):
    return normalize(list(csv.DictReader(io.StringIO(text))), COMPARED[kind])


def run_process(argv):
    """Runs a command; returns (seconds, stdout, stderr)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed:\n{err.decode()}")
    return seconds, out.decode(), err.decode()


def run_segql(args, query, engine="native"):
    argv = ["/usr/bin/time", "-f", "peak_kb %M", args.segql, "run", "--data", args.data,
            "--threads", str(args.threads), "--now", args.now, "--engine", engine,
            "--pictures", "never"]
    if query["kind"] in ("users", "floor"):
        argv += ["--count"]
    else:
        argv += ["--format", "csv"]
    argv += [str(query["seg"])] if "seg" in query else ["-e", query["text"]]
    seconds, out, err = run_process(argv)
    peak = int(re.search(r"peak_kb (\d+)", err).group(1)) * 1024
    if query["kind"] == "users":
        answer = [(out.strip().splitlines()[-1],)]
    elif query["kind"] in COMPARED:
        answer = answer_from_csv(out, query["kind"])
    else:
        answer = None
    return seconds, peak, answer


def run_duckdb(args, sql, columns):
    import duckdb
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    con.execute("SET TimeZone = 'UTC'")
    for table in ("events", "users", "accounts"):
        path = Path(args.data) / f"{table}.parquet"
        if path.exists():
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    cursor = con.execute(sql)
    rows = cursor.fetchall()
    names = [d[0] for d in cursor.description]
    seconds = time.perf_counter() - started
    con.close()
    dicts = [dict(zip(names, r)) for r in rows]
    return seconds, normalize(dicts, columns) if columns else None


def run_datafusion(args, sql, columns, name):
    path = Path(args.work) / f"{name}.datafusion.sql"
    path.write_text(sql)
    _, out, err = run_process([args.sql_bench, "--data", args.data,
                               "--threads", str(args.threads), str(path)])
    seconds = float(re.search(r"seconds ([0-9.]+)", err).group(1))
    rows = list(csv.DictReader(io.StringIO(out)))
    return seconds, normalize(rows, columns) if columns else None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="folder with events.parquet and users.parquet")
    p.add_argument("--segql", required=True)
    p.add_argument("--sql-bench", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--now", default="2026-04-01T00:00:00Z")
    p.add_argument("--portable", action="store_true",
                   help="also time segql's portable lowering (slow on within-D sequences)")
    p.add_argument("--only", nargs="*", help="run the queries whose names contain these")
    p.add_argument("--json", help="also write the measurements here")
    args = p.parse_args()
    args.work = os.path.join(args.data, ".bench")
    os.makedirs(args.work, exist_ok=True)

    queries = suite(args.only)
    floor = {"name": "floor: scan of the touched columns", "text": FLOOR_SEG, "kind": "floor",
             "sql": {"duckdb": dialect(FLOOR_SQL, "duckdb"),
                     "datafusion": dialect(FLOOR_SQL, "datafusion")}}
    results = []
    for query in queries + [floor]:
        columns = ["members"] if query["kind"] == "users" else COMPARED.get(query["kind"])
        # (the floor's answers differ by design and are not compared)
        times = {"segql": [], "duckdb": [], "datafusion": [], "portable": []}
        peaks = []
        answers = {}
        for _ in range(args.runs):
            s, peak, answers["segql"] = run_segql(args, query)
            times["segql"].append(s)
            peaks.append(peak)
            s, answers["duckdb"] = run_duckdb(args, query["sql"]["duckdb"], columns)
            times["duckdb"].append(s)
            s, answers["datafusion"] = run_datafusion(args, query["sql"]["datafusion"], columns,
                                                     query["name"].split(":")[0])
            times["datafusion"].append(s)
            if args.portable and query is not floor:
                s, _, answers["portable"] = run_segql(args, query, "portable")
                times["portable"].append(s)
        if columns:
            reference = answers["duckdb"]
            for engine, answer in answers.items():
                if answer != reference:
                    sys.exit(f"{query['name']}: {engine} answers differently from DuckDB:\n"
                             f"  {engine}: {answer[:5]}\n  duckdb: {reference[:5]}")
        row = {"query": query["name"], "answer": answers["duckdb"][:1] if columns else None,
               "peak_rss_mib": max(peaks) / 2**20}
        for engine, values in times.items():
            if values:
                row[engine] = statistics.median(values)
        results.append(row)
        print(f"  {query['name']}: segql {row['segql']:.3f}s  duckdb {row['duckdb']:.3f}s  "
              f"datafusion {row['datafusion']:.3f}s", file=sys.stderr)

    header = "| query | segql s | DuckDB s | DataFusion SQL s | segql/DuckDB | segql/DataFusion |"
    rule = "|---|---:|---:|---:|---:|---:|"
    if args.portable:
        header += " segql portable s |"
        rule += "---:|"
    header += " segql peak RSS MiB |"
    rule += "---:|"
    print(header)
    print(rule)
    for r in results:
        line = (f"| {r['query']} | {r['segql']:.3f} | {r['duckdb']:.3f} | {r['datafusion']:.3f} | "
                f"{r['segql'] / r['duckdb']:.2f} | {r['segql'] / r['datafusion']:.2f} |")
        if args.portable:
            line += f" {r['portable']:.3f} |" if "portable" in r else " |"
        line += f" {r['peak_rss_mib']:.0f} |"
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
