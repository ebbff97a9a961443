"""Which category walks reached their end, and how far an unfinished one got (``listing_state``),
and the order listings show their posts in (``listing_neighbours``)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session

from archive.domain.records import ListingOrder, ListingWalk
from archive.ingest.context import BatchContext
from archive.storage.db import dialect_insert_for, table_of, upsert
from archive.storage.models import ListingNeighbour, ListingState


def write_walks(session: Session, ctx: BatchContext, walks: list[tuple[ListingWalk, datetime]]) -> None:
    """One upsert for the batch; a walk that did not reach the end keeps the last completion.

    Walk marks are queued with the articles, so an ``open`` mark commits no later than what its
    listing page led to."""
    rows = {}
    for walk, at in walks:
        site_id = ctx.site_id(walk.host)
        rows[(site_id, walk.category_id)] = {
            "site_id": site_id,
            "category_id": walk.category_id,
            "pages": walk.pages,
            "last_walk_at": at,
            "completed_at": at if walk.completed else None,
            "open_page": walk.pages if walk.open else None,
        }
    if not rows:
        return
    session.execute(_walk_upsert(session.get_bind().dialect.name), list(rows.values()))


@functools.cache
def _walk_upsert(dialect: str) -> Any:
    """A walk's state replaces the last one's; a completion is kept until a later walk completes."""
    table = table_of(ListingState)
    stmt = dialect_insert_for(dialect, table)
    return stmt.on_conflict_do_update(
        index_elements=["site_id", "category_id"],
        set_={
            "last_walk_at": stmt.excluded.last_walk_at,
            "pages": stmt.excluded.pages,
            "open_page": stmt.excluded.open_page,
            "completed_at": func.coalesce(stmt.excluded.completed_at, table.c.completed_at),
        },
    )


def write_orders(session: Session, ctx: BatchContext, orders: list[tuple[ListingOrder, datetime]]) -> None:
    """Each post's next older neighbour in its listing, one upsert for the batch; the latest walk wins."""
    rows = {}
    for order, at in orders:
        site_id = ctx.site_id(order.host)
        keys = list(dict.fromkeys(ref.native_id for ref in order.refs))
        for newer, older in zip(keys, keys[1:], strict=False):
            rows[(site_id, order.category_id, newer)] = {
                "site_id": site_id, "category_id": order.category_id, "newer": newer, "older": older, "seen_at": at,
            }  # fmt: skip
        ctx.dating.add(site_id)
    if not rows:
        return
    stmt = upsert(session, ListingNeighbour, ("site_id", "category_id", "newer"), ("older", "seen_at"))
    session.execute(stmt, list(rows.values()))
