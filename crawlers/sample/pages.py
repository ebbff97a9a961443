"""HTML for sample KPU sites: the real page texts of reference §2 wrapped in plausible page chrome.

Two markup variants, because the real HTML is unknown and the extractor must not depend on one:

* ``a``: a div-and-class layout (header and menu as divs, ``<p>`` paragraphs, ``<figure>``
  captions, a popular-posts sidebar on the right), label and title above the body;
* ``b``: an HTML5 layout (``<header>`` with the site name in ``<h1>``, ``<nav>``, ``<aside>`` on
  the left, ``<footer>``), the title in ``<h2>``, body text as ``<br>``-separated runs inside one
  ``<div>``, and ``article:published_time`` metadata where the article carries it.

Both print the share box ("Bagikan:", "facebook twitter whatapps") and "Telah dilihat N kali".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import parse_qs

VARIANTS = ("a", "b")


def page_number(query: str) -> int:
    """The ``?page=N`` a listing was asked for (1 when absent or not a number), as a server reads it."""
    try:
        return max(1, int(parse_qs(query).get("page", ["1"])[0]))
    except ValueError:
        return 1


@dataclass
class SampleArticle:
    host: str
    id: str | None
    slug: str
    category: str
    title: str
    blocks: list[Any]
    views: int = 0
    date_line: str | None = None
    meta_published: str | None = None
    title_twice: bool = False
    expected: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"/blog/read/{self.id}_{self.slug}" if self.id else f"/blog/read/{self.slug}"

    @property
    def native_id(self) -> str:
        return self.id or self.slug


@dataclass
class SampleSite:
    host: str
    name: str
    categories: dict[str, str]  # id -> label, in menu order
    variant: str = "a"
    index_php_links: bool = False  # listings linked as /index.php/blog/category/N


def expected_body_text(article: SampleArticle, variant: str) -> str:
    """The body a reader sees, as the extractor should give it (the oracle for tests)."""
    paras: list[str] = []
    if article.date_line:
        paras.append(article.date_line)
    for block in article.blocks:
        if isinstance(block, str):
            paras.append(block)
        elif "list" in block:
            items = block["list"]
            paras.append("\n".join(f"{i}. {t}" if block.get("ordered") else t for i, t in enumerate(items, 1)))
        elif "heading" in block:
            paras.append(block["heading"])
        elif "image" in block:
            if variant == "a" and block.get("caption"):
                paras.append(block["caption"])
        elif "attachment" in block:
            paras.append(f"{block.get('before', '')}{block['text']}".strip())
        elif "lines" in block:
            paras.append("\n".join(block["lines"]))
    return "\n\n".join(paras)


def _body_a(article: SampleArticle) -> str:
    out = []
    for block in article.blocks:
        if isinstance(block, str):
            out.append(f"<p>{escape(block)}</p>")
        elif "list" in block:
            tag = "ol" if block.get("ordered") else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{escape(t)}</li>" for t in block["list"]) + f"</{tag}>")
        elif "heading" in block:
            out.append(f"<h3><strong>{escape(block['heading'])}</strong></h3>")
        elif "image" in block:
            cap = f"<figcaption>{escape(block['caption'])}</figcaption>" if block.get("caption") else ""
            out.append(f'<figure><img src="{block["image"]}" alt="">{cap}</figure>')
        elif "see_also" in block:
            out.append(f'<p><strong>Baca juga: <a href="{block["see_also"]}">{escape(block["title"])}</a></strong></p>')
        elif "attachment" in block:
            out.append(
                f'<p>{escape(block.get("before", ""))}<a href="{block["attachment"]}">{escape(block["text"])}</a></p>'
            )
        elif "lines" in block:
            out.append("<p>" + "<br>".join(escape(t) for t in block["lines"]) + "</p>")
    return "\n".join(out)


def _body_b(article: SampleArticle) -> str:
    runs = []
    for block in article.blocks:
        if isinstance(block, str):
            runs.append(escape(block))
        elif "list" in block:
            tag = "ol" if block.get("ordered") else "ul"
            runs.append(f"<{tag}>" + "".join(f"<li>{escape(t)}</li>" for t in block["list"]) + f"</{tag}>")
        elif "heading" in block:
            runs.append(f"<h4>{escape(block['heading'])}</h4>")
        elif "image" in block:
            runs.append(f'<img src="{block["image"]}" alt="{escape(block.get("caption") or "")}">')
        elif "see_also" in block:
            runs.append(f'<span>Baca Juga : <a href="{block["see_also"]}">{escape(block["title"])}</a></span>')
        elif "attachment" in block:
            runs.append(f'{escape(block.get("before", ""))}<a href="{block["attachment"]}">{escape(block["text"])}</a>')
        elif "lines" in block:
            runs.append("<br>".join(escape(t) for t in block["lines"]))
    return "<br><br>\n".join(runs)


def _menu(site: SampleSite) -> str:
    prefix = "/index.php" if site.index_php_links else ""
    items = "".join(
        f'<li><a href="{prefix}/blog/category/{cid}">{escape(label)}</a></li>' for cid, label in site.categories.items()
    )
    return (
        f'<ul class="menu"><li><a href="/">Beranda</a></li><li><a href="/page/profil">Profil</a></li>'
        f'{items}<li><a href="https://jdih.kpu.go.id">JDIH</a></li><li><a href="/page/kontak">Kontak</a></li></ul>'
    )


def _popular(popular: list[SampleArticle]) -> str:
    items = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a> <small>{a.views}</small></li>' for a in popular)
    return f"<h3>Berita Populer</h3><ul>{items}</ul><h3>Tautan</h3><p><a href='https://www.kpu.go.id'>KPU RI</a></p>"


def _page(site: SampleSite, title: str, main: str, popular: list[SampleArticle], head: str = "") -> str:
    if site.variant == "a":
        return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{escape(title)} - {escape(site.name)}</title>{head}</head>
<body>
<div class="top-bar"><div class="container"><a href="/"><img src="/assets/img/logo-kpu.png" alt="Logo KPU"></a>
<span class="site-name">{escape(site.name)}</span></div></div>
<div class="navbar">{_menu(site)}</div>
<div class="container"><div class="row">
<div class="col-md-8">{main}</div>
<div class="col-md-4 sidebar">{_popular(popular)}</div>
</div></div>
<div class="footer"><p>{escape(site.name)}</p><p>Jl. Contoh No. 1. Telp (0000) 000000</p>
<p>Hak Cipta &copy; 2025 Komisi Pemilihan Umum</p></div>
</body></html>"""
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{escape(title)}</title>{head}</head>
<body>
<header><h1><a href="/">{escape(site.name)}</a></h1><nav>{_menu(site)}</nav></header>
<div class="wrap">
<aside>{_popular(popular)}</aside>
<main>{main}</main>
</div>
<footer><p>{escape(site.name)} &middot; Hak Cipta &copy; 2025</p>
<ul><li><a href="/page/ppid">PPID</a></li></ul></footer>
</body></html>"""


def _share(views: int) -> str:
    share = (
        '<div class="share"><span>Bagikan:</span><ul><li><a href="https://facebook.com/sharer">facebook</a></li>'
        '<li><a href="https://twitter.com/share">twitter</a></li><li><a href="https://wa.me/">whatapps</a></li></ul></div>'
    )
    return f'{share}<p class="views">Telah dilihat {views:,} kali</p>'


def render_article(
    site: SampleSite, article: SampleArticle, popular: list[SampleArticle], *, with_meta: bool = True
) -> str:
    label = site.categories.get(article.category, "")
    if site.variant == "a":
        date_line = f"<p><strong>{escape(article.date_line)}</strong></p>" if article.date_line else ""
        repeat = f"<div class='page-title'>{escape(article.title)}</div>" if article.title_twice else ""
        main = (
            f'<div class="post">{repeat}<div class="post-category"><a href="/blog/category/{article.category}">'
            f"{escape(label)}</a></div><h1>{escape(article.title)}</h1>"
            f'<div class="post-body">{date_line}{_body_a(article)}</div>{_share(article.views)}</div>'
        )
        return _page(site, article.title, main, popular)
    head = ""
    if with_meta and article.meta_published:
        head = f'<meta property="article:published_time" content="{article.meta_published}">'
    date_line = f"{escape(article.date_line)}<br><br>" if article.date_line else ""
    repeat = f"<h2>{escape(article.title)}</h2>" if article.title_twice else ""
    main = (
        f"<article><p><a href='/blog/category/{article.category}'>{escape(label)}</a></p>{repeat}"
        f"<h2>{escape(article.title)}</h2><div>{date_line}{_body_b(article)}</div>"
        f"<p>Bagikan:</p><p><a href='#'>facebook</a> <a href='#'>twitter</a> <a href='#'>whatapps</a></p>"
        f"<p>Telah dilihat {article.views:,} kali</p></article>"
    )
    return _page(site, article.title, main, popular, head)


def render_listing(
    site: SampleSite,
    category: str,
    items: list[SampleArticle],
    popular: list[SampleArticle],
    page: int,
    last_page: int,
    *,
    show_views: bool = False,
) -> str:
    label = site.categories.get(category, category)
    prefix = "/index.php" if site.index_php_links else ""
    rows = []
    for a in items:
        teaser = expected_body_text(a, "a")[:240]
        views = f"<div class='count'>{a.views}</div>" if show_views else ""
        rows.append(
            f"<div class='item'>{views}<h4><a href='{a.path}'>{escape(a.title)}</a></h4>"
            f"<p>{escape(teaser)}</p><a href='{a.path}'>Selengkapnya</a></div>"
        )
    pager = []
    if page > 1:
        pager.append(f"<a href='{prefix}/blog/category/{category}?page={page - 1}'>&laquo;</a>")
    for n in range(max(1, page - 2), min(last_page, page + 2) + 1):
        pager.append(f"<a href='{prefix}/blog/category/{category}?page={n}'>{n}</a>")
    if page < last_page:
        pager.append(f"<a href='{prefix}/blog/category/{category}?page={page + 1}'>&raquo;</a>")
    main = f"<h2>{escape(label)}</h2>{''.join(rows)}<div class='pagination'>{''.join(pager)}</div>"
    return _page(site, label, main, popular)


def render_home(site: SampleSite, latest: list[SampleArticle], popular: list[SampleArticle]) -> str:
    ticker = " | ".join(escape(a.title) for a in latest[:3])
    rows = "".join(f"<li><a href='{a.path}'>{escape(a.title)}</a></li>" for a in latest[:5])
    main = f"<div class='ticker'>{ticker}</div><h2>Publikasi</h2><ul>{rows}</ul>"
    return _page(site, site.name, main, popular)


def render_not_found(site: SampleSite, popular: list[SampleArticle]) -> str:
    """A soft 404: the site's chrome around a "not found" notice, served with status 200."""
    main = (
        "<h1>Halaman Tidak Ditemukan</h1><p>Maaf, halaman yang Anda cari tidak tersedia atau telah "
        "dipindahkan.</p><p><a href='/'>Kembali ke Beranda</a></p>"
    )
    return _page(site, "Halaman Tidak Ditemukan", main, popular)
