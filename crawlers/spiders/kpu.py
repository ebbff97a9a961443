"""The one spider for the shared regional KPU CMS, driven by the site registry.

home page → category ids from the menu → ``/blog/category/{id}?page=N`` until a page brings no new
article links (safe against a server that repeats its last page; hard cap
``KPU_MAX_LISTING_PAGES``) → every ``/blog/read/...`` article → one ``ArticleItem``.

``scrapy crawl kpu -a sites=kab-ngawi,kota-palu`` (or ``-a sites=all``; ``-a registry=FILE``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from archive.db import open_engine
from archive.store import pending_urls

from ..extract import extract_article, extract_category_links, extract_listing
from ..items import ArticleItem, DiscoveredItem
from ..sites import Site, load_registry
from ..urls import article_ref, listing_url

FALLBACK_CATEGORY = "104"  # "Berita Terkini" on most sites (reference §1.1), used only without a menu


class KpuSpider(scrapy.Spider):
    name = "kpu"

    def __init__(self, sites: str = "", registry: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registry = load_registry(registry)
        hosts = [] if sites in ("", "all") else [h for h in sites.split(",") if h.strip()]
        self.sites: list[Site] = self.registry.select(hosts)
        self.allowed_domains = sorted({s.host for s in self.sites}
                                      | {urlsplit(s.fetch_base).hostname or "" for s in self.sites} - {""})
        # per (host, category): the previous page's (position, url) pairs, and the items seen so far
        self._previous: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self._seen: dict[tuple[str, str], set[str]] = {}
        self._home_links: dict[str, set[tuple[str, str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> KpuSpider:
        kwargs.setdefault("registry", crawler.settings.get("KPU_REGISTRY"))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_pages = crawler.settings.getint("KPU_MAX_LISTING_PAGES", 1000)
        return spider

    # ---- start: what an earlier, killed run left unfetched, then every site's home page -------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for host, url, category_id, category in self._pending():
            site = self.registry.get(host)
            if site is not None:
                self.crawler.stats.inc_value("kpu/resumed_articles")
                yield self._article_request(site, url, category_id, category)
        for site in self.sites:
            yield scrapy.Request(site.fetch_base + "/", callback=self.parse_home, errback=self.on_error,
                                 cb_kwargs={"site": site}, priority=10)

    def _pending(self) -> list[tuple[str, str, str | None, str | None]]:
        engine = open_engine(self.settings.get("KPU_ARCHIVE_DB"))
        try:
            return pending_urls(engine, [s.host for s in self.sites])
        finally:
            engine.dispose()

    # ---- callbacks --------------------------------------------------------------------------

    def parse_home(self, response: Response, site: Site) -> Iterator[scrapy.Request]:
        self._count(site, "pages")
        home = extract_listing(response.selector, response.url, site.canonical_from_fetched, self._is_article(site))
        self._home_links[site.host] = set(home.links)
        categories = extract_category_links(response.selector, response.url)
        if not categories:
            self.logger.warning("%s: no category links in the home page menu; trying %s", site.host,
                                FALLBACK_CATEGORY)
            self.crawler.stats.inc_value("kpu/menu_without_categories")
            categories = {FALLBACK_CATEGORY: ""}
        for category_id, label in categories.items():
            yield self._listing_request(site, category_id, label or None, 1)

    def parse_listing(self, response: Response, site: Site, category_id: str, label: str | None,
                      page: int) -> Iterator[Any]:
        self._count(site, "pages")
        listing = extract_listing(response.selector, response.url, site.canonical_from_fetched,
                                  self._is_article(site))
        label = label or listing.label
        key = (site.host, category_id)
        # A link at the same place with the same target as on the page before is page chrome (a
        # popular-posts sidebar); what is left are this page's items.  No new item: the end, or a
        # server repeating its last page.
        previous = self._previous.get(key, self._home_links.get(site.host, set()))
        self._previous[key] = set(listing.links)
        seen = self._seen.setdefault(key, set())
        items = [url for pair in listing.links if pair not in previous and (url := pair[1]) not in seen]
        new_items = list(dict.fromkeys(items))
        seen.update(new_items)
        all_links = [article_ref(u).canonical_url for u in listing.article_urls]  # type: ignore[union-attr]
        if all_links:
            yield DiscoveredItem(site.host, all_links, category_id, label)
        for url in all_links:
            yield self._article_request(site, url, category_id, label)
        if not new_items:
            return
        if page < self.max_pages:
            yield self._listing_request(site, category_id, label, page + 1)
        else:
            self.logger.warning("%s: category %s reached the page cap %d", site.host, category_id, self.max_pages)
            self.crawler.stats.inc_value("kpu/listing_page_cap_reached")

    def parse_article(self, response: Response, site: Site, category_id: str | None,
                      label: str | None) -> Iterator[ArticleItem]:
        self._count(site, "pages")
        ref = article_ref(site.canonical_from_fetched(response.url))
        if ref is None or ref.host != site.host:
            self.logger.warning("%s: %s did not land on an article (at %s)", site.host,
                                response.request.url if response.request else "?", response.url)
            self._count(site, "errors")
            return
        fetched_at = datetime.now(UTC)
        fields = extract_article(response.selector, ref.canonical_url, timezone=site.timezone,
                                 first_seen=fetched_at, listing_label=label,
                                 canonicalise=site.canonical_from_fetched)
        if not fields.body_text:
            self.crawler.stats.inc_value("kpu/articles_without_body")
        self._count(site, "articles")
        published = fields.published
        yield ArticleItem(
            host=site.host, url=ref.canonical_url, native_id=ref.native_id, fetched_url=response.url,
            http_status=response.status, fetched_at=fetched_at, raw_html=response.body,
            category_id=category_id, category=fields.category, category_source=fields.category_source,
            title=fields.title, title_source=fields.title_source, body_text=fields.body_text,
            body_html=fields.body_html, credit=fields.credit, byline=fields.byline,
            view_count=fields.view_count, hashtags=fields.hashtags, images=fields.images,
            attachments=fields.attachments, see_also=fields.see_also,
            published_at=published.value if published else None,
            published_precision=published.precision if published else None,
            published_source=fields.published_source, published_text=published.text if published else None,
        )

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        site: Site | None = request.cb_kwargs.get("site")
        host = site.host if site else urlsplit(request.url).netloc
        self.crawler.stats.inc_value(f"kpu/site/{host}/errors")
        self.logger.warning("%s: %s failed: %s", host, request.url, failure.getErrorMessage())
        writer = getattr(self, "archive_writer", None)
        if writer is not None and site is not None and request.callback == self.parse_article:
            writer.record_failure(site.host, site.canonical_from_fetched(request.url), failure.getErrorMessage())

    # ---- requests ---------------------------------------------------------------------------

    def _listing_request(self, site: Site, category_id: str, label: str | None, page: int) -> scrapy.Request:
        return scrapy.Request(site.fetch_url(listing_url(site.canonical_base, category_id, page)),
                              callback=self.parse_listing, errback=self.on_error, priority=5,
                              cb_kwargs={"site": site, "category_id": category_id, "label": label, "page": page})

    def _article_request(self, site: Site, url: str, category_id: str | None,
                         label: str | None) -> scrapy.Request:
        return scrapy.Request(site.fetch_url(url), callback=self.parse_article, errback=self.on_error,
                              cb_kwargs={"site": site, "category_id": category_id, "label": label})

    @staticmethod
    def _is_article(site: Site):  # type: ignore[no-untyped-def]
        return lambda url: (ref := article_ref(url)) is not None and ref.host == site.host

    def _count(self, site: Site, what: str) -> None:
        self.crawler.stats.inc_value(f"kpu/site/{site.host}/{what}")
