#!/usr/bin/env bash
# How segql scales with the length of the text: `or` and `and` of N
# `viewed` terms and `then` chains of N steps, on the built-in demo
# dataset, one `segql run --count --timings` process each.
#
#   bench/long_texts.sh [ENGINE]     native (default) or portable
#
# Environment: RUNS (default 3; the median is printed), OR_AND (the term
# counts, default "100 1000 2000 5000 10000"), THEN (the step counts,
# default "50 100 200 400").
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."

engine="${1:-native}"
runs="${RUNS:-3}"
cargo build --release --bins --quiet
segql="${CARGO_TARGET_DIR:-target}/release/segql"
text=$(mktemp)
trap 'rm -f "$text"' EXIT

# `users who T0 OP T1 OP …` with N terms `viewed "/pI"`.
write() {
    local op=$1 n=$2
    {
        printf 'users who viewed "/p0"'
        for ((i = 1; i < n; i++)); do printf ' %s viewed "/p%d"' "$op" "$i"; done
        printf '\n'
    } >"$text"
}

# The median wall time of RUNS runs, in seconds.
measure() {
    local times=()
    for ((r = 0; r < runs; r++)); do
        local start end
        start=$(date +%s.%N)
        "$segql" run --engine "$engine" --count "$text" >/dev/null
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p"
}

printf '| terms | `or` s | `and` s |\n|---:|---:|---:|\n'
for n in ${OR_AND:-100 1000 2000 5000 10000}; do
    write or "$n"
    or=$(measure)
    write and "$n"
    and=$(measure)
    printf '| %d | %.3f | %.3f |\n' "$n" "$or" "$and"
done
printf '\n| steps | `then` s |\n|---:|---:|\n'
for n in ${THEN:-50 100 200 400}; do
    write then "$n"
    printf '| %d | %.3f |\n' "$n" "$(measure)"
done
