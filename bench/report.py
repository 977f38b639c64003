#!/usr/bin/env python3
"""Markdown tables from bench/run.sh's results, for BENCHMARKS.md.

    bench/report.py bench/results/100k [bench/results/1m]

Prints, for each size: the machine and versions, the engine table (Hearth,
PostgreSQL + PostGIS tuned and typical, SQLite tuned and typical) with the
oracle gate, build, size and latency per kind of query, the ratio of
PostgreSQL's figures to Hearth's, and Hearth over HTTP. Given two sizes, the
scaling line (how each of Hearth's figures grows from the first to the second).
Standard library only.
"""

import json
import sys
from pathlib import Path

KINDS = ["keyword_radius", "browse", "keyword", "adversarial", "all"]
KIND_NAMES = {
    "keyword_radius": "keyword + radius + filters",
    "browse": "category browse by distance",
    "keyword": "keyword only",
    "adversarial": "adversarial",
    "all": "all queries",
}
BACKENDS = [
    ("hearth", "Hearth"),
    ("postgres-tuned", "PostgreSQL tuned"),
    ("postgres-typical", "PostgreSQL typical"),
    ("sqlite-tuned", "SQLite tuned"),
    ("sqlite-typical", "SQLite typical"),
]


def load(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def ms(value):
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def mb(value):
    return "—" if value is None else f"{value:,.0f} MB"


def latency(result, kind):
    """(p50, p99, count) of one kind of query, engine time."""
    if not result:
        return None
    timing = result.get("timing")
    if not timing:
        return None
    measure = timing.get("engine", timing) if isinstance(timing, dict) else None
    if not measure:
        return None
    row = measure["all"] if kind == "all" else measure.get("by_kind", {}).get(kind)
    if not row:
        return None
    return row["p50_ms"], row["p99_ms"], row["count"]


def gate(name, result):
    if not result:
        return "not run"
    g = result.get("gate", {})
    if name == "hearth":
        return f"{g.get('equal', 0):,} of {g.get('equal', 0) + g.get('differing', 0):,} agree"
    agree, total = g.get("agree", 0), g.get("queries", 0)
    return f"{agree:,} of {total:,} agree"


def build(name, result, folder):
    """(seconds, memory text, bytes on disk)."""
    if not result:
        return None, "—", None
    if name == "hearth":
        b = result.get("build", {})
        disk = None
        sizes = folder / "hearth-disk.txt"
        if sizes.exists():
            disk = sum(int(line.split()[0]) for line in sizes.read_text().splitlines() if line.strip())
        memory = mb(b.get("peak_rss_mb"))
        if b.get("peak_anon_mb") is not None:
            memory += f" ({mb(b['peak_anon_mb'])} anonymous)"
        return b.get("seconds"), memory, disk
    load_ = result.get("load", {})
    seconds = sum(load_.get(k, 0) for k in ("copy_seconds", "insert_seconds", "index_seconds"))
    disk = load_.get("bytes") or result.get("bytes")
    return seconds, "—", disk


def engine_table(folder):
    results = {name: load(folder / f"{name}.json") for name, _ in BACKENDS}
    present = [(n, label) for n, label in BACKENDS if results[n]]
    out = []
    head = "| | " + " | ".join(label for _, label in present) + " |"
    out.append(head)
    out.append("|---" * (len(present) + 1) + "|")
    out.append("| oracle gate | " + " | ".join(gate(n, results[n]) for n, _ in present) + " |")
    builds = {n: build(n, results[n], folder) for n, _ in present}
    out.append("| build from the NDJSON | " + " | ".join(
        "—" if builds[n][0] is None else f"{builds[n][0]:.1f} s" for n, _ in present) + " |")
    out.append("| peak memory while building | " + " | ".join(builds[n][1] for n, _ in present) + " |")
    out.append("| size on disk | " + " | ".join(
        "—" if builds[n][2] is None else f"{builds[n][2] / 1e6:,.0f} MB" for n, _ in present) + " |")
    for kind in KINDS:
        cells = []
        for n, _ in present:
            lat = latency(results[n], kind)
            if lat is None:
                cells.append("not timed" if results[n] and not results[n].get("timing") else "—")
            else:
                cells.append(f"{ms(lat[0])} / {ms(lat[1])}")
        out.append(f"| {KIND_NAMES[kind]}, p50 / p99 ms | " + " | ".join(cells) + " |")
    # PostgreSQL's figures over Hearth's: how many times lower Hearth's are.
    hearth = results.get("hearth")
    ratios = []
    for pg in ("postgres-tuned", "postgres-typical"):
        if not results.get(pg) or not hearth:
            continue
        parts = []
        for kind in KINDS:
            a, b = latency(hearth, kind), latency(results[pg], kind)
            if a and b and a[0] > 0 and a[1] > 0:
                parts.append(f"{KIND_NAMES[kind]} {b[0] / a[0]:.1f}× / {b[1] / a[1]:.1f}×")
        if parts:
            ratios.append(f"- {dict(BACKENDS)[pg]} over Hearth (p50 / p99): " + "; ".join(parts))
    return "\n".join(out), ratios


def http_table(folder):
    h = load(folder / "http.json")
    if not h:
        return None
    out = ["| HTTP measure | figure |", "|---|---|"]
    cold = h.get("cold_start")
    if cold:
        times = cold.get("starts_ms") or []
        if times:
            out.append(f"| cold start to first answered search | {min(times):.0f}–{max(times):.0f} ms ({len(times)} starts) |")
    closed = h.get("closed")
    if closed:
        a = closed["latency"]["all"]
        out.append(f"| closed loop, one client, p50 / p99 / max | {ms(a['p50_ms'])} / {ms(a['p99_ms'])} / {ms(a['max_ms'])} ms ({closed['requests']:,} requests, {closed['ok']:,} ok) |")
    rss = h.get("rss")
    if rss:
        out.append(
            f"| serving memory after the closed loop: RSS, and without the mapped index files | "
            f"{mb(rss.get('vm_rss_mb'))}, {mb(rss.get('without_index_mb'))} |")
    for run in h.get("open", []):
        a = run["latency"]["all"]
        verdict = "over the 50 ms bound" if run["over_bound"] else "within the bound"
        out.append(
            f"| open loop {run['rate']:.0f} q/s: achieved, p50 / p99 / p99.9 | {run['achieved_rate']:.0f} q/s, "
            f"{ms(a['p50_ms'])} / {ms(a['p99_ms'])} / {ms(a['p999_ms'])} ms, {run['errors']} errors ({verdict}) |")
    mixed = h.get("mixed")
    if mixed:
        s, u = mixed["search"]["latency"]["all"], mixed["updates"]["latency"]["all"]
        out.append(
            f"| mixed: {mixed['search']['rate']:.0f} q/s with {mixed['updates']['rate']:.0f} writes/s, search p50 / p99 | "
            f"{ms(s['p50_ms'])} / {ms(s['p99_ms'])} ms; writes p50 / p99 {ms(u['p50_ms'])} / {ms(u['p99_ms'])} ms |")
    fresh = h.get("fresh")
    if fresh:
        out.append(
            f"| approval to searchable under {fresh['background']['rate']:.0f} q/s, p50 / max | "
            f"{ms(fresh.get('visible_p50_ms'))} / {ms(fresh.get('visible_max_ms'))} ms to the answer of the first search "
            f"that finds it, {ms(fresh.get('visible_by_send_p50_ms'))} / {ms(fresh.get('visible_by_send_max_ms'))} ms to its sending "
            f"({fresh['found']} of {fresh['repeats']} found; approve p50 {ms(fresh.get('approve', {}).get('p50_ms'))} ms) |")
    return "\n".join(out)


def scaling(small, large):
    a, b = load(small / "hearth.json"), load(large / "hearth.json")
    if not a or not b:
        return None
    parts = []
    for kind in KINDS:
        x, y = latency(a, kind), latency(b, kind)
        if x and y:
            parts.append(f"{KIND_NAMES[kind]} p50 ×{y[0] / x[0]:.1f}, p99 ×{y[1] / x[1]:.1f}")
    ba, bb = a.get("build", {}), b.get("build", {})
    if ba.get("seconds") and bb.get("seconds"):
        parts.append(f"build time ×{bb['seconds'] / ba['seconds']:.1f}")
    if ba.get("peak_rss_mb") and bb.get("peak_rss_mb"):
        parts.append(f"build peak memory ×{bb['peak_rss_mb'] / ba['peak_rss_mb']:.1f}")
    return f"From {small.name} to {large.name} (10× the listings), Hearth: " + "; ".join(parts) + "."


def main(folders):
    folders = [Path(f) for f in folders]
    for folder in folders:
        print(f"### {folder.name}\n")
        machine = folder / "machine.txt"
        if machine.exists():
            print("```\n" + machine.read_text().strip() + "\n```\n")
        table, ratios = engine_table(folder)
        print(table + "\n")
        for line in ratios:
            print(line)
        if ratios:
            print()
        http = http_table(folder)
        if http:
            print(http + "\n")
    if len(folders) == 2:
        line = scaling(folders[0], folders[1])
        if line:
            print(line)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
