"""Serve sample KPU sites on 127.0.0.1: one HTTP server (port) per site, so each gets its own
download slot as a real host would.  Used by ``kpu-archive demo`` and by the offline tests.

Faults it can play: a 503 (with ``Retry-After``) the first time a path is asked for, a listing
that repeats its last page for any page number past the end, redirects (a changed slug), soft 404s
(a 200 "Halaman Tidak Ditemukan" page) and redirects to the home page.  A post taken out of
``articles`` answers 404.  Everything is read live, so a test can change the world between crawls.
"""

from __future__ import annotations

import csv
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from .pages import (
    SampleArticle,
    SampleSite,
    page_number,
    render_article,
    render_home,
    render_listing,
    render_not_found,
)

DATA = Path(__file__).parent / "data" / "articles.json"


def load_articles() -> list[SampleArticle]:
    records = json.loads(DATA.read_text(encoding="utf-8"))["articles"]
    known = set(SampleArticle.__dataclass_fields__)
    return [
        SampleArticle(
            **{k: v for k, v in r.items() if k in known}, extra={k: v for k, v in r.items() if k not in known}
        )
        for r in records
    ]


@dataclass
class SampleWorld:
    sites: list[SampleSite]
    articles: list[SampleArticle]  # newest first within each site
    per_page: int = 3
    repeat_last_page: set[str] = field(default_factory=set)  # hosts
    fail_once: set[tuple[str, str]] = field(default_factory=set)  # (host, path) answering 503 once
    redirects: dict[tuple[str, str], str] = field(default_factory=dict)  # (host, path) -> path, 301
    soft_404: set[tuple[str, str]] = field(default_factory=set)  # (host, path): 200 "not found" page
    to_home: set[tuple[str, str]] = field(default_factory=set)  # (host, path): 302 to the home page
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    on_request: Callable[[str, str], None] | None = None  # called with (host, path) before answering
    down: set[str] = field(default_factory=set)  # hosts that drop every connection unanswered
    in_flight: dict[str, int] = field(default_factory=dict)  # requests being answered now, per host
    most_in_flight: dict[str, int] = field(default_factory=dict)  # the most at once, per host
    latency: float = 0.0  # seconds each answer takes, as from a server far away
    files: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict)  # (host, path) -> type, bytes
    _failed: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def site_articles(self, host: str, category: str | None = None) -> list[SampleArticle]:
        return [a for a in self.articles if a.host == host and (category is None or a.category == category)]

    def respond(self, site: SampleSite, raw_path: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        path = re.sub(r"^/index\.php(?=/)", "", parts.path)
        with self._lock:
            if (site.host, path) in self.fail_once and (site.host, path) not in self._failed:
                self._failed.add((site.host, path))
                return 503, {"Retry-After": "1"}, b"<html><body>Service Unavailable</body></html>"
        popular = sorted(self.site_articles(site.host), key=lambda a: -a.views)[:5]
        key = (site.host, path.rstrip("/"))
        if key in self.redirects:
            return 301, {"Location": self.redirects[key]}, b""
        if key in self.to_home:
            return 302, {"Location": "/"}, b""
        if key in self.soft_404:
            return 200, {}, render_not_found(site, popular).encode()
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /admin/\n"
        if path in ("/", ""):
            return 200, {}, render_home(site, self.site_articles(site.host), popular).encode()
        match = re.fullmatch(r"/blog/category/(\d+(?:-\d+)?)/?", path)
        if match and match.group(1) in site.categories:
            category = match.group(1)
            items = self.site_articles(site.host, category)
            last = max(1, -(-len(items) // self.per_page))
            page = page_number(parts.query)
            if page > last and site.host in self.repeat_last_page:
                page = last
            chunk = items[(page - 1) * self.per_page : page * self.per_page]
            return (
                200,
                {},
                render_listing(site, category, chunk, popular, page, last, show_views=site.variant == "a").encode(),
            )
        if (site.host, path) in self.files:
            content_type, body = self.files[(site.host, path)]
            return 200, {"Content-Type": content_type}, body
        for article in self.site_articles(site.host):
            if path.rstrip("/") == article.path:
                return 200, {}, render_article(site, article, popular).encode()
        return 404, {}, b"<html><body><h1>404</h1><p>Halaman tidak ditemukan</p></body></html>"

    @contextmanager
    def serve(self, own_addresses: bool = False) -> Iterator[dict[str, str]]:
        """Start one server per site; yields ``{host: base_url}`` and stops them on exit.  With
        ``own_addresses`` each site listens on its own 127.0.x.y, so Scrapy's per-site slots (keyed
        by host name) see them as different sites, as on the real network."""
        servers = []
        world = self
        try:
            for number, site in enumerate(self.sites):
                handler = type("Handler", (_Handler,), {"world": world, "site": site})
                address = f"127.0.{1 + number // 250}.{1 + number % 250}" if own_addresses else "127.0.0.1"
                server = ThreadingHTTPServer((address, 0), handler)
                server.daemon_threads = True
                threading.Thread(target=server.serve_forever, daemon=True).start()
                servers.append((site.host, address, server))
            yield {host: f"http://{address}:{server.server_address[1]}" for host, address, server in servers}
        finally:
            for _, _, server in servers:
                server.shutdown()
                server.server_close()


class _Handler(BaseHTTPRequestHandler):
    world: SampleWorld
    site: SampleSite

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        world, host = self.world, self.site.host
        with world._lock:
            world.in_flight[host] = world.in_flight.get(host, 0) + 1
            world.most_in_flight[host] = max(world.most_in_flight.get(host, 0), world.in_flight[host])
        try:
            self._answer()
        finally:
            with world._lock:
                world.in_flight[host] -= 1

    def _answer(self) -> None:
        if self.world.latency:
            time.sleep(self.world.latency)
        if self.world.on_request is not None:
            self.world.on_request(self.site.host, self.path)
        if self.site.host in self.world.down:
            self.close_connection = True  # no answer at all, as from a server that is down
            return
        status, headers, body = self.world.respond(self.site, self.path)
        with self.world._lock:
            self.world.requests.append((self.site.host, self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", headers.pop("Content-Type", "text/html; charset=utf-8"))
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


def write_registry(path: Path, world: SampleWorld, base_urls: dict[str, str]) -> Path:
    """A registry file for the sample sites, with ``base_url`` pointing at the local servers."""
    from archive.domain.sites import load_registry

    official = load_registry()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["host", "name", "level", "province", "timezone", "host_source", "base_url"])
        for site in world.sites:
            row = official.get(site.host)
            assert row is not None, site.host
            writer.writerow(
                [row.host, row.name, row.level, row.province, row.timezone, row.host_source, base_urls[site.host]]
            )
    return path


DEMO_SITES = [
    SampleSite("kota-singkawang.kpu.go.id", "KPU Kota Singkawang", {"104": "Berita Terkini", "11": "Pengumuman"}),
    SampleSite(
        "kab-pacitan.kpu.go.id",
        "KPU Kabupaten Pacitan",
        {"104": "Berita Terkini", "135": "Opini"},
        variant="b",
        index_php_links=True,
    ),
    SampleSite("lampung.kpu.go.id", "KPU Provinsi Lampung", {"104": "Berita Terkini"}),
]


def filler(site: SampleSite, count: int, start_id: int = 9000) -> list[SampleArticle]:
    """Plainly synthetic posts, so a sample site has pages to walk (titles say they are samples)."""
    town = site.name.split()[-1]
    posts = []
    for i in range(count):
        day = 27 - (i % 27)
        posts.append(
            SampleArticle(
                host=site.host,
                id=str(start_id - i),
                slug=f"contoh-berita-{i + 1}-kpu-{town.lower()}",
                category="104",
                title=f"Contoh Berita {i + 1}: Rapat Koordinasi KPU {town}",
                views=10 + i,
                blocks=[
                    f"{town} - KPU {town} menggelar rapat koordinasi ke-{i + 1} bersama PPK se-{town}, "
                    f"Senin ({day}/10/2025).",
                    f"Rapat membahas persiapan pemutakhiran data pemilih "
                    f"berkelanjutan triwulan ke-{(i % 4) + 1}. (Humas KPU {town})",
                ],
                extra={"synthetic": True},
            )
        )
    return posts


RELEASE = [
    "Komisi Pemilihan Umum menetapkan jadwal pemutakhiran data pemilih berkelanjutan untuk triwulan "
    "keempat tahun ini. Seluruh KPU provinsi dan kabupaten kota diminta melakukan koordinasi dengan "
    "dinas kependudukan dan pencatatan sipil setempat.",
    "Dalam rapat pleno terbuka, anggota KPU menjelaskan bahwa data pemilih baru, pemilih yang pindah "
    "domisili dan pemilih yang meninggal dunia akan diverifikasi secara faktual sebelum direkapitulasi "
    "pada akhir bulan.",
    "Masyarakat yang belum terdaftar dapat melapor ke kantor KPU terdekat atau melalui layanan daring "
    "dengan membawa kartu tanda penduduk elektronik dan kartu keluarga.",
    "Contoh siaran pers ini disusun untuk demo kpu-archive dan bukan rilis resmi KPU.",
]


def syndicated_release(sites: list[SampleSite], start_id: int = 99000) -> list[SampleArticle]:
    """One plainly synthetic release posted by the first site and re-posted a day apart by the others,
    each copy with its own dateline: what ``kpu-archive clusters`` finds."""
    posts = []
    for i, site in enumerate(sites):
        town = site.name.split()[-1]
        day = 20 + i
        posts.append(
            SampleArticle(
                host=site.host,
                id=str(start_id + i),
                slug="contoh-siaran-pers-jadwal-pemutakhiran-data-pemilih",
                category="104",
                title="Contoh Siaran Pers: Jadwal Pemutakhiran Data Pemilih Triwulan IV",
                views=5,
                blocks=[f"{town} - " + RELEASE[0] + f" Senin ({day}/10/2025).", *RELEASE[1:], f"(Humas KPU {town})"],
                extra={"synthetic": True, "release": "demo"},
            )
        )
    return posts


def demo_world(filler_per_site: int = 4, per_page: int = 2) -> SampleWorld:
    """The demo's three sites: their real sample posts, ``filler_per_site`` synthetic ones each, and
    one synthetic release the province posted and the other two re-posted."""
    hosts = {s.host for s in DEMO_SITES}
    real = [a for a in load_articles() if a.host in hosts]
    release = {a.host: a for a in syndicated_release([DEMO_SITES[2], DEMO_SITES[0], DEMO_SITES[1]])}
    articles: list[SampleArticle] = []
    for site in DEMO_SITES:  # newest first, as a real listing: real posts after the release (of 20-22
        # October 2025) above it, the others below it, then the fillers
        own = [a for a in real if a.host == site.host]
        newer = [a for a in own if (a.expected.get("published_at") or "") > "2025-10-23"]
        articles.extend(newer)
        articles.append(release[site.host])
        articles.extend(a for a in own if a not in newer)
        articles.extend(filler(site, filler_per_site))
    return SampleWorld(sites=list(DEMO_SITES), articles=articles, per_page=per_page)
