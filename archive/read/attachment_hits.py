"""Search inside attachments: the posts whose linked documents hold the query's words.

The text read from each file is indexed on its own (``attachments_fts`` on SQLite, a tsvector on
PostgreSQL), once per file however many posts link it; a hit there stands for every post that
links the file.  Its rank is halved against a hit in the post's own text: a post about a decree
ranks above a post that only attaches it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, literal_column, select, text
from sqlalchemy.orm import Session

from archive.read.query_syntax import parse_query, to_fts5, to_tsquery
from archive.storage.models import ArticleAttachment, AttachmentFile, AttachmentUrl
from archive.storage.schema import ATTACHMENTS_FTS

ATTACHMENT_WEIGHT = 0.5
SNIPPET_WORDS = 24


def attachments_indexed(engine: Engine) -> bool:
    """Does the archive hold any attachment text (else search leaves the attachment index alone)?"""
    with Session(engine) as session:
        return session.scalar(select(AttachmentFile.id).where(AttachmentFile.text.is_not(None)).limit(1)) is not None


def sqlite_hits(cap: int | None) -> str:
    """(id, rank) of posts by their attachments' text, as SQL with the ``:fts_query`` (and ``:cap``) parameter."""
    inner = f"SELECT rowid AS fid, bm25({ATTACHMENTS_FTS}) * {ATTACHMENT_WEIGHT} AS rank FROM {ATTACHMENTS_FTS} " \
            f"WHERE {ATTACHMENTS_FTS} MATCH :fts_query"  # fmt: skip
    inner += " ORDER BY rank, rowid LIMIT :cap" if cap else ""
    return (
        f"SELECT aa.article_id AS id, f.rank AS rank FROM ({inner}) f JOIN attachment_files af ON af.id = f.fid "
        "JOIN attachment_urls u ON u.sha256 = af.sha256 JOIN article_attachments aa ON aa.url = u.url"
    )


def postgres_hits(tsquery: Any, cap: int | None) -> Any:
    vector: Any = literal_column("attachment_files.search_vector")
    rank = (-func.ts_rank_cd(vector, tsquery) * ATTACHMENT_WEIGHT).label("rank")
    files = select(AttachmentFile.sha256, rank).where(vector.op("@@")(tsquery))
    if cap:
        files = files.order_by(rank).limit(cap)
    matched = files.subquery("matched_files")
    return (
        select(ArticleAttachment.article_id.label("id"), matched.c.rank)
        .join(AttachmentUrl, AttachmentUrl.url == ArticleAttachment.url)
        .join(matched, matched.c.sha256 == AttachmentUrl.sha256)
    )


def attachment_matches(session: Session, dialect: str, query: str, ids: list[int]) -> dict[int, tuple[str, str]]:
    """For these posts: the linked file that matches ``query`` and a snippet of it, by post id."""
    if not ids:
        return {}
    groups = parse_query(query)
    linked = (
        select(ArticleAttachment.article_id, AttachmentFile.id, AttachmentFile.sha256)
        .join(AttachmentUrl, AttachmentUrl.url == ArticleAttachment.url)
        .join(AttachmentFile, AttachmentFile.sha256 == AttachmentUrl.sha256)
        .where(ArticleAttachment.article_id.in_(ids))
    )
    by_file: dict[int, list[tuple[int, str]]] = {}
    for article_id, file_id, sha in session.execute(linked):
        by_file.setdefault(file_id, []).append((article_id, sha))
    if not by_file:
        return {}
    out: dict[int, tuple[str, str]] = {}
    if dialect == "sqlite":
        rows = session.execute(
            text(f"SELECT rowid, snippet({ATTACHMENTS_FTS}, 0, '**', '**', '…', {SNIPPET_WORDS}) "
                 f"FROM {ATTACHMENTS_FTS} WHERE {ATTACHMENTS_FTS} MATCH :q "
                 f"AND rowid IN ({','.join(str(int(i)) for i in by_file)})"),
            {"q": to_fts5(groups)},
        )  # fmt: skip
    else:
        tsquery = func.to_tsquery("simple", to_tsquery(groups))
        vector: Any = literal_column("attachment_files.search_vector")
        headline = func.ts_headline("simple", AttachmentFile.text, tsquery,
                                    f"StartSel=**, StopSel=**, MaxWords={SNIPPET_WORDS}, MinWords=10")  # fmt: skip
        rows = session.execute(
            select(AttachmentFile.id, headline).where(AttachmentFile.id.in_(list(by_file)), vector.op("@@")(tsquery))
        )
    for file_id, snippet in rows:
        for article_id, sha in by_file[file_id]:
            out.setdefault(article_id, (sha, snippet))
    return out
