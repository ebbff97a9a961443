"""Extraction accuracy and speed on the HTML fixtures (tests/fixtures/articles).

    python benchmarks/extract_accuracy.py

Accuracy is the share of (page, field) pairs equal to the expected JSON; speed is ms per page
for parse + extract, single core.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

from scrapy.http import HtmlResponse

from crawlers.platforms.regional_cms.article import extract_article

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "articles"
FIELDS = (
    "title",
    "category",
    "body_text",
    "credit",
    "byline",
    "view_count",
    "hashtags",
    "images",
    "attachments",
    "see_also",
    "published_at",
    "published_source",
)


def main() -> None:
    pages = []
    for path in sorted(FIXTURES.glob("*.html")):
        expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        pages.append((path.read_bytes(), expected))
    right = total = 0
    wrong: dict[str, int] = {}
    start = time.process_time()
    rounds = 20
    for round_no in range(rounds):
        for body, exp in pages:
            response = HtmlResponse(exp["url"], body=body, encoding="utf-8")
            f = extract_article(
                response.selector,
                exp["url"],
                timezone=exp["timezone"],
                first_seen=datetime.fromisoformat(exp["first_seen"]),
            )
            if round_no:
                continue
            got = {
                "title": f.title,
                "category": f.category,
                "body_text": f.body_text,
                "credit": f.credit,
                "byline": f.byline,
                "view_count": f.view_count,
                "hashtags": f.hashtags,
                "images": f.images,
                "attachments": f.attachments,
                "see_also": f.see_also,
                "published_source": f.published_source,
                "published_at": f.published.value.isoformat() if f.published else None,
            }
            for field in FIELDS:
                total += 1
                if got[field] == exp[field]:
                    right += 1
                else:
                    wrong[field] = wrong.get(field, 0) + 1
    per_page = (time.process_time() - start) / (rounds * len(pages)) * 1000
    print(
        f"{len(pages)} pages x {len(FIELDS)} fields: {right}/{total} correct ({right / total:.1%}); "
        f"wrong by field: {wrong or 'none'}"
    )
    print(f"parse + extract: {per_page:.2f} ms/page (CPU, mean of {rounds} rounds)")


if __name__ == "__main__":
    main()
