"""URL identity: which article a URL names, as (host, native key).

Shapes come from reference §1.2-1.4: ``/blog/read/{slug}``, ``/blog/read/{id}_{slug}`` (2025 on),
JDIH's ``/blog/read/{id}/{slug}``, KPU RI's ``/berita/baca/{id}/{slug}``,
an optional ``/index.php/`` prefix, and a ``.html`` suffix on one legacy domain; and the older
``/berita/baca/{id}/{slug}`` still linked from the wild, whose identity is its numeric id, so it
joins the same post under its ``/blog/read/{id}_{slug}`` URL.  Ids are per
site, so identity is always (host, native key).  http/https, ``/index.php/``, a trailing slash,
a query string and a fragment never change it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

ARTICLE_PATH_RE = re.compile(
    r"^/(?:index\.php/)?blog/read/(?:(?P<id>\d+)[_/])?(?P<slug>[^/?#]+?)(?:\.html)?/?$", re.IGNORECASE
)
# the older regional shape still linked in the wild: /berita/baca/{id}/{slug} (kota-palu.kpu.go.id/berita/baca/8168/…)
BERITA_PATH_RE = re.compile(
    r"^/(?:index\.php/)?berita/baca/(?P<id>\d+)(?:/(?P<slug>[^/?#]+?))?(?:\.html)?/?$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """An article's identity, worked out once from its URL."""

    host: str
    native_id: str  # the numeric id where the URL has one, else the slug
    canonical_url: str
    slug: str  # lower-cased; for an {id}_{slug} URL, the key a slug-only URL of the same post had

    @property
    def slug_key(self) -> str | None:
        """For an ``{id}_{slug}`` URL, the native key a slug-only URL of the same post would have had."""
        return self.slug if self.native_id != self.slug else None


def article_ref(url: str) -> ArticleRef | None:
    """Identity of an article URL, or None when the URL is not an article."""
    parts = urlsplit(url)
    match = ARTICLE_PATH_RE.match(parts.path) or BERITA_PATH_RE.match(parts.path)
    if not match or not parts.netloc:
        return None
    host = parts.netloc.lower().split(":")[0] if parts.scheme in ("http", "https") else parts.netloc
    path = re.sub(r"^/index\.php", "", parts.path, flags=re.IGNORECASE).rstrip("/")
    canonical = urlunsplit(("https", host, path, "", ""))
    slug = unquote(match.group("slug") or match.group("id")).lower()
    return ArticleRef(host=host, native_id=match.group("id") or slug, canonical_url=canonical, slug=slug)


def canonical_article_url(url: str) -> str | None:
    ref = article_ref(url)
    return ref.canonical_url if ref else None


def parse_archive_id(value: str) -> tuple[str, str] | None:
    """``{host}/{native key}``, as the export's ``archive_id`` column prints it, else None."""
    if "://" in value or "/" not in value:
        return None
    host, _, native = value.strip().partition("/")
    if "." not in host or not native or "/" in native:
        return None
    return host.lower(), native
