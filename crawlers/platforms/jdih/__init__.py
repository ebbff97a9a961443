"""JDIH (jdih.kpu.go.id): the legal documentation network's national news (reference §1.4, §4.1).

Articles are ``/blog/read/{id}/{slug}`` (a slash, not the regional underscore) and carry the decree
PDFs they explain, which the article records as attachments.  Its listings are not known from any
stored page: the menu's ``/blog/category/{id}`` links are walked as on a regional site, and its news
index (``/blog`` or ``/berita``) as a category of its own, ``?page=N`` to the end; without a menu,
``/blog``.  Since none of that is known, the posts the home page links are fetched as well.  The
article pages are read by the regional layers (title, body, attachments) with the
referee's checks; ``kpu-archive doctor --site jdih.kpu.go.id`` shows what they find.
"""

from __future__ import annotations

from ..base import Platform
from ..regional_cms.article import extract_article
from ..regional_cms.not_found import looks_not_found
from .listing import extract_category_links, extract_listing, listing_url

PLATFORM = Platform(
    name="jdih",
    fallback_categories=("blog",),
    listing_url=listing_url,
    category_links=extract_category_links,
    extract_listing=extract_listing,
    extract_article=extract_article,
    looks_not_found=looks_not_found,
    home_lists_posts=True,
)
