"""The shared CMS of the 38 provincial and 514 regency and city sites (reference §1).

Home page → category ids from its menu (``/blog/category/104``, ``104-1``, …) → each category's
``?page=N`` → ``/blog/read/{slug}`` or ``/blog/read/{id}_{slug}`` articles.
"""

from __future__ import annotations

from ..base import Platform
from .article import extract_article
from .listing import extract_category_links, extract_listing
from .not_found import looks_not_found
from .urls import listing_url

FALLBACK_CATEGORY = "104"  # "Berita Terkini" on most sites (reference §1.1), used only without a menu

PLATFORM = Platform(
    name="regional",
    fallback_categories=(FALLBACK_CATEGORY,),
    listing_url=listing_url,
    category_links=extract_category_links,
    extract_listing=extract_listing,
    extract_article=extract_article,
    looks_not_found=looks_not_found,
)
