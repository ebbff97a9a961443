"""Opening the archive: one URL names it, SQLite by default, PostgreSQL (psycopg 3) at scale."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from . import browse as _browse  # noqa: F401  (registers the posts view on the articles table)
from . import search as _search  # noqa: F401  (registers the full-text DDL on the articles table)
from .models import Base

T = TypeVar("T")
DEFAULT_DB_FILE = "kpu-archive.db"
ENV_VAR = "KPU_ARCHIVE_DB"
BASELINE_REVISION = "0001"  # the schema of the first release, made before migrations existed


class ArchiveUnavailable(RuntimeError):
    """The archive database cannot be opened; the message says which and why, in one line."""


def resolve_url(url: str | None = None) -> str:
    """``--db`` first, then ``$KPU_ARCHIVE_DB``, then ``./kpu-archive.db``; a bare path means SQLite."""
    value = url or os.environ.get(ENV_VAR) or DEFAULT_DB_FILE
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def open_engine(url: str | None = None, *, create: bool = True) -> Engine:
    """Connect, check the connection works, and create or upgrade the schema (Alembic)."""
    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError:
        raise ArchiveUnavailable(f"bad database URL {resolved!r}") from None
    kwargs: dict[str, object] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            folder = Path(database).parent
            if not folder.is_dir():
                raise ArchiveUnavailable(f"cannot open archive {database}: folder {folder} does not exist")
        kwargs["connect_args"] = {"timeout": 30}
    elif parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        engine = create_engine(resolved, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise ArchiveUnavailable(f"cannot use database URL {parsed.render_as_string()}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
            if create:
                migrate(conn)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
        engine.dispose()
        raise ArchiveUnavailable(f"cannot open archive {parsed.render_as_string()}: {reason}") from None
    return engine


def migrate(conn: Connection) -> None:
    """Bring the schema to the head revision.

    A new archive is created from the models and stamped at head (Alembic's cookbook recipe); an
    archive from before migrations existed has tables but no ``alembic_version`` and is stamped at
    the baseline first; anything else is upgraded in place.
    """
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = conn
    head = ScriptDirectory.from_config(config).get_current_head()
    current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    if current is None and not inspect(conn).has_table("articles"):
        Base.metadata.create_all(conn)
        command.stamp(config, "head")
        return
    if current is None:
        command.stamp(config, BASELINE_REVISION)
    command.upgrade(config, "head")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Slices of ``items`` small enough for one statement's parameter list."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def outside_models(name: str | None) -> bool:
    """Objects the archive keeps that are not models: the full-text index (and FTS5's shadow tables),
    the scheduler's job store."""
    return bool(name) and (name.startswith(_search.FTS_TABLE) or name in _search.SEARCH_OBJECTS
                           or name == "scheduler_jobs")


def schema_diff(conn: Connection) -> list[object]:
    """Differences between the database and the models (Alembic's autogenerate), for checks and tests."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(conn, opts={
        "include_object": lambda obj, name, kind, reflected, other: not outside_models(name)})
    return list(compare_metadata(context, Base.metadata))


WRITE_LOCK = "kpu_write_lock"  # execution option: this transaction takes the archive's write lock first
_PG_WRITE_LOCK_KEY = 0x6B707561  # "kpua"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Session]:
    """A session in a transaction that holds the archive's write lock from its first statement,
    committed on leaving (rolled back on an error).

    Several crawl processes write one archive (the scheduler runs them in parallel).  A batch reads
    "which of these do we have?" and then writes; without the lock, two processes can both find an
    article missing and both insert it.  SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level
    advisory lock.  Batches are short, so writers queue for milliseconds, not minutes.
    """
    with Session(engine) as session:
        connection = session.connection(execution_options={WRITE_LOCK: True})
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK_KEY})
        yield session
        session.commit()


def _sqlite_begin(conn: Connection) -> None:
    """SQLAlchemy's recipe for pysqlite: we emit BEGIN ourselves (the driver's is off), so that a
    writer can ask for ``BEGIN IMMEDIATE`` and a reader's snapshot covers its whole transaction."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_LOCK) else "BEGIN")


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    dbapi_conn.isolation_level = None  # type: ignore[attr-defined]  # no implicit BEGIN from the driver
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
