"""Syndication clusters: the same release re-posted on several sites, found with MinHash LSH.

A body is cut into 3-word shingles of its normalised words and sketched with datasketch's MinHash
(128 permutations).  The LSH index is not held in memory: each sketch's bands are hashed to 63-bit
keys and stored in ``minhash_bands``, so the index lives in the archive, grows with it, and new
articles are clustered incrementally with one indexed query per batch.

LSH only proposes candidates (a band threshold of 0.5 catches lightly edited copies); each candidate
is then verified on the exact shingle sets.  A pair is a copy when the Jaccard similarity reaches
``JACCARD_MIN``, or when the shorter text is almost wholly contained in the longer one
(``CONTAINMENT_MIN``: a regional copy that dropped paragraphs).  Separately written reports of the
same event share words and names but few 3-word runs, and stay apart; ``benchmarks/cluster_quality.py``
measures that on a generated set.

Clusters only grow: copies join the cluster of what they match, and two clusters that a new copy
links are merged.  An edited article is re-indexed and may join a cluster; it is not taken out of
one.  The origin of a cluster is its earliest article (published date, else first seen); on a tie
national comes before provincial, provincial before regency and city.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from archive.ingest.minhash import MinHash
from archive.storage.db import chunks, lock_clusters, table_of
from archive.storage.models import Article, Cluster, MinhashBand, SiteRow, utcnow
from archive.vocab import LEVEL_RANK

NUM_PERM = 128
SHINGLE_WORDS = 3
BANDS, ROWS = 25, 5  # datasketch's optimum for threshold 0.5 at 128 permutations (MinHashLSH(0.5, 128).b/.r)
JACCARD_MIN = 0.45
CONTAINMENT_MIN = 0.8
MIN_SHINGLES = 40  # shorter bodies ("see the attached PDF") are too generic to call copies
MAX_CANDIDATES = 200  # per article, the ones sharing most bands; a guard against boilerplate hubs

_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[str]:
    """3-word shingles of the body, case-folded and NFKC-normalised; punctuation is ignored."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(words) < SHINGLE_WORDS:
        return set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def band_keys(sketch: MinHash) -> list[int]:
    """One 63-bit key per band (band number mixed in, so equal rows in different bands differ)."""
    values = sketch.hashvalues.astype("<u4")
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(
            values[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=8, person=band.to_bytes(2, "little")
        ).digest()
        keys.append(int.from_bytes(digest, "little") >> 1)
    return keys


def similar(a: set[str], b: set[str]) -> bool:
    if not a or not b:
        return False
    common = len(a & b)
    return common / len(a | b) >= JACCARD_MIN or common / min(len(a), len(b)) >= CONTAINMENT_MIN


def cluster_articles(session: Session, articles: Sequence[tuple[int, str]], *, reindex: Iterable[int] = ()) -> None:
    """Index ``(article id, body text)`` pairs and put copies into clusters, in the caller's transaction.

    ``reindex`` names articles whose content changed: their old bands are dropped first.
    """
    old = list(reindex)
    if not articles and not old:
        return
    lock_clusters(session)
    for chunk in chunks(old, 500):
        session.execute(delete(MinhashBand).where(MinhashBand.article_id.in_(chunk)))
    sets: dict[int, set[str]] = {}
    for article_id, body in articles:
        s = shingles(body)
        if len(s) >= MIN_SHINGLES:
            sets[article_id] = s
    if not sets:
        return
    ids = list(sets)
    sketches = MinHash.bulk([[s.encode("utf-8") for s in sets[i]] for i in ids], num_perm=NUM_PERM)
    keys = {article_id: band_keys(sketch) for article_id, sketch in zip(ids, sketches, strict=True)}

    # candidates: articles already indexed that share a band, then those of this same batch
    by_key: dict[int, list[int]] = defaultdict(list)
    all_keys = sorted({k for ks in keys.values() for k in ks})
    for chunk in chunks(all_keys, 900):
        for key, other in session.execute(
            select(MinhashBand.key, MinhashBand.article_id).where(MinhashBand.key.in_(chunk))
        ):
            by_key[key].append(other)
    for article_id in ids:
        for key in keys[article_id]:
            by_key[key].append(article_id)
    candidates: dict[int, list[int]] = {}
    for article_id in ids:
        shared: dict[int, int] = defaultdict(int)
        for key in keys[article_id]:
            for other in by_key[key]:
                if other != article_id:
                    shared[other] += 1
        candidates[article_id] = sorted(shared, key=lambda o: -shared[o])[:MAX_CANDIDATES]

    session.execute(insert(table_of(MinhashBand)), [{"key": k, "article_id": a} for a, ks in keys.items() for k in ks])

    # verify on exact shingle sets
    outside = {o for cs in candidates.values() for o in cs if o not in sets}
    other_sets: dict[int, set[str]] = {}
    for chunk in chunks(sorted(outside), 500):
        for other, body in session.execute(select(Article.id, Article.body_text).where(Article.id.in_(chunk))):
            other_sets[other] = shingles(body)
    pairs = []
    for article_id, cs in candidates.items():
        for other in cs:
            if other in sets and other < article_id and article_id in candidates.get(other, ()):
                continue  # a pair inside the batch is checked once
            if similar(sets[article_id], sets.get(other) or other_sets.get(other, set())):
                pairs.append((article_id, other))
    if pairs:
        _merge(session, pairs)


def _merge(session: Session, pairs: list[tuple[int, int]]) -> None:
    """Union the matched pairs with the clusters their members already belong to."""
    members = {a for pair in pairs for a in pair}
    rows = session.execute(select(Article.id, Article.cluster_id).where(Article.id.in_(members)))
    current: dict[int, int | None] = {article_id: cluster_id for article_id, cluster_id in rows}
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[int, set[int]] = defaultdict(set)
    for a in members:
        groups[find(a)].add(a)
    now = utcnow()
    touched: set[int] = set()
    for group in groups.values():
        existing = sorted({c for a in group if (c := current.get(a)) is not None})
        if existing:
            target, absorbed = existing[0], existing[1:]
        else:
            target = session.execute(
                insert(Cluster).returning(Cluster.id),
                {
                    "origin_article_id": min(group),
                    "size": len(group),
                    "created_at": now,
                    "updated_at": now,
                },
            ).scalar_one()
            absorbed = []
        if absorbed:
            session.execute(update(Article).where(Article.cluster_id.in_(absorbed)).values(cluster_id=target))
            session.execute(delete(Cluster).where(Cluster.id.in_(absorbed)))
        session.execute(update(Article).where(Article.id.in_(group)).values(cluster_id=target))
        touched.add(target)
    refresh_clusters(session, touched, now)


def refresh_clusters(session: Session, cluster_ids: Iterable[int], now: datetime | None = None) -> None:
    """Recompute size and origin of these clusters from their members (one query)."""
    ids = sorted(set(cluster_ids))
    if not ids:
        return
    now = now or utcnow()
    best: dict[int, tuple[object, ...]] = {}
    sizes: dict[int, int] = defaultdict(int)
    for chunk in chunks(ids, 500):
        rows = session.execute(
            select(Article.cluster_id, Article.id, Article.published_at, Article.first_seen_at, SiteRow.level)
            .join(SiteRow, SiteRow.id == Article.site_id)
            .where(Article.cluster_id.in_(chunk))
        )
        for cluster_id, article_id, published, first_seen, level in rows:
            assert cluster_id is not None  # selected by cluster id
            sizes[cluster_id] += 1
            rank = (published or first_seen, LEVEL_RANK.get(level, 2), article_id)
            if cluster_id not in best or rank < best[cluster_id]:
                best[cluster_id] = rank
    for cluster_id in ids:
        if sizes.get(cluster_id, 0) < 2:  # a cluster left with one member is no cluster
            session.execute(update(Article).where(Article.cluster_id == cluster_id).values(cluster_id=None))
            session.execute(delete(Cluster).where(Cluster.id == cluster_id))
            continue
        session.execute(
            update(Cluster)
            .where(Cluster.id == cluster_id)
            .values(origin_article_id=best[cluster_id][2], size=sizes[cluster_id], updated_at=now)
        )


def backfill(session: Session, batch: int = 500) -> int:
    """Index every article that has no bands yet (archives made before clustering existed)."""
    indexed = select(MinhashBand.article_id).distinct()
    done = 0
    last = 0
    while True:
        rows = session.execute(
            select(Article.id, Article.body_text)
            .where(Article.id > last, Article.id.not_in(indexed))
            .order_by(Article.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        cluster_articles(session, rows)
        done += len(rows)
        last = rows[-1][0]
