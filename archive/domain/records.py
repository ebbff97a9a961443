"""The contract between the crawl and the archive: the typed records a crawl hands to ingest.

The crawl works out each article's identity once (an ``ArticleRef``) and the records carry it, so
the archive never parses a URL again to know what it was given.  Fields a page does not state stay
``None`` or empty; the ``*_source`` fields say where each stated one came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..vocab import GoneReason
from .identity import ArticleRef, article_ref
from .text import content_sha256

# the article columns a version carries: what an edit can change
CONTENT_FIELDS = (
    "category_id",
    "category",
    "category_source",
    "title",
    "title_source",
    "body_text",
    "body_html",
    "credit",
    "byline",
    "hashtags",
    "images",
    "attachments",
    "see_also",
    "published_at",
    "published_precision",
    "published_source",
    "published_text",
    "published_year_source",
    "published_partial",
    "extraction",
    "extraction_checks",
)
# of those, the extractor's reading of a page rather than its content (no version when they alone
# change): what a re-extraction of an unchanged page still brings in
READING_FIELDS = tuple(name for name in CONTENT_FIELDS if name.startswith(("published_", "extraction")))


@dataclass(frozen=True, slots=True)
class WarcRef:
    """Where a fetch lies in the crawl's WARC files: the file's name (in the WARC directory), the
    response record's ``WARC-Record-ID`` and its byte offset (each record is its own gzip member)."""

    file: str
    record_id: str
    offset: int


@dataclass(slots=True)
class ArticleRecord:
    """One article page as extracted, with the identity of every URL it was reached under."""

    ref: ArticleRef  # where the fetch landed, canonical
    fetched_url: str  # as fetched (a mirror's URL when the site has a base_url)
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
    credit: str | None = None
    byline: str | None = None
    view_count: int | None = None
    hashtags: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    see_also: list[dict[str, Any]] = field(default_factory=list)
    published_at: datetime | None = None
    published_precision: str | None = None
    published_source: str = "none"
    published_text: str | None = None
    published_year_source: str | None = None  # "stated", or what settled a year-less date: listing, ids, first-seen
    published_partial: dict[str, Any] | None = None  # a year-less date as written (``DayMonth.to_json``)
    redirected_from: tuple[ArticleRef, ...] = ()  # article URLs that redirected to ``ref``
    extraction: str | None = None  # the layer that gave the body: "cms" or "generic"; None: not recorded
    extraction_checks: dict[str, Any] | None = None  # per layer, each check: passed, failed, or no evidence
    warc: WarcRef | None = None  # the fetch's WARC record, when the crawl writes WARC

    @property
    def host(self) -> str:
        return self.ref.host

    @property
    def url(self) -> str:
        return self.ref.canonical_url

    @property
    def native_id(self) -> str:
        return self.ref.native_id

    @property
    def refs(self) -> tuple[ArticleRef, ...]:
        """The landing URL first, then the ones redirected from, each once."""
        unique = {self.ref.canonical_url: self.ref}
        for ref in self.redirected_from:
            unique.setdefault(ref.canonical_url, ref)
        return tuple(unique.values())

    @classmethod
    def of(
        cls,
        url: str,
        *,
        title: str | None,
        body_text: str,
        fetched_at: datetime,
        redirected_from: Sequence[str] = (),
        **fields: Any,
    ) -> ArticleRecord:
        """A record from the few fields that matter, the others as a page that states nothing more
        would give them: for importers, the sample world and tests."""
        ref = _ref(url)
        values: dict[str, Any] = {
            "fetched_url": url,
            "http_status": 200,
            "raw_html": b"",
            "category_id": None,
            "category": None,
            "category_source": "none",
            "title_source": "heading" if title else "none",
            "body_html": "",
        }
        values.update(fields)
        return cls(
            ref=ref,
            title=title,
            body_text=body_text,
            fetched_at=fetched_at,
            redirected_from=tuple(_ref(u) for u in redirected_from),
            **values,
        )

    def content_sha256(self) -> str:
        return content_sha256(self.title, self.body_text, self.attachments)

    def content(self) -> dict[str, Any]:
        """The content columns, by name."""
        return {name: getattr(self, name) for name in CONTENT_FIELDS}


@dataclass(frozen=True, slots=True)
class GoneRecord:
    """Evidence that an article is not there: 404, 410, a soft 404 or a redirect off the article.

    One of these only makes an article *suspected*; a later check must confirm it
    (``archive.ingest.takedowns``)."""

    ref: ArticleRef  # the article that was asked for
    final_url: str  # where the request ended, canonical where it is on the site
    status: int
    reason: GoneReason
    checked_at: datetime

    @property
    def host(self) -> str:
        return self.ref.host


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """A fetch that failed for good (5xx after retries, a timeout, a refused connection): the article
    was checked, but this never counts as evidence of a takedown."""

    ref: ArticleRef
    error: str
    at: datetime

    @property
    def host(self) -> str:
        return self.ref.host


@dataclass(frozen=True, slots=True)
class ListingWalk:
    """Where a category walk is: ``open`` while it still finds news (so a killed run is walked past
    this page next time), else ended, ``completed`` when it reached the last page."""

    host: str
    category_id: str
    pages: int
    completed: bool
    open: bool = False


@dataclass(frozen=True, slots=True)
class DiscoveredLinks:
    """Article URLs a listing page revealed; recorded so a killed crawl knows what is left."""

    host: str
    refs: tuple[ArticleRef, ...]
    category_id: str | None
    category: str | None


@dataclass(frozen=True, slots=True)
class ListingOrder:
    """Posts in the order a listing page showed them, newest first, led by the last post of the page
    before it: the neighbours a year-less date is settled by."""

    host: str
    category_id: str
    refs: tuple[ArticleRef, ...]


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    """A document a post links (PDF, DOC(X), XLS(X), an image linked as a document), as fetched.

    ``body`` is the file itself: the ingest session stores it once per SHA-256 in the archive's file
    store as soon as it comes, and queues the rest.  ``text`` is what the crawl read from it, or
    ``None`` when the archive already holds the file (``text_source`` says how it was read)."""

    host: str  # the site whose post linked it
    url: str  # canonical, as the post links it
    fetched_url: str
    fetched_at: datetime
    http_status: int
    content_type: str | None
    sha256: str
    size: int
    body: bytes
    text: str | None = None
    text_source: str = "none"  # pypdf, docx, xlsx, none (not a format read), or error: …
    warc: WarcRef | None = None


def _ref(url: str) -> ArticleRef:
    ref = article_ref(url)
    if ref is None:
        raise ValueError(f"not an article URL: {url!r}")
    return ref


Record = ArticleRecord | GoneRecord | FetchFailure | ListingWalk | DiscoveredLinks | ListingOrder | AttachmentRecord


@dataclass(frozen=True, slots=True)
class PendingFetch:
    """An article URL the crawl should fetch: left over from a killed run, or due for a recheck."""

    host: str
    url: str
    category_id: str | None
    category: str | None
