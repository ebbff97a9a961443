"""The one spider, for every site of the registry: the platform a site runs (``crawlers.platforms``)
knows its menu, listings and article pages; the spider walks them.  Home page → categories from
the menu → each category's listing pages, newest first (the platform's API, its HTML listing, or
the sitemap where neither lists posts) → every article → an ``ArticleRecord`` (a ``GoneRecord``
when the post is not there).  Every walk stops when a page brings no new links (safe against a
server that repeats its last page) or at ``KPU_MAX_LISTING_PAGES``.

Modes (``-a mode=``): ``incremental`` (default) fetches no article archived under an unchanged
listed title and stops a walked category after ``KPU_INCREMENTAL_STOP_PAGES`` pages with nothing
new (an unchanged site costs robots.txt, the home page and one listing page per category);
``full`` walks and fetches everything; ``recheck`` walks nothing and re-fetches up to
``-a recheck_limit=N`` archived articles, suspected removals first, to find edits and takedowns.

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
from ..platforms.referee import Listed, referee
from .attachments import AttachmentFetching
from .outcomes import GONE_STATUSES, article_filter, gone_reason, listed_title_changed, sitemap_urls, to_record
from .walks import Walks


class KpuSpider(AttachmentFetching, scrapy.Spider):
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
        self.walks = Walks()
        self._pending: set[str] = set()  # article URLs a killed run found and this one fetches first
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
        self.walks.states.update(self.archive.walk_states(hosts))
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
        self.walks.forget(host)
        self._pending = {u for u in self._pending if urlsplit(u).netloc != host}

    # ---- callbacks --------------------------------------------------------------------------

    def parse_home(self, response: Response, site: Site) -> Iterator[scrapy.Request]:
        self._count(site, "pages")
        if not isinstance(response, TextResponse):
            self._not_a_page(site, response)
            return
        platform = platform_for(site)
        home = platform.extract_listing(
            response.selector, response.url, site.canonical_from_fetched, article_filter(site, {})
        )
        self.walks.home_links[site.host] = set(home.links)
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
            switched = self._html_listing(site, category_id, label, page, f"answered {response.status}")
            if switched is None:
                self._count(site, "errors")
            else:
                yield switched
            return
        if not isinstance(response, TextResponse):
            self._not_a_page(site, response)
            return
        refs: dict[str, ArticleRef] = {}  # every article link's identity, worked out once
        platform = platform_for(site)
        listing = platform.extract_listing(
            response.selector, response.url, site.canonical_from_fetched, article_filter(site, refs)
        )
        label = label or listing.label
        self.crawler.stats.inc_value(f"kpu/site/{site.host}/listing_pages_{listing.source}")
        if page == 1 and not listing.links:  # an API listing nothing (an error payload): its HTML listing
            if (switched := self._html_listing(site, category_id, label, page, "lists no post")) is not None:
                yield switched
                return
            sitemap = platform.sitemap_path  # nor does the HTML listing (a JavaScript shell): the sitemap
            if sitemap and key in self.walks.html_listings and site.host not in self.walks.sitemaps:
                self.walks.sitemaps.add(site.host)
                self.logger.warning("%s: no posts listed in category %s; reading %s", site.host, category_id, sitemap)
                yield self._sitemap_request(site, site.canonical_base + sitemap, category_id, label, 0)
        new_items = self.walks.new_items(key, listing.links)
        if new_items:
            yield ListingOrder(site.host, category_id, self.walks.order(key, [refs[u] for u in new_items]))
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
                self.walks.quiet_pages[key] = self.walks.quiet_pages.get(key, 0) + 1
            else:
                self.walks.quiet_pages[key] = 0
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
        sitemaps, pages = sitemap_urls(response.body, site.host)
        for url in sitemaps if depth == 0 else []:  # an index is followed one level down
            yield self._sitemap_request(site, url, category_id, label, 1)
        yield from self._fetch_unlisted(site, pages, category_id, label)

    def _fetch_unlisted(
        self, site: Site, urls: list[str], category_id: str | None, label: str | None, priority: int = 0
    ) -> Iterator[Any]:
        """Article URLs found outside a listing walk (a sitemap, a home page), fetched as a listing's
        would be: recorded on the frontier, and in incremental mode only those not archived yet."""
        found: dict[str, ArticleRef] = {}
        is_article = article_filter(site, found)
        refs = {found[u].canonical_url: found[u] for u in map(site.canonical_from_fetched, urls) if is_article(u)}
        to_fetch = list(refs)
        if self.mode_of(site) == "incremental" and refs:
            known = self.archive.known_titles(site.host, list(refs.values()))
            to_fetch = [u for u in refs if u not in known]
        if to_fetch:
            yield DiscoveredLinks(site.host, tuple(refs[u] for u in to_fetch), category_id, label)
        for url in to_fetch:
            yield self._article_request(site, url, category_id, label, priority=priority)

    def _next_listing(
        self, site: Site, category_id: str, label: str | None, page: int, found_new: bool
    ) -> Iterator[Any]:
        """The next listing page, or the record of where this walk ended."""
        key = (site.host, category_id)
        if not found_new:
            yield ListingWalk(site.host, category_id, page, completed=True)
            return
        walked_before, open_page = self.walks.states.get(key, (False, 0))
        quiet = self.mode_of(site) == "incremental" and self.walks.quiet_pages.get(key, 0) >= self.stop_pages
        if quiet and walked_before and page > open_page:
            self.crawler.stats.inc_value("kpu/listing_incremental_stops")
            yield ListingWalk(site.host, category_id, page, completed=False)
        elif quiet and not walked_before and open_page > page + 1 and key not in self.walks.resumed:
            # a first walk that a killed run left at ``open_page``: what lies before it is archived or
            # on the frontier, so the walk goes on from there instead of repeating itself
            self.walks.resumed.add(key)
            self.walks.last_item.pop(key, None)  # the pages between are not walked: no neighbours across them
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
    ) -> Iterator[ArticleRecord | GoneRecord | scrapy.Request]:
        self._count(site, "pages")
        fetched_at = datetime.now(UTC)
        chain = [site.canonical_from_fetched(u) for u in response.meta.get("redirect_urls", [])]
        asked = article_ref(chain[0] if chain else site.canonical_from_fetched(response.url))
        final = site.canonical_from_fetched(response.url)
        ref = article_ref(final)
        reason = gone_reason(response, site, chain, ref, final)
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
        yield from self.attachment_requests(site, fields.attachments)

    def _gone(
        self, site: Site, asked: ArticleRef, final: str, status: int, reason: GoneReason, at: datetime
    ) -> GoneRecord:
        self._count(site, "gone")
        return GoneRecord(ref=asked, final_url=final, status=status, reason=reason, checked_at=at)

    def on_error(self, failure: Failure) -> Iterator[FetchFailure]:
        request, site = self.failed(failure, "errors", "%s: %s failed: %s")
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

    def _html_listing(
        self, site: Site, category_id: str, label: str | None, page: int, why: str
    ) -> scrapy.Request | None:
        """Switch a category to its platform's HTML listing where the API failed it (once), else None."""
        key = (site.host, category_id)
        if platform_for(site).fallback_listing_url is None or key in self.walks.html_listings:
            return None
        self.logger.warning("%s: category %s page %d %s; walking the HTML listing", site.host, category_id, page, why)
        self.crawler.stats.inc_value(f"kpu/site/{site.host}/listing_fallbacks")
        self.walks.html_listings.add(key)
        return self._listing_request(site, category_id, label, page)

    def _listing_request(self, site: Site, category_id: str, label: str | None, page: int) -> scrapy.Request:
        platform = platform_for(site)
        fallback = platform.fallback_listing_url
        if fallback is not None and (site.host, category_id) in self.walks.html_listings:
            url = fallback(site.canonical_base, category_id, label, page)
        else:
            url = platform.listing_url(site.canonical_base, category_id, page)
        return self._request(site, url, self.parse_listing, 5, fallback is not None, category_id=category_id,
                             label=label, page=page)  # fmt: skip

    def _sitemap_request(self, site: Site, url: str, category_id: str, label: str | None, depth: int) -> scrapy.Request:
        return self._request(site, url, self.parse_sitemap, 5, False, category_id=category_id, label=label, depth=depth)

    def _article_request(
        self, site: Site, url: str, category_id: str | None, label: str | None, listed: Listed | None = None,
        priority: int = 0,
    ) -> scrapy.Request:  # fmt: skip
        kwargs = {"category_id": category_id, "label": label, "listed": listed}
        return self._request(site, url, self.parse_article, priority, True, **kwargs)

    def _request(
        self, site: Site, url: str, callback: Callable[..., Any], priority: int, gone_answers: bool, **kwargs: Any
    ) -> scrapy.Request:
        """A request for one of a site's canonical URLs (sent to its mirror), with the site passed on;
        ``gone_answers``: 404 and 410 reach the callback, as evidence, instead of the errback."""
        return scrapy.Request(
            site.fetch_url(url), callback=callback, errback=self.on_error, priority=priority,
            cb_kwargs={"site": site, **kwargs}, meta={"handle_httpstatus_list": GONE_STATUSES} if gone_answers else {},
        )  # fmt: skip

    def _not_a_page(self, site: Site, response: Response) -> None:
        """A binary answer (a PDF, an image) where a page was expected: counted as an error, not parsed."""
        kind = (response.headers.get("Content-Type") or b"?").decode("latin-1")
        self.logger.warning("%s: %s is not an HTML page (%s)", site.host, response.url, kind)
        self._count(site, "errors")

    def _count_request(self, request: scrapy.Request, spider: Any = None) -> None:
        host = self._hosts_by_netloc.get(urlsplit(request.url).netloc)
        if host is not None:
            self.crawler.stats.inc_value(f"kpu/site/{host}/requests")

    def _count(self, site: Site, what: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"kpu/site/{site.host}/{what}", count)
