"""Search sorted by date, newest first, without ranking: the order a monitor reads a query in.

On SQLite, three plans, chosen by how many posts match (judged from the index's first matches: a
few milliseconds) -- measured on a million posts (``benchmarks/search_export_1m.py``):
- ``sort``: few matches (up to ``SORT_MATCHES_UP_TO``): look each one up and sort them, ~4 us a match;
- ``set``: up to ``PROBE_SHARE`` of the posts: the matching ids are gathered once (~0.2 us a match),
  then the publication-time index is walked newest first, each post checked against them;
- ``probe``: more, for a query without a prefix*: walk the index and check each post in the
  full-text index by its id (0.03-0.2 ms a post, by how merged the index is; but a word in most
  posts needs only ~limit / share posts walked).
Each is exact: the same rows in the same order (publication time, then id, undated posts last).
PostgreSQL plans this itself: the GIN index and a sort, or the date index and a filter.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal_column, select, text
from sqlalchemy.orm import Session

from archive.read.filters import Filters, apply, match_ids
from archive.read.query_syntax import Term, parse_query, to_fts5, to_tsquery
from archive.storage.models import Article
from archive.storage.schema import FTS_TABLE

SORT_MATCHES_UP_TO = 1000
PROBE_SHARE = 0.1


def in_index(param: str) -> str:
    """SQL: is this post (``articles.id``) among the matches of the FTS5 query bound as ``param``?"""
    return f"EXISTS (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :{param} AND rowid = articles.id)"


def fts_matches_up_to(session: Session, fts_query: str, n: int) -> int:
    """How many posts match in SQLite's index, counted unranked and no further than ``n``."""
    stmt = text(f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q LIMIT :n)")
    return session.execute(stmt, {"q": fts_query, "n": n}).scalar() or 0


def match_condition(session: Session, base: Select[Any], query: str, with_files: bool) -> Select[Any]:
    """``base`` (a select over articles) kept to the posts that match ``query``, by the cheapest plan."""
    dialect = session.get_bind().dialect.name
    groups = parse_query(query)
    how = sqlite_plan(session, groups) if dialect == "sqlite" and not with_files else "sort"
    if how == "probe":
        return base.where(text(in_index("probe_query")).bindparams(probe_query=to_fts5(groups)))
    if how == "set":  # `+` keeps SQLite from driving the query from the matches' ids
        among = f"+articles.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :set_query)"
        return base.where(text(among).bindparams(set_query=to_fts5(groups)))
    if dialect == "postgresql" and not with_files:  # on the row itself: no second lookup of each match
        vector: Any = literal_column("articles.search_vector")
        return base.where(vector.op("@@")(func.to_tsquery("simple", to_tsquery(groups))))
    hits = match_ids(dialect, query, attachments=with_files)
    return base.join(hits, hits.c.id == Article.id)


def sqlite_plan(session: Session, groups: list[list[Term]]) -> str:
    """``sort``, ``set`` or ``probe`` (see the module's docstring) for the parsed query on this archive.

    The index gives its matches in id order, so its first ``SORT_MATCHES_UP_TO + 1`` say both
    whether there are few, and, by how far into the ids they reach, about what share of the posts
    match: no count of every match (a phrase of two common words: ~80 ms at 1M posts, for its
    positions).  A misjudged share costs time, never rows: every plan is exact.
    A query with a prefix is never probed post by post: FTS5 expands the prefix again for every
    probe (measured at 1M posts: ~7.5 ms a probe, against 0.03-0.2 ms for words and phrases)."""
    first = text(
        f"SELECT count(*), max(rowid) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q LIMIT :n)"
    )
    matches, last = session.execute(first, {"q": to_fts5(groups), "n": SORT_MATCHES_UP_TO + 1}).one()
    if matches <= SORT_MATCHES_UP_TO:
        return "sort"
    if any(term.prefix for group in groups for term in group):
        return "set"
    lowest = session.scalar(select(func.min(Article.id))) or 1
    return "probe" if matches / max(last - lowest + 1, 1) > PROBE_SHARE else "set"


def newest_first(session: Session, base: Select[Any], filters: Filters, wanted: int, with_files: bool) -> list[Any]:
    """The first ``wanted`` rows of ``base`` (a select over articles joined to sites) that match
    ``filters``, newest first."""
    stmt = apply(
        match_condition(session, base, filters.query or "", with_files), filters, session.get_bind().dialect.name
    )
    # dated posts from the index, newest first; then the undated ones (NULL sorts first in a
    # PostgreSQL index walked backwards, so the two parts are asked for one after the other)
    dated = stmt.where(Article.published_at.is_not(None)).order_by(Article.published_at.desc(), Article.id.desc())
    rows = list(session.execute(dated.limit(wanted)))
    if len(rows) < wanted:
        undated = stmt.where(Article.published_at.is_(None)).order_by(Article.id.desc())
        rows += session.execute(undated.limit(wanted - len(rows)))
    return rows
