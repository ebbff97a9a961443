"""The ``posts`` view Datasette browses (SQLite only: Datasette does not read PostgreSQL)."""

from alembic import op

from archive.storage.schema import POSTS_VIEW

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(POSTS_VIEW)


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
