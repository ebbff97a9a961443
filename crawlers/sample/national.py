"""A local stand-in for KPU RI (www.kpu.go.id), as reference §1.3 describes it: a JavaScript shell
whose listing pages carry no article links, the JSON API ``/api/blogs/{id}?page=N`` (a Laravel
paginator), and article pages in a third markup style, with a share bar above the body.

Nothing here is the real site's markup, which nobody here has seen; it is the shape the platform
must cope with.  ``api`` off plays a site whose API is gone (the listing then answers 404).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .pages import SampleArticle, SampleSite, page_number

HOST = "www.kpu.go.id"
CATEGORIES = {"104": ("berita-terkini", "Berita Terkini"), "140": ("siaran-pers", "Siaran Pers")}
SITEMAP_INDEX = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                 'sitemap/0.9"><sitemap><loc>%s</loc></sitemap></sitemapindex>')  # fmt: skip
URLSET = '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">%s</urlset>'
SENTENCES = [
    "Komisi Pemilihan Umum Republik Indonesia menetapkan jadwal pemutakhiran data pemilih berkelanjutan",
    "Ketua KPU RI meminta seluruh jajaran di provinsi dan kabupaten kota memastikan data pemilih akurat",
    "Rapat koordinasi nasional diikuti perwakilan KPU provinsi dari seluruh Indonesia secara daring",
    "Anggota KPU RI menekankan pentingnya keterbukaan informasi publik dalam setiap tahapan pemilihan",
    "Masyarakat dapat mengecek status pendaftarannya melalui laman cekdptonline yang disediakan KPU",
    "KPU juga menyiapkan sosialisasi bagi pemilih pemula di sekolah dan perguruan tinggi",
]


@dataclass(frozen=True)
class NationalPost:
    id: int
    slug: str
    title: str
    category: str
    created_at: datetime  # WIB, naive: as the API prints it
    body: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"/berita/baca/{self.id}/{self.slug}"


def national_posts(count: int, start: datetime = datetime(2025, 3, 3, 9, 15)) -> list[NationalPost]:
    """``count`` posts over both categories, newest first, each at its own minute of WIB."""
    posts = []
    for n in range(count):
        category = "104" if n % 3 else "140"
        body = tuple(f"{SENTENCES[(n + k) % len(SENTENCES)]} (rilis {n}, bagian {k})." for k in range(5))
        at = start + timedelta(days=n, hours=n % 7, minutes=(7 * n) % 60)
        posts.append(NationalPost(5000 + n, f"rilis-kpu-ri-nomor-{n}", f"KPU RI Rilis Nomor {n}", category, at, body))
    return sorted(posts, key=lambda p: p.created_at, reverse=True)


@dataclass
class NationalSite:
    posts: list[NationalPost]
    per_page: int = 4
    api: bool = True
    html_listing: bool = True  # without the API: do the HTML listings list posts (else a JavaScript shell)
    requests: list[str] = field(default_factory=list)

    def respond(self, raw: str) -> tuple[int, str, bytes]:
        parts = urlsplit(raw)
        path = parts.path.rstrip("/") or "/"
        self.requests.append(raw)
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow: /admin/\n"
        if path == "/sitemap.xml":  # an index, as large sites have, pointing at the news sitemap
            return 200, "application/xml", (SITEMAP_INDEX % f"https://{HOST}/sitemap-berita.xml").encode()
        if path == "/sitemap-berita.xml":
            urls = "".join(f"<url><loc>https://{HOST}{p.path}</loc></url>" for p in self.posts)
            return 200, "application/xml", (URLSET % urls).encode()
        if path == "/":
            return 200, "text/html", self._shell("KPU RI").encode()
        if match := re.fullmatch(r"/berita/(\d+)/[\w-]+", path):
            if self.api or not self.html_listing:
                return 200, "text/html", self._shell("Berita").encode()  # rendered by JavaScript: no links
            return 200, "text/html", self._html_listing(match.group(1), parts.query).encode()
        if (match := re.fullmatch(r"/api/blogs/(\d+)", path)) and self.api:
            return 200, "application/json", self._api_page(match.group(1), parts.query).encode()
        for post in self.posts:
            if path == post.path:
                return 200, "text/html", self._article(post).encode()
        return 404, "text/html", b"<html><body><h1>404</h1></body></html>"

    def _shell(self, title: str) -> str:
        menu = "".join(
            f'<li><a href="/berita/{cat}/{slug}">{label}</a></li>' for cat, (slug, label) in CATEGORIES.items()
        )
        return (f"<html><head><title>{title}</title><script src='/js/app.js'></script></head><body><nav><ul>"
                f"<li><a href='/'>Beranda</a></li>{menu}</ul></nav><div id='app'></div></body></html>")  # fmt: skip

    def _page_of(self, category: str, query: str) -> tuple[list[NationalPost], int, int, int]:
        items = [p for p in self.posts if p.category == category]
        page = page_number(query)
        last = max(1, -(-len(items) // self.per_page))
        return items[(page - 1) * self.per_page : page * self.per_page], page, last, len(items)

    def _html_listing(self, category: str, query: str) -> str:
        chunk, _, _, _ = self._page_of(category, query)
        items = "".join(f'<div class="item"><a href="{p.path}">{escape(p.title)}</a></div>' for p in chunk)
        return self._shell("Berita").replace("<div id='app'></div>", f"<div id='app'>{items}</div>")

    def _api_page(self, category: str, query: str) -> str:
        chunk, page, last, total = self._page_of(category, query)
        data = [{"id": p.id, "blog_name": p.title, "post_slug": p.slug, "file_foto": f"/foto/{p.id}.jpg",
                 "foto_thumb": f"/foto/t{p.id}.jpg", "blog_desc": self._desc(p),
                 "created_at": p.created_at.strftime("%Y-%m-%d %H:%M:%S")}
                for p in chunk]  # fmt: skip
        return json.dumps({"success": True, "data": {"current_page": page, "data": data, "last_page": last,
                                                     "per_page": self.per_page, "total": total}})  # fmt: skip

    @staticmethod
    def _desc(post: NationalPost) -> str:
        """The API's ``blog_desc``: the body's opening as the CMS stores it, markup loose (an unclosed
        ``<p>``, an inline script, entities), as editors' HTML is."""
        return (f"<p>{escape(post.body[0])}<script>track({post.id})</script><p>{escape(post.body[1])}"
                f"&nbsp;<br><a href='/berita/baca/{post.id}/{post.slug}'>Selengkapnya</a>")  # fmt: skip

    def _article(self, post: NationalPost) -> str:
        paragraphs = "".join(f"<p>{escape(s)}</p>" for s in post.body)
        return (f"<html><head><title>{escape(post.title)} | KPU RI</title>"
                f'<meta property="og:title" content="{escape(post.title)}"></head><body>'
                f"<nav><a href='/'>Beranda</a> <a href='/berita/104/berita-terkini'>Berita Terkini</a></nav>"
                f"<main><section class='news-detail'><h2 class='judul'>{escape(post.title)}</h2>"
                f"<div class='sosmed'><span>Share</span><a href='#'>Facebook</a><a href='#'>Twitter</a>"
                f"<a href='#'>WhatsApp</a></div><div class='konten'>{paragraphs}</div></section>"
                f"<aside><h3>Berita Lainnya</h3><a href='/berita/baca/1/lain'>Berita lain</a></aside></main>"
                f"<footer>Komisi Pemilihan Umum Republik Indonesia</footer></body></html>")  # fmt: skip

    @contextmanager
    def serve(self) -> Iterator[str]:
        with serve_one(self.respond) as base_url:
            yield base_url


@contextmanager
def serve_one(respond: Callable[[str], tuple[int, str, bytes]]) -> Iterator[str]:
    """One local HTTP server answering every GET with ``respond(path)``; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            status, content_type, body = respond(self.path)
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


WEEKDAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")  # fmt: skip


def regional_copy(post: NationalPost, site: SampleSite, delay: timedelta, native_id: int) -> SampleArticle:
    """A regional site's re-post of a national release, ``delay`` after it, with its own date line
    (``Selasa, 4 Maret 2025 pukul 10.15 WIB``) and credit: what syndication looks like (reference §4.3)."""
    at = post.created_at + delay
    line = f"{WEEKDAYS[at.weekday()]}, {at.day} {MONTHS[at.month - 1]} {at.year} pukul {at:%H.%M} WIB"
    town = site.name.split()[-1]
    return SampleArticle(
        host=site.host, id=str(native_id), slug=post.slug, category="104", title=post.title, views=3,
        date_line=line, blocks=[*post.body, f"(Humas KPU {town})"], extra={"synthetic": True, "copy_of": post.id},
    )  # fmt: skip
