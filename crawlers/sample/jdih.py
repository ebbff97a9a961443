"""A local stand-in for JDIH's national news (jdih.kpu.go.id): a menu linking the news index
``/blog``, ``?page=N`` listings of ``/blog/read/{id}/{slug}`` posts, and articles that link the
decree PDF they explain.  Its listing markup is invented (nothing of it is known, reference §4.1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from html import escape
from urllib.parse import urlsplit

from .national import MONTHS, WEEKDAYS, serve_one
from .pages import page_number

HOST = "jdih.kpu.go.id"


@dataclass(frozen=True)
class JdihPost:
    id: int
    slug: str
    title: str
    day: tuple[int, int, int]  # (year, month, day)
    body: tuple[str, ...]
    decree: str  # the PDF's path

    @property
    def path(self) -> str:
        return f"/blog/read/{self.id}/{self.slug}"


def jdih_posts(count: int) -> list[JdihPost]:
    posts = []
    for n in range(count):
        day = (2025, 7, 1 + n % 28)
        body = (
            f"Jakarta – Biro Hukum KPU menyosialisasikan Keputusan KPU Nomor {100 + n} Tahun 2025 tentang "
            f"pedoman teknis pengelolaan dokumentasi hukum kepada jajaran KPU provinsi pada {day[2]} Juli 2025.",
            "Keputusan tersebut mengatur tata cara penyusunan, pengundangan dan publikasi produk hukum KPU "
            "agar dapat diakses masyarakat melalui laman JDIH secara terbuka dan mudah.",
        )
        number = 100 + n
        title = f"Sosialisasi Keputusan KPU Nomor {number} Tahun 2025"
        decree = f"/data/data_kepkpu/2025kpt{number}.pdf"
        posts.append(JdihPost(17000 + n, f"sosialisasi-keputusan-kpu-{number}", title, day, body, decree))
    return sorted(posts, key=lambda p: (p.day, p.id), reverse=True)


@dataclass
class JdihSite:
    posts: list[JdihPost]
    per_page: int = 3
    index: str = "/blog"  # where the news index lives (the menu links it)
    home_posts: int = 0  # the newest posts the home page links
    requests: list[str] = field(default_factory=list)

    def respond(self, raw: str) -> tuple[int, str, bytes]:
        parts = urlsplit(raw)
        path = parts.path.rstrip("/") or "/"
        self.requests.append(raw)
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow:\n"
        if path == "/":
            latest = "".join(
                f'<li><a href="{p.path}">{escape(p.title)}</a></li>' for p in self.posts[: self.home_posts]
            )
            intro = "<p>Jaringan Dokumentasi dan Informasi Hukum KPU</p>"
            return 200, "text/html", self._page("JDIH KPU", f"{intro}<ul class='terbaru'>{latest}</ul>")
        if path == self.index:
            page = page_number(parts.query)
            chunk = self.posts[(page - 1) * self.per_page : page * self.per_page]
            items = "".join(f'<div class="card"><h4><a href="{p.path}">{escape(p.title)}</a></h4>'
                            f"<p>{escape(p.body[0][:140])}</p></div>" for p in chunk)  # fmt: skip
            return 200, "text/html", self._page("Berita", f"<h3>Berita</h3>{items}")
        for post in self.posts:
            if path == post.path:
                return 200, "text/html", self._article(post)
        if re.fullmatch(r"/data/data_kepkpu/\w+\.pdf", path):
            return 200, "application/pdf", b"%PDF-1.4\n%%EOF\n"
        return 404, "text/html", b"<html><body><h1>404</h1></body></html>"

    def _page(self, title: str, main: str) -> bytes:
        return (f"<html><head><title>{escape(title)}</title></head><body><nav><a href='/'>Beranda</a> "
                f"<a href='{self.index}'>Berita</a> <a href='/peraturan-kpu'>Peraturan KPU</a></nav>"
                f"<div class='content'>{main}</div><footer>JDIH KPU</footer></body></html>").encode()  # fmt: skip

    def _article(self, post: JdihPost) -> bytes:
        year, month, day = post.day
        weekday = WEEKDAYS[date(year, month, day).weekday()]
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in post.body)
        return self._page(post.title, f"<h1>{escape(post.title)}</h1><p>{weekday}, {day} {MONTHS[month - 1]} {year}"
                          f"</p><div class='isi'>{paragraphs}<p>Unduh: <a href='{post.decree}'>Keputusan KPU</a></p>"
                          "</div>")  # fmt: skip

    @contextmanager
    def serve(self) -> Iterator[str]:
        with serve_one(self.respond) as base_url:
            yield base_url
