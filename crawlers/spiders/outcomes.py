"""What a fetched page means, apart from the crawl's state: the record an article page becomes,
the evidence that a post was taken down, which links are this site's articles, whether a listing
shows a new title.  Pure functions, so the spider keeps only the walk."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap

from archive.domain.identity import ArticleRef, article_ref
from archive.domain.records import ArticleRecord
from archive.domain.sites import Site
from archive.vocab import GoneReason

from ..platforms.base import ArticleFields
from ..platforms.referee import title_check

GONE_STATUSES = [404, 410]  # answers that count as evidence of a takedown; 5xx and timeouts never do


def listed_title_changed(listed: str | None, stored: str | None) -> bool:
    """Does the listing show another title than the archive holds?  A shortened one is the same."""
    return bool(stored) and title_check(stored, listed) is False


def to_record(
    fields: ArticleFields,
    ref: ArticleRef,
    response: Response,
    fetched_at: datetime,
    category_id: str | None,
    redirected_from: tuple[ArticleRef, ...],
) -> ArticleRecord:
    """What a platform extracted from one page, as the record the archive ingests."""
    published = fields.published
    return ArticleRecord(
        ref=ref, fetched_url=response.url, http_status=response.status, fetched_at=fetched_at,
        raw_html=response.body, category_id=category_id, category=fields.category,
        category_source=fields.category_source, title=fields.title, title_source=fields.title_source,
        body_text=fields.body_text, body_html=fields.body_html, credit=fields.credit, byline=fields.byline,
        view_count=fields.view_count, hashtags=fields.hashtags, images=list(fields.images),
        attachments=list(fields.attachments), see_also=list(fields.see_also),
        published_at=published.value if published else None,
        published_precision=published.precision if published else None,
        published_source=fields.published_source, published_text=published.text if published else None,
        published_year_source=published.year_source if published else None,
        published_partial=published.partial.to_json() if published and published.partial else None,
        redirected_from=redirected_from, extraction=fields.extraction,
        extraction_checks=fields.extraction_checks or None,
        warc=response.request.meta.get("warc") if response.request is not None else None,
    )  # fmt: skip


def gone_reason(
    response: Response, site: Site, chain: list[str], ref: ArticleRef | None, final: str
) -> GoneReason | None:
    """404 and 410, or a redirect off the article elsewhere on the site, are evidence of a takedown."""
    if response.status in GONE_STATUSES:
        return GoneReason(f"http-{response.status}")
    if (ref is None or ref.host != site.host) and chain and urlsplit(final).netloc == site.host:
        home = urlsplit(final).path.rstrip("/") in ("", "/index.php")
        return GoneReason.REDIRECT_HOME if home else GoneReason.REDIRECT_AWAY
    return None


def article_filter(site: Site, refs: dict[str, ArticleRef]) -> Callable[[str], bool]:
    """Is a link an article of this site?  Each one's identity is kept in ``refs``."""

    def is_article(url: str) -> bool:
        ref = refs.get(url) or article_ref(url)
        if ref is None or ref.host != site.host:
            return False
        refs[url] = ref
        return True

    return is_article


def sitemap_urls(body: bytes, host: str) -> tuple[list[str], list[str]]:
    """(the sitemaps a sitemap index lists on this site, the page URLs a sitemap lists), read with
    Scrapy's own sitemap parser."""
    if not body:
        return [], []
    sitemap = Sitemap(body)
    locations = [entry["loc"] for entry in sitemap if entry.get("loc")]
    if sitemap.type == "sitemapindex":
        return [url for url in locations if urlsplit(url).hostname == host], []
    return [], locations
