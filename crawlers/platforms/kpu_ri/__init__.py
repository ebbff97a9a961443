"""KPU RI (www.kpu.go.id): its own Laravel stack with a JavaScript front end (reference §1.3).

Home page menu → ``/berita/{id}/{slug}`` category ids → each category through the JSON API
``/api/blogs/{id}?page=N`` (a Laravel paginator: ``data.data`` holds ``id``, ``blog_name``,
``post_slug``, ``created_at``) → ``/berita/baca/{id}/{post_slug}`` articles, read by the generic
layer.  A listing that answers HTML instead of JSON is read for its article links, and where the API
answers 404 the category's HTML listing (``/berita/{id}/{slug}?page=N``) is walked instead; where
that lists nothing either (a JavaScript shell), the site's ``/sitemap.xml`` gives the article URLs.
"""

from __future__ import annotations

from ..base import Platform
from ..regional_cms.not_found import looks_not_found
from .article import extract_article
from .listing import extract_category_links, extract_listing, html_listing_url, listing_url

PLATFORM = Platform(
    name="kpu-ri",
    fallback_categories=("104",),  # Berita Terkini (reference §1.3), used only without a menu
    listing_url=listing_url,
    category_links=extract_category_links,
    extract_listing=extract_listing,
    extract_article=extract_article,
    looks_not_found=looks_not_found,
    fallback_listing_url=html_listing_url,
    sitemap_path="/sitemap.xml",
)
