"""The archive from Python, for notebooks: ``from archive import Archive``.

    >>> from archive import Archive
    >>> with Archive("kpu-archive.db") as archive:
    ...     for hit in archive.search('"rekapitulasi DPT"', provinces=["Papua"], since="2024-01-01"):
    ...         print(hit["published_at"], hit["site"], hit["title"])
    ...     frame = archive.to_pandas(query="pleno", levels=["kabupaten"])

Rows are plain dicts (the export's columns); filters are the command line's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from archive.read.filters import Filters
from archive.storage.db import open_engine


class Archive:
    """A read view of one archive (a SQLite path or a database URL; default ``$KPU_ARCHIVE_DB``)."""

    def __init__(self, url: str | None = None) -> None:
        self.engine = open_engine(url, readonly=True)  # reading never creates or migrates an archive

    def search(
        self,
        query: str,
        *,
        sites: Iterable[str] = (),
        provinces: Iterable[str] = (),
        levels: Iterable[str] = (),
        categories: Iterable[str] = (),
        since: date | str | None = None,
        until: date | str | None = None,
        one_per_cluster: bool = False,
        limit: int = 20,
        sort: str = "relevance",
    ) -> Iterator[dict[str, Any]]:
        """Ranked matches, best first (``sort="date"``: newest first): date, site, title, url,
        archive_id, snippet (``**match**``)."""
        from archive.read.search import search

        filters = Filters.of(query, sites, provinces, levels, categories, since, until, one_per_cluster)
        yield from search(self.engine, filters, limit=limit, sort=sort)

    def articles(
        self,
        *,
        query: str | None = None,
        sites: Iterable[str] = (),
        provinces: Iterable[str] = (),
        levels: Iterable[str] = (),
        categories: Iterable[str] = (),
        since: date | str | None = None,
        until: date | str | None = None,
        one_per_cluster: bool = False,
        include_removed: bool = False,
        include_versions: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Every matching article (oldest first) as the export's row, streamed."""
        from archive.read.export import export_columns, iter_rows

        filters = Filters.of(
            query, sites, provinces, levels, categories, since, until, one_per_cluster, include_removed
        )
        columns = export_columns(include_removed, include_versions)
        for row in iter_rows(self.engine, filters, include_versions=include_versions):
            yield {c: row[c] for c in columns}

    def to_pandas(self, **kwargs: Any) -> Any:
        """``articles(**kwargs)`` as a pandas DataFrame (pandas must be installed)."""
        try:
            import pandas
        except ImportError:
            raise ImportError(
                "to_pandas needs pandas: pip install pandas (or use .articles(), which yields plain dicts)"
            ) from None
        return pandas.DataFrame.from_records(list(self.articles(**kwargs)))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
