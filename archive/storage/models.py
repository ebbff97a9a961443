"""The archive schema: SQLAlchemy 2 typed models, the same on SQLite and PostgreSQL.

One article per (site, native key).  Every content an article has had is an ``ArticleVersion``
(text, hash, fetch time, compressed raw HTML), so edits add versions instead of overwriting.
``article_urls`` keeps every URL an article was reached under (old slugs, redirected URLs), and
``article_events`` is its ledger: first seen, edited, removal suspected, removed, restored, moved.
``clusters`` and ``minhash_bands`` hold the syndication clusters and their LSH index.
``frontier`` is what is still to fetch: it survives ``kill -9`` where Scrapy's JOBDIR does not.

Schema changes go through Alembic (``archive/migrations``); ``archive.storage.db.open_engine`` applies them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from archive.storage import schema
from archive.vocab import Table


class AwareDateTime(TypeDecorator[datetime]):
    """Aware datetimes on every backend: UTC in the database, never a naive value out of it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store aware timestamps")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def utcnow() -> datetime:
    return datetime.now(UTC)


class SiteRow(Base):
    """A site the archive holds (the registry entry it came from is ``archive.domain.sites.Site``)."""

    __tablename__ = Table.SITES.value

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(253), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(100), index=True)
    timezone: Mapped[str] = mapped_column(String(40))
    host_source: Mapped[str] = mapped_column(String(20))

    articles: Mapped[list[Article]] = relationship(back_populates="site")


class Article(Base):
    __tablename__ = Table.ARTICLES.value
    __table_args__ = (
        UniqueConstraint("site_id", "native_id", name="uq_article_site_native"),
        Index("ix_articles_site_published", "site_id", "published_at"),
        Index("ix_articles_published", "published_at"),
    )  # and ix_articles_removed, a partial index: schema.REMOVED_INDEX

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    native_id: Mapped[str] = mapped_column(String(400))
    url: Mapped[str] = mapped_column(Text)
    category_id: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(200))
    category_source: Mapped[str] = mapped_column(String(20), default="none")
    title: Mapped[str | None] = mapped_column(Text)
    title_source: Mapped[str] = mapped_column(String(20), default="none")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    credit: Mapped[str | None] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(Text)
    view_count: Mapped[int | None] = mapped_column(Integer)
    hashtags: Mapped[list[Any]] = mapped_column(default=list)
    images: Mapped[list[Any]] = mapped_column(default=list)
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    see_also: Mapped[list[Any]] = mapped_column(default=list)
    published_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    published_precision: Mapped[str | None] = mapped_column(String(10))
    published_source: Mapped[str] = mapped_column(String(20), default="none")
    published_text: Mapped[str | None] = mapped_column(Text)  # the words the date was read from
    # how the year was chosen ("stated"; for a year-less date "listing", "ids", "first-seen"), and
    # what a year-less date states (day, month, weekday, time), so its year can be settled again
    published_year_source: Mapped[str | None] = mapped_column(String(20))
    published_partial: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # which extraction layer gave the body ("cms", "generic"), and every check of each layer
    extraction: Mapped[str | None] = mapped_column(String(20))
    extraction_checks: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(AwareDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(AwareDateTime())
    fetched_at: Mapped[datetime] = mapped_column(AwareDateTime())
    checked_at: Mapped[datetime | None] = mapped_column(AwareDateTime(), index=True)  # last fetch, any outcome
    # takedowns: a first 404/410/soft 404 sets removal_suspected_at; a later check confirms it (removed_at)
    removal_suspected_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    removal_status: Mapped[int | None] = mapped_column(Integer)  # HTTP status of the evidence
    removal_url: Mapped[str | None] = mapped_column(Text)  # the URL the check ended on
    removal_reason: Mapped[str | None] = mapped_column(String(40))  # http-404, http-410, soft-404, redirect-home
    cluster_id: Mapped[int | None] = mapped_column(Integer, index=True)  # syndication cluster, None if alone
    # the current version's WARC record (a copy of the version's, for the export and citation)
    warc_file: Mapped[str | None] = mapped_column(String(200))
    warc_record_id: Mapped[str | None] = mapped_column(String(100))

    site: Mapped[SiteRow] = relationship(back_populates="articles")


class ArticleUrl(Base):
    """Every URL an article was reached under: the current one, old slugs, redirected-from URLs."""

    __tablename__ = Table.ARTICLE_URLS.value
    __table_args__ = (UniqueConstraint("site_id", "url", name="uq_article_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    url: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(AwareDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(AwareDateTime())
    via: Mapped[str] = mapped_column(String(20))  # fetched, redirect


class ArticleEvent(Base):
    """The ledger of one article: what happened, when, and the evidence (status, final URL)."""

    __tablename__ = Table.ARTICLE_EVENTS.value

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    # first-seen, edited, moved, removal-suspected, removed, restored, merged
    kind: Mapped[str] = mapped_column(String(30))
    http_status: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)


class Cluster(Base):
    """Copies of one release on several sites; the origin is the earliest, national before regional."""

    __tablename__ = Table.CLUSTERS.value

    id: Mapped[int] = mapped_column(primary_key=True)
    origin_article_id: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())


class MinhashBand(Base):
    """The LSH index, in the archive: one row per (article, band), keyed by a 63-bit band hash."""

    __tablename__ = Table.MINHASH_BANDS.value
    __table_args__ = (Index("ix_minhash_bands_key", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)


class ListingState(Base):
    """Per site and category: when a walk last reached the end, and how deep an unfinished one got.

    Until a walk has reached the end, incremental crawls keep walking (a first crawl killed at page
    50 must not be mistaken for a finished one)."""

    __tablename__ = Table.LISTING_STATE.value
    __table_args__ = (UniqueConstraint("site_id", "category_id", name="uq_listing_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    category_id: Mapped[str] = mapped_column(String(20))
    completed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    last_walk_at: Mapped[datetime] = mapped_column(AwareDateTime())
    pages: Mapped[int] = mapped_column(Integer, default=0)
    # an incremental walk still finding news reached this page; set until it ends, so a run killed
    # mid-walk is followed by one that does not stop before passing this page
    open_page: Mapped[int | None] = mapped_column(Integer)


class ListingNeighbour(Base):
    """Per site and category: which post a listing showed right after another (newest first).

    Keys are native keys, recorded when the listing is walked, before the posts are fetched: the
    chain a year-less date is dated by (``archive.ingest.years``)."""

    __tablename__ = Table.LISTING_NEIGHBOURS.value

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    category_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    newer: Mapped[str] = mapped_column(String(400), primary_key=True)
    older: Mapped[str] = mapped_column(String(400))
    seen_at: Mapped[datetime] = mapped_column(AwareDateTime())


class ArticleVersion(Base):
    """One distinct content of an article, with the raw page it was read from (zlib)."""

    __tablename__ = Table.ARTICLE_VERSIONS.value

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    url: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(AwareDateTime())
    http_status: Mapped[int] = mapped_column(Integer)
    raw_html_zlib: Mapped[bytes] = mapped_column(LargeBinary)
    # the fetch in the crawl's WARC files (when it wrote WARC): file name, response record id, offset
    warc_file: Mapped[str | None] = mapped_column(String(200))
    warc_record_id: Mapped[str | None] = mapped_column(String(100))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)


class AttachmentFile(Base):
    """One document, stored once per SHA-256 in the file store however many posts link it, with the
    text read from it and who had it first."""

    __tablename__ = Table.ATTACHMENT_FILES.value

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(Text)  # in the file store: ab/cd/abcd…
    first_seen_at: Mapped[datetime] = mapped_column(AwareDateTime())
    first_site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    first_url: Mapped[str] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    text_source: Mapped[str] = mapped_column(String(200), default="none")  # pypdf, docx, xlsx, none, error: …


class AttachmentUrl(Base):
    """An attachment URL as last fetched: which file it gave (None: too large, or an error status)."""

    __tablename__ = Table.ATTACHMENT_URLS.value

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    http_status: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(AwareDateTime())
    warc_file: Mapped[str | None] = mapped_column(String(200))
    warc_record_id: Mapped[str | None] = mapped_column(String(100))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)


class ArticleAttachment(Base):
    """A post that linked an attachment URL (in any of its versions): kept when the post is removed."""

    __tablename__ = Table.ARTICLE_ATTACHMENTS.value

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    url: Mapped[str] = mapped_column(Text, primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(AwareDateTime())


class CrawlRun(Base):
    __tablename__ = Table.CRAWL_RUNS.value

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    status: Mapped[str] = mapped_column(String(40), default="running")  # running, finished, stopped: …
    mode: Mapped[str] = mapped_column(String(20), default="incremental")  # incremental, full, recheck
    sites: Mapped[list[Any]] = mapped_column(default=list)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_updated: Mapped[int] = mapped_column(Integer, default=0)
    articles_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    articles_removed: Mapped[int] = mapped_column(Integer, default=0)
    articles_restored: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    per_site: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FrontierEntry(Base):
    """An article URL discovered but not yet stored; ``done_at`` is set with the article write."""

    __tablename__ = Table.FRONTIER.value
    __table_args__ = (
        UniqueConstraint("site_id", "url", name="uq_frontier_site_url"),
        Index("ix_frontier_pending", "site_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    url: Mapped[str] = mapped_column(Text)
    category_id: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(200))
    discovered_at: Mapped[datetime] = mapped_column(AwareDateTime())
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class JobRun(Base):
    """One crawl the scheduler started: its child process, how it ended, where its log is."""

    __tablename__ = Table.JOB_RUNS.value

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(300), index=True)  # incremental:{host}, full:{host}, recheck
    kind: Mapped[str] = mapped_column(String(20))
    hosts: Mapped[list[Any]] = mapped_column(default=list)
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    status: Mapped[str] = mapped_column(String(20), default="running")  # running, ok, failed, timeout, stopped
    exit_code: Mapped[int | None] = mapped_column(Integer)
    crawl_run_id: Mapped[int | None] = mapped_column(Integer)
    log_path: Mapped[str | None] = mapped_column(Text)


# the schema objects that are not models, created with the articles table of a new archive
# (DDL() formats with %, so the view's strftime patterns are escaped for it)
event.listen(Article.__table__, "after_create", DDL(schema.REMOVED_INDEX))
for _statement in schema.SQLITE_DDL:
    event.listen(Article.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in schema.POSTGRES_DDL:
    event.listen(Article.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
event.listen(Article.__table__, "after_create", DDL(schema.POSTS_VIEW.replace("%", "%%")).execute_if(dialect="sqlite"))
for _statement in schema.ATTACHMENT_SQLITE_DDL:
    event.listen(AttachmentFile.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in schema.ATTACHMENT_POSTGRES_DDL:
    event.listen(AttachmentFile.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
