#!/usr/bin/env python3
"""The benchmark driver: each suite query in segql, DuckDB, plain DataFusion
and ClickHouse (chDB) on the same data, the answers checked equal, the times
printed as Markdown tables.

segql is timed as a whole `segql run` process (start, planning, reading,
matching, printing), and DataFusion SQL as its query alone in the
`segql-sql-bench` process, from creating the context to the last row.
DuckDB and chDB run in a fresh Python process per run (`bench.py --worker`),
timed from opening a connection or session to the last row, the imports
left out; that process's peak RSS is reported.

Layouts (`--layout raw|prepared|both`):
- raw: the Parquet files as given;
- prepared: each engine's best layout, built once per data folder under
  DIR/.prepared/ (its build times in DIR/.prepared/times.json): DuckDB a
  native table sorted by user and time in a database file, ClickHouse a
  MergeTree table ordered by (user_id, timestamp), segql the files of
  `segql prepare` (sorted by user and time), which DataFusion SQL reads too.

Runs alternate between the engines (segql, DuckDB, DataFusion, chDB, segql,
...) so that a slow minute on the machine hits all of them alike; the tables
show medians.
"""

import argparse
import csv
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

SUITE = Path(__file__).resolve().parent / "suite"
ENGINES = ["segql", "duckdb", "datafusion", "chdb"]
TITLES = {"segql": "segql", "duckdb": "DuckDB", "datafusion": "DataFusion SQL",
          "chdb": "chDB", "portable": "segql portable"}
# The dialect of each engine's SQL: suite/N_name.<dialect>.sql when it has
# one, else suite/N_name.sql.
DIALECTS = {"duckdb": "duckdb", "datafusion": "datafusion", "chdb": "clickhouse"}

# What an answer is compared on: a segment's member count, or an analysis's
# columns (the SQL computes just those).
COMPARED = {
    "users": ["members"],
    "funnel": ["step", "users"],
    "retention": ["cohort", "period", "users", "retained"],
    "paths": ["path", "sessions", "users"],
}

# The floors: the same question in every SQL engine, answers compared among
# them (segql's differ by design: it counts users, or has no such query).
#
# The decode floor reads every column a query of the suite touches, all of
# every event, with no filter: the cost of decoding the columns.
DECODE_SQL = (
    "SELECT count(*) AS events, max(length(user_id)) AS user_len,"
    " max(length(session_id)) AS session_len, max(length(event_type)) AS type_len,"
    " max(length(name)) AS name_len, max(timestamp) AS last_time FROM events"
)
# The filter floor: the seed query's own event filter (query 1's), counted.
# segql's closest query keeps the same events and counts their users.
FILTER_SQL = (
    "SELECT count(*) AS events FROM events WHERE session_id IS NOT NULL"
    " AND ((event_type = 'view' AND name = '/cart') OR (event_type = 'action' AND name = 'CHECKOUT'))"
)
FILTER_SEG = 'users who viewed "/cart" within session or action "CHECKOUT" within session'
# The pruned floor (the single floor of the earlier tables): a view that no
# event matches, so every event's type, name and session is read and
# filtered, and an engine that prunes with the files' statistics and
# dictionaries reads little.
PRUNED_SQL = (
    "SELECT count(DISTINCT user_id) AS members FROM events"
    " WHERE event_type = 'view' AND name = '/cart ' AND session_id IS NOT NULL"
)
PRUNED_SEG = 'users who viewed "/cart " within session'
FLOORS = [
    {"name": "decode floor: every touched column, no filter", "seg": None, "sql": DECODE_SQL,
     "compared": ["events", "user_len", "session_len", "type_len", "name_len"]},
    {"name": "filter floor: the seed's event filter, counted", "seg": FILTER_SEG,
     "sql": FILTER_SQL, "compared": ["events"]},
    {"name": "pruned floor: a view no event matches", "seg": PRUNED_SEG, "sql": PRUNED_SQL,
     "compared": ["members"]},
]


def dialect(sql, name):
    """Fills the suite's placeholders in the dialect `name`."""
    if name == "duckdb":
        sql = sql.replace("{MS}", "epoch_ms(timestamp)")
        sql = re.sub(r"\{TIME:([0-9-]+)\}", r"TIMESTAMPTZ '\1 00:00:00+00'", sql)
        sql = re.sub(r"\{WEEKS:([\w.]+),([\w.]+)\}", r"date_diff('week', \1, \2)", sql)
        sql = re.sub(r"\{DAY_TEXT:([\w.]+)\}", r"strftime(\1, '%Y-%m-%d')", sql)
    elif name == "clickhouse":
        sql = sql.replace("{MS}", "toUnixTimestamp64Milli(timestamp)")
        sql = re.sub(r"\{TIME:([0-9-]+)\}", r"toDateTime64('\1 00:00:00', 3, 'UTC')", sql)
        # Weeks from Monday to Monday (the suite's weeks are ISO weeks).
        sql = re.sub(r"\{WEEKS:([\w.]+),([\w.]+)\}",
                     r"intDiv(dateDiff('day', toMonday(\1), toMonday(\2)), 7)", sql)
        sql = re.sub(r"\{DAY_TEXT:([\w.]+)\}", r"formatDateTime(\1, '%Y-%m-%d')", sql)
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
        for engine, name_of_dialect in DIALECTS.items():
            own = SUITE / f"{name}.{name_of_dialect}.sql"
            sql[engine] = dialect((own if own.exists() else shared).read_text(), name_of_dialect)
        kind = text.split()[0]
        queries.append({"name": name, "seg": str(seg), "text": text, "sql": sql, "kind": kind,
                        "compared": COMPARED.get(kind), "floor": False})
    return queries


def floors(only):
    out = []
    for f in FLOORS:
        if only and not any(o in f["name"] for o in only):
            continue
        out.append({"name": f["name"], "text": f["seg"], "kind": "floor", "floor": True,
                    "compared": f["compared"],
                    "sql": {e: dialect(f["sql"], d) for e, d in DIALECTS.items()}})
    return out


def normalize(rows, columns):
    """Rows as tuples of text, numbers without trailing `.0`."""
    def cell(v):
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = str(v)
        return text[:-2] if re.fullmatch(r"-?\d+\.0", text) else text
    return [tuple(cell(r.get(c)) for c in columns) for r in rows]


def run_process(argv):
    """Runs a command; returns (seconds, stdout, stderr)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed:\n{err.decode()}")
    return seconds, out.decode(), err.decode()


def peak_of(err):
    """The peak RSS in bytes that `/usr/bin/time -f 'peak_kb %M'` printed."""
    return int(re.findall(r"peak_kb (\d+)", err)[-1]) * 1024


def run_segql(args, query, data, engine="native"):
    argv = ["/usr/bin/time", "-f", "peak_kb %M", args.segql, "run", "--data", data,
            "--threads", str(args.threads), "--now", args.now, "--engine", engine,
            "--pictures", "never"]
    if query["kind"] in ("users", "floor"):
        argv += ["--count"]
    else:
        argv += ["--format", "csv"]
    argv += [query["seg"]] if "seg" in query else ["-e", query["text"]]
    seconds, out, err = run_process(argv)
    if query["kind"] == "users":
        answer = [(out.strip().splitlines()[-1],)]
    elif query["kind"] in COMPARED:
        answer = normalize(list(csv.DictReader(io.StringIO(out))), query["compared"])
    else:
        answer = None
    return seconds, peak_of(err), answer


def run_datafusion(args, query, data):
    path = Path(args.work) / f"{query['name'].split(':')[0].replace(' ', '_')}.datafusion.sql"
    path.write_text(query["sql"]["datafusion"])
    _, out, err = run_process(["/usr/bin/time", "-f", "peak_kb %M", args.sql_bench,
                               "--data", data, "--threads", str(args.threads), str(path)])
    seconds = float(re.search(r"seconds ([0-9.]+)", err).group(1))
    rows = list(csv.DictReader(io.StringIO(out)))
    return seconds, peak_of(err), normalize(rows, query["compared"])


def run_worker(job):
    """Runs a job in a fresh `bench.py --worker` process; returns its
    result (seconds, rows, peak RSS)."""
    proc = subprocess.run([sys.executable, __file__, "--worker"], input=json.dumps(job),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{job['engine']} worker failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def run_in_worker(args, engine, query, layout):
    result = run_worker({"engine": engine, "action": "query", "sql": query["sql"][engine],
                         "threads": args.threads, "layout": layout})
    dicts = [dict(zip(result["columns"], r)) for r in result["rows"]]
    return result["seconds"], result["peak"], normalize(dicts, query["compared"])


# ---------------------------------------------------------------------------
# The worker: one query (or one preparation) of DuckDB or chDB, in process.

def worker_main():
    job = json.loads(sys.stdin.read())
    if job["engine"] == "duckdb":
        import duckdb  # noqa: F401  (imported before the clock starts)
        run = duckdb_job
    else:
        import chdb  # noqa: F401
        from chdb import session  # noqa: F401
        run = chdb_job
    result = run(job)
    import resource
    result["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    json.dump(result, sys.stdout, default=str)


def duckdb_job(job):
    import duckdb
    layout = job["layout"]
    threads = job["threads"]
    if job["action"] == "prepare":
        started = time.perf_counter()
        con = duckdb.connect(layout["database"])
        con.execute(f"SET threads = {threads}")
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"CREATE TABLE events AS SELECT * FROM read_parquet('{layout['events']}')"
                    " ORDER BY user_id, timestamp")
        con.execute(f"CREATE TABLE users AS SELECT * FROM read_parquet('{layout['users']}')"
                    " ORDER BY user_id")
        con.execute("CHECKPOINT")
        con.close()
        return {"seconds": time.perf_counter() - started}
    if job["action"] == "baseline":
        return {"seconds": 0.0}
    started = time.perf_counter()
    if layout["kind"] == "prepared":
        con = duckdb.connect(layout["database"], read_only=True)
    else:
        con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET TimeZone = 'UTC'")
    if layout["kind"] == "raw":
        for table in ("events", "users", "accounts"):
            path = Path(layout["data"]) / f"{table}.parquet"
            if path.exists():
                con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    cursor = con.execute(job["sql"])
    rows = cursor.fetchall()
    names = [d[0] for d in cursor.description]
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "columns": names, "rows": rows}


def chdb_job(job):
    from chdb import session
    layout = job["layout"]
    threads = job["threads"]
    if job["action"] == "prepare":
        started = time.perf_counter()
        s = session.Session(layout["database"])
        s.query(f"SET max_threads = {threads}")
        # user_id may be null (anonymous events), so the sorting key is
        # nullable; OPTIMIZE merges the inserted parts into one.
        s.query("CREATE TABLE events ENGINE = MergeTree ORDER BY (user_id, timestamp)"
                " SETTINGS allow_nullable_key = 1"
                f" AS SELECT * FROM file('{layout['events']}', Parquet)")
        s.query("CREATE TABLE users ENGINE = MergeTree ORDER BY user_id"
                f" AS SELECT * FROM file('{layout['users']}', Parquet)")
        s.query("OPTIMIZE TABLE events FINAL")
        s.query("OPTIMIZE TABLE users FINAL")
        s.close()
        return {"seconds": time.perf_counter() - started}
    if job["action"] == "baseline":
        return {"seconds": 0.0}
    started = time.perf_counter()
    if layout["kind"] == "prepared":
        s = session.Session(layout["database"])
    else:
        s = session.Session()
    s.query(f"SET max_threads = {threads}")
    if layout["kind"] == "raw":
        for table in ("events", "users", "accounts"):
            path = Path(layout["data"]) / f"{table}.parquet"
            if path.exists():
                s.query(f"CREATE VIEW {table} AS SELECT * FROM file('{path}', Parquet)")
    result = s.query(job["sql"], "JSONCompact").bytes()
    seconds = time.perf_counter() - started
    s.close()
    parsed = json.loads(result)
    return {"seconds": seconds, "columns": [m["name"] for m in parsed["meta"]],
            "rows": parsed["data"]}


# ---------------------------------------------------------------------------
# Layouts

def source_signature(data):
    sig = {}
    for name in ("events.parquet", "users.parquet"):
        st = (Path(data) / name).stat()
        sig[name] = [st.st_size, int(st.st_mtime)]
    return sig


def segql_can_prepare(args):
    proc = subprocess.run([args.segql, "prepare", "--help"], capture_output=True)
    return proc.returncode == 0


def prepare_layouts(args, engines):
    """Builds (once) and describes each engine's prepared layout. Returns
    {engine: layout or None} and the build times {engine: seconds}."""
    root = Path(args.data) / ".prepared"
    times_path = root / "times.json"
    signature = source_signature(args.data)
    times = {}
    if times_path.exists():
        times = json.loads(times_path.read_text())
        if times.get("source") != signature:
            print("prepared layouts are older than the data: building them again",
                  file=sys.stderr)
            shutil.rmtree(root)
            times = {}
    root.mkdir(parents=True, exist_ok=True)
    times["source"] = signature
    events = str(Path(args.data).resolve() / "events.parquet")
    users = str(Path(args.data).resolve() / "users.parquet")

    def save():
        times_path.write_text(json.dumps(times, indent=2) + "\n")

    layouts = {}
    segql_dir = root / "segql"
    wants_segql = "segql" in engines or "datafusion" in engines
    # (rebuilt when its files are gone, e.g. removed to prepare with a new build)
    if wants_segql and ("segql" not in times or not (segql_dir / "events.parquet").exists()):
        if segql_can_prepare(args):
            print("preparing: segql prepare ...", file=sys.stderr)
            seconds, _, _ = run_process([args.segql, "prepare", "--data", args.data,
                                         "--out", str(segql_dir), "--force",
                                         "--threads", str(args.threads)])
            times["segql"] = {"seconds": seconds}
            save()
        else:
            print(f"prepared layout: `{args.segql} prepare --help` fails (no prepare command"
                  " in this build): segql and DataFusion SQL are left out of it",
                  file=sys.stderr)
    for engine in ("segql", "datafusion"):
        if engine in engines:
            layouts[engine] = ({"kind": "prepared", "data": str(segql_dir)}
                               if "segql" in times else None)
    for engine, database in (("duckdb", root / "duckdb" / "shop.duckdb"),
                             ("chdb", root / "chdb")):
        if engine not in engines:
            continue
        layout = {"kind": "prepared", "database": str(database.resolve()),
                  "events": events, "users": users}
        if engine not in times:
            print(f"preparing: {TITLES[engine]} ...", file=sys.stderr)
            if database.exists():
                shutil.rmtree(database if database.is_dir() else database.parent)
            database.parent.mkdir(parents=True, exist_ok=True)
            result = run_worker({"engine": engine, "action": "prepare", "threads": args.threads,
                                 "layout": layout})
            times[engine] = {"seconds": result["seconds"]}
            save()
        layouts[engine] = layout
    save()
    return layouts, {e: t["seconds"] for e, t in times.items() if e != "source"}


def raw_layouts(args, engines):
    return {e: {"kind": "raw", "data": args.data} for e in engines}


# ---------------------------------------------------------------------------
# Measuring

def measure(args, query, layouts):
    """Runs one query args.runs times in every engine with a layout;
    returns its row of the table."""
    engines = [e for e in ENGINES if layouts.get(e) is not None]
    if query["floor"] and query["text"] is None:
        engines = [e for e in engines if e != "segql"]
    if not engines:
        # (the decode floor in a run of segql alone)
        return None
    times = {e: [] for e in engines}
    peaks = {e: [] for e in engines}
    answers = {}
    portable = []
    for run in range(args.runs):
        for engine in engines:
            # An engine far slower than the rest runs once (--once-after).
            if run > 0 and args.once_after and times[engine][0] > args.once_after:
                continue
            layout = layouts[engine]
            if engine == "segql":
                s, peak, answer = run_segql(args, query, layout["data"])
            elif engine == "datafusion":
                s, peak, answer = run_datafusion(args, query, layout["data"])
            else:
                s, peak, answer = run_in_worker(args, engine, query, layout)
            times[engine].append(s)
            peaks[engine].append(peak)
            answers[engine] = answer
        if args.portable and not query["floor"] and "segql" in engines:
            s, _, answers["portable"] = run_segql(args, query, layouts["segql"]["data"],
                                                  "portable")
            portable.append(s)
    if portable:
        times["portable"] = portable
    # Every engine's answer against DuckDB's (the floors: the SQL engines'
    # only); a time is kept only with the same answer.
    reference_engine = "duckdb" if "duckdb" in answers else next(iter(answers))
    reference = answers[reference_engine]
    differs = {}
    for engine, answer in answers.items():
        if query["floor"] and engine in ("segql", "portable"):
            continue
        if answer != reference:
            differs[engine] = answer
            print(f"  {query['name']}: {engine} answers differently from {reference_engine}:\n"
                  f"    {engine}: {answer[:5]}\n    {reference_engine}: {reference[:5]}",
                  file=sys.stderr)
    row = {"query": query["name"], "answer": reference, "seconds": {}, "peak_mib": {},
           "differs": sorted(differs), "runs": {e: len(t) for e, t in times.items()}}
    for engine, values in times.items():
        if values and engine not in differs:
            row["seconds"][engine] = statistics.median(values)
    for engine, values in peaks.items():
        row["peak_mib"][engine] = max(values) / 2**20
    print("  " + query["name"] + ": " + "  ".join(
        f"{e} {row['seconds'][e]:.3f}s" if e in row["seconds"] else f"{e} differs"
        for e in times), file=sys.stderr)
    return row


def cell(value, fmt="{:.3f}"):
    return fmt.format(value) if value is not None else ""


def table(results, engines, portable):
    """The Markdown table of one layout."""
    others = [e for e in engines if e != "segql"]
    header = ["query"] + [f"{TITLES[e]} s" for e in engines]
    header += [f"segql / {TITLES[e]}" for e in others if "segql" in engines]
    if portable:
        header += ["segql portable s"]
    header += [f"{TITLES[e]} peak MiB" for e in engines]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for r in results:
        s = r["seconds"]
        cells = [r["query"]]
        for e in engines:
            if e in r["differs"]:
                cells.append("≠")
            elif e == "segql" and r["query"].startswith("decode floor"):
                cells.append("—")
            else:
                once = r.get("runs", {}).get(e, 0) == 1 and len(set(r["runs"].values())) > 1
                cells.append(cell(s.get(e)) + (" (1 run)" if once else ""))
        if "segql" in engines:
            for e in others:
                ratio = s["segql"] / s[e] if s.get("segql") is not None and s.get(e) else None
                cells.append(cell(ratio, "{:.2f}"))
        if portable:
            cells.append(cell(s.get("portable")))
        for e in engines:
            cells.append(cell(r["peak_mib"].get(e), "{:.0f}"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def target_line(results):
    """segql's query 3 against the fastest engine's filter floor."""
    q3 = next((r for r in results if r["query"].startswith("3_")), None)
    floor = next((r for r in results if r["query"].startswith("filter floor")), None)
    if not q3 or not floor or "segql" not in q3["seconds"]:
        return None
    engines = {e: t for e, t in floor["seconds"].items() if e not in ("segql", "portable")}
    if not engines:
        return None
    best = min(engines, key=engines.get)
    ratio = q3["seconds"]["segql"] / engines[best]
    return (f"segql query 3 / best filter floor ({TITLES[best]}, {engines[best]:.3f} s): "
            f"{q3['seconds']['segql']:.3f} / {engines[best]:.3f} = {ratio:.2f}", ratio, best)


def baselines(args, engines):
    """The peak RSS of a worker that imports its engine and runs nothing."""
    out = {}
    for engine in ("duckdb", "chdb"):
        if engine in engines:
            out[engine] = run_worker({"engine": engine, "action": "baseline",
                                      "threads": args.threads, "layout": {}})["peak"] / 2**20
    return out


def machine():
    info = {"cores": os.cpu_count()}
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        info["memory_gib"] = round(kb / 2**20)
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line for line in f if line.startswith("model name")).split(":")[1].strip()
    except (OSError, StopIteration):
        pass
    return info


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main()
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="folder with events.parquet and users.parquet")
    p.add_argument("--segql", required=True)
    p.add_argument("--sql-bench", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--now", default="2026-04-01T00:00:00Z")
    p.add_argument("--layout", choices=["raw", "prepared", "both"], default="raw")
    p.add_argument("--engines", default=",".join(ENGINES),
                   help="comma-separated, of " + ", ".join(ENGINES))
    p.add_argument("--portable", action="store_true",
                   help="also time segql's portable lowering (slow on within-D sequences)")
    p.add_argument("--only", nargs="*", help="run the queries whose names contain these")
    p.add_argument("--no-floors", action="store_true", help="leave the floor rows out")
    p.add_argument("--once-after", type=float, metavar="SECONDS",
                   help="an engine whose first run of a query takes longer runs it once")
    p.add_argument("--json", help="also write the measurements here")
    args = p.parse_args()
    args.work = os.path.join(args.data, ".bench")
    os.makedirs(args.work, exist_ok=True)
    engines = [e for e in ENGINES if e in args.engines.split(",")]

    queries = suite(args.only) + ([] if args.no_floors else floors(args.only))
    layouts_wanted = ["raw", "prepared"] if args.layout == "both" else [args.layout]
    report = {"machine": machine(), "data": args.data, "events_parquet_bytes":
              (Path(args.data) / "events.parquet").stat().st_size, "threads": args.threads,
              "runs": args.runs, "layouts": {}}
    failed = False
    for layout_name in layouts_wanted:
        prepare_seconds = {}
        if layout_name == "raw":
            layouts = raw_layouts(args, engines)
        else:
            layouts, prepare_seconds = prepare_layouts(args, engines)
        present = [e for e in engines if layouts.get(e) is not None]
        print(f"{layout_name} layout: {', '.join(TITLES[e] for e in present)}", file=sys.stderr)
        results = [r for r in (measure(args, dict(q), layouts) for q in queries) if r]
        failed |= any(r["differs"] for r in results)
        print(f"\n### {layout_name} layout\n")
        if prepare_seconds:
            print("Time to prepare: " + ", ".join(
                f"{TITLES[e]} {s:.1f} s" for e, s in prepare_seconds.items()) + "\n")
        print(table(results, present, args.portable))
        target = target_line(results)
        if target:
            print(f"\n{target[0]}")
        report["layouts"][layout_name] = {
            "engines": present, "prepare_seconds": prepare_seconds, "results": results,
            "target": {"ratio": target[1], "floor_engine": target[2]} if target else None}
    print()
    if "segql" in engines and not args.no_floors:
        print("segql has no query that decodes without a filter: its decode-floor cell is —;"
              " its filter floor counts the users of those events.")
    base = baselines(args, engines)
    if base:
        print("Peak RSS of DuckDB and chDB is their worker process's, the Python interpreter"
              " and the imported module included (alone: " + ", ".join(
                  f"{TITLES[e]} {m:.0f} MiB" for e, m in base.items()) + ").")
    report["worker_baseline_mib"] = base
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n")
    if failed:
        sys.exit("some answers differ (≠ in the tables): see above")


if __name__ == "__main__":
    main()
