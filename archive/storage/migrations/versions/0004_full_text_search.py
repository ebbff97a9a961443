"""Full-text search: an FTS5 index on SQLite, a tsvector column with a GIN index on PostgreSQL."""

from alembic import op

from archive.storage.schema import FTS_TABLE, POSTGRES_DDL, SQLITE_DDL

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DDL:
            op.execute(statement)
        op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # index what is there
    else:
        for statement in POSTGRES_DDL:
            op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
