"""What every step of one batch shares: the run, the sites' row ids, the settings, and the result type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from archive.storage.files import FileStore
from archive.vocab import Outcome


@dataclass(frozen=True, slots=True)
class Result:
    """What ingesting one record did: its outcomes, the main one first (``UPDATED`` then ``RESTORED``,
    say, for a removed article that came back edited)."""

    host: str
    url: str
    article_id: int | None
    outcomes: tuple[Outcome, ...]

    @property
    def outcome(self) -> Outcome:
        return self.outcomes[0]


@dataclass
class BatchContext:
    run_id: int | None
    confirm_after: timedelta  # a removal counts once a check this long after the first evidence confirms it
    cluster: bool = True
    site_ids: dict[str, int] = field(default_factory=dict)
    # re-extraction of stored pages: new content becomes a version, but nothing was fetched, so the
    # seen and checked times, URLs, removal state and frontier stay as they are
    reextract: bool = False
    # sites whose articles or listing order changed: their year-less dates are settled again at the end
    dating: set[int] = field(default_factory=set)
    # the attachment file store (None: attachments are not kept by this session)
    files: FileStore | None = None

    def site_id(self, host: str) -> int:
        try:
            return self.site_ids[host]
        except KeyError:
            raise KeyError(f"site {host!r} was not registered for this run") from None
