"""JDIH's menu and listings: ``/blog/category/{id}`` categories, and the news index (``/blog``,
``/berita``) as a category named by its path."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from parsel import Selector

from ..regional_cms.dom import text_of
from ..regional_cms.listing import extract_category_links as regional_categories
from ..regional_cms.listing import extract_listing
from ..regional_cms.urls import listing_url as regional_listing_url

INDEX_PATH_RE = re.compile(r"^/(?:index\.php/)?(?P<index>blog|berita)/?$", re.IGNORECASE)

__all__ = ["extract_category_links", "extract_listing", "listing_url"]


def listing_url(base: str, category: str, page: int) -> str:
    """A numbered category as on a regional site; the news index by its path (``/blog?page=N``)."""
    if re.fullmatch(r"\d+(?:-\d+)?", category):
        return regional_listing_url(base, category, page)
    url = f"{base.rstrip('/')}/{category}"
    return url if page <= 1 else f"{url}?page={page}"


def extract_category_links(selector: Selector, base_url: str) -> dict[str, str]:
    """The menu's numbered categories, and its news index (``{"blog": "Berita"}``)."""
    found = regional_categories(selector, base_url)
    for a in selector.root.iter("a"):
        path = re.sub(r"^[a-z]+://[^/]+", "", urljoin(base_url, (a.get("href") or "").strip()), flags=re.I)
        if match := INDEX_PATH_RE.match(path.split("?")[0]):
            found.setdefault(match.group("index").lower(), text_of(a))
    return found
