"""The one spider for the shared regional KPU CMS, driven by the site registry.

home page → category ids from the menu → ``/blog/category/{id}?page=N``, newest first → every
``/blog/read/...`` article → one ``ArticleRecord`` (or a ``GoneRecord`` when the post is not there).
The platform a site runs (``crawlers.platforms``) knows its menu, listings and article pages.

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

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from archive.domain.identity import ArticleRef, article_ref
from archive.domain.records import (
    ArticleRecord,
    DiscoveredLinks,
    FetchFailure,
    GoneRecord,
    ListingOrder,
    ListingWalk,
    PendingFetch,
)
from archive.domain.sites import Site, load_registry
from archive.ingest import IngestSession
from archive.vocab import CRAWL_MODES, GoneReason

from ..pipelines import ArchivePipeline
from ..platforms import platform_for
from ..platforms.base import ArticleFields
from ..platforms.referee import Listed, referee, title_check

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
    )  # fmt: skip


class KpuSpider(scrapy.Spider):
    name = "kpu"

    def __init__(
        self,
        sites: str = "",
        registry: str | None = None,
        mode: str = "incremental",
        recheck_limit: str | int = 1000,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if mode not in CRAWL_MODES:
            raise ValueError(f"mode must be one of {', '.join(CRAWL_MODES)}, not {mode!r}")
        self.mode = mode
        self.recheck_limit = int(recheck_limit)
        self.registry = load_registry(registry)
        hosts = [] if sites in ("", "all") else [h for h in sites.split(",") if h.strip()]
        self.sites: list[Site] = self.registry.select(hosts)
        self.allowed_domains = sorted(
            {s.host for s in self.sites} | {urlsplit(s.fetch_base).hostname or "" for s in self.sites} - {""}
        )
        # per (host, category): the previous page's (position, url) pairs, and the items seen so far
        self._previous: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self._seen: dict[tuple[str, str], set[str]] = {}
        self._last_item: dict[tuple[str, str], ArticleRef] = {}  # the last post of the previous listing page
        self._home_links: dict[str, set[tuple[str, str]]] = {}
        self._quiet_pages: dict[tuple[str, str], int] = {}  # consecutive listing pages with nothing new
        self._walks: dict[tuple[str, str], tuple[bool, int]] = {}  # (walked to the end before, open page)
        self._pending: set[str] = set()  # article URLs a killed run found and this one fetches first
        self._resumed: set[tuple[str, str]] = set()  # categories whose first walk jumped to where it was
        self._html_listings: set[tuple[str, str]] = set()  # categories walked by their platform's fallback
        self._sitemaps: set[str] = set()  # hosts whose sitemap this crawl has asked for
        self._hosts_by_netloc = {urlsplit(s.fetch_base).netloc: s.host for s in self.sites}
        self.max_pages = 1000
        self.stop_pages = 1

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> KpuSpider:
        kwargs.setdefault("registry", crawler.settings.get("KPU_REGISTRY"))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_pages = crawler.settings.getint("KPU_MAX_LISTING_PAGES")
        spider.stop_pages = crawler.settings.getint("KPU_INCREMENTAL_STOP_PAGES")
        crawler.signals.connect(spider._count_request, signal=signals.request_reached_downloader)
        return spider

    def mode_of(self, site: Site) -> str:
        """How this site is crawled: the spider's mode (a worker takes it from each site's job)."""
        return self.mode

    # ---- start: what an earlier, killed run left unfetched, then the home pages (or rechecks) ----

    @property
    def archive(self) -> IngestSession:
        """The crawl's archive session, owned by the pipeline: what is archived, pending, walked."""
        return ArchivePipeline.session_of(self.crawler)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.start_requests_for([s.host for s in self.sites], self.mode, self.recheck_limit):
            yield request

    def start_requests_for(self, hosts: list[str], mode: str, recheck_limit: int) -> Iterator[scrapy.Request]:
        """What these sites' crawl starts with: the article URLs a killed run found but never stored,
        then their rechecks (``recheck``) or their home pages, whose menus lead to the listings."""
        for pending in self.archive.pending(hosts):
            self._pending.add(pending.url)
            if (request := self._pending_request(pending)) is not None:
                self.crawler.stats.inc_value("kpu/resumed_articles")
                yield request
        if mode == "recheck":
            for target in self.archive.recheck_targets(recheck_limit, hosts):
                if (request := self._pending_request(target)) is not None:
                    self.crawler.stats.inc_value("kpu/rechecked_articles")
                    yield request
            return
        self._walks.update(self.archive.walk_states(hosts))
        for host in hosts:
            if (site := self.registry.get(host)) is not None:
                yield scrapy.Request(
                    site.fetch_base + "/",
                    callback=self.parse_home,
                    errback=self.on_error,
                    cb_kwargs={"site": site},
                    priority=10,
                )

    def forget_site(self, host: str) -> None:
        """Drop what the walks of one site keep in memory, once it is crawled (a worker runs for days)."""
        for table in (self._previous, self._seen, self._last_item, self._quiet_pages, self._walks):
            for key in [k for k in table if k[0] == host]:
                del table[key]
        self._html_listings = {k for k in self._html_listings if k[0] != host}
        self._sitemaps.discard(host)
        self._home_links.pop(host, None)
        self._resumed = {k for k in self._resumed if k[0] != host}
        self._pending = {u for u in self._pending if urlsplit(u).netloc != host}

    # ---- callbacks --------------------------------------------------------------------------

    def parse_home(self, response: Response, site: Site) -> Iterator[scrapy.Request]:
        self._count(site, "pages")
        if not isinstance(response, TextResponse):
            self._not_a_page(site, response)
            return
        platform = platform_for(site)
        home = platform.extract_listing(
            response.selector, response.url, site.canonical_from_fetched, self._article_refs(site, {})
        )
        self._home_links[site.host] = set(home.links)
        categories = platform.category_links(response.selector, response.url)
        if not categories:
            fallback = platform.fallback_categories
            self.logger.warning(
                "%s: no category links in the home page menu; trying %s", site.host, ", ".join(fallback)
            )
            self.crawler.stats.inc_value("kpu/menu_without_categories")
            categories = dict.fromkeys(fallback, "")
        for category_id, label in categories.items():
            yield self._listing_request(site, category_id, label or None, 1)
        if platform.home_lists_posts:  # after the listings, which give each post its category
            yield from self._fetch_unlisted(site, home.article_urls, None, None, priority=-1)

    def parse_listing(
        self, response: Response, site: Site, category_id: str, label: str | None, page: int
    ) -> Iterator[Any]:
        self._count(site, "pages")
        key = (site.host, category_id)
        if response.status in GONE_STATUSES:  # only asked for where the platform has a fallback listing
            if key not in self._html_listings:
                self.logger.warning("%s: %s answered %d; walking the HTML listing", site.host, response.url,
                                    response.status)  # fmt: skip
                self.crawler.stats.inc_value(f"kpu/site/{site.host}/listing_fallbacks")
                self._html_listings.add(key)
                yield self._listing_request(site, category_id, label, page)
            else:
                self._count(site, "errors")
            return
        if not isinstance(response, TextResponse):
            self._not_a_page(site, response)
            return
        refs: dict[str, ArticleRef] = {}  # every article link's identity, worked out once
        listing = platform_for(site).extract_listing(
            response.selector, response.url, site.canonical_from_fetched, self._article_refs(site, refs)
        )
        label = label or listing.label
        self.crawler.stats.inc_value(f"kpu/site/{site.host}/listing_pages_{listing.source}")
        platform = platform_for(site)
        if platform.fallback_listing_url and page == 1 and not listing.links and key not in self._html_listings:
            # an API that answers but lists nothing (an error payload, a moved category): try the HTML
            self.logger.warning("%s: %s lists no post; walking the HTML listing", site.host, response.url)
            self.crawler.stats.inc_value(f"kpu/site/{site.host}/listing_fallbacks")
            self._html_listings.add(key)
            yield self._listing_request(site, category_id, label, page)
            return
        sitemap = platform.sitemap_path
        empty_fallback = sitemap and key in self._html_listings and page == 1 and not listing.links
        if sitemap and empty_fallback and site.host not in self._sitemaps:  # no posts from API nor HTML
            self._sitemaps.add(site.host)
            self.logger.warning("%s: no posts listed in category %s; reading %s", site.host, category_id, sitemap)
            yield self._sitemap_request(site, site.canonical_base + sitemap, category_id, label, 0)
        # A link at the same place with the same target as on the page before is page chrome (a
        # popular-posts sidebar); what is left are this page's items.  No new item: the end, or a
        # server repeating its last page.
        previous = self._previous.get(key, self._home_links.get(site.host, set()))
        self._previous[key] = set(listing.links)
        seen = self._seen.setdefault(key, set())
        new_items = list(
            dict.fromkeys(url for pair in listing.links if pair not in previous and (url := pair[1]) not in seen)
        )
        seen.update(new_items)
        if new_items:  # the order year-less dates are settled by, led by the previous page's last post
            order = ([self._last_item[key]] if key in self._last_item else []) + [refs[u] for u in new_items]
            self._last_item[key] = order[-1]
            yield ListingOrder(site.host, category_id, tuple(order))
        articles = {refs[u].canonical_url: refs[u] for u in listing.article_urls}
        titles = {refs[u].canonical_url: t for u, t in listing.titles.items() if u in refs}
        self._count(site, "listed", len(new_items))
        to_fetch = list(articles)
        if self.mode_of(site) == "incremental":
            known = self.archive.known_titles(site.host, list(articles.values()))  # one query per listing page
            to_fetch = [u for u in articles if u not in known or listed_title_changed(titles.get(u), known[u])]
            fresh = set(to_fetch) - self._pending  # what a killed run found is not news: it is fetched anyway
            self.crawler.stats.inc_value("kpu/articles_skipped_known", len(articles) - len(to_fetch))
            if new_items and not any(refs[u].canonical_url in fresh for u in new_items):
                self._quiet_pages[key] = self._quiet_pages.get(key, 0) + 1
            else:
                self._quiet_pages[key] = 0
                yield ListingWalk(site.host, category_id, page, completed=False, open=True)
        if to_fetch:
            yield DiscoveredLinks(site.host, tuple(articles[u] for u in to_fetch), category_id, label)
        teasers = {refs[u].canonical_url: t for u, t in listing.teasers.items() if u in refs}
        dates = {refs[u].canonical_url: d for u, d in listing.dates.items() if u in refs}
        for url in to_fetch:
            listed = Listed(titles.get(url), teasers.get(url), dates.get(url))
            yield self._article_request(site, url, category_id, label, listed)
        yield from self._next_listing(site, category_id, label, page, bool(new_items))

    def parse_sitemap(
        self, response: Response, site: Site, category_id: str, label: str | None, depth: int = 0
    ) -> Iterator[Any]:
        """The article URLs of a sitemap (a sitemap index is followed one level down), fetched as a
        listing's would be: in incremental mode, only those the archive does not hold yet."""
        self._count(site, "pages")
        self.crawler.stats.inc_value(f"kpu/site/{site.host}/listing_pages_sitemap")
        sitemap = Sitemap(response.body) if isinstance(response, TextResponse) or response.body else None
        if sitemap is None:
            return
        locations = [entry["loc"] for entry in sitemap if entry.get("loc")]
        if sitemap.type == "sitemapindex":
            for url in locations if depth == 0 else []:  # one level down, on this site only
                if urlsplit(url).hostname == site.host:
                    yield self._sitemap_request(site, url, category_id, label, 1)
            return
        yield from self._fetch_unlisted(site, locations, category_id, label)

    def _fetch_unlisted(
        self, site: Site, urls: list[str], category_id: str | None, label: str | None, priority: int = 0
    ) -> Iterator[Any]:
        """Article URLs found outside a listing walk (a sitemap, a home page), fetched as a listing's
        would be: recorded on the frontier, and in incremental mode only those not archived yet."""
        refs: dict[str, ArticleRef] = {}
        for url in urls:
            ref = article_ref(site.canonical_from_fetched(url))
            if ref is not None and ref.host == site.host:
                refs[ref.canonical_url] = ref
        to_fetch = list(refs)
        if self.mode_of(site) == "incremental" and refs:
            known = self.archive.known_titles(site.host, list(refs.values()))
            to_fetch = [u for u in refs if u not in known]
        if to_fetch:
            yield DiscoveredLinks(site.host, tuple(refs[u] for u in to_fetch), category_id, label)
        for url in to_fetch:
            request = self._article_request(site, url, category_id, label)
            yield request.replace(priority=priority) if priority else request

    def _next_listing(
        self, site: Site, category_id: str, label: str | None, page: int, found_new: bool
    ) -> Iterator[Any]:
        """The next listing page, or the record of where this walk ended."""
        key = (site.host, category_id)
        if not found_new:
            yield ListingWalk(site.host, category_id, page, completed=True)
            return
        walked_before, open_page = self._walks.get(key, (False, 0))
        quiet = self.mode_of(site) == "incremental" and self._quiet_pages.get(key, 0) >= self.stop_pages
        if quiet and walked_before and page > open_page:
            self.crawler.stats.inc_value("kpu/listing_incremental_stops")
            yield ListingWalk(site.host, category_id, page, completed=False)
        elif quiet and not walked_before and open_page > page + 1 and key not in self._resumed:
            # a first walk that a killed run left at ``open_page``: what lies before it is archived or
            # on the frontier, so the walk goes on from there instead of repeating itself
            self._resumed.add(key)
            self._last_item.pop(key, None)  # the pages between are not walked: no neighbours across them
            self.crawler.stats.inc_value("kpu/listing_walks_resumed")
            yield self._listing_request(site, category_id, label, open_page)
        elif page < self.max_pages:
            yield self._listing_request(site, category_id, label, page + 1)
        else:
            self.logger.warning("%s: category %s reached the page cap %d", site.host, category_id, self.max_pages)
            self.crawler.stats.inc_value("kpu/listing_page_cap_reached")
            yield ListingWalk(site.host, category_id, page, completed=True)

    def parse_article(
        self, response: Response, site: Site, category_id: str | None, label: str | None, listed: Listed | None = None
    ) -> Iterator[ArticleRecord | GoneRecord]:
        self._count(site, "pages")
        fetched_at = datetime.now(UTC)
        chain = [site.canonical_from_fetched(u) for u in response.meta.get("redirect_urls", [])]
        asked = article_ref(chain[0] if chain else site.canonical_from_fetched(response.url))
        final = site.canonical_from_fetched(response.url)
        ref = article_ref(final)
        reason = self._gone_reason(response, site, chain, ref, final)
        if reason is not None and asked is not None:
            yield self._gone(site, asked, final, response.status, reason, fetched_at)
            return
        if response.status in GONE_STATUSES:
            return
        if not isinstance(response, TextResponse):
            self._not_a_page(site, response)
            return
        if ref is None or ref.host != site.host:
            asked_url = response.request.url if response.request else "?"
            self.logger.warning("%s: %s did not land on an article (at %s)", site.host, asked_url, response.url)
            self._count(site, "errors")
            return
        platform = platform_for(site)
        fields = platform.extract_article(
            response.selector,
            ref.canonical_url,
            timezone=site.timezone,
            first_seen=fetched_at,
            listing_label=label,
            canonicalise=site.canonical_from_fetched,
            listed_published=listed.published if listed else None,
        )
        if platform.looks_not_found(response.selector, fields.title):
            if asked is not None:
                yield self._gone(site, asked, final, response.status, GoneReason.SOFT_404, fetched_at)
            return
        platform_layer = fields.extraction  # "generic" already for a platform read by the generic layer
        fields = referee(fields, response, listed=listed)  # only for an article: no fallback for a soft 404
        if fields.extraction != platform_layer:
            self._count(site, "fallback")
        if any(passed is False for passed in fields.extraction_checks.get(fields.extraction, {}).values()):
            self._count(site, "doubtful")  # stored with its doubt: the checks it failed are on the article
        if not fields.body_text:
            self.crawler.stats.inc_value("kpu/articles_without_body")
        self._count(site, "articles")
        redirected_from = tuple(r for u in chain if (r := article_ref(u)) is not None and r != ref)
        yield to_record(fields, ref, response, fetched_at, category_id, redirected_from)

    def _gone(
        self, site: Site, asked: ArticleRef, final: str, status: int, reason: GoneReason, at: datetime
    ) -> GoneRecord:
        self._count(site, "gone")
        return GoneRecord(ref=asked, final_url=final, status=status, reason=reason, checked_at=at)

    @staticmethod
    def _gone_reason(
        response: Response, site: Site, chain: list[str], ref: ArticleRef | None, final: str
    ) -> GoneReason | None:
        """404 and 410, or a redirect off the article elsewhere on the site, are evidence of a takedown."""
        if response.status in GONE_STATUSES:
            return GoneReason(f"http-{response.status}")
        if (ref is None or ref.host != site.host) and chain and urlsplit(final).netloc == site.host:
            home = urlsplit(final).path.rstrip("/") in ("", "/index.php")
            return GoneReason.REDIRECT_HOME if home else GoneReason.REDIRECT_AWAY
        return None

    def on_error(self, failure: Failure) -> Iterator[FetchFailure]:
        request = failure.request  # type: ignore[attr-defined]
        site: Site | None = request.cb_kwargs.get("site")
        host = site.host if site else urlsplit(request.url).netloc
        self.crawler.stats.inc_value(f"kpu/site/{host}/errors")
        self.logger.warning("%s: %s failed: %s", host, request.url, failure.getErrorMessage())
        if site is not None and request.callback == self.parse_article:
            ref = article_ref(site.canonical_from_fetched(request.url))
            if ref is not None:
                yield FetchFailure(ref=ref, error=failure.getErrorMessage(), at=datetime.now(UTC))

    # ---- requests ---------------------------------------------------------------------------

    def _pending_request(self, pending: PendingFetch) -> scrapy.Request | None:
        site = self.registry.get(pending.host)
        if site is None:
            return None
        return self._article_request(site, pending.url, pending.category_id, pending.category)

    def _listing_request(self, site: Site, category_id: str, label: str | None, page: int) -> scrapy.Request:
        platform = platform_for(site)
        fallback = platform.fallback_listing_url
        if fallback is not None and (site.host, category_id) in self._html_listings:
            url = fallback(site.canonical_base, category_id, label, page)
        else:
            url = platform.listing_url(site.canonical_base, category_id, page)
        return scrapy.Request(
            site.fetch_url(url),
            callback=self.parse_listing,
            errback=self.on_error,
            priority=5,
            cb_kwargs={"site": site, "category_id": category_id, "label": label, "page": page},
            meta={"handle_httpstatus_list": GONE_STATUSES} if fallback is not None else {},
        )

    def _sitemap_request(self, site: Site, url: str, category_id: str, label: str | None, depth: int) -> scrapy.Request:
        return scrapy.Request(
            site.fetch_url(url),
            callback=self.parse_sitemap,
            errback=self.on_error,
            priority=5,
            cb_kwargs={"site": site, "category_id": category_id, "label": label, "depth": depth},
        )

    def _article_request(
        self, site: Site, url: str, category_id: str | None, label: str | None, listed: Listed | None = None
    ) -> scrapy.Request:
        return scrapy.Request(
            site.fetch_url(url),
            callback=self.parse_article,
            errback=self.on_error,
            cb_kwargs={"site": site, "category_id": category_id, "label": label, "listed": listed},
            meta={"handle_httpstatus_list": GONE_STATUSES},
        )

    @staticmethod
    def _article_refs(site: Site, refs: dict[str, ArticleRef]) -> Callable[[str], bool]:
        """Is a link an article of this site?  Each one's identity is kept in ``refs``."""

        def is_article(url: str) -> bool:
            ref = refs.get(url) or article_ref(url)
            if ref is None or ref.host != site.host:
                return False
            refs[url] = ref
            return True

        return is_article

    def _not_a_page(self, site: Site, response: Response) -> None:
        """A binary answer (a PDF, an image) where a page was expected: counted as an error, not parsed."""
        self.logger.warning(
            "%s: %s is not an HTML page (%s)",
            site.host,
            response.url,
            (response.headers.get("Content-Type") or b"?").decode("latin-1"),
        )
        self._count(site, "errors")

    def _count_request(self, request: scrapy.Request, spider: Any = None) -> None:
        host = self._hosts_by_netloc.get(urlsplit(request.url).netloc)
        if host is not None:
            self.crawler.stats.inc_value(f"kpu/site/{host}/requests")

    def _count(self, site: Site, what: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"kpu/site/{site.host}/{what}", count)
