"""Syndication clustering precision and recall on a generated, labelled set.

    python benchmarks/cluster_quality.py [--seed 1] [--releases 40] [--background 150]

Writes every document through the real ``IngestSession`` (so the incremental clusterer sees them
batch by batch, in a shuffled order) into a fresh SQLite archive, then scores the stored clusters
pairwise against the truth.  The set mixes copies of releases with separately written reports of
the same events, templated reports and unrelated posts (``crawlers/sample/releases.py``).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from archive.domain.sites import load_registry
from crawlers.sample.cluster_eval import evaluate
from crawlers.sample.releases import generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--releases", type=int, default=40)
    parser.add_argument("--background", type=int, default=150)
    args = parser.parse_args()
    hosts = [(s.host, s.level) for s in load_registry().select()]
    docs = generate(seed=args.seed, releases=args.releases, background=args.background, hosts=hosts)
    with tempfile.TemporaryDirectory() as folder:
        precision, recall, true_pairs, found_pairs, elapsed = evaluate(f"sqlite:///{Path(folder) / 'q.db'}", docs)
    print(f"documents {len(docs)}  true copy pairs {true_pairs}  pairs put together {found_pairs}")
    print(f"precision {precision:.4f}  recall {recall:.4f}  (archived and clustered in {elapsed:.1f} s)")


if __name__ == "__main__":
    main()
