#!/usr/bin/env bash
# The benchmark: segql against DuckDB's, DataFusion's and ClickHouse's
# (chDB) best SQL.
#
#   bench/run.sh [--shape demo|highcard] [--events N] [--layout raw|prepared|both]
#                [--json FILE] [EVENTS | DIR]
#
# --shape demo (default) writes the demo shop (`segql demo-data`), highcard
# the high-cardinality shop (bench/highcard.py), with about --events events
# (default 10000000; a bare number means the same) to
# bench/data/<shape>-<events>/, once; it is reused afterwards. DIR uses a
# folder with events.parquet and users.parquet instead. --layout (default
# raw) picks the Parquet files as given, each engine's prepared layout
# (built once under DIR/.prepared/), or both; --json also writes the
# measurements to FILE.
#
# Environment: RUNS (default 5), THREADS (default 2), BENCH_ARGS (more flags
# for bench.py, e.g. --portable, --only funnel or --engines segql,duckdb),
# BIN_DIR (a folder with release builds of segql and segql-sql-bench to use
# instead of building them with cargo).
set -euo pipefail
cd "$(dirname "$0")/.."

shape=demo
events=10000000
layout=raw
json=
data=
while [[ $# -gt 0 ]]; do
    case "$1" in
        --shape) shape="$2"; shift 2 ;;
        --events) events="$2"; shift 2 ;;
        --layout) layout="$2"; shift 2 ;;
        --json) json="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *)
            if [[ -d "$1" ]]; then
                data="$1"
            elif [[ "$1" =~ ^[0-9]+$ ]]; then
                events="$1"
            else
                echo "bench/run.sh: '$1' is neither a number of events nor a folder" >&2
                exit 2
            fi
            shift ;;
    esac
done
case "$shape" in demo|highcard) ;; *) echo "bench/run.sh: --shape is demo or highcard" >&2; exit 2 ;; esac
case "$layout" in raw|prepared|both) ;; *) echo "bench/run.sh: --layout is raw, prepared or both" >&2; exit 2 ;; esac
runs="${RUNS:-5}"
threads="${THREADS:-2}"

if [[ -n "${BIN_DIR:-}" ]]; then
    bin="$BIN_DIR"
else
    cargo build --release --features bench --bins --quiet
    bin="${CARGO_TARGET_DIR:-target}/release"
fi
segql="$bin/segql"

# DuckDB and chDB, pinned, in a virtual environment of the benchmark's own
# (numpy and pyarrow write the high-cardinality shop).
venv=bench/.venv
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    "duckdb==2.0.1" "chdb==4.4.0" "chdb-core==26.9.0" "pyarrow==26.0.1" "numpy==2.4.6"

if [[ -z "$data" ]]; then
    data="bench/data/$shape-$events"
    # (the demo shop's folder was bench/data/EVENTS before the shapes)
    if [[ "$shape" == demo && ! -f "$data/events.parquet" && -f "bench/data/$events/events.parquet" ]]; then
        data="bench/data/$events"
    fi
    if [[ ! -f "$data/events.parquet" ]]; then
        if [[ "$shape" == demo ]]; then
            # The demo shop averages about 83 events per user over its 90 days.
            users=$(( (events + 82) / 83 ))
            "$segql" demo-data --out "$data" --users "$users" --force
        else
            "$venv/bin/python" bench/highcard.py --events "$events" --out "$data" --force
        fi
    fi
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" >&2
echo "data: $data ($(du -sh "$data/events.parquet" | cut -f1) events.parquet)" >&2

extra=()
if [[ -n "$json" ]]; then
    extra+=(--json "$json")
fi
# shellcheck disable=SC2086
exec "$venv/bin/python" bench/bench.py --data "$data" --segql "$segql" \
    --sql-bench "$bin/segql-sql-bench" --runs "$runs" --threads "$threads" \
    --layout "$layout" "${extra[@]}" ${BENCH_ARGS:-}
