"""What a crawl's listing walks remember, per site and category: the links of the page before (to
tell a sidebar from the items), the items seen, the post that closed the previous page, how many
pages in a row brought nothing new, where the archive says the walk stood, and which categories
left their platform's API for its HTML listing or its sitemap.  Kept apart from the spider so the
spider holds only the callbacks, and so a worker can forget one site's state when it is done."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.domain.identity import ArticleRef

Key = tuple[str, str]  # (host, category id)
Link = tuple[str, str]  # (position in the page, canonical URL)


@dataclass
class Walks:
    previous: dict[Key, set[Link]] = field(default_factory=dict)  # the links of the page walked before
    seen: dict[Key, set[str]] = field(default_factory=dict)  # the items of every page walked so far
    last_item: dict[Key, ArticleRef] = field(default_factory=dict)  # the last post of the previous page
    home_links: dict[str, set[Link]] = field(default_factory=dict)  # per host: what page 1 is compared with
    quiet_pages: dict[Key, int] = field(default_factory=dict)  # consecutive pages with nothing new
    states: dict[Key, tuple[bool, int]] = field(default_factory=dict)  # (walked to the end before, open page)
    resumed: set[Key] = field(default_factory=set)  # first walks that jumped to where a killed run was
    html_listings: set[Key] = field(default_factory=set)  # walked by the platform's HTML listing, not its API
    sitemaps: set[str] = field(default_factory=set)  # hosts whose sitemap this crawl has asked for

    def new_items(self, key: Key, links: list[Link]) -> list[str]:
        """The page's items: a link at the same place with the same target as on the page before is
        page chrome (a popular-posts sidebar), and one seen before is no news.  None: the end, or a
        server repeating its last page."""
        previous = self.previous.get(key, self.home_links.get(key[0], set()))
        self.previous[key] = set(links)
        seen = self.seen.setdefault(key, set())
        items = list(dict.fromkeys(url for pair in links if pair not in previous and (url := pair[1]) not in seen))
        seen.update(items)
        return items

    def order(self, key: Key, items: list[ArticleRef]) -> tuple[ArticleRef, ...]:
        """The listing order year-less dates are settled by, led by the previous page's last post."""
        order = ([self.last_item[key]] if key in self.last_item else []) + items
        self.last_item[key] = order[-1]
        return tuple(order)

    def forget(self, host: str) -> None:
        """Drop what the walks of one site keep in memory, once it is crawled (a worker runs for days)."""
        for table in (self.previous, self.seen, self.last_item, self.quiet_pages, self.states):
            for key in [k for k in table if k[0] == host]:
                del table[key]
        for keys in (self.resumed, self.html_listings):
            keys.difference_update({k for k in keys if k[0] == host})
        self.home_links.pop(host, None)
        self.sitemaps.discard(host)
