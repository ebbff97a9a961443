"""The extractor against trafilatura on 300 real pages nobody here wrote (trafilatura's evaluation set).

    python benchmarks/real_pages.py [--corpus ../shared/corpus/trafilatura-eval] [--show-lost]

Each page comes with snippets that belong to its main text and snippets that are boilerplate; a
snippet found in the extracted body is a true or a false positive, one missing a false or a true
negative (trafilatura's own scoring).  A page "loses its body" when fewer than half of its main-text
snippets are found.  The pages are read from the corpus folder (see its README), never copied here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "trafilatura-eval"
FIRST_SEEN = datetime(2026, 1, 1, tzinfo=UTC)
FALLBACKS: list[bool] = []  # per page: did the generic layer give the body


def corpus_folder() -> Path:
    return Path(os.environ.get("KPU_REAL_PAGES") or DEFAULT_CORPUS)


def pages(folder: Path) -> Iterator[tuple[str, bytes, list[str], list[str]]]:
    """(url, html, main-text snippets, boilerplate snippets) for every page of the corpus."""
    expected = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    by_file = {entry["file"]: (url, entry) for url, entry in expected.items()}
    with tarfile.open(folder / "pages.tar.gz") as archive:
        for member in archive:
            name = Path(member.name).name
            if not member.isfile() or name not in by_file:
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            url, entry = by_file[name]
            yield url, handle.read(), entry.get("with", []), entry.get("without", [])


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    lost: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, url: str, text: str, wanted: list[str], unwanted: list[str]) -> None:
        body = _norm(text)
        found = sum(_norm(s) in body for s in wanted)
        self.tp += found
        self.fn += len(wanted) - found
        bad = sum(_norm(s) in body for s in unwanted)
        self.fp += bad
        self.tn += len(unwanted) - bad
        if wanted and found < len(wanted) / 2:
            self.lost.append(url)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def ours(url: str, html: bytes) -> str:
    from scrapy.http import HtmlResponse

    from crawlers.platforms.referee import referee
    from crawlers.platforms.regional_cms.article import extract_article

    response = HtmlResponse(url, body=html)
    fields = extract_article(response.selector, url, timezone="Asia/Jakarta", first_seen=FIRST_SEEN)
    fields = referee(fields, response)
    FALLBACKS.append(fields.extraction == "generic")
    return fields.body_text


def theirs(url: str, html: bytes) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, include_comments=False) or ""


def score(folder: Path, extractors: dict[str, Callable[[str, bytes], str]]) -> dict[str, Score]:
    scores = {name: Score() for name in extractors}
    for url, html, wanted, unwanted in pages(folder):
        for name, extract in extractors.items():
            started = time.process_time()
            try:
                text = extract(url, html)
            except Exception:  # a page an extractor cannot parse at all counts as lost
                text = ""
            scores[name].seconds += time.process_time() - started
            scores[name].add(url, text, wanted, unwanted)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=corpus_folder())
    parser.add_argument("--show-lost", action="store_true", help="list the pages whose body each extractor lost")
    args = parser.parse_args()
    if not (args.corpus / "evaldata.json").exists():
        raise SystemExit(f"no corpus at {args.corpus} (see ../shared/corpus/trafilatura-eval/README.md)")
    extractors: dict[str, Callable[[str, bytes], str]] = {"kpu-archive": ours}
    try:
        import trafilatura  # noqa: F401

        extractors["trafilatura"] = theirs
    except ImportError:
        print("trafilatura is not installed: scoring kpu-archive alone")
    scores = score(args.corpus, extractors)
    pages_count = len(json.loads((args.corpus / "evaldata.json").read_text(encoding="utf-8")))
    for name, s in scores.items():
        print(
            f"{name:<12} precision {s.precision:.3f}  recall {s.recall:.3f}  F1 {s.f1:.3f}  "
            f"lost bodies {len(s.lost)}/{pages_count}  {s.seconds / pages_count * 1000:.1f} ms/page"
        )
    if FALLBACKS:
        print(f"kpu-archive used the generic layer on {sum(FALLBACKS)}/{len(FALLBACKS)} pages")
    if "trafilatura" in scores:
        only_ours = sorted(set(scores["kpu-archive"].lost) - set(scores["trafilatura"].lost))
        print(f"lost by kpu-archive where trafilatura keeps the body: {len(only_ours)}")
        if args.show_lost:
            for url in only_ours:
                print("  ", url)


if __name__ == "__main__":
    main()
