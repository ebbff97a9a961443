"""Which archived articles a batch of records are: one article per (site, native key).

The crawl hands over ``ArticleRef``s, so nothing is parsed here.  Two queries per site of a batch answer
"which of these do we have?": by site and native key, and by every URL an article was reached under
(old slugs, redirected-from URLs).  A changed slug keeps the numeric id; a redirect joins the URL it
came from to the one it landed on; a slug-only URL becomes the ``{id}_{slug}`` URL of the same post
only when title and date agree too (yearly ceremonies reuse their slugs).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from archive.domain.identity import ArticleRef
from archive.domain.text import same_title
from archive.storage.db import chunks, table_of
from archive.storage.models import Article, ArticleEvent, ArticleUrl, ArticleVersion, MinhashBand
from archive.vocab import EventKind


@dataclass(slots=True)
class Known:
    """What one query tells about an archived article, enough to classify a new fetch of it."""

    id: int
    site_id: int
    native_id: str
    url: str
    sha: str
    title: str | None
    published_at: datetime | None
    removed_at: datetime | None
    suspected_at: datetime | None


@dataclass
class KnownArticles:
    by_key: dict[tuple[int, str], Known] = field(default_factory=dict)  # (site id, native key)
    by_url: dict[tuple[int, str], int] = field(default_factory=dict)  # (site id, URL) -> article id
    by_id: dict[int, Known] = field(default_factory=dict)


# the tables' own columns: a Core select, without the ORM's compile step, for two queries a batch
_ARTICLES, _URLS = table_of(Article).c, table_of(ArticleUrl).c
_COLUMNS = (
    _ARTICLES.id,
    _ARTICLES.site_id,
    _ARTICLES.native_id,
    _ARTICLES.url,
    _ARTICLES.content_sha256,
    _ARTICLES.title,
    _ARTICLES.published_at,
    _ARTICLES.removed_at,
    _ARTICLES.removal_suspected_at,
)


def lookup(session: Session, refs: Iterable[tuple[int, ArticleRef]]) -> KnownArticles:
    """The archived articles these (site id, ref) pairs may be, including by old slug: two queries a site.

    Asked site by site (``site_id = ? AND native_id IN (...)``): SQLite answers a row-value
    ``(site_id, native_id) IN (...)`` by scanning the whole index, so every batch would cost the
    archive's size (into a 200k-post archive, 1.8x the CPU per crawled article).
    """
    keys: dict[int, set[str]] = defaultdict(set)
    urls: dict[int, set[str]] = defaultdict(set)
    for site_id, ref in refs:
        keys[site_id].add(ref.native_id)
        urls[site_id].add(ref.canonical_url)
        if ref.slug_key:
            keys[site_id].add(ref.slug_key)
    known = KnownArticles()
    for site_id, natives in sorted(keys.items()):
        for chunk in chunks(sorted(natives), 400):
            query = select(*_COLUMNS).where(_ARTICLES.site_id == site_id, _ARTICLES.native_id.in_(chunk))
            for row in session.execute(query):
                article = Known(*row)
                known.by_key[(article.site_id, article.native_id)] = known.by_id[article.id] = article
    for site_id, site_urls in sorted(urls.items()):
        for chunk in chunks(sorted(site_urls), 400):
            where = (_URLS.site_id == site_id, _URLS.url.in_(chunk))
            for hit in session.execute(select(_URLS.url, _URLS.article_id).where(*where)):
                known.by_url[(site_id, hit.url)] = hit.article_id
    missing = set(known.by_url.values()) - set(known.by_id)
    if missing:
        for row in session.execute(select(*_COLUMNS).where(_ARTICLES.id.in_(missing))):
            article = Known(*row)
            known.by_id[article.id] = article
    return known


def resolve(
    known: KnownArticles, site_id: int, refs: Sequence[ArticleRef], title: str | None, published: datetime | None
) -> set[int]:
    """Which archived articles these refs (the landing one first, then where it was redirected from) are."""
    found: set[int] = set()
    for ref in refs:
        if (site_id, ref.native_id) in known.by_key:
            found.add(known.by_key[(site_id, ref.native_id)].id)
        if (site_id, ref.canonical_url) in known.by_url:
            found.add(known.by_url[(site_id, ref.canonical_url)])
    slug = refs[0].slug_key if refs else None
    if not found and slug:
        old = known.by_key.get((site_id, slug))
        if (
            old is not None
            and same_title(old.title, title)
            and (old.published_at is None or published is None or old.published_at == published)
        ):
            found.add(old.id)
    return found


def merge(session: Session, ids: set[int], known: KnownArticles, run_id: int | None, at: datetime) -> int:
    """Two archived articles turned out to be one (a redirect joined them): keep the older."""
    keep, *others = sorted(ids)
    for other in others:
        for model in (ArticleVersion, ArticleEvent, ArticleUrl, MinhashBand):
            session.execute(update(model).where(model.article_id == other).values(article_id=keep))
        session.execute(
            insert(ArticleEvent),
            {
                "article_id": keep,
                "run_id": run_id,
                "at": at,
                "kind": str(EventKind.MERGED),
                "url": known.by_id[other].url,
                "detail": f"article {other} ({known.by_id[other].native_id}) joined",
            },
        )
        session.execute(delete(Article).where(Article.id == other))
    return keep
