"""URL shapes of the shared regional CMS: what is an article, a listing, and its identity.

Shapes come from reference §1.2: ``/blog/read/{slug}``, ``/blog/read/{id}_{slug}`` (2025 on),
an optional ``/index.php/`` prefix, and a ``.html`` suffix on one legacy domain.  Ids are per
site, so identity is always (host, native key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

ARTICLE_PATH_RE = re.compile(
    r"^/(?:index\.php/)?blog/read/(?:(?P<id>\d+)_)?(?P<slug>[^/?#]+?)(?:\.html)?/?$", re.IGNORECASE
)
LISTING_PATH_RE = re.compile(r"^/(?:index\.php/)?blog/category/(?P<cat>\d+(?:-\d+)?)/?$", re.IGNORECASE)
DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods",
                       ".zip", ".rar", ".7z", ".csv")


@dataclass(frozen=True, slots=True)
class ArticleRef:
    host: str
    native_id: str  # the numeric id where the URL has one, else the slug
    canonical_url: str
    slug: str  # lower-cased; for an {id}_{slug} URL, the key a slug-only URL of the same post had


def article_ref(url: str) -> ArticleRef | None:
    """Identity of an article URL, or None when the URL is not an article of the regional CMS."""
    parts = urlsplit(url)
    match = ARTICLE_PATH_RE.match(parts.path)
    if not match or not parts.netloc:
        return None
    host = parts.netloc.lower().split(":")[0] if parts.scheme in ("http", "https") else parts.netloc
    path = re.sub(r"^/index\.php", "", parts.path, flags=re.IGNORECASE).rstrip("/")
    canonical = urlunsplit(("https", host, path, "", ""))
    slug = unquote(match.group("slug")).lower()
    return ArticleRef(host=host, native_id=match.group("id") or slug, canonical_url=canonical, slug=slug)


def canonical_article_url(url: str) -> str | None:
    ref = article_ref(url)
    return ref.canonical_url if ref else None


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
