#!/usr/bin/env python3
"""Search latency of a running Hearth, measured from a client on loopback.

Usage: python3 bench/search_latency.py [BASE_URL] [ROUNDS]
       (default http://127.0.0.1:8080, 20 rounds)

Runs a fixed mix of searches against GET /api/v1/search, one at a time, ROUNDS
times each after one warm-up round, and prints per-query and overall latency
percentiles (wall time of the whole HTTP request, so it includes JSON encoding
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
]


def fetch(base, params):
    url = f"{base}/api/v1/search?{urllib.parse.urlencode(params)}"
    started = time.perf_counter()
    with urllib.request.urlopen(url) as response:
        body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, json.loads(body)["total"]


def percentile(values, p):
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))
    return ordered[index]


def main():
    base = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    everything = []
    print(f"{'query':28} {'total':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label, params in QUERIES:
        fetch(base, params)  # warm-up
        times = []
        total = 0
        for _ in range(rounds):
            elapsed, total = fetch(base, params)
            times.append(elapsed)
        everything.extend(times)
        print(f"{label:28} {total:>7} {statistics.median(times):>8.2f} {percentile(times, 95):>8.2f} {max(times):>8.2f}")
    print(
        f"{'all':28} {'':>7} {statistics.median(everything):>8.2f} "
        f"{percentile(everything, 95):>8.2f} {max(everything):>8.2f}  ({len(everything)} requests)"
    )


if __name__ == "__main__":
    main()
