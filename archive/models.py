"""The archive schema: SQLAlchemy 2 typed models, the same on SQLite and PostgreSQL.

One article per (site, native key).  Every distinct content of an article is an
``ArticleVersion`` holding its text, hash and compressed raw HTML, so edits (next issue) add
versions instead of overwriting.  ``frontier`` is what is still to fetch: it survives ``kill -9``
where Scrapy's JOBDIR does not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


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


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(253), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(100), index=True)
    timezone: Mapped[str] = mapped_column(String(40))
    host_source: Mapped[str] = mapped_column(String(20))

    articles: Mapped[list[Article]] = relationship(back_populates="site")


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("site_id", "native_id", name="uq_article_site_native"),
        Index("ix_articles_site_published", "site_id", "published_at"),
    )

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
    content_sha256: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(AwareDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(AwareDateTime())
    fetched_at: Mapped[datetime] = mapped_column(AwareDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())  # takedowns: next issue

    site: Mapped[Site] = relationship(back_populates="articles")


class ArticleVersion(Base):
    """One distinct content of an article, with the raw page it was read from (zlib)."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "content_sha256", name="uq_version_content"),)

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


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    status: Mapped[str] = mapped_column(String(20), default="running")  # running, finished, failed
    sites: Mapped[list[Any]] = mapped_column(default=list)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_updated: Mapped[int] = mapped_column(Integer, default=0)
    articles_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    per_site: Mapped[dict[str, Any]] = mapped_column(default=dict)


class FrontierEntry(Base):
    """An article URL discovered but not yet stored; ``done_at`` is set with the article write."""

    __tablename__ = "frontier"
    __table_args__ = (UniqueConstraint("site_id", "url", name="uq_frontier_site_url"),
                      Index("ix_frontier_pending", "site_id", "done_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    url: Mapped[str] = mapped_column(Text)
    category_id: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(200))
    discovered_at: Mapped[datetime] = mapped_column(AwareDateTime())
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
