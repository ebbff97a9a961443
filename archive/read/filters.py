"""The filters that search, export and the Python API share, as SQL over articles joined to sites.

Dates are calendar dates in each site's own zone (WIB, WITA, WIT), so ``--since 2024-01-01``
means midnight in Jayapura for a Papuan site and midnight in Jakarta for a Javanese one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, exists, func, literal_column, or_, select, text, union_all
from sqlalchemy.orm import aliased

from archive.domain.sites import normalise_host
from archive.read.query_syntax import parse_query, to_fts5, to_tsquery
from archive.storage.models import Article, Cluster, SiteRow
from archive.storage.schema import FTS_TABLE
from archive.vocab import TIMEZONES


@dataclass(frozen=True)
class Filters:
    hosts: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    query: str | None = None
    one_per_cluster: bool = False
    include_removed: bool = False

    @classmethod
    def of(
        cls,
        query: str | None = None,
        sites: Iterable[str] = (),
        provinces: Iterable[str] = (),
        levels: Iterable[str] = (),
        categories: Iterable[str] = (),
        since: date | str | None = None,
        until: date | str | None = None,
        one_per_cluster: bool = False,
        include_removed: bool = False,
    ) -> Filters:
        """Filters from what a person types: hosts in any form, dates as ``YYYY-MM-DD`` or dates."""

        def day(value: date | str | None) -> date | None:
            return date.fromisoformat(value) if isinstance(value, str) else value

        return cls(
            hosts=tuple(normalise_host(h) for h in sites),
            provinces=tuple(provinces),
            levels=tuple(levels),
            categories=tuple(categories),
            since=day(since),
            until=day(until),
            query=query,
            one_per_cluster=one_per_cluster,
            include_removed=include_removed,
        )

    def describe(self) -> dict[str, Any]:
        """The filters as plain values, for a manifest."""
        return {
            "sites": list(self.hosts),
            "provinces": list(self.provinces),
            "levels": list(self.levels),
            "categories": list(self.categories),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "query": self.query,
            "one_per_cluster": self.one_per_cluster,
            "include_removed": self.include_removed,
        }


def match_ids(dialect: str, query: str, cap: int | None = None, attachments: bool = False) -> Any:
    """A subquery of (id, rank) for the articles matching ``query``; lower rank is better.

    ``cap`` keeps only the best ``cap`` matches, ranked inside the index alone (no join): for a
    word in most posts that is several times faster than ranking after the join.  ``attachments``:
    a post also matches by the text of the documents it links (``attachment_hits``), at its best rank."""
    from archive.read import attachment_hits

    groups = parse_query(query)
    if dialect == "sqlite":
        sql = (
            f"SELECT rowid AS id, bm25({FTS_TABLE}, 10.0, 1.0) AS rank FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH :fts_query"
        )
        params: dict[str, Any] = {"fts_query": to_fts5(groups)}
        if cap:
            sql += " ORDER BY rank, rowid LIMIT :cap"  # ties cut by id, as the final order is
            params["cap"] = cap
        if attachments:
            sql = (f"SELECT id, min(rank) AS rank FROM (SELECT * FROM ({sql}) UNION ALL "
                   f"{attachment_hits.sqlite_hits(cap)}) GROUP BY id")  # fmt: skip
        return text(sql).bindparams(**params).columns(id=Article.id.type, rank=Article.view_count.type).subquery("hits")
    vector: Any = literal_column("articles.search_vector")
    tsquery = func.to_tsquery("simple", to_tsquery(groups))
    rank = (-func.ts_rank_cd(vector, tsquery)).label("rank")
    stmt = select(Article.id.label("id"), rank).where(vector.op("@@")(tsquery))
    if cap:
        stmt = stmt.order_by(rank, Article.id).limit(cap)
    if not attachments:
        return stmt.subquery("hits")
    both = union_all(select(stmt.subquery()), attachment_hits.postgres_hits(tsquery, cap)).subquery("both")
    return select(both.c.id, func.min(both.c.rank).label("rank")).group_by(both.c.id).subquery("hits")


def apply(
    stmt: Select[*tuple[Any, ...]], filters: Filters, dialect: str, *, live_by_id: bool = False
) -> Select[*tuple[Any, ...]]:
    """Add the filters to a select over ``Article`` joined to ``SiteRow`` (and outer-joined ``Cluster``).

    ``live_by_id`` leaves out taken-down posts by id (``id NOT IN`` the few taken down, from their
    partial index) instead of by ``removed_at IS NULL``: a select that needs nothing else of a post
    than its site, publication time and id then reads the (site, publication time) index alone,
    never the rows with their text (SQLite, a million posts: ~2 s less a full export)."""
    if filters.hosts:
        stmt = stmt.where(SiteRow.host.in_(filters.hosts))
    if filters.provinces:
        stmt = stmt.where(func.lower(SiteRow.province).in_([p.lower() for p in filters.provinces]))
    if filters.levels:
        stmt = stmt.where(SiteRow.level.in_(filters.levels))
    if filters.categories:
        stmt = stmt.where(func.lower(Article.category).in_([c.lower() for c in filters.categories]))
    if filters.since or filters.until:
        per_zone = []
        for zone in TIMEZONES:
            tz = ZoneInfo(zone)
            bounds = [SiteRow.timezone == zone]
            if filters.since:
                bounds.append(Article.published_at >= datetime.combine(filters.since, time(), tz))
            if filters.until:
                bounds.append(Article.published_at < datetime.combine(filters.until + timedelta(days=1), time(), tz))
            per_zone.append(and_(*bounds))
        stmt = stmt.where(or_(*per_zone))
        # the same bounds for every zone at once (a superset): a range the publication-time index can read
        if filters.since:
            stmt = stmt.where(
                Article.published_at >= min(datetime.combine(filters.since, time(), ZoneInfo(z)) for z in TIMEZONES)
            )
        if filters.until:
            end = filters.until + timedelta(days=1)
            stmt = stmt.where(Article.published_at < max(datetime.combine(end, time(), ZoneInfo(z)) for z in TIMEZONES))
    if not filters.include_removed and live_by_id:
        gone = aliased(Article)
        stmt = stmt.where(Article.id.not_in(select(gone.id).where(gone.removed_at.is_not(None))))
    elif not filters.include_removed:
        stmt = stmt.where(Article.removed_at.is_(None))
    if filters.one_per_cluster:
        keep = [Article.cluster_id.is_(None), Cluster.origin_article_id == Article.id]
        if not filters.include_removed:  # an origin taken down: its earliest archived live copy stands in
            other = aliased(Article)
            origin_gone = exists().where(other.id == Cluster.origin_article_id, other.removed_at.is_not(None))
            first_live = (
                select(func.min(other.id))
                .where(other.cluster_id == Article.cluster_id, other.removed_at.is_(None))
                .scalar_subquery()
            )
            keep.append(and_(origin_gone, Article.id == first_live))
        stmt = stmt.where(or_(*keep))
    return stmt
