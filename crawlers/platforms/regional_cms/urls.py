"""URL shapes of the shared regional CMS besides articles: listings, and document links.

Article identity (``/blog/read/...``) is the archive's (``archive.domain.identity``); this module
knows how the CMS lays out its category listings (reference §1.1–1.2).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

LISTING_PATH_RE = re.compile(r"^/(?:index\.php/)?blog/category/(?P<cat>\d+(?:-\d+)?)/?$", re.IGNORECASE)
DOCUMENT_EXTENSIONS = (
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".odt",
    ".ods",
    ".zip",
    ".rar",
    ".7z",
    ".csv",
)


def listing_category(url: str) -> tuple[str, int] | None:
    """``(category id, page number)`` of a listing URL, else None."""
    parts = urlsplit(url)
    match = LISTING_PATH_RE.match(parts.path)
    if not match:
        return None
    pages = parse_qs(parts.query).get("page", ["1"])
    try:
        page = max(1, int(pages[0]))
    except ValueError:
        page = 1
    return match.group("cat"), page


def listing_url(base: str, category: str, page: int) -> str:
    """Listing page URL in the canonical form (without ``/index.php/``)."""
    url = f"{base.rstrip('/')}/blog/category/{category}"
    return url if page <= 1 else f"{url}?page={page}"


def is_document(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(DOCUMENT_EXTENSIONS) or "/storage/files/" in path
