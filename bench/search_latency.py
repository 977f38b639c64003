#!/usr/bin/env python3
"""Search latency of a running Hearth, measured from a client on loopback.

Usage: python3 bench/search_latency.py [BASE_URL] [ROUNDS]
       (default http://127.0.0.1:8080, 20 rounds)

Runs a fixed mix of searches against GET /api/v1/search, and of prefixes
against GET /api/v1/suggest, one at a time, ROUNDS times each after one warm-up
round, and prints per-query and overall latency percentiles (wall time of the whole HTTP request, so it includes JSON encoding
and loopback). Not part of the product binary and not a test: figures go to
BENCHMARKS.md with the machine they were taken on.
"""

import json
import statistics
import sys
import time
import urllib.parse
import urllib.request

QUERIES = [
    # (label, parameters)
    ("keyword + ZIP, 10 mi", {"q": "mental health", "near": "33136", "radius": "10"}),
    ("keyword + ZIP, 25 mi", {"q": "food pantry", "near": "20001", "radius": "25"}),
    ("keyword + city, 50 mi", {"q": "substance use treatment", "near": "Los Angeles, CA", "radius": "50"}),
    ("category browse, 10 mi", {"near": "60601", "radius": "10", "category": "health"}),
    ("nearest first, 100 mi", {"near": "10001", "radius": "100"}),
    ("keyword only, national", {"q": "veterans"}),
    ("common word, 100 mi", {"q": "health", "near": "90012", "radius": "100"}),
    ("zero results", {"q": "zzyzx qwerty", "near": "59001", "radius": "5"}),
    ("page 5", {"q": "library", "near": "02108", "radius": "50", "offset": "80"}),
    ("open now, 25 mi", {"q": "food", "near": "Los Angeles, CA", "radius": "25", "open_now": "true"}),
    ("open now, 100 mi", {"near": "10001", "radius": "100", "open_now": "true"}),
    ("lay phrase", {"q": "help paying rent", "near": "33147", "radius": "10"}),
    ("Spanish", {"q": "cupones de comida", "near": "33012", "radius": "10"}),
    ("misspelt", {"q": "methadon clinic", "near": "98104", "radius": "10"}),
    ("filters: free, age, population", {"near": "33136", "radius": "10", "free": "true", "age": "15", "population": "youth"}),
    ("nearby + serving, 5 mi", {"q": "legal aid", "near": "33136", "radius": "5", "scope": "all"}),
]

SUGGEST = ["f", "foo", "food ba", "meth", "legal a", "cl", "vete", "albe"]


def fetch(base, params, path="/api/v1/search"):
    url = f"{base}{path}?{urllib.parse.urlencode(params)}"
    started = time.perf_counter()
    with urllib.request.urlopen(url) as response:
        body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    data = json.loads(body)
    return elapsed, data["total"] if "total" in data else len(data["suggestions"])


def percentile(values, p):
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))
    return ordered[index]


def main():
    base = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    cases = [(label, params, "/api/v1/search") for label, params in QUERIES]
    cases += [(f"suggest {prefix!r}", {"q": prefix}, "/api/v1/suggest") for prefix in SUGGEST]
    searches, suggests = [], []
    header = f"{'query':32} {'total':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    print(header)
    for label, params, path in cases:
        fetch(base, params, path)  # warm-up
        times = []
        total = 0
        for _ in range(rounds):
            elapsed, total = fetch(base, params, path)
            times.append(elapsed)
        (suggests if path.endswith("suggest") else searches).extend(times)
        print(
            f"{label:32} {total:>7} {statistics.median(times):>8.2f} {percentile(times, 95):>8.2f} "
            f"{percentile(times, 99):>8.2f} {max(times):>8.2f}"
        )
    for label, times in [("all searches", searches), ("all suggests", suggests)]:
        print(
            f"{label:32} {'':>7} {statistics.median(times):>8.2f} {percentile(times, 95):>8.2f} "
            f"{percentile(times, 99):>8.2f} {max(times):>8.2f}  ({len(times)} requests)"
        )


if __name__ == "__main__":
    main()
