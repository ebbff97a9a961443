"""Time per article to cluster new posts into an archive of 100k posts.

    python benchmarks/cluster_scale.py [--articles 100000] [--new 2000] [--db URL]

1. Fills a fresh archive (SQLite by default) with ``--articles`` generated posts through the real
   ``IngestSession``: releases with regional copies among unrelated posts, clustered as they arrive.
2. Then archives ``--new`` more posts (copies of releases already in the archive, and new posts) in
   batches of 200, as a crawl would, and reports the time per article of the clustering step alone
   (shingles, MinHash, band lookup, verification, cluster updates) and of the whole batched write.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import archive.ingest.clustering as clusters
from archive.domain.sites import load_registry
from archive.ingest import IngestSession
from archive.storage.db import open_engine
from archive.storage.models import Cluster, MinhashBand
from crawlers.sample.cluster_eval import record
from crawlers.sample.releases import generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=2_000)
    parser.add_argument("--db", default=None, help="archive URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="kpu-cluster-bench-")
    db = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
    registry = load_registry()
    hosts = [(s.host, s.level) for s in registry.select()]

    # one generated world; the last --new documents arrive after the archive is full
    releases = max(10, (args.articles + args.new) // 20)
    started = time.perf_counter()
    docs = generate(
        seed=11,
        releases=releases,
        events_per=8,
        templated=200,
        background=max(0, args.articles + args.new - releases * 7),
        hosts=hosts,
    )
    total = args.articles + args.new
    docs = docs[:total]
    print(f"generated {len(docs)} documents in {time.perf_counter() - started:.0f} s")

    engine = open_engine(db)
    writer = IngestSession(engine, registry.select(), batch_size=500, run=False)
    started = time.perf_counter()
    for i, doc in enumerate(docs[: args.articles], 1):
        writer.add(record(doc, doc.published))
        if i % 20_000 == 0:
            print(f"  {i} archived ({(time.perf_counter() - started) / i * 1000:.2f} ms/article so far)")
    writer.flush()
    fill = time.perf_counter() - started
    print(
        f"filled the archive with {args.articles} articles in {fill:.0f} s "
        f"({fill / args.articles * 1000:.2f} ms/article)"
    )

    spent = [0.0]
    original = clusters.cluster_articles

    def timed(*a, **k):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            spent[0] += time.perf_counter() - t

    clusters.cluster_articles = timed  # the writer looks it up in archive.ingest.clustering at each batch  # type: ignore[assignment]
    writer = IngestSession(engine, registry.select(), batch_size=200, run=False)
    started = time.perf_counter()
    new = docs[args.articles :]
    for doc in new:
        writer.add(record(doc, doc.published))
    writer.flush()
    whole = time.perf_counter() - started
    clusters.cluster_articles = original
    with Session(engine) as session:
        n_clusters = session.scalar(select(func.count(Cluster.id)))
        n_bands = session.scalar(select(func.count(MinhashBand.id)))
    engine.dispose()
    print(f"archive: {args.articles + len(new)} articles, {n_clusters} clusters, {n_bands} band rows")
    print(f"new articles: {len(new)} in batches of 200")
    print(
        f"clustering: {spent[0] / len(new) * 1000:.2f} ms/article; whole batched write: "
        f"{whole / len(new) * 1000:.2f} ms/article"
    )


if __name__ == "__main__":
    main()
