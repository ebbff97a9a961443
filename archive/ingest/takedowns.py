"""Takedowns: evidence that an article is gone, turned into removal state.

A pure state machine (``next_state``) decides; ``write_checks`` applies its decisions to a batch.
404, 410, a soft 404 or a redirect off the article first marks an article *suspected*; a later
check at least ``confirm_after`` on confirms it, and ``removed_at`` is then the moment it was first
seen gone.  5xx answers, timeouts and refused connections never reach this module (they are
``FetchFailure`` records).  An article that answers again is restored by ``versions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from archive.domain.records import GoneRecord
from archive.ingest.context import BatchContext, Result
from archive.ingest.frontier import done_row, mark_done
from archive.ingest.identity import lookup, resolve
from archive.storage.models import Article, ArticleEvent
from archive.vocab import EventKind, Outcome


@dataclass(frozen=True, slots=True)
class RemovalState:
    """An article's removal fields: when it was first seen gone, and whether that was confirmed."""

    suspected_at: datetime | None = None
    removed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    state: RemovalState
    outcome: Outcome  # SUSPECTED, REMOVED, or NOTED when the state does not change
    event: EventKind | None


def next_state(state: RemovalState, gone_at: datetime, confirm_after: timedelta) -> Decision:
    """What one more piece of evidence (at ``gone_at``) does to an article's removal state."""
    if state.removed_at is not None:
        return Decision(state, Outcome.NOTED, None)  # already removed: only the check time moves
    if state.suspected_at is None:
        return Decision(RemovalState(suspected_at=gone_at), Outcome.SUSPECTED, EventKind.REMOVAL_SUSPECTED)
    if gone_at - state.suspected_at >= confirm_after:
        confirmed = RemovalState(suspected_at=state.suspected_at, removed_at=state.suspected_at)
        return Decision(confirmed, Outcome.REMOVED, EventKind.REMOVED)
    return Decision(state, Outcome.NOTED, None)  # suspected, too soon to confirm


def write_checks(session: Session, ctx: BatchContext, checks: list[GoneRecord]) -> list[Result]:
    """Apply a batch of takedown evidence; checks of articles never archived only close their frontier row."""
    refs = [(ctx.site_id(c.host), c.ref) for c in checks]
    known = lookup(session, refs)
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    results: list[Result] = []
    done = []
    for check, (site_id, _) in zip(checks, refs, strict=True):
        at = check.checked_at
        done.append(
            done_row(site_id, check.ref.canonical_url, None, None, at, error=f"{check.reason} ({check.status})")
        )
        found = resolve(known, site_id, (check.ref,), None, None)
        if not found:
            results.append(Result(check.host, check.ref.canonical_url, None, (Outcome.NOTED,)))
            continue
        article = known.by_id[min(found)]
        decision = next_state(RemovalState(article.suspected_at, article.removed_at), at, ctx.confirm_after)
        row: dict[str, Any] = {"id": article.id, "checked_at": at}
        if decision.event is not None:
            row.update(
                removal_suspected_at=decision.state.suspected_at,
                removed_at=decision.state.removed_at,
                removal_status=check.status,
                removal_url=check.final_url,
                removal_reason=str(check.reason),
            )
            if decision.outcome is Outcome.SUSPECTED:
                del row["removed_at"]
            detail = (
                str(check.reason)
                if decision.event is EventKind.REMOVAL_SUSPECTED
                else f"{check.reason}, first seen gone {article.suspected_at.isoformat()}"
                if article.suspected_at
                else str(check.reason)
            )
            events.append(
                {
                    "article_id": article.id,
                    "run_id": ctx.run_id,
                    "at": at,
                    "http_status": check.status,
                    "url": check.final_url,
                    "kind": str(decision.event),
                    "detail": detail,
                }
            )
        updates.append(row)
        results.append(Result(check.host, check.ref.canonical_url, article.id, (decision.outcome,)))
    for group in _group_by_keys(updates):
        session.execute(update(Article), group)
    if events:
        session.execute(insert(ArticleEvent), events)
    mark_done(session, done)
    return results


def _group_by_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Bulk UPDATE by primary key wants the same keys in every row of one call."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())
