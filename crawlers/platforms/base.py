"""What every platform hands the spider: the fields of an article page and of a listing page,
and the ``Platform`` bundle of functions that produce them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parsel import Selector

from archive.domain.dates import DayMonth


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A publication date, with how precise it is and the words it came from."""

    value: datetime | None  # aware, in the site's zone; None while the year of a year-less date is unsettled
    precision: str  # "day", "minute", "second", or "day-month" (no year: ``value`` is None)
    text: str  # the expression as the page wrote it, for provenance
    year_source: str | None = None  # "stated", or what settled a year-less date ("first-seen"), else None
    partial: DayMonth | None = None  # a year-less date as written: the archive settles its year from neighbours


@dataclass(slots=True)
class ArticleFields:
    """What one article page states, and nothing it does not state."""

    title: str | None
    title_source: str  # "og:title", "heading", "html-title" or "none"
    category: str | None
    category_source: str  # "page", "listing" or "none"
    body_text: str
    body_html: str
    credit: str | None = None
    byline: str | None = None
    view_count: int | None = None
    hashtags: list[str] = field(default_factory=list)
    images: list[dict[str, str | None]] = field(default_factory=list)
    attachments: list[dict[str, str | None]] = field(default_factory=list)
    see_also: list[dict[str, str | None]] = field(default_factory=list)
    published: FoundDate | None = None
    published_source: str = "none"  # "metadata", "body", "api" (a listing API's date) or "none"
    extraction: str = "cms"  # which layer gave the body: "cms" (the platform's) or "generic" (trafilatura)
    extraction_checks: dict[str, Any] = field(default_factory=dict)  # per layer, per check; and "refused_cuts"
    refused_cuts: list[str] = field(default_factory=list)  # cuts the platform layer refused: they took most text


@dataclass(slots=True)
class ListingFields:
    label: str | None
    links: list[tuple[str, str]]  # (position in the page, canonical URL): the position tells chrome apart
    titles: dict[str, str] = field(default_factory=dict)  # URL -> its longest link text (the listed title)
    teasers: dict[str, str] = field(default_factory=dict)  # URL -> the words the listing shows under it
    dates: dict[str, str] = field(default_factory=dict)  # URL -> the machine date a listing API gives it
    source: str = "html"  # what the listing was read from: "html" (its links) or "api" (a JSON API)

    @property
    def article_urls(self) -> list[str]:
        return list(dict.fromkeys(url for _, url in self.links))


Canonicaliser = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Platform:
    """One platform's knowledge, as plain functions over parsed pages (see ``regional_cms``)."""

    name: str
    fallback_categories: tuple[str, ...]  # walked when the home page menu names no category
    listing_url: Callable[[str, str, int], str]  # (site base, category id, page) -> URL
    category_links: Callable[[Selector, str], dict[str, str]]  # the menu: category id -> label
    extract_listing: Callable[..., ListingFields]  # (selector, page URL, canonicalise, is_article)
    extract_article: Callable[..., ArticleFields]  # (selector, URL, timezone=, first_seen=, listing_label=, ...)
    looks_not_found: Callable[[Selector, str | None], bool]  # a 200 page saying the post is not there
    # where ``listing_url`` is a JSON API: the HTML listing walked instead when the API answers 404
    fallback_listing_url: Callable[[str, str, str | None, int], str] | None = None  # (base, id, label, page)
    sitemap_path: str | None = None  # read once per crawl where neither the API nor the HTML listing lists posts
    home_lists_posts: bool = False  # the home page's article links are fetched too (listings unknown: JDIH)
