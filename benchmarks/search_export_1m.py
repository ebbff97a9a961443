"""Search latency and export speed on a synthetic archive of a million articles (SQLite).

    python benchmarks/search_export_1m.py [--articles 1000000] [--db PATH] [--reuse] [--only search|export]

1. Builds the archive through the real schema (FTS5 triggers included): posts spread over the 552
   registry sites, 2019-2026, Indonesian-like text of 60-250 words (``crawlers/sample/releases.py``).
   Rows are inserted with plain executemany in large transactions; that is a build step, not what
   is measured.
2. Runs 60 queries of every kind (common and rare words, phrases, OR, -exclusion, prefix*, with
   and without province/level/date filters), each 3 times, through ``archive.read.search.search``
   (limit 20, ranked, with snippets), and reports p50 and p95 latency per kind of query and overall.
3. Exports everything as CSV and as Parquet with the real command, each in its own process, and
   reports rows per second and that process's peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from archive.domain.sites import load_registry
from archive.read.filters import Filters
from archive.read.search import search
from archive.storage.db import open_engine
from crawlers.sample.releases import Prose


def build(path: Path, articles: int) -> None:
    engine = open_engine(str(path))
    registry = load_registry()
    sites = registry.select()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites"))
        conn.execute(
            text(
                "INSERT INTO sites (id, host, name, level, province, timezone, host_source) "
                "VALUES (:id, :host, :name, :level, :province, :timezone, :host_source)"
            ),
            [
                {
                    "id": i + 1,
                    "host": s.host,
                    "name": s.name,
                    "level": s.level,
                    "province": s.province,
                    "timezone": s.timezone,
                    "host_source": s.host_source,
                }
                for i, s in enumerate(sites)
            ],
        )
    rng = random.Random(5)
    prose = Prose(rng)
    start = datetime(2019, 1, 1)
    span = int((datetime(2026, 11, 1) - start).total_seconds())
    raw = engine.raw_connection()
    cursor = raw.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    sql = (
        "INSERT INTO articles (site_id, native_id, url, category_id, category, category_source, title, "
        "title_source, body_text, body_html, hashtags, images, attachments, see_also, published_at, "
        "published_precision, published_source, content_sha256, first_seen_at, last_seen_at, fetched_at, "
        "checked_at, view_count) VALUES (?, ?, ?, '104', 'Berita Terkini', 'page', ?, 'heading', ?, '', '[]', "
        "'[]', '[]', '[]', ?, 'day', 'body', ?, ?, ?, ?, ?, ?)"
    )
    started = time.perf_counter()
    batch = []
    for i in range(articles):
        site_id = rng.randrange(len(sites)) + 1
        title = prose.title()
        body = " ".join(prose.sentence() for _ in range(rng.randint(4, 14)))
        published = start + timedelta(seconds=rng.randrange(span))
        seen = (published + timedelta(hours=rng.randint(1, 48))).isoformat(sep=" ")
        host = sites[site_id - 1].host
        batch.append(
            (
                site_id,
                str(100000 + i),
                f"https://{host}/blog/read/{100000 + i}_x",
                title,
                body,
                published.isoformat(sep=" "),
                hashlib.sha256(body.encode()).hexdigest(),
                seen,
                seen,
                seen,
                seen,
                rng.randint(0, 5000),
            )
        )
        if len(batch) == 20_000:
            cursor.executemany(sql, batch)
            raw.commit()
            batch = []
            done = i + 1
            if done % 200_000 == 0:
                print(f"  built {done} ({(time.perf_counter() - started):.0f} s)", flush=True)
    if batch:
        cursor.executemany(sql, batch)
        raw.commit()
    cursor.execute("PRAGMA optimize")
    raw.close()
    engine.dispose()
    elapsed = time.perf_counter() - started
    print(f"built {articles} articles in {elapsed:.0f} s; file {path.stat().st_size / 1e9:.1f} GB")


def queries(rng: random.Random, vocab: list[str]) -> list[tuple[str, str, dict]]:
    """(kind, query, filters): ten of each kind."""
    common, middle, rare = vocab[:30], vocab[200:1500], vocab[2500:]
    out: list[tuple[str, str, dict]] = []
    for _ in range(10):
        out.append(("common word", rng.choice(common), {}))
        out.append(("two words", f"{rng.choice(middle)} {rng.choice(middle)}", {}))
        out.append(("phrase", f'"{rng.choice(common)} {rng.choice(common)}"', {}))
        out.append(("rare OR, province", f"{rng.choice(rare)} OR {rng.choice(middle)}", {"provinces": ("Jawa Timur",)}))
        out.append(
            (
                "-exclusion, level, since",
                f"{rng.choice(middle)} -{rng.choice(common)}",
                {"levels": ("kabupaten",), "since": datetime(2024, 1, 1).date()},
            )
        )
        out.append(
            (
                "prefix*, date range",
                f"{rng.choice(middle)[:4]}*",
                {"since": datetime(2025, 1, 1).date(), "until": datetime(2025, 12, 31).date()},
            )
        )
    return out


def _percentiles(timings: list[float]) -> str:
    timings = sorted(timings)
    p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
    p50 = statistics.median(timings)
    return f"p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  max {timings[-1] * 1000:6.0f} ms"


def measure_search(path: Path) -> None:
    engine = open_engine(str(path), readonly=True)
    rng = random.Random(9)
    prose = Prose(random.Random(5))
    timings: list[float] = []
    by_kind: dict[str, list[float]] = {}
    counts = []
    for kind, query, extra in queries(rng, prose.vocab):
        for _ in range(3):
            t = time.perf_counter()
            hits = search(engine, Filters(query=query, **extra), limit=20)
            timings.append(time.perf_counter() - t)
            by_kind.setdefault(kind, []).append(timings[-1])
        counts.append(len(hits))
    engine.dispose()
    print(f"search: {len(timings)} runs of {len(timings) // 3} queries; queries with hits {sum(c > 0 for c in counts)}")
    for kind, values in by_kind.items():
        print(f"  {kind:26} {_percentiles(values)}")
    print(f"  {'all':26} {_percentiles(timings)}")


RUNNER = """
import resource, sys, time
from archive.cli import main
t = time.perf_counter()
try:
    main(sys.argv[1:])
except SystemExit:
    pass
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{time.perf_counter() - t:.2f} {rss}", file=sys.stderr)
"""


def measure_export(path: Path, fmt: str) -> None:
    out = path.with_name(f"export.{fmt}")
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, "export", "--db", str(path), "--format", fmt, "--out", str(out)],
        capture_output=True,
        text=True,
    )
    lines = result.stderr.strip().splitlines()
    seconds, rss = lines[-1].split()
    rows = int(lines[-2].split()[1]) if len(lines) > 1 else 0
    print(
        f"export {fmt}: {rows} rows in {float(seconds):.0f} s = {rows / float(seconds):,.0f} rows/s; "
        f"peak memory {int(rss) / 1024:.0f} MiB; file {out.stat().st_size / 1e9:.2f} GB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--db", default="/tmp/kpu-1m.db")
    parser.add_argument("--reuse", action="store_true", help="use the archive at --db if it is there")
    parser.add_argument("--only", choices=("search", "export"), help="measure only search or only the exports")
    args = parser.parse_args()
    path = Path(args.db)
    if not (args.reuse and path.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        build(path, args.articles)
    if args.only != "export":
        measure_search(path)
    if args.only != "search":
        measure_export(path, "csv")
        measure_export(path, "parquet")


if __name__ == "__main__":
    main()
