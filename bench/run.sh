#!/usr/bin/env bash
# The benchmark: segql against DuckDB's and DataFusion's best SQL.
#
#   bench/run.sh [EVENTS | DIR]     default 10000000 events
#
# EVENTS writes the demo shop with about that many events to
# bench/data/EVENTS/ (once; reused afterwards); DIR uses a folder with
# events.parquet and users.parquet instead. Environment: RUNS (default 5),
# THREADS (default 2), BENCH_ARGS (more flags for bench.py, e.g. --portable
# or --only funnel).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-10000000}"
runs="${RUNS:-5}"
threads="${THREADS:-2}"

cargo build --release --features bench --bins --quiet
segql=target/release/segql

if [[ -d "$target" ]]; then
    data="$target"
elif [[ "$target" =~ ^[0-9]+$ ]]; then
    data="bench/data/$target"
    if [[ ! -f "$data/events.parquet" ]]; then
        # The demo shop averages about 83 events per user over its 90 days.
        users=$(( (target + 82) / 83 ))
        "$segql" demo-data --out "$data" --users "$users" --force
    fi
else
    echo "bench/run.sh: '$target' is neither a number of events nor a folder" >&2
    exit 2
fi

# DuckDB, pinned, in a virtual environment of the benchmark's own.
venv=bench/.venv
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "duckdb==2.0.1"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" >&2
echo "data: $data ($(du -sh "$data/events.parquet" | cut -f1) events.parquet)" >&2

# shellcheck disable=SC2086
exec "$venv/bin/python" bench/bench.py --data "$data" --segql "$segql" \
    --sql-bench target/release/segql-sql-bench --runs "$runs" --threads "$threads" \
    ${BENCH_ARGS:-}
