#!/usr/bin/env bash
# Hearth against PostgreSQL + PostGIS and SQLite at one size, in one run.
#
#   bench/run.sh SIZE          SIZE is 100k or 1m (or any count, e.g. 250000)
#
# Builds the release binaries, generates the listings (seed 42) and queries
# (seed 7) unless they are already in $BENCH_DATA (default /tmp/hearth-bench),
# answers the queries by brute force (the oracle), then for every backend:
# builds it from the same NDJSON (timed, peak memory), checks its match sets
# against the oracle (a backend that disagrees is reported and not timed), and
# times the queries in process (Hearth, SQLite) or on the server (PostgreSQL).
# Then Hearth over HTTP: cold start, closed loop, open loop at 100/500/1000/2000
# q/s, searches under 50 listing writes a second, approval to searchable.
# Raw results go to bench/results/SIZE/ (JSON and logs; RESULTS names another
# folder, e.g. to keep a run on another machine beside the reference); nothing else of ours
# should run meanwhile. PostgreSQL is started on loopback in a temporary
# directory and removed at the end (bench/postgres.sh).
#
# The "typical" variants take up to seconds a query: SQLite typical runs only
# the first SQLITE_TYPICAL_QUERIES (default 500) of the file, PostgreSQL
# typical the first POSTGRES_TYPICAL_QUERIES (default 2000).
#
# Environment: BENCH_DATA (work directory), RESULTS (results folder, default
# bench/results/SIZE), ROUNDS (timing passes, default 3),
# SKIP (space-separated backends to leave out: hearth http postgres-typical
# postgres-tuned sqlite-typical sqlite-tuned).
set -euo pipefail

size="${1:?usage: bench/run.sh SIZE (100k, 1m or a count)}"
case "$size" in
    *[kK]) n=$(( ${size%[kK]} * 1000 )) ;;
    *[mM]) n=$(( ${size%[mM]} * 1000000 )) ;;
    *) n="$size" ;;
esac
label=$(echo "$size" | tr 'A-Z' 'a-z')
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${BENCH_DATA:-/tmp/hearth-bench}"
rounds="${ROUNDS:-3}"
skip=" ${SKIP:-} "
out="${RESULTS:-$root/bench/results/$label}"
mkdir -p "$data" "$out"
out="$(cd "$out" && pwd)"   # a relative RESULTS is from where the script was run
cd "$root"

wanted() { [[ "$skip" != *" $1 "* ]]; }
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
timed() { /usr/bin/time -f "wall %e s, peak RSS %M KB" "$@"; }

step "build (release)"
cargo build --release --locked -p hearth -p hearth-bench
bench="$root/target/release/hearth-bench"
hearth="$root/target/release/hearth"

listings="$data/listings-$label.ndjson"
queries="$data/queries-$label.jsonl"
answers="$data/answers-$label.jsonl"
if [[ ! -s "$listings" ]]; then
    step "generate $n listings"
    timed "$bench" generate --n "$n" --seed 42 --data data --out "$listings" 2>&1 | tee "$out/generate.log"
fi
if [[ ! -s "$queries" ]]; then
    step "queries"
    "$bench" queries --listings "$listings" --n 10000 --seed 7 --out "$queries" 2>&1 | tee "$out/queries.log"
fi
if [[ ! -s "$answers" ]]; then
    step "oracle"
    timed "$bench" oracle --listings "$listings" --queries "$queries" --out "$answers" 2>&1 | tee "$out/oracle.log"
fi

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)')"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
    echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "kernel: $(uname -r)"
    echo "rustc: $(rustc --version)"
    echo "listings: $n ($(du -h "$listings" | cut -f1) of NDJSON)"
} > "$out/machine.txt"
cat "$out/machine.txt"

home="$data/home-$label"
if wanted hearth; then
    step "Hearth: build, gate, engine timing"
    rm -rf "$home"
    timed "$bench" hearth --home "$home" --listings "$listings" --queries "$queries" \
        --oracle "$answers" --rounds "$rounds" --out "$out/hearth.json" 2>&1 | tee "$out/hearth.log"
    du -sb "$home/store" "$home/search" | tee "$out/hearth-disk.txt"
fi

if wanted http; then
    step "Hearth over HTTP"
    # The writes (verifies, approvals) change the home: use a copy.
    rm -rf "$home-http"
    cp -r "$home" "$home-http"
    "$bench" http --cold-start "$hearth" --home "$home-http" --queries "$queries" \
        --modes cold,closed,open,mixed,fresh --rates 100,500,1000,2000 --seconds 20 \
        --out "$out/http.json" 2>&1 | tee "$out/http.log"
    rm -rf "$home-http"
fi

if wanted sqlite-typical || wanted sqlite-tuned; then
    for variant in typical tuned; do
        wanted "sqlite-$variant" || continue
        step "SQLite ($variant)"
        timed "$bench" sqlite --db "$data/sqlite-$label-$variant.db" --listings "$listings" \
            --queries "$queries" --oracle "$answers" --variant "$variant" --rounds "$rounds" \
            $( [[ $variant == typical ]] && echo --max-queries "${SQLITE_TYPICAL_QUERIES:-500}" ) \
            --out "$out/sqlite-$variant.json" 2>&1 | tee "$out/sqlite-$variant.log" || true
        rm -f "$data/sqlite-$label-$variant.db"*
    done
fi

if wanted postgres-typical || wanted postgres-tuned; then
    step "PostgreSQL + PostGIS"
    pg_dir=$(mktemp -d /tmp/hearth-pg.XXXXXX)
    trap 'bench/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true' EXIT
    url=$(bench/postgres.sh start "$pg_dir" | awk '/^postgres:/ { print; exit }')
    echo "server: $url"
    psql_version=$(/usr/lib/postgresql/15/bin/postgres --version)
    echo "postgres: $psql_version" >> "$out/machine.txt"
    for variant in typical tuned; do
        wanted "postgres-$variant" || continue
        step "PostgreSQL ($variant)"
        timed "$bench" postgres --url "$url" --listings "$listings" --queries "$queries" \
            --oracle "$answers" --variant "$variant" --rounds "$rounds" \
            $( [[ $variant == typical ]] && echo --max-queries "${POSTGRES_TYPICAL_QUERIES:-2000}" ) \
            --out "$out/postgres-$variant.json" 2>&1 | tee "$out/postgres-$variant.log" || true
    done
fi

step "done: results in $out"
python3 bench/report.py "$out"
