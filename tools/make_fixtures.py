"""Write the HTML fixtures and their expected fields (tests/fixtures/articles/).

The expected fields come from the structured sample data (crawlers/sample/data/articles.json), not
from the extractor, so the tests compare the extractor against an independent oracle.  The HTML is
committed: a change to the sample templates does not silently change what the tests read.

    python tools/make_fixtures.py
"""

from __future__ import annotations

import json
from pathlib import Path

from crawlers.sample.pages import SampleSite, expected_body_text, render_article
from crawlers.sample.server import load_articles
from archive.domain.sites import load_registry

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "articles"
LABELS = {"104": "Berita Terkini", "11": "Pengumuman", "135": "Opini"}


def main() -> None:
    registry = load_registry()
    articles = load_articles()
    OUT.mkdir(parents=True, exist_ok=True)
    for variant in ("a", "b"):
        for article in articles:
            site_row = registry.get(article.host)
            site = SampleSite(article.host, site_row.name, LABELS, variant=variant)
            others = [a for a in articles if a is not article][:4]
            html = render_article(site, article, others)
            stem = f"{article.host.split('.')[0]}_{article.native_id[:40]}.{variant}"
            (OUT / f"{stem}.html").write_text(html, encoding="utf-8")
            expected = dict(article.expected)
            if variant == "b" and article.meta_published:
                expected.update(article.extra.get("expected_with_meta", {}))
            base = f"https://{article.host}"
            images = [{"url": base + b["image"], "caption": b.get("caption")}
                      for b in article.blocks if isinstance(b, dict) and "image" in b]
            expected.update({
                "url": f"{base}{article.path}",
                "host": article.host,
                "native_id": article.native_id,
                "timezone": site_row.timezone,
                "first_seen": "2026-01-30T12:00:00+00:00",
                "title": article.title,
                "category": LABELS[article.category],
                "body_text": expected_body_text(article, variant),
                "view_count": article.views,
                "images": images,
                "attachments": [{"url": base + b["attachment"], "text": b["text"]}
                                for b in article.blocks if isinstance(b, dict) and "attachment" in b],
                "see_also": [{"url": base + b["see_also"], "title": b["title"]}
                             for b in article.blocks if isinstance(b, dict) and "see_also" in b],
            })
            (OUT / f"{stem}.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n",
                                              encoding="utf-8")


if __name__ == "__main__":
    main()
