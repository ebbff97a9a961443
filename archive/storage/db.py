"""Opening the archive: one URL names it, SQLite by default, PostgreSQL (psycopg 3) at scale."""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from archive.storage.models import Base
from archive.storage.schema import outside_models

T = TypeVar("T")
DEFAULT_DB_FILE = "kpu-archive.db"
ENV_VAR = "KPU_ARCHIVE_DB"
BASELINE_REVISION = "0001"  # the schema of the first release, made before migrations existed


class ArchiveUnavailable(RuntimeError):
    """The archive database cannot be opened; the message says which and why, in one line."""


class ArchiveOutdated(ArchiveUnavailable):
    """A reader found an archive of an older release: ``kpu-archive upgrade`` brings it up to date."""


def resolve_url(url: str | None = None) -> str:
    """``--db`` first, then ``$KPU_ARCHIVE_DB``, then ``./kpu-archive.db``; a bare path means SQLite."""
    value = url or os.environ.get(ENV_VAR) or DEFAULT_DB_FILE
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def open_engine(url: str | None = None, *, readonly: bool = False) -> Engine:
    """Connect and check the connection works.

    Writers (crawl, schedule, demo) create the archive where there is none and upgrade an older one
    (Alembic).  Readers (``readonly``) change nothing: the archive must exist and be at this
    release's schema, else ``ArchiveUnavailable`` says which command upgrades it.
    """
    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError:
        raise ArchiveUnavailable(f"bad database URL {resolved!r}") from None
    shown = parsed.render_as_string(hide_password=True)
    kwargs: dict[str, object] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            shown = database
            # a SQLite URI (sqlite:///file:PATH?mode=ro&uri=true) names its file after "file:"
            path = Path(urlsplit(database).path) if parsed.query.get("uri") else Path(database)
            try:
                _check_sqlite_path(path, readonly)
            except OSError as exc:  # a name too long, a path through a file, no permission
                raise ArchiveUnavailable(f"cannot open archive {path}: {exc.strerror or exc}") from None
        kwargs["connect_args"] = {"timeout": 30}
    elif parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        engine = create_engine(resolved, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise ArchiveUnavailable(f"cannot use database URL {shown}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_reader_pragmas if readonly else _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
            if readonly:
                check_current(conn, shown)
            else:
                if engine.dialect.name == "postgresql":  # workers starting together: one migrates
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATE_LOCK_KEY})
                migrate(conn)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise ArchiveUnavailable(f"cannot open archive {shown}: {first_line(exc)}") from None
    except ArchiveUnavailable:
        engine.dispose()
        raise
    return engine


def _check_sqlite_path(path: Path, readonly: bool) -> None:
    if readonly:
        if not path.parent.is_dir():
            raise ArchiveUnavailable(f"no archive at {path}: folder {path.parent} does not exist")
        if not path.exists():
            raise ArchiveUnavailable(
                f"no archive at {path} (make one with kpu-archive crawl or kpu-archive demo, or name it with --db)"
            )
        if not path.is_file():
            raise ArchiveUnavailable(f"no archive at {path}: not a regular file")
        return
    if not path.parent.is_dir():
        raise ArchiveUnavailable(f"cannot open archive {path}: folder {path.parent} does not exist")
    if path.exists() and not path.is_file():
        raise ArchiveUnavailable(f"cannot open archive {path}: not a regular file")


def first_line(exc: BaseException) -> str:
    """A database error's reason in one line (the driver's message, not SQLAlchemy's wrapper)."""
    text_ = str(getattr(exc, "orig", exc)).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = conn
    return config


def schema_revisions(conn: Connection) -> tuple[str | None, str | None, list[str]]:
    """(this archive's revision, this release's head revision, every revision this release knows)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(conn))
    known = [r.revision for r in script.walk_revisions()]
    return MigrationContext.configure(conn).get_current_revision(), script.get_current_head(), known


HEAD_REVISION = "0009"  # this release's newest migration (tests check it against Alembic's own head)


def at_head(conn: Connection) -> bool:
    """Is the archive at this release's schema?  One query, without loading Alembic: the answer for
    nearly every command, and Alembic with its templates costs a crawl ~11 MB and ~0.2 s to import."""
    if not inspect(conn).has_table("alembic_version"):
        return False
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION


def _stamp_at_head(conn: Connection) -> None:
    """Mark a new archive as made at this release's schema: the one row ``alembic stamp head`` writes,
    in Alembic's own table layout (``MigrationContext``'s version table), without loading Alembic."""
    table = Table(
        "alembic_version",
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
    )
    table.create(conn)
    conn.execute(table.insert().values(version_num=HEAD_REVISION))


def check_current(conn: Connection, shown: str) -> None:
    """A reader's check: an archive at this release's schema, or a one-line reason it is not."""
    if at_head(conn):
        return
    current, head, known = schema_revisions(conn)
    if current == head:
        return
    if current is None and not inspect(conn).has_table("articles"):
        raise ArchiveUnavailable(f"no archive at {shown}: the database holds no kpu-archive tables")
    if current is not None and current not in known:
        raise ArchiveUnavailable(
            f"archive {shown} was made by a newer kpu-archive (schema {current}); upgrade kpu-archive to read it"
        )
    raise ArchiveOutdated(
        f"archive {shown} has an older schema ({current or 'the first release'}, this release "
        f"reads {head}): upgrade it with kpu-archive upgrade --db {shown}"
    )


def migrate(conn: Connection) -> None:
    """Bring the schema to the head revision.

    A new archive is created from the models and stamped at head (Alembic's cookbook recipe); an
    archive from before migrations existed has tables but no ``alembic_version`` and is stamped at
    the baseline first; anything else is upgraded in place.
    """
    if at_head(conn):
        return
    if not inspect(conn).has_table("alembic_version") and not inspect(conn).has_table("articles"):
        Base.metadata.create_all(conn)
        _stamp_at_head(conn)
        return
    from alembic import command

    config = _alembic_config(conn)
    current, head, known = schema_revisions(conn)
    if current == head:
        return
    if current is not None and current not in known:
        raise ArchiveUnavailable(
            f"the archive was made by a newer kpu-archive (schema {current}); upgrade kpu-archive to write to it"
        )
    if current is None and not inspect(conn).has_table("articles"):
        Base.metadata.create_all(conn)
        command.stamp(config, "head")
        return
    if current is None:
        command.stamp(config, BASELINE_REVISION)
    command.upgrade(config, "head")


def dialect_insert(session: Session, table: Any) -> Any:
    """An INSERT that can say ``ON CONFLICT``, in the session's dialect (SQLite or PostgreSQL)."""
    return dialect_insert_for(session.get_bind().dialect.name, table)


def dialect_insert_for(dialect: str, table: Any) -> Any:
    """``dialect_insert`` by the dialect's name, for statements built once and cached."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def table_of(model: Any) -> Table:
    """A model's table: a list of plain rows inserted into it goes to Core's executemany, without
    the ORM's bulk path (which adds nothing to plain rows but its per-call cost)."""
    return cast(Table, model.__table__)


def upsert(session: Session, model: Any, conflict: tuple[str, ...], update: tuple[str, ...] = ()) -> Any:
    """``INSERT ... ON CONFLICT (conflict) DO UPDATE SET`` each ``update`` column to the incoming
    row's value (``DO NOTHING`` without any), for a list of rows.  Built once per dialect and table
    (building ``excluded`` costs about a millisecond, and every batch of a crawl writes several),
    on the model's table (``table_of``)."""
    return _upsert(session.get_bind().dialect.name, table_of(model), conflict, update)


@functools.cache
def _upsert(dialect: str, table: Any, conflict: tuple[str, ...], update: tuple[str, ...]) -> Any:
    stmt = dialect_insert_for(dialect, table)
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=list(conflict))
    return stmt.on_conflict_do_update(index_elements=list(conflict), set_={c: stmt.excluded[c] for c in update})


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Slices of ``items`` small enough for one statement's parameter list."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def schema_diff(conn: Connection) -> list[object]:
    """Differences between the database and the models (Alembic's autogenerate), for checks and tests."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(
        conn, opts={"include_object": lambda obj, name, kind, reflected, other: not outside_models(name)}
    )
    return list(compare_metadata(context, Base.metadata))


WRITE_LOCK = "kpu_write_lock"  # execution option: this transaction takes the archive's write lock first
_PG_WRITE_LOCK_KEY = 0x6B707561  # "kpua": the whole archive
_PG_SITE_LOCK_KEY = 0x6B707573  # "kpus", with the site id: one site's rows
_PG_CLUSTER_LOCK_KEY = 0x6B707563  # "kpuc": the clusters
_PG_MIGRATE_LOCK_KEY = 0x6B70756D  # "kpum": creating or upgrading the schema


@contextmanager
def write_transaction(engine: Engine, sites: Iterable[int] | None = None) -> Iterator[Session]:
    """A session in a transaction that holds the write lock of the sites it writes (``None``: the
    whole archive's) from its first statement, committed on leaving (rolled back on an error).

    Several crawl processes write one archive (the scheduler's children, workers on several
    machines).  A batch reads "which of these do we have?" and then writes; without a lock, two
    processes can both find an article missing and both insert it.  Article identity is per site,
    so on PostgreSQL the lock is a transaction-level advisory lock per site, taken in site order
    (no deadlock): writers of different sites never wait for each other.  What crosses sites, the
    clusters, takes its own short lock (``lock_clusters``).  SQLite has one writer at a time anyway:
    ``BEGIN IMMEDIATE``.
    """
    with Session(engine) as session:
        connection = session.connection(execution_options={WRITE_LOCK: True})
        if engine.dialect.name == "postgresql":
            if sites is None:
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK_KEY})
            for site_id in sorted(set(sites or ())):
                connection.execute(text("SELECT pg_advisory_xact_lock(:k, :s)"), {"k": _PG_SITE_LOCK_KEY, "s": site_id})
        yield session
        session.commit()


def lock_clusters(session: Session) -> None:
    """Hold the clusters' lock until the caller's transaction ends: two writers indexing copies of
    one release at once would otherwise each open a cluster for it (PostgreSQL; SQLite's writer is
    alone already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CLUSTER_LOCK_KEY})


def _sqlite_begin(conn: Connection) -> None:
    """SQLAlchemy's recipe for pysqlite: we emit BEGIN ourselves (the driver's is off), so that a
    writer can ask for ``BEGIN IMMEDIATE`` and a reader's snapshot covers its whole transaction."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE_LOCK) else "BEGIN")


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    dbapi_conn.isolation_level = None  # no implicit BEGIN from the driver
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_reader_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    """A reader sets nothing that writes: the archive's WAL mode is already in the file."""
    dbapi_conn.isolation_level = None
    dbapi_conn.execute("PRAGMA query_only=ON")
