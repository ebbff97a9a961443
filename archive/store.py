"""Batched, idempotent writes of crawl results into the archive.

A batch is one transaction: the articles, their versions and the frontier rows that say they are
done commit together, so a crawl killed at any moment either stored an article and knows it, or
did not and will fetch it again.  One query per batch answers "which of these do we have?".
"""

from __future__ import annotations

import hashlib
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, insert, select, tuple_, update
from sqlalchemy.orm import Session

from crawlers.sites import Site as RegistrySite

from .models import Article, ArticleVersion, CrawlRun, FrontierEntry, Site, utcnow

CONTENT_FIELDS = ("category_id", "category", "category_source", "title", "title_source", "body_text",
                  "body_html", "credit", "byline", "hashtags", "images", "attachments", "see_also",
                  "published_at", "published_precision", "published_source", "published_text")


def content_sha256(title: str | None, body_text: str, attachments: Iterable[dict[str, Any]]) -> str:
    """Hash of what a reader would call the content: title, body text and attachment URLs."""
    parts = [title or "", body_text, *sorted(str(a.get("url")) for a in attachments)]
    normalised = "\x1f".join(" ".join(unicodedata.normalize("NFKC", p).split()) for p in parts)
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def _insert(engine: Engine, table: Any) -> Any:
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table)


@dataclass
class SiteCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    pages: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "pages": self.pages, "errors": self.errors}


@dataclass
class ArchiveWriter:
    engine: Engine
    batch_size: int = 200
    run_id: int | None = None
    counts: dict[str, SiteCounts] = field(default_factory=lambda: defaultdict(SiteCounts))
    _site_ids: dict[str, int] = field(default_factory=dict)
    _articles: list[dict[str, Any]] = field(default_factory=list)
    _discovered: list[dict[str, Any]] = field(default_factory=list)

    # ---- sites and runs -------------------------------------------------------------------

    def register_sites(self, sites: Sequence[RegistrySite]) -> None:
        """Insert or refresh the rows of the sites this run touches."""
        rows = [{"host": s.host, "name": s.name, "level": s.level, "province": s.province,
                 "timezone": s.timezone, "host_source": s.host_source} for s in sites]
        if not rows:
            return
        with Session(self.engine) as session, session.begin():
            stmt = _insert(self.engine, Site)
            stmt = stmt.on_conflict_do_update(
                index_elements=["host"],
                set_={c: getattr(stmt.excluded, c) for c in ("name", "level", "province", "timezone", "host_source")},
            )
            for chunk in _chunks(rows, 500):
                session.execute(stmt, chunk)
            hosts = [r["host"] for r in rows]
            for chunk in _chunks(hosts, 500):
                for host, site_id in session.execute(select(Site.host, Site.id).where(Site.host.in_(chunk))):
                    self._site_ids[host] = site_id

    def start_run(self, hosts: Sequence[str]) -> int:
        with Session(self.engine) as session, session.begin():
            run = CrawlRun(started_at=utcnow(), sites=list(hosts), status="running")
            session.add(run)
            session.flush()
            self.run_id = run.id
        return self.run_id

    def finish_run(self, status: str, requests: int, per_site: dict[str, dict[str, int]]) -> None:
        """Flush what is left and close the run row with its counts (pages, errors from the crawler)."""
        self.flush()
        if self.run_id is None:
            return
        for host, stats in per_site.items():
            self.counts[host].pages = stats.get("pages", 0)
            self.counts[host].errors = stats.get("errors", 0)
        totals = Counter[str]()
        for c in self.counts.values():
            totals.update(c.as_dict())
        with Session(self.engine) as session, session.begin():
            session.execute(update(CrawlRun).where(CrawlRun.id == self.run_id).values(
                finished_at=utcnow(), status=status, requests=requests, pages=totals["pages"],
                articles_new=totals["new"], articles_updated=totals["updated"],
                articles_unchanged=totals["unchanged"], errors=totals["errors"],
                per_site={h: c.as_dict() for h, c in sorted(self.counts.items())},
            ))

    # ---- frontier ---------------------------------------------------------------------------

    def add_discovered(self, host: str, urls: Iterable[str], category_id: str | None,
                       category: str | None) -> None:
        now = utcnow()
        site_id = self._site_ids[host]
        self._discovered.extend({"site_id": site_id, "url": u, "category_id": category_id,
                                 "category": category, "discovered_at": now, "attempts": 0} for u in urls)
        if len(self._discovered) >= self.batch_size * 5:
            self.flush()

    def pending(self, hosts: Sequence[str]) -> list[tuple[str, str, str | None, str | None]]:
        return pending_urls(self.engine, hosts)

    def record_failure(self, host: str, url: str, error: str) -> None:
        site_id = self._site_ids.get(host)
        if site_id is None:
            return
        with Session(self.engine) as session, session.begin():
            session.execute(update(FrontierEntry).where(FrontierEntry.site_id == site_id, FrontierEntry.url == url)
                            .values(attempts=FrontierEntry.attempts + 1, last_error=error[:500]))

    # ---- articles ---------------------------------------------------------------------------

    def add_article(self, record: dict[str, Any]) -> None:
        """Queue one extracted article (see ``crawlers.items.ArticleItem``) for the next batch."""
        self._articles.append(record)
        if len(self._articles) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._articles and not self._discovered:
            return
        articles, discovered = self._articles, self._discovered
        self._articles, self._discovered = [], []
        with Session(self.engine) as session, session.begin():
            if discovered:
                stmt = _insert(self.engine, FrontierEntry).on_conflict_do_nothing(index_elements=["site_id", "url"])
                for chunk in _chunks(discovered, 500):
                    session.execute(stmt, chunk)
            if articles:
                self._write_articles(session, articles)

    def _write_articles(self, session: Session, records: list[dict[str, Any]]) -> None:
        latest: dict[tuple[int, str], dict[str, Any]] = {}
        for rec in records:
            latest[(self._site_ids[rec["host"]], rec["native_id"])] = rec
        existing: dict[tuple[int, str], tuple[int, str]] = {}
        for chunk in _chunks(list(latest), 400):
            rows = session.execute(select(Article.site_id, Article.native_id, Article.id, Article.content_sha256)
                                   .where(tuple_(Article.site_id, Article.native_id).in_(chunk)))
            for site_id, native_id, article_id, sha in rows:
                existing[(site_id, native_id)] = (article_id, sha)

        new_rows, unchanged, changed = [], [], []
        for key, rec in latest.items():
            rec["content_sha256"] = content_sha256(rec["title"], rec["body_text"], rec["attachments"])
            if key not in existing:
                new_rows.append((key, rec))
            elif existing[key][1] == rec["content_sha256"]:
                unchanged.append((existing[key][0], rec))
            else:
                changed.append((existing[key][0], rec))

        if new_rows:
            values = [{"site_id": key[0], "native_id": key[1], "url": rec["url"], "view_count": rec["view_count"],
                       "content_sha256": rec["content_sha256"], "first_seen_at": rec["fetched_at"],
                       "last_seen_at": rec["fetched_at"], "fetched_at": rec["fetched_at"],
                       **{f: rec[f] for f in CONTENT_FIELDS}} for key, rec in new_rows]
            ids = session.execute(insert(Article).returning(Article.id, sort_by_parameter_order=True), values).scalars()
            versions = [_version(article_id, rec) for article_id, (_, rec) in zip(ids, new_rows, strict=True)]
            session.execute(insert(ArticleVersion), versions)
            for _, rec in new_rows:
                self.counts[rec["host"]].new += 1
        if unchanged:
            session.execute(update(Article), [
                {"id": article_id, "last_seen_at": rec["fetched_at"], "fetched_at": rec["fetched_at"],
                 "view_count": rec["view_count"], "url": rec["url"]} for article_id, rec in unchanged])
            for _, rec in unchanged:
                self.counts[rec["host"]].unchanged += 1
        if changed:
            session.execute(update(Article), [
                {"id": article_id, "url": rec["url"], "view_count": rec["view_count"],
                 "content_sha256": rec["content_sha256"], "last_seen_at": rec["fetched_at"],
                 "fetched_at": rec["fetched_at"], **{f: rec[f] for f in CONTENT_FIELDS}}
                for article_id, rec in changed])
            stmt = _insert(self.engine, ArticleVersion).on_conflict_do_nothing(
                index_elements=["article_id", "content_sha256"])
            session.execute(stmt, [_version(article_id, rec) for article_id, rec in changed])
            for _, rec in changed:
                self.counts[rec["host"]].updated += 1

        done = [{"site_id": self._site_ids[rec["host"]], "url": rec["url"], "category_id": rec["category_id"],
                 "category": rec["category"], "discovered_at": rec["fetched_at"], "done_at": rec["fetched_at"],
                 "attempts": 1} for rec in latest.values()]
        stmt = _insert(self.engine, FrontierEntry)
        stmt = stmt.on_conflict_do_update(index_elements=["site_id", "url"], set_={"done_at": stmt.excluded.done_at})
        session.execute(stmt, done)


def pending_urls(engine: Engine, hosts: Sequence[str]) -> list[tuple[str, str, str | None, str | None]]:
    """Article URLs an earlier run found but never stored, as (host, url, category id, label)."""
    if not hosts:
        return []
    with Session(engine) as session:
        rows = session.execute(
            select(Site.host, FrontierEntry.url, FrontierEntry.category_id, FrontierEntry.category)
            .join(Site, Site.id == FrontierEntry.site_id)
            .where(Site.host.in_(list(hosts)), FrontierEntry.done_at.is_(None))
            .order_by(FrontierEntry.id)
        ).all()
    return [(r.host, r.url, r.category_id, r.category) for r in rows]


def _version(article_id: int, rec: dict[str, Any]) -> dict[str, Any]:
    return {"article_id": article_id, "content_sha256": rec["content_sha256"], "title": rec["title"],
            "body_text": rec["body_text"], "attachments": rec["attachments"], "url": rec["url"],
            "fetched_at": rec["fetched_at"], "http_status": rec["http_status"],
            "raw_html_zlib": zlib.compress(rec["raw_html"], 1)}


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
