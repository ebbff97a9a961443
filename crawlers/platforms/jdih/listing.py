"""JDIH's menu and listings: ``/blog/category/{id}`` categories, and the news index (``/blog``,
``/berita``) as a category named by its path."""

from __future__ import annotations

import re

from parsel import Selector

from ..regional_cms.listing import extract_category_links as regional_categories
from ..regional_cms.listing import extract_listing, menu_links
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
    return {**regional_categories(selector, base_url), **menu_links(selector, base_url, INDEX_PATH_RE)}
