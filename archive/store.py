"""Batched, idempotent writes of crawl results into the archive.

A batch is one transaction: the articles, their versions, URL history, events, cluster updates and
the frontier rows that say they are done commit together, so a crawl killed at any moment either
stored an article and knows it, or did not and will fetch it again.  Two queries per batch answer
"which of these do we have?" (by site and native key, and by every URL an article was reached under).

Identity: one article per (site, native key).  http/https, ``/index.php/``, a trailing slash and a
query string are already gone from the canonical URL (``crawlers.urls``); a changed slug keeps the
numeric id; a redirect joins the URL it came from to the one it landed on; a slug-only URL becomes
an ``{id}_{slug}`` URL of the same article when title and date agree.

Takedowns: 404, 410 or a soft 404 first marks an article *suspected*; a later check at least
``confirm_after`` on confirms it, and ``removed_at`` is the time it was first seen gone.  Failures
(5xx, timeouts, refused connections) never touch removal state.  An article that answers again is
restored, and ``article_events`` keeps the whole story.
"""

from __future__ import annotations

import hashlib
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, case, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from crawlers.sites import Site as RegistrySite
from crawlers.urls import article_ref

from .db import chunks, write_transaction
from .models import (
    Article,
    ArticleEvent,
    ArticleUrl,
    ArticleVersion,
    CrawlRun,
    FrontierEntry,
    ListingState,
    MinhashBand,
    Site,
    utcnow,
)

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


MAX_FETCH_ATTEMPTS = 5  # a frontier URL that failed this often is left to --recheck, not retried every run


@dataclass
class SiteCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    restored: int = 0
    suspected: int = 0
    pages: int = 0
    requests: int = 0
    errors: int = 0
    listed: int = 0  # article links the listing pages showed: 0 where there were many means a new template

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class _Known:
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


def _same_title(a: str | None, b: str | None) -> bool:
    def norm(t: str | None) -> str:
        return " ".join(unicodedata.normalize("NFKC", t or "").casefold().split())
    return bool(a and b) and norm(a) == norm(b)


@dataclass
class ArchiveWriter:
    engine: Engine
    batch_size: int = 200
    run_id: int | None = None
    # a removal counts once a check at least this long after the first evidence confirms it
    confirm_after: timedelta = timedelta(hours=12)
    cluster: bool = True
    counts: dict[str, SiteCounts] = field(default_factory=lambda: defaultdict(SiteCounts))
    _site_ids: dict[str, int] = field(default_factory=dict)
    _articles: list[dict[str, Any]] = field(default_factory=list)
    _discovered: list[dict[str, Any]] = field(default_factory=list)
    _checks: list[dict[str, Any]] = field(default_factory=list)
    _walks: list[dict[str, Any]] = field(default_factory=list)

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
            for chunk in chunks(rows, 500):
                session.execute(stmt, chunk)
            hosts = [r["host"] for r in rows]
            for chunk in chunks(hosts, 500):
                for host, site_id in session.execute(select(Site.host, Site.id).where(Site.host.in_(chunk))):
                    self._site_ids[host] = site_id

    def start_run(self, hosts: Sequence[str], mode: str = "incremental") -> int:
        with Session(self.engine) as session, session.begin():
            run = CrawlRun(started_at=utcnow(), sites=list(hosts), status="running", mode=mode)
            session.add(run)
            session.flush()
            self.run_id = run.id
        return self.run_id

    def finish_run(self, status: str, requests: int, per_site: dict[str, dict[str, int]]) -> None:
        """Flush what is left and close the run row with its counts (pages, requests, errors from the crawler)."""
        self.flush()
        if self.run_id is None:
            return
        for host, stats in per_site.items():
            for what in ("pages", "requests", "errors", "listed"):
                setattr(self.counts[host], what, stats.get(what, 0))
        totals = Counter[str]()
        for c in self.counts.values():
            totals.update(c.as_dict())
        with Session(self.engine) as session, session.begin():
            session.execute(update(CrawlRun).where(CrawlRun.id == self.run_id).values(
                finished_at=utcnow(), status=status, requests=requests, pages=totals["pages"],
                articles_new=totals["new"], articles_updated=totals["updated"],
                articles_unchanged=totals["unchanged"], articles_removed=totals["removed"],
                articles_restored=totals["restored"], errors=totals["errors"],
                per_site={h: c.as_dict() for h, c in sorted(self.counts.items())},
            ))

    # ---- frontier and listings ------------------------------------------------------------------

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

    def add_listing_walk(self, host: str, category_id: str, pages: int, completed: bool, open_: bool = False) -> None:
        """A category walk is at ``pages`` and still finding news (``open_``), or ended there:
        ``completed`` when it reached the last page (not an incremental stop).  Queued with the
        articles, so the open mark commits no later than what the page led to."""
        now = utcnow()
        self._walks.append({"site_id": self._site_ids[host], "category_id": category_id, "pages": pages,
                            "last_walk_at": now, "completed_at": now if completed else None,
                            "open_page": pages if open_ else None})

    def record_failure(self, host: str, url: str, error: str) -> None:
        """A fetch that failed for good (5xx after retries, timeout, refused): never a removal."""
        site_id = self._site_ids.get(host)
        if site_id is None:
            return
        ref = article_ref(url)
        with Session(self.engine) as session, session.begin():
            session.execute(update(FrontierEntry).where(FrontierEntry.site_id == site_id, FrontierEntry.url == url)
                            .values(attempts=FrontierEntry.attempts + 1, last_error=error[:500]))
            if ref is not None:  # checked (so --recheck moves on), but its removal state is left alone
                session.execute(update(Article).where(Article.site_id == site_id, Article.native_id == ref.native_id)
                                .values(checked_at=utcnow()))

    # ---- articles and checks ----------------------------------------------------------------------

    def add_article(self, record: dict[str, Any]) -> None:
        """Queue one extracted article (see ``crawlers.items.ArticleItem``) for the next batch."""
        self._articles.append(record)
        if len(self._articles) >= self.batch_size:
            self.flush()

    def add_check(self, check: dict[str, Any]) -> None:
        """Queue evidence that an article is gone (see ``crawlers.items.GoneItem``)."""
        self._checks.append(check)
        if len(self._checks) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not (self._articles or self._discovered or self._checks or self._walks):
            return
        articles, discovered, checks, walks = self._articles, self._discovered, self._checks, self._walks
        self._articles, self._discovered, self._checks, self._walks = [], [], [], []
        with write_transaction(self.engine) as session:
            if discovered:
                stmt = _insert(self.engine, FrontierEntry).on_conflict_do_nothing(index_elements=["site_id", "url"])
                for chunk in chunks(discovered, 500):
                    session.execute(stmt, chunk)
            if articles:
                self._write_articles(session, articles)
            if checks:
                self._write_checks(session, checks)
            if walks:
                self._write_walks(session, walks)

    # ---- identity ---------------------------------------------------------------------------

    def _lookup(self, session: Session, keys: set[tuple[int, str]], urls: set[tuple[int, str]]
                ) -> tuple[dict[tuple[int, str], _Known], dict[tuple[int, str], int], dict[int, _Known]]:
        """Archived articles by (site, native key) and by any URL they were reached under: two queries."""
        by_key: dict[tuple[int, str], _Known] = {}
        by_id: dict[int, _Known] = {}
        cols = (Article.id, Article.site_id, Article.native_id, Article.url, Article.content_sha256, Article.title,
                Article.published_at, Article.removed_at, Article.removal_suspected_at)
        for chunk in chunks(sorted(keys), 400):
            for row in session.execute(select(*cols).where(tuple_(Article.site_id, Article.native_id).in_(chunk))):
                known = _Known(*row)
                by_key[(known.site_id, known.native_id)] = by_id[known.id] = known
        by_url: dict[tuple[int, str], int] = {}
        for chunk in chunks(sorted(urls), 400):
            for site_id, url, article_id in session.execute(
                    select(ArticleUrl.site_id, ArticleUrl.url, ArticleUrl.article_id)
                    .where(tuple_(ArticleUrl.site_id, ArticleUrl.url).in_(chunk))):
                by_url[(site_id, url)] = article_id
        missing = set(by_url.values()) - set(by_id)
        if missing:
            for row in session.execute(select(*cols).where(Article.id.in_(missing))):
                known = _Known(*row)
                by_id[known.id] = known
        return by_key, by_url, by_id

    def _resolve(self, site_id: int, urls: Sequence[str], title: str | None, published: datetime | None,
                 by_key: dict[tuple[int, str], _Known], by_url: dict[tuple[int, str], int],
                 by_id: dict[int, _Known]) -> set[int]:
        """Which archived articles these URLs (the final one first, then where it was redirected from) are."""
        found: set[int] = set()
        for url in urls:
            ref = article_ref(url)
            if ref is not None and (site_id, ref.native_id) in by_key:
                found.add(by_key[(site_id, ref.native_id)].id)
            if (site_id, url) in by_url:
                found.add(by_url[(site_id, url)])
        if not found:
            # the 2025 switch from /blog/read/{slug} to /blog/read/{id}_{slug}: the same slug is the same
            # post only if the title and date agree too (yearly ceremonies reuse their slugs)
            slug = _slug_key(urls[0])
            old = by_key.get((site_id, slug)) if slug else None
            if old is not None and _same_title(old.title, title) and (
                    old.published_at is None or published is None or old.published_at == published):
                found.add(old.id)
        return found

    def _merge_articles(self, session: Session, ids: set[int], by_id: dict[int, _Known], at: datetime) -> int:
        """Two archived articles turned out to be one (a redirect joined them): keep the older."""
        keep, *others = sorted(ids)
        for other in others:
            for model in (ArticleVersion, ArticleEvent, ArticleUrl, MinhashBand):
                session.execute(update(model).where(model.article_id == other).values(article_id=keep))
            session.execute(insert(ArticleEvent), {"article_id": keep, "run_id": self.run_id, "at": at,
                                                   "kind": "merged", "url": by_id[other].url,
                                                   "detail": f"article {other} ({by_id[other].native_id}) joined"})
            session.execute(delete(Article).where(Article.id == other))
        return keep

    # ---- writes -----------------------------------------------------------------------------

    def _write_articles(self, session: Session, records: list[dict[str, Any]]) -> None:
        keys: set[tuple[int, str]] = set()
        urls: set[tuple[int, str]] = set()
        for rec in records:
            site_id = self._site_ids[rec["host"]]
            rec["_site_id"] = site_id
            rec["_urls"] = list(dict.fromkeys([rec["url"], *rec.get("requested_urls", [])]))
            rec["content_sha256"] = content_sha256(rec["title"], rec["body_text"], rec["attachments"])
            for url in rec["_urls"]:
                urls.add((site_id, url))
                ref = article_ref(url)
                if ref is not None:
                    keys.add((site_id, ref.native_id))
            if slug := _slug_key(rec["url"]):
                keys.add((site_id, slug))
        by_key, by_url, by_id = self._lookup(session, keys, urls)

        latest: dict[tuple[Any, ...], tuple[int | None, dict[str, Any]]] = {}
        for rec in records:
            site_id = rec["_site_id"]
            found = self._resolve(site_id, rec["_urls"], rec["title"], rec["published_at"], by_key, by_url, by_id)
            if len(found) > 1:
                # the merged-in article may already hold this content as a version: no second copy of it
                rec["_content_known"] = any(by_id[i].sha == rec["content_sha256"] for i in found)
                found = {self._merge_articles(session, found, by_id, rec["fetched_at"])}
            article_id = next(iter(found), None)
            key = ("id", article_id) if article_id is not None else ("new", site_id, rec["native_id"])
            latest[key] = (article_id, rec)

        new_rows, unchanged, changed, adopted, events, url_rows = [], [], [], [], [], []
        for article_id, rec in latest.values():
            at = rec["fetched_at"]
            for url in rec["_urls"]:
                url_rows.append({"site_id": rec["_site_id"], "url": url, "first_seen_at": at, "last_seen_at": at,
                                 "via": "fetched" if url == rec["url"] else "redirect", "_rec": rec,
                                 "article_id": article_id})
            if article_id is None:
                new_rows.append(rec)
                continue
            known = by_id[article_id]
            event = {"article_id": article_id, "run_id": self.run_id, "at": at, "http_status": rec["http_status"],
                     "url": rec["url"]}
            if known.url != rec["url"]:
                events.append({**event, "kind": "moved", "detail": f"{known.url} -> {rec['url']}"})
            if known.removed_at is not None:
                events.append({**event, "kind": "restored", "detail": "answered with the article again"})
                self.counts[rec["host"]].restored += 1
            elif known.suspected_at is not None:
                events.append({**event, "kind": "removal-cleared", "detail": "answered with the article again"})
            if known.sha == rec["content_sha256"]:
                unchanged.append((article_id, rec))
            elif rec.get("_content_known"):
                adopted.append((article_id, rec))
            else:
                events.append({**event, "kind": "edited", "detail": None})
                changed.append((article_id, rec))

        def state(article_id: int, rec: dict[str, Any]) -> dict[str, Any]:
            at = rec["fetched_at"]
            return {"id": article_id, "url": rec["url"], "native_id": rec["native_id"], "view_count": rec["view_count"],
                    "last_seen_at": at, "fetched_at": at, "checked_at": at, "removed_at": None,
                    "removal_suspected_at": None, "removal_status": None, "removal_url": None, "removal_reason": None}

        new_ids: list[int] = []
        if new_rows:
            values = [{"site_id": rec["_site_id"], "native_id": rec["native_id"], "url": rec["url"],
                       "view_count": rec["view_count"], "content_sha256": rec["content_sha256"],
                       "first_seen_at": rec["fetched_at"], "last_seen_at": rec["fetched_at"],
                       "fetched_at": rec["fetched_at"], "checked_at": rec["fetched_at"],
                       **{f: rec[f] for f in CONTENT_FIELDS}} for rec in new_rows]
            new_ids = list(session.execute(insert(Article).returning(Article.id, sort_by_parameter_order=True),
                                           values).scalars())
            session.execute(insert(ArticleVersion),
                            [_version(i, rec) for i, rec in zip(new_ids, new_rows, strict=True)])
            for article_id, rec in zip(new_ids, new_rows, strict=True):
                rec["_article_id"] = article_id
                events.append({"article_id": article_id, "run_id": self.run_id, "at": rec["fetched_at"],
                               "kind": "first-seen", "http_status": rec["http_status"], "url": rec["url"],
                               "detail": None})
                self.counts[rec["host"]].new += 1
        if unchanged:
            session.execute(update(Article), [state(article_id, rec) for article_id, rec in unchanged])
            for _, rec in unchanged:
                self.counts[rec["host"]].unchanged += 1
        if changed or adopted:  # adopted: merged articles taking the content whose version is already there
            session.execute(update(Article), [
                {**state(article_id, rec), "content_sha256": rec["content_sha256"],
                 **{f: rec[f] for f in CONTENT_FIELDS}} for article_id, rec in changed + adopted])
        if changed:
            session.execute(insert(ArticleVersion), [_version(article_id, rec) for article_id, rec in changed])
        for _, rec in adopted:
            self.counts[rec["host"]].unchanged += 1
        for _, rec in changed:
            self.counts[rec["host"]].updated += 1
        if events:
            session.execute(insert(ArticleEvent), events)

        for row in url_rows:
            rec = row.pop("_rec")
            row["article_id"] = row["article_id"] or rec["_article_id"]
        stmt = _insert(self.engine, ArticleUrl)
        stmt = stmt.on_conflict_do_update(index_elements=["site_id", "url"], set_={
            "last_seen_at": stmt.excluded.last_seen_at, "article_id": stmt.excluded.article_id})
        session.execute(stmt, list({(r["site_id"], r["url"]): r for r in url_rows}.values()))

        if self.cluster:
            from .clusters import cluster_articles

            cluster_articles(session, [(i, rec["body_text"]) for i, rec in zip(new_ids, new_rows, strict=True)]
                             + [(i, rec["body_text"]) for i, rec in changed], reindex=[i for i, _ in changed])

        self._mark_done(session, [{"site_id": rec["_site_id"], "url": url, "category_id": rec["category_id"],
                                   "category": rec["category"], "discovered_at": rec["fetched_at"],
                                   "done_at": rec["fetched_at"], "attempts": 1, "last_error": None}
                                  for _, rec in latest.values() for url in rec["_urls"]])

    def _write_checks(self, session: Session, checks: list[dict[str, Any]]) -> None:
        """Evidence that articles are gone: the first suspects, a later one confirms (``confirm_after``)."""
        keys, urls = set(), set()
        for check in checks:
            site_id = check["_site_id"] = self._site_ids[check["host"]]
            urls.add((site_id, check["url"]))
            ref = article_ref(check["url"])
            if ref is not None:
                keys.add((site_id, ref.native_id))
        by_key, by_url, by_id = self._lookup(session, keys, urls)
        updates, events, done = [], [], []
        for check in checks:
            site_id, at = check["_site_id"], check["checked_at"]
            done.append({"site_id": site_id, "url": check["url"], "category_id": None, "category": None,
                         "discovered_at": at, "done_at": at, "attempts": 1,
                         "last_error": f"{check['reason']} ({check['status']})"})
            found = self._resolve(site_id, [check["url"]], None, None, by_key, by_url, by_id)
            if not found:
                continue  # gone before it was ever archived: nothing to mark
            known = by_id[min(found)]
            evidence = {"removal_status": check["status"], "removal_url": check["final_url"],
                        "removal_reason": check["reason"]}
            event = {"article_id": known.id, "run_id": self.run_id, "at": at, "http_status": check["status"],
                     "url": check["final_url"]}
            if known.removed_at is not None:
                updates.append({"id": known.id, "checked_at": at})
            elif known.suspected_at is None:
                updates.append({"id": known.id, "checked_at": at, "removal_suspected_at": at, **evidence})
                events.append({**event, "kind": "removal-suspected", "detail": check["reason"]})
                self.counts[check["host"]].suspected += 1
            elif at - known.suspected_at >= self.confirm_after:
                updates.append({"id": known.id, "checked_at": at, "removed_at": known.suspected_at, **evidence})
                events.append({**event, "kind": "removed", "detail": f"{check['reason']}, first seen gone "
                                                                       f"{known.suspected_at.isoformat()}"})
                self.counts[check["host"]].removed += 1
            else:
                updates.append({"id": known.id, "checked_at": at})
        for group in _group_by_keys(updates):
            session.execute(update(Article), group)
        if events:
            session.execute(insert(ArticleEvent), events)
        self._mark_done(session, done)

    def _write_walks(self, session: Session, walks: list[dict[str, Any]]) -> None:
        """One upsert for the batch; a walk that did not reach the end keeps the last completion."""
        stmt = _insert(self.engine, ListingState)
        stmt = stmt.on_conflict_do_update(index_elements=["site_id", "category_id"], set_={
            "last_walk_at": stmt.excluded.last_walk_at, "pages": stmt.excluded.pages,
            "open_page": stmt.excluded.open_page,
            "completed_at": func.coalesce(stmt.excluded.completed_at, ListingState.completed_at)})
        session.execute(stmt, list({(w["site_id"], w["category_id"]): w for w in walks}.values()))

    def _mark_done(self, session: Session, rows: list[dict[str, Any]]) -> None:
        """Frontier rows done (fetched, or found gone with the reason as ``last_error``), one upsert."""
        if rows:
            stmt = _insert(self.engine, FrontierEntry)
            stmt = stmt.on_conflict_do_update(index_elements=["site_id", "url"], set_={
                "done_at": stmt.excluded.done_at, "last_error": stmt.excluded.last_error})
            session.execute(stmt, list({(r["site_id"], r["url"]): r for r in rows}.values()))


def _slug_key(url: str) -> str | None:
    """For an ``{id}_{slug}`` URL, the key a slug-only URL of the same post would have had."""
    ref = article_ref(url)
    return ref.slug if ref is not None and ref.native_id != ref.slug else None


def _group_by_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Bulk UPDATE by primary key wants the same keys in every row of one call."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    return list(groups.values())


def pending_urls(engine: Engine, hosts: Sequence[str]) -> list[tuple[str, str, str | None, str | None]]:
    """Article URLs an earlier run found but never stored, as (host, url, category id, label)."""
    if not hosts:
        return []
    with Session(engine) as session:
        rows = session.execute(
            select(Site.host, FrontierEntry.url, FrontierEntry.category_id, FrontierEntry.category)
            .join(Site, Site.id == FrontierEntry.site_id)
            .where(Site.host.in_(list(hosts)), FrontierEntry.done_at.is_(None),
                   FrontierEntry.attempts < MAX_FETCH_ATTEMPTS)
            .order_by(FrontierEntry.id)
        ).all()
    return [(r.host, r.url, r.category_id, r.category) for r in rows]


def recheck_targets(engine: Engine, hosts: Sequence[str], limit: int
                    ) -> list[tuple[str, str, str | None, str | None]]:
    """Archived articles to fetch again: unconfirmed removals first, then least recently checked."""
    if not hosts or limit <= 0:
        return []
    with Session(engine) as session:
        rows = session.execute(
            select(Site.host, Article.url, Article.category_id, Article.category)
            .join(Site, Site.id == Article.site_id)
            .where(Site.host.in_(list(hosts)))
            .order_by(case((and_(Article.removal_suspected_at.is_not(None), Article.removed_at.is_(None)), 0),
                           else_=1),
                      Article.checked_at.is_not(None), Article.checked_at, Article.id)
            .limit(limit)
        ).all()
    return [(r.host, r.url, r.category_id, r.category) for r in rows]


def known_titles(engine: Engine, host: str, urls: Sequence[str]) -> dict[str, str | None]:
    """Which of these article URLs are archived and not removed, with their stored titles (one query)."""
    refs = {url: ref for url in urls if (ref := article_ref(url)) is not None}
    if not refs:
        return {}
    with Session(engine) as session:
        rows = session.execute(
            select(Article.native_id, Article.title).join(Site, Site.id == Article.site_id)
            .where(Site.host == host, Article.native_id.in_({r.native_id for r in refs.values()}),
                   Article.removed_at.is_(None))).all()
    titles = dict(rows)
    return {url: titles[ref.native_id] for url, ref in refs.items() if ref.native_id in titles}


def walk_states(engine: Engine, hosts: Sequence[str]) -> dict[tuple[str, str], tuple[bool, int]]:
    """Per (host, category): walked to its end at least once?, and the page an unfinished walk reached."""
    if not hosts:
        return {}
    with Session(engine) as session:
        rows = session.execute(select(Site.host, ListingState.category_id, ListingState.completed_at,
                                      ListingState.open_page).join(Site, Site.id == ListingState.site_id)
                               .where(Site.host.in_(list(hosts))))
        return {(host, category): (completed is not None, open_page or 0)
                for host, category, completed, open_page in rows}


def _version(article_id: int, rec: dict[str, Any]) -> dict[str, Any]:
    return {"article_id": article_id, "content_sha256": rec["content_sha256"], "title": rec["title"],
            "body_text": rec["body_text"], "attachments": rec["attachments"], "url": rec["url"],
            "fetched_at": rec["fetched_at"], "http_status": rec["http_status"],
            "raw_html_zlib": zlib.compress(rec["raw_html"], 1)}
