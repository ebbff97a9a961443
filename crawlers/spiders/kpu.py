"""The one spider for the shared regional KPU CMS, driven by the site registry.

home page → category ids from the menu → ``/blog/category/{id}?page=N``, newest first → every
``/blog/read/...`` article → one ``ArticleItem`` (or a ``GoneItem`` when the post is not there).

Modes (``-a mode=``):

* ``incremental`` (default): articles already archived under an unchanged listed title are not
  fetched again, and a category stops after ``KPU_INCREMENTAL_STOP_PAGES`` listing pages holding
  nothing new, once it has been walked to its end at least once.  An unchanged site costs
  robots.txt, the home page and one listing page per category.
* ``full``: every listing page to the end, every article fetched again.
* ``recheck``: no listings; re-fetch up to ``-a recheck_limit=N`` archived articles, suspected
  removals first, then least recently checked, to find edits and takedowns.

Every walk stops when a page brings no new links (safe against a server that repeats its last page)
or at ``KPU_MAX_LISTING_PAGES``.

``scrapy crawl kpu -a sites=kab-ngawi,kota-palu`` (or ``-a sites=all``; ``-a registry=FILE``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response
from twisted.python.failure import Failure

from archive.db import open_engine
from archive.store import known_titles, pending_urls, recheck_targets, walk_states

from ..extract import extract_article, extract_category_links, extract_listing, looks_not_found
from ..items import ArticleItem, DiscoveredItem, GoneItem, ListingWalkItem
from ..sites import Site, load_registry
from ..urls import article_ref, listing_url

FALLBACK_CATEGORY = "104"  # "Berita Terkini" on most sites (reference §1.1), used only without a menu
MODES = ("incremental", "full", "recheck")
GONE_STATUSES = [404, 410]  # answers that count as evidence of a takedown; 5xx and timeouts never do


def _norm_title(text: str | None) -> str:
    return " ".join((text or "").casefold().split()).rstrip(".… ")


def listed_title_changed(listed: str | None, stored: str | None) -> bool:
    """Does the listing show another title than the archive holds?  A shortened one is the same."""
    listed_n, stored_n = _norm_title(listed), _norm_title(stored)
    if len(listed_n) < 10 or not stored_n:
        return False  # no usable title in the listing ("Selengkapnya", an image link)
    return not stored_n.startswith(listed_n)


class KpuSpider(scrapy.Spider):
    name = "kpu"

    def __init__(self, sites: str = "", registry: str | None = None, mode: str = "incremental",
                 recheck_limit: str | int = 1000, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode = mode
        self.recheck_limit = int(recheck_limit)
        self.registry = load_registry(registry)
        hosts = [] if sites in ("", "all") else [h for h in sites.split(",") if h.strip()]
        self.sites: list[Site] = self.registry.select(hosts)
        self.allowed_domains = sorted({s.host for s in self.sites}
                                      | {urlsplit(s.fetch_base).hostname or "" for s in self.sites} - {""})
        # per (host, category): the previous page's (position, url) pairs, and the items seen so far
        self._previous: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self._seen: dict[tuple[str, str], set[str]] = {}
        self._home_links: dict[str, set[tuple[str, str]]] = {}
        self._quiet_pages: dict[tuple[str, str], int] = {}  # consecutive listing pages with nothing new
        self._walks: dict[tuple[str, str], tuple[bool, int]] = {}  # (walked to the end before, open page)
        self._hosts_by_netloc = {urlsplit(s.fetch_base).netloc: s.host for s in self.sites}
        self._engine: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> KpuSpider:
        kwargs.setdefault("registry", crawler.settings.get("KPU_REGISTRY"))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_pages = crawler.settings.getint("KPU_MAX_LISTING_PAGES", 1000)
        spider.stop_pages = crawler.settings.getint("KPU_INCREMENTAL_STOP_PAGES", 1)
        crawler.signals.connect(spider._count_request, signal=signals.request_reached_downloader)
        crawler.signals.connect(spider._close_engine, signal=signals.spider_closed)
        return spider

    # ---- start: what an earlier, killed run left unfetched, then the home pages (or rechecks) ----

    @property
    def engine(self) -> Any:
        if self._engine is None:
            self._engine = open_engine(self.settings.get("KPU_ARCHIVE_DB"))
        return self._engine

    def _close_engine(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        hosts = [s.host for s in self.sites]
        for host, url, category_id, category in pending_urls(self.engine, hosts):
            site = self.registry.get(host)
            if site is not None:
                self.crawler.stats.inc_value("kpu/resumed_articles")
                yield self._article_request(site, url, category_id, category)
        if self.mode == "recheck":
            for host, url, category_id, category in recheck_targets(self.engine, hosts, self.recheck_limit):
                site = self.registry.get(host)
                if site is not None:
                    self.crawler.stats.inc_value("kpu/rechecked_articles")
                    yield self._article_request(site, url, category_id, category)
            return
        self._walks = walk_states(self.engine, hosts)
        for site in self.sites:
            yield scrapy.Request(site.fetch_base + "/", callback=self.parse_home, errback=self.on_error,
                                 cb_kwargs={"site": site}, priority=10)

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
        canonical = {u: article_ref(u).canonical_url for u in listing.article_urls}  # type: ignore[union-attr]
        titles = {canonical[u]: t for u, t in listing.titles.items()}
        all_links = list(dict.fromkeys(canonical.values()))
        self._count(site, "listed", len(new_items))
        to_fetch = all_links
        if self.mode == "incremental":
            known = known_titles(self.engine, site.host, all_links)  # one query per listing page
            to_fetch = [u for u in all_links if u not in known or listed_title_changed(titles.get(u), known[u])]
            fresh = set(to_fetch)
            self.crawler.stats.inc_value("kpu/articles_skipped_known", len(all_links) - len(to_fetch))
            if new_items and not any(canonical[u] in fresh for u in new_items):
                self._quiet_pages[key] = self._quiet_pages.get(key, 0) + 1
            else:
                self._quiet_pages[key] = 0
                yield ListingWalkItem(site.host, category_id, page, completed=False, open=True)
        if to_fetch:
            yield DiscoveredItem(site.host, to_fetch, category_id, label)
        for url in to_fetch:
            yield self._article_request(site, url, category_id, label)
        if not new_items:
            yield ListingWalkItem(site.host, category_id, page, completed=True)
            return
        walked_before, open_page = self._walks.get(key, (False, 0))
        if (self.mode == "incremental" and walked_before and page > open_page
                and self._quiet_pages.get(key, 0) >= self.stop_pages):
            self.crawler.stats.inc_value("kpu/listing_incremental_stops")
            yield ListingWalkItem(site.host, category_id, page, completed=False)
            return
        if page < self.max_pages:
            yield self._listing_request(site, category_id, label, page + 1)
        else:
            self.logger.warning("%s: category %s reached the page cap %d", site.host, category_id, self.max_pages)
            self.crawler.stats.inc_value("kpu/listing_page_cap_reached")
            yield ListingWalkItem(site.host, category_id, page, completed=True)

    def parse_article(self, response: Response, site: Site, category_id: str | None,
                      label: str | None) -> Iterator[ArticleItem | GoneItem]:
        self._count(site, "pages")
        fetched_at = datetime.now(UTC)
        chain = [site.canonical_from_fetched(u) for u in response.meta.get("redirect_urls", [])]
        asked = article_ref(chain[0] if chain else site.canonical_from_fetched(response.url))
        final = site.canonical_from_fetched(response.url)
        ref = article_ref(final)

        def gone(reason: str) -> GoneItem:
            self._count(site, "gone")
            return GoneItem(host=site.host, url=asked.canonical_url, final_url=final,  # type: ignore[union-attr]
                            status=response.status, reason=reason, checked_at=fetched_at)

        if response.status in GONE_STATUSES:
            if asked is not None:
                yield gone(f"http-{response.status}")
            return
        if ref is None or ref.host != site.host:
            if chain and asked is not None and urlsplit(final).netloc == site.host:
                # redirected off the article to the home page (or elsewhere on the site): a soft 404
                home = urlsplit(final).path.rstrip("/") in ("", "/index.php")
                yield gone("redirect-home" if home else "redirect-away")
                return
            self.logger.warning("%s: %s did not land on an article (at %s)", site.host,
                                response.request.url if response.request else "?", response.url)
            self._count(site, "errors")
            return
        fields = extract_article(response.selector, ref.canonical_url, timezone=site.timezone,
                                 first_seen=fetched_at, listing_label=label,
                                 canonicalise=site.canonical_from_fetched)
        if looks_not_found(response.selector, fields.title):
            if asked is not None:
                yield gone("soft-404")
            return
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
            requested_urls=[r.canonical_url for u in chain if (r := article_ref(u)) is not None
                            and r.canonical_url != ref.canonical_url],
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
                              cb_kwargs={"site": site, "category_id": category_id, "label": label},
                              meta={"handle_httpstatus_list": GONE_STATUSES})

    @staticmethod
    def _is_article(site: Site):  # type: ignore[no-untyped-def]
        return lambda url: (ref := article_ref(url)) is not None and ref.host == site.host

    def _count_request(self, request: scrapy.Request, spider: Any = None) -> None:
        host = self._hosts_by_netloc.get(urlsplit(request.url).netloc)
        if host is not None:
            self.crawler.stats.inc_value(f"kpu/site/{host}/requests")

    def _count(self, site: Site, what: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"kpu/site/{site.host}/{what}", count)
