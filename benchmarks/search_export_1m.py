"""Search latency and export speed on a synthetic archive of a million articles, before and after.

    python benchmarks/search_export_1m.py [--articles 1000000] [--databases sqlite,postgresql]
        [--before 80498fc] [--db PATH] [--pg URL] [--reuse] [--only search|export]

1. Builds the archive through the real schema (FTS5 triggers on SQLite, the generated tsvector and
   GIN index on PostgreSQL): posts spread over the 552 registry sites, 2019-2026, Indonesian-like
   text of 60-250 words (``crawlers/sample/releases.py``).  Rows go in by executemany (SQLite) or
   COPY (PostgreSQL): a build step, not what is measured.
2. "Before": the release at ``--before`` (checked out with ``git worktree``), on the archive as that
   release's schema has it.  Then ``kpu-archive upgrade`` (timed) and "after": this checkout.  Each
   side runs in its own process, the same queries and exports, one after the other on one machine.
3. Search: 60 queries of six kinds (common and rare words, phrases, OR, -exclusion, prefix*, with
   and without province/level/date filters), each 3 times, through ``archive.read.search.search``
   (limit 20, with snippets): ranked, sorted by date (``sort="date"``) and counted
   (``count_matches``).  p50 and p95 per kind.  Soundness: each ranked page is compared with the
   page that ranking every match gives.
4. Exports: everything as CSV and as Parquet with the real command, rows per second and the
   process's peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from archive.domain.sites import load_registry
from archive.storage.db import open_engine
from crawlers.sample.releases import Prose

ROOT = Path(__file__).resolve().parent.parent
NEW_INDEXES = ("ix_articles_published", "ix_articles_removed")  # migration 0009
COLUMNS = ("site_id, native_id, url, category_id, category, category_source, title, title_source, body_text, "
           "body_html, hashtags, images, attachments, see_also, published_at, published_precision, published_source, "
           "content_sha256, first_seen_at, last_seen_at, fetched_at, checked_at, view_count")  # fmt: skip


def posts(articles: int, sites: int) -> Iterator[tuple]:
    """The synthetic posts, the same for every database (seeded)."""
    rng = random.Random(5)
    prose = Prose(rng)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    span = int((datetime(2026, 11, 1, tzinfo=UTC) - start).total_seconds())
    for i in range(articles):
        site_id = rng.randrange(sites) + 1
        title = prose.title()
        body = " ".join(prose.sentence() for _ in range(rng.randint(4, 14)))
        published = start + timedelta(seconds=rng.randrange(span))
        seen = published + timedelta(hours=rng.randint(1, 48))
        yield (site_id, str(100000 + i), title, body, published, hashlib.sha256(body.encode()).hexdigest(), seen,
               rng.randint(0, 5000))  # fmt: skip


def build(url: str, articles: int) -> None:
    engine = open_engine(url)
    sites = load_registry().select()
    hosts = [s.host for s in sites]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites"))
        conn.execute(
            text("INSERT INTO sites (id, host, name, level, province, timezone, host_source) "
                 "VALUES (:id, :host, :name, :level, :province, :timezone, :host_source)"),
            [{"id": i + 1, "host": s.host, "name": s.name, "level": s.level, "province": s.province,
              "timezone": s.timezone, "host_source": s.host_source} for i, s in enumerate(sites)],
        )  # fmt: skip
    started = time.perf_counter()
    raw = engine.raw_connection()
    cursor = raw.cursor()
    sqlite = engine.dialect.name == "sqlite"

    def row(p: tuple) -> tuple:
        site_id, native, title, body, published, sha, seen, views = p
        url = f"https://{hosts[site_id - 1]}/blog/read/{native}_x"
        if sqlite:  # stored as the models store it: naive UTC text
            published, seen = (t.replace(tzinfo=None).isoformat(sep=" ") for t in (published, seen))
        return (site_id, native, url, "104", "Berita Terkini", "page", title, "heading", body, "", "[]", "[]", "[]",
                "[]", published, "day", "body", sha, seen, seen, seen, seen, views)  # fmt: skip

    if sqlite:
        cursor.execute("PRAGMA synchronous=OFF")
        sql = f"INSERT INTO articles ({COLUMNS}) VALUES ({', '.join('?' * 23)})"
        batch = []
        for i, p in enumerate(posts(articles, len(sites)), 1):
            batch.append(row(p))
            if len(batch) == 20_000 or i == articles:
                cursor.executemany(sql, batch)
                raw.commit()
                batch = []
            if i % 200_000 == 0:
                print(f"  built {i} ({(time.perf_counter() - started):.0f} s)", flush=True)
        cursor.execute("PRAGMA optimize")
    else:
        with cursor.copy(f"COPY articles ({COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for i, p in enumerate(posts(articles, len(sites)), 1):
                copy.write_row(row(p))
                if i % 200_000 == 0:
                    print(f"  built {i} ({(time.perf_counter() - started):.0f} s)", flush=True)
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    raw.close()
    engine.dispose()
    print(f"built {articles} articles in {time.perf_counter() - started:.0f} s")


def as_before(url: str) -> None:
    """The archive as the previous release's schema (0008) has it: without this release's indexes."""
    engine = open_engine(url)
    with engine.begin() as conn:
        for name in NEW_INDEXES:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    engine.dispose()


def queries(vocab: list[str]) -> list[tuple[str, str, dict]]:
    """(kind, query, filters): ten of each kind."""
    rng = random.Random(9)
    common, middle, rare = vocab[:30], vocab[200:1500], vocab[2500:]
    out: list[tuple[str, str, dict]] = []
    for _ in range(10):
        out.append(("common word", rng.choice(common), {}))
        out.append(("two words", f"{rng.choice(middle)} {rng.choice(middle)}", {}))
        out.append(("phrase", f'"{rng.choice(common)} {rng.choice(common)}"', {}))
        out.append(("rare OR, province", f"{rng.choice(rare)} OR {rng.choice(middle)}", {"provinces": ["Jawa Timur"]}))
        out.append(("-exclusion, level, since", f"{rng.choice(middle)} -{rng.choice(common)}",
                    {"levels": ["kabupaten"], "since": "2024-01-01"}))  # fmt: skip
        out.append(
            ("prefix*, date range", f"{rng.choice(middle)[:4]}*", {"since": "2025-01-01", "until": "2025-12-31"})
        )
    return out


# run by each side in its own process, with that side's code first on the path
MEASURE = """
import inspect, json, sys, time
from datetime import date
from archive.read.filters import Filters
from archive.read.search import count_matches, search
from archive.storage.db import open_engine

spec = json.load(sys.stdin)
engine = open_engine(spec["db"], readonly=True)
sorts = "sort" in inspect.signature(search).parameters
out = {}
for mode in ("relevance", "date", "count"):
    for kind, query, extra in spec["queries"]:
        extra = {k: tuple(v) if isinstance(v, list) else date.fromisoformat(v) for k, v in extra.items()}
        filters = Filters(query=query, **extra)
        timings = out.setdefault(mode, {}).setdefault(kind, [])
        if mode == "date" and not sorts:
            continue
        for _ in range(3):
            t = time.perf_counter()
            if mode == "count":
                count_matches(engine, filters)
            else:
                search(engine, filters, limit=20, **({"sort": "date"} if mode == "date" else {}))
            timings.append(time.perf_counter() - t)
print(json.dumps(out))
"""

EXPORT = """
import resource, sys, time
from archive.cli import main
t = time.perf_counter()
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(f"{time.perf_counter() - t:.2f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
"""


def on_side(code: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(code), "KPU_ARCHIVE_DB": ""}
    return subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True, env=env, cwd=code)


def measure_search(code: Path, url: str, mix: list[tuple[str, str, dict]]) -> dict:
    result = on_side(code, "-c", MEASURE, stdin=json.dumps({"db": url, "queries": mix}))
    if result.returncode:
        raise SystemExit(f"search measurement failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def measure_export(code: Path, url: str, fmt: str) -> tuple[float, float]:
    out = Path(f"/tmp/kpu-bench-export.{fmt}")
    result = on_side(code, "-c", EXPORT, "export", "--db", url, "--format", fmt, "--out", str(out))
    lines = result.stderr.strip().splitlines()
    seconds, rss = lines[-1].split()
    rows = int(lines[-2].split()[1]) if len(lines) > 1 and lines[-2].startswith("wrote ") else 0
    if not rows:
        raise SystemExit(f"export {fmt} failed:\n{result.stderr[-3000:]}")
    out.unlink(missing_ok=True)
    return rows / float(seconds), int(rss) / 1024


def soundness(url: str, mix: list[tuple[str, str, dict]]) -> tuple[int, int]:
    """Ranked pages (limit 20) equal to the pages that ranking every match gives: (equal, compared)."""
    import archive.read.search as searching
    from archive.read.filters import Filters

    engine = open_engine(url, readonly=True)
    equal = 0
    for _kind, query, extra in mix:
        extra = {k: tuple(v) if isinstance(v, list) else date.fromisoformat(v) for k, v in extra.items()}
        filters = Filters(query=query, **extra)
        capped = [h["archive_id"] for h in searching.search(engine, filters, limit=20)]
        searching.MIN_CANDIDATES, kept = 10**9, searching.MIN_CANDIDATES  # rank every match, then filter
        try:
            full = [h["archive_id"] for h in searching.search(engine, filters, limit=20)]
        finally:
            searching.MIN_CANDIDATES = kept
        equal += capped == full
    engine.dispose()
    return equal, len(mix)


def _p(values: list[float] | None) -> str:
    if not values:
        return f"{'n/a':>17}"
    values = sorted(values)
    p95 = values[max(int(len(values) * 0.95) - 1, 0)]
    return f"{statistics.median(values) * 1000:7.0f} {p95 * 1000:7.0f} ms"


def report(database: str, before: dict, after: dict) -> None:
    print(f"\nsearch on {database}: p50 p95 per kind, before | after (each query 3 times)")
    for mode in ("relevance", "date", "count"):
        print(f"  {mode}")
        kinds = list(after[mode])
        for kind in [*kinds, "all"]:
            picked = kinds if kind == "all" else [kind]
            old = [t for k in picked for t in before.get(mode, {}).get(k, [])]
            new = [t for k in picked for t in after[mode].get(k, [])]
            print(f"    {kind:26} {_p(old)} | {_p(new)}")


def prepare_before(rev: str) -> Path:
    folder = Path(f"/tmp/kpu-archive-{rev}")
    if not folder.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), rev], check=True,
                       capture_output=True)  # fmt: skip
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--db", default="/tmp/kpu-1m.db", help="the SQLite file")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/kpu_bench_1m")
    parser.add_argument("--before", default="80498fc", help="the release to compare with (a git revision; none: skip)")
    parser.add_argument("--reuse", action="store_true", help="use the archives already built")
    parser.add_argument("--only", choices=("search", "export"), help="measure only search or only the exports")
    args = parser.parse_args()
    old = prepare_before(args.before) if args.before != "none" else None
    mix = queries(Prose(random.Random(5)).vocab)
    exports: list[str] = []
    for database in args.databases.split(","):
        url = f"sqlite:///{args.db}" if database == "sqlite" else args.pg
        if not args.reuse:
            if database == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    Path(args.db + suffix).unlink(missing_ok=True)
            else:
                import psycopg

                admin, name = args.pg.replace("+psycopg", "").rsplit("/", 1)
                with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    conn.execute(f'CREATE DATABASE "{name}"')
            build(url, args.articles)
        if old and not (old / "archive/storage/migrations/versions/0009_search_indexes.py").exists():
            as_before(url)  # an older "before" runs on the schema it had
        before = measure_search(old, url, mix) if old and args.only != "export" else {}
        before_exports = []
        if old and args.only != "search":
            before_exports = [measure_export(old, url, f) for f in ("csv", "parquet")]
        t = time.perf_counter()
        upgraded = on_side(ROOT, "-m", "archive", "upgrade", "--db", url)
        if upgraded.returncode:
            raise SystemExit(f"upgrade failed: {upgraded.stderr}")
        print(f"\n{database}: kpu-archive upgrade (this release's indexes) took {time.perf_counter() - t:.1f} s")
        if args.only != "export":
            report(database, before, measure_search(ROOT, url, mix))
            equal, compared = soundness(url, mix)
            print(f"  ranking sound: {equal} of {compared} ranked pages equal to ranking every match")
        if args.only != "search":
            after_exports = [measure_export(ROOT, url, f) for f in ("csv", "parquet")]
            for fmt, b, a in zip(("csv", "parquet"), before_exports or [(0.0, 0.0)] * 2, after_exports, strict=True):
                exports.append(f"  {database:10} {fmt:8} {b[0]:9,.0f} rows/s {b[1]:5.0f} MiB | "
                               f"{a[0]:9,.0f} rows/s {a[1]:5.0f} MiB")  # fmt: skip
    if exports:
        print(f"\nexports of {args.articles:,} rows, before | after (rows per second, peak memory)")
        print("\n".join(exports))


if __name__ == "__main__":
    main()
