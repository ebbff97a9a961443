"""The contract between the spider and the archive: one normalised item per post."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class ArticleItem:
    """One article page as extracted; fields the page does not state stay None or empty."""

    host: str
    url: str  # canonical: https, no /index.php/, no query, no fragment
    native_id: str  # numeric id where the URL has one, else the slug
    fetched_url: str
    http_status: int
    fetched_at: datetime
    raw_html: bytes
    category_id: str | None
    category: str | None
    category_source: str
    title: str | None
    title_source: str
    body_text: str
    body_html: str
    credit: str | None
    byline: str | None
    view_count: int | None
    hashtags: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    see_also: list[dict[str, Any]] = field(default_factory=list)
    published_at: datetime | None = None
    published_precision: str | None = None
    published_source: str = "none"
    published_text: str | None = None
    requested_urls: list[str] = field(default_factory=list)  # canonical article URLs redirected from


@dataclass
class GoneItem:
    """Evidence that an article is not there: 404, 410, a soft 404 or a redirect off the article.

    One of these only makes an article *suspected*; a later check must confirm it (``archive.store``).
    """

    host: str
    url: str  # the canonical article URL that was asked for
    final_url: str  # where the request ended, as fetched
    status: int
    reason: str  # http-404, http-410, soft-404, redirect-home, redirect-away
    checked_at: datetime


@dataclass
class ListingWalkItem:
    """Where a category walk is: ``open`` while it still finds news (so a killed run is walked past
    this page next time), else ended, ``completed`` when it reached the last page."""

    host: str
    category_id: str
    pages: int
    completed: bool
    open: bool = False


@dataclass
class DiscoveredItem:
    """Article URLs a listing page revealed; recorded so a killed crawl knows what is left."""

    host: str
    urls: list[str]
    category_id: str | None
    category: str | None
