"""The takedown state machine, table by table: what one more piece of evidence does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from archive.ingest.takedowns import RemovalState, next_state
from archive.vocab import EventKind, Outcome

T = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)
CONFIRM = 12 * H

CASES = [
    # (state before, evidence at, state after, outcome, event)
    (
        "live, first evidence",
        RemovalState(),
        T,
        RemovalState(suspected_at=T),
        Outcome.SUSPECTED,
        EventKind.REMOVAL_SUSPECTED,
    ),
    ("suspected, too soon", RemovalState(suspected_at=T), T + H, RemovalState(suspected_at=T), Outcome.NOTED, None),
    (
        "suspected, just short",
        RemovalState(suspected_at=T),
        T + CONFIRM - timedelta(seconds=1),
        RemovalState(suspected_at=T),
        Outcome.NOTED,
        None,
    ),
    (
        "suspected, confirm_after on: removed since first seen gone",
        RemovalState(suspected_at=T),
        T + CONFIRM,
        RemovalState(suspected_at=T, removed_at=T),
        Outcome.REMOVED,
        EventKind.REMOVED,
    ),
    (
        "suspected, days later",
        RemovalState(suspected_at=T),
        T + 72 * H,
        RemovalState(suspected_at=T, removed_at=T),
        Outcome.REMOVED,
        EventKind.REMOVED,
    ),
    (
        "removed: stays removed, from the same moment",
        RemovalState(suspected_at=T, removed_at=T),
        T + 100 * H,
        RemovalState(suspected_at=T, removed_at=T),
        Outcome.NOTED,
        None,
    ),
    (
        "evidence older than the suspicion never confirms",
        RemovalState(suspected_at=T),
        T - 24 * H,
        RemovalState(suspected_at=T),
        Outcome.NOTED,
        None,
    ),
]


@pytest.mark.parametrize(
    ("before", "at", "after", "outcome", "event"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_next_state(
    before: RemovalState, at: datetime, after: RemovalState, outcome: Outcome, event: EventKind | None
) -> None:
    decision = next_state(before, at, CONFIRM)
    assert (decision.state, decision.outcome, decision.event) == (after, outcome, event)


def test_confirm_after_zero_confirms_on_the_second_check() -> None:
    first = next_state(RemovalState(), T, timedelta(0))
    assert first.outcome is Outcome.SUSPECTED  # one piece of evidence never removes
    second = next_state(first.state, T, timedelta(0))
    assert second.outcome is Outcome.REMOVED and second.state.removed_at == T
