"""Scoring the syndication clusterer on the generated set (``releases``): each document goes through
the real ingest path, then the clusters found are compared pair by pair with the true labels."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from itertools import combinations
from typing import Any

from archive.domain.records import ArticleRecord

from .releases import Doc


def pair_scores(labels: dict[str, str], predicted: dict[str, int | None]) -> tuple[float, float, int, int]:
    """Pairwise precision and recall of predicted clusters against true labels (and the pair counts)."""

    def pairs(groups: dict[object, list[str]]) -> set[tuple[str, str]]:
        out: set[tuple[str, str]] = set()
        for members in groups.values():
            out.update(combinations(sorted(members), 2))
        return out

    truth: dict[object, list[str]] = defaultdict(list)
    guess: dict[object, list[str]] = defaultdict(list)
    for doc, label in labels.items():
        truth[label].append(doc)
        cluster = predicted.get(doc)
        guess[cluster if cluster is not None else ("alone", doc)].append(doc)
    true_pairs, found = pairs(truth), pairs(guess)
    hit = len(true_pairs & found)
    precision = hit / len(found) if found else 1.0
    recall = hit / len(true_pairs) if true_pairs else 1.0
    return precision, recall, len(true_pairs), len(found)


def record(doc: Doc, fetched_at: datetime, **fields: Any) -> ArticleRecord:
    """The record the spider would have produced for ``doc``."""
    values: dict[str, Any] = {
        "category_id": "104",
        "category": "Berita Terkini",
        "category_source": "page",
        "published_at": doc.published,
        "published_precision": "minute",
        "published_source": "body",
        **fields,
    }
    return ArticleRecord.of(
        f"https://{doc.host}/blog/read/{doc.native_id}_dok",
        title=doc.title,
        body_text=doc.body,
        fetched_at=fetched_at,
        **values,
    )


def evaluate(db_url: str, docs: list[Doc], batch_size: int = 200) -> tuple[float, float, int, int, float]:
    """Archive ``docs`` in order through the real writer (clustering batch by batch); return
    precision, recall, true pairs, found pairs and the seconds spent archiving."""
    import time

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from archive.domain.sites import load_registry
    from archive.ingest import IngestSession
    from archive.storage.db import open_engine
    from archive.storage.models import Article, SiteRow

    engine = open_engine(db_url)
    registry = load_registry()
    writer = IngestSession(
        engine, [registry[h] for h in sorted({d.host for d in docs})], batch_size=batch_size, run=False
    )
    started = time.perf_counter()
    for doc in docs:
        writer.add(record(doc, doc.published))
    writer.flush()
    elapsed = time.perf_counter() - started
    with Session(engine) as session:
        rows = session.execute(
            select(SiteRow.host, Article.native_id, Article.cluster_id).join(SiteRow, SiteRow.id == Article.site_id)
        ).all()
    engine.dispose()
    predicted = {f"{host}/{native}": cluster for host, native, cluster in rows}
    labels = {f"{d.host}/{d.native_id}": d.label for d in docs}
    precision, recall, true_pairs, found_pairs = pair_scores(labels, predicted)
    return precision, recall, true_pairs, found_pairs, elapsed
