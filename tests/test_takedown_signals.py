"""What the spider calls evidence of a takedown, fed Scrapy responses directly."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archive.domain.records import ArticleRecord, GoneRecord
from crawlers.sample.pages import SampleArticle, SampleSite, render_article, render_not_found
from crawlers.spiders.kpu import KpuSpider

HOST = "kab-ngawi.kpu.go.id"
SITE = SampleSite(HOST, "KPU Kabupaten Ngawi", {"104": "Berita Terkini"})
POST = SampleArticle(
    host=HOST,
    id="12",
    slug="rapat-pleno",
    category="104",
    title="Rapat Pleno Nomor 404",
    blocks=[
        "Ngawi - KPU Ngawi menggelar rapat pleno, Senin (3/11/2025).",
        "Keputusan Nomor 404 Tahun 2025 dibacakan dalam rapat. (Humas)",
    ],
)


def spider() -> KpuSpider:
    return KpuSpider.from_crawler(get_crawler(KpuSpider), sites=HOST)


def answer(spider: KpuSpider, url: str, status: int, body: str, redirected_from: str | None = None) -> list:
    site = spider.sites[0]
    meta = {"redirect_urls": [redirected_from]} if redirected_from else {}
    request = Request(redirected_from or url, meta=meta)
    response = HtmlResponse(url=url, status=status, body=body.encode(), encoding="utf-8", request=request)
    return list(spider.parse_article(response, site=site, category_id="104", label=None))


def test_statuses_and_pages_that_count_as_gone() -> None:
    s = spider()
    url = f"https://{HOST}{POST.path}"
    for status in (404, 410):
        (item,) = answer(s, url, status, "<html><body><h1>Not Found</h1></body></html>")
        assert isinstance(item, GoneRecord) and item.reason == f"http-{status}" and item.ref.canonical_url == url
    (item,) = answer(s, url, 200, render_not_found(SITE, []))
    assert isinstance(item, GoneRecord) and item.reason == "soft-404" and item.status == 200
    (item,) = answer(s, f"https://{HOST}/", 200, "<html><body><h1>KPU Ngawi</h1></body></html>", redirected_from=url)
    assert isinstance(item, GoneRecord) and item.reason == "redirect-home" and item.ref.canonical_url == url
    (item,) = answer(
        s, f"https://{HOST}/blog/category/104", 200, "<html><body><p>x</p></body></html>", redirected_from=url
    )
    assert isinstance(item, GoneRecord) and item.reason == "redirect-away"


def test_an_article_mentioning_404_is_an_article_and_a_redirect_keeps_its_origin() -> None:
    s = spider()
    (item,) = answer(s, f"https://{HOST}{POST.path}", 200, render_article(SITE, POST, []))
    assert isinstance(item, ArticleRecord) and item.title == "Rapat Pleno Nomor 404"
    moved = f"https://{HOST}/blog/read/12_rapat-pleno-kabupaten"
    (item,) = answer(
        s, moved, 200, render_article(SITE, POST, []), redirected_from=f"http://{HOST}/index.php{POST.path}"
    )
    assert isinstance(item, ArticleRecord) and item.url == moved
    assert [r.canonical_url for r in item.redirected_from] == [f"https://{HOST}{POST.path}"]
