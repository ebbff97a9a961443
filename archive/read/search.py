"""Full-text search with the shared filters, ranked or newest first, a snippet of each match, totals."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, literal_column, null, select, text
from sqlalchemy.orm import Session

from archive.read.attachment_hits import attachment_matches, attachments_indexed
from archive.read.filters import Filters, apply, match_ids
from archive.read.query_syntax import Term, index_words, parse_query, to_fts5, to_tsquery, without_prefixes
from archive.read.search_by_date import fts_matches_up_to, in_index, newest_first
from archive.storage.models import Article, Cluster, SiteRow
from archive.storage.schema import FTS_TABLE

SNIPPET_WORDS = 24
_COLUMNS = (Article.id, Article.url, Article.native_id, Article.title, Article.category, Article.published_at,
            Article.cluster_id, SiteRow.host, SiteRow.name, SiteRow.timezone, SiteRow.province)  # fmt: skip
CANDIDATES_PER_RESULT = 25  # matches ranked in the index per result wanted, before filters
MIN_CANDIDATES = 500
SORTS = ("relevance", "date")


def search(
    engine: Engine, filters: Filters, limit: int = 20, offset: int = 0, sort: str = "relevance"
) -> list[dict[str, Any]]:
    """The best ``limit`` matches of ``filters.query`` (required), best first (``sort="date"``:
    newest first, unranked), each with a snippet whose matching words are marked ``**like this**``."""
    if not filters.query:
        raise ValueError("search needs a query")
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    dialect = engine.dialect.name
    with_files = attachments_indexed(engine)
    wanted = limit + offset
    cap = max(wanted * CANDIDATES_PER_RESULT, MIN_CANDIDATES)
    base = (
        select(*_COLUMNS)
        .join(SiteRow, SiteRow.id == Article.site_id)
        .outerjoin(Cluster, Cluster.id == Article.cluster_id)
    )

    def ranked(capped: bool) -> Any:
        hits = match_ids(dialect, filters.query or "", cap if capped else None, attachments=with_files)
        stmt = base.add_columns(hits.c.rank).join(hits, hits.c.id == Article.id)
        return apply(stmt, filters, dialect).order_by(hits.c.rank, Article.id).limit(limit).offset(offset)

    with Session(engine) as session:
        if sort == "date":
            rows = newest_first(session, base.add_columns(null().label("rank")), filters, wanted, with_files)[offset:]
        else:
            # First rank inside the index alone and filter the best `cap`; that is exact whenever enough
            # of them pass the filters (anything outside ranks below all of them).  Otherwise rank them all.
            rows = list(session.execute(ranked(capped=True)))
            if len(rows) < limit and (with_files or _more_matches_than(session, dialect, filters.query or "", cap)):
                rows = list(session.execute(ranked(capped=False)))
        snippets = _snippets(session, dialect, filters.query or "", [r.id for r in rows])
        # a post found by its attachment alone: the file and the words in it that matched
        in_files = attachment_matches(
            session, dialect, filters.query or "", [r.id for r in rows if r.id not in snippets]
        )
    out = []
    for r in rows:
        published = r.published_at.astimezone(ZoneInfo(r.timezone)) if r.published_at else None
        out.append(
            {
                "published_at": published.isoformat() if published else None,
                "site": r.host,
                "site_name": r.name,
                "province": r.province,
                "title": r.title,
                "category": r.category,
                "url": r.url,
                "archive_id": f"{r.host}/{r.native_id}",
                "cluster_id": r.cluster_id,
                "rank": round(float(r.rank), 4) if r.rank is not None else None,
                "snippet": snippets.get(r.id) or in_files.get(r.id, ("", ""))[1],
                "matched_in": "post" if r.id in snippets or r.id not in in_files else "attachment",
                "attachment_sha256": in_files[r.id][0] if r.id not in snippets and r.id in in_files else None,
            }
        )
    return out


def count_matches(engine: Engine, filters: Filters) -> int:
    """How many articles match ``filters`` (query included): the total a page of hits is part of.

    On SQLite without attachment text, a query alone is counted in the full-text index, less the
    taken-down posts that match (few, found by their own index).  Named sites or provinces (a few
    sites) drive the count from those sites: each of their posts is read from the (site,
    publication time) index alone and checked against the set of matches, never from its row
    (a province: ~5x faster at 1M posts).  Otherwise each match is joined to its row."""
    dialect = engine.dialect.name
    query = filters.query or ""
    with_files = attachments_indexed(engine)
    with Session(engine) as session:
        if dialect == "sqlite" and not with_files and filters == Filters(query=query):
            fts = to_fts5(parse_query(query))
            everything = text(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q")
            taken_down = select(func.count()).where(Article.removed_at.is_not(None), text(in_index("q")))
            return int(session.scalar(everything, {"q": fts}) or 0) - int(session.scalar(taken_down, {"q": fts}) or 0)
        if dialect == "sqlite" and not with_files and _by_site_index(filters):
            # `+`: SQLite may not look a site up per post; it walks the sites, then their posts' index
            stmt = select(func.count()).select_from(SiteRow).join(Article, text("+sites.id = articles.site_id"))
            among = text(f"+articles.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q)")
            stmt = apply(stmt, filters, dialect, live_by_id=True).where(among.bindparams(q=to_fts5(parse_query(query))))
            return session.scalar(stmt) or 0
        stmt = (
            select(func.count())
            .select_from(Article)
            .join(SiteRow, SiteRow.id == Article.site_id)
            .outerjoin(Cluster, Cluster.id == Article.cluster_id)
        )
        hits = match_ids(dialect, query, attachments=with_files)
        return session.scalar(apply(stmt.join(hits, hits.c.id == Article.id), filters, dialect)) or 0


def _by_site_index(filters: Filters) -> bool:
    """Do the filters name a few sites (hosts or provinces) and nothing a post's row alone holds?"""
    return bool(filters.hosts or filters.provinces) and not (filters.categories or filters.one_per_cluster)


def _more_matches_than(session: Session, dialect: str, query: str, cap: int) -> bool:
    """Were the capped candidates only part of the matches?  Counted in the index, unranked."""
    groups = parse_query(query)
    if dialect == "sqlite":
        return fts_matches_up_to(session, to_fts5(groups), cap + 1) > cap
    vector: Any = literal_column("articles.search_vector")
    tsquery = func.to_tsquery("simple", to_tsquery(groups))
    inner = select(Article.id).where(vector.op("@@")(tsquery)).limit(cap + 1).subquery()
    return (session.execute(select(func.count()).select_from(inner)).scalar() or 0) > cap


def _sqlite_snippets(session: Session, groups: list[list[Term]], ids: list[int]) -> dict[int, str]:
    rows = session.execute(
        text(
            f"SELECT rowid, snippet({FTS_TABLE}, 1, '**', '**', '…', {SNIPPET_WORDS}) FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH :q AND rowid IN ({','.join(str(int(i)) for i in ids)})"
        ),
        {"q": to_fts5(groups)},
    )
    return {rowid: snippet for rowid, snippet in rows}


def _snippets(session: Session, dialect: str, query: str, ids: list[int]) -> dict[int, str]:
    """Snippets for the page of results only (ts_headline and snippet() cost per document)."""
    if not ids:
        return {}
    groups = parse_query(query)
    if dialect == "sqlite":
        plain = None
        if any(term.prefix for group in groups for term in group):
            texts = session.execute(select(Article.title, Article.body_text).where(Article.id.in_(ids)))
            plain = without_prefixes(groups, set().union(*(index_words(f"{t or ''} {b}") for t, b in texts)))
        found = _sqlite_snippets(session, plain or groups, ids)
        missing = [i for i in ids if i not in found]
        if plain and missing:  # a word the page's text holds in a form the index splits otherwise
            found.update(_sqlite_snippets(session, groups, missing))
        return found
    tsquery = func.to_tsquery("simple", to_tsquery(groups))
    headline = func.ts_headline(
        "simple",
        Article.body_text,
        tsquery,
        f'StartSel=**, StopSel=**, MaxWords={SNIPPET_WORDS}, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "',
    )
    vector: Any = literal_column("articles.search_vector")
    rows = session.execute(select(Article.id, headline).where(Article.id.in_(ids), vector.op("@@")(tsquery)))
    return {article_id: snippet for article_id, snippet in rows}
