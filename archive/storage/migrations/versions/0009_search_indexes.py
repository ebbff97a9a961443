"""An index on publication time alone, so that search sorted by date walks it newest first and a
date range reads only its own part (the per-site index serves one site at a time); and one on
removal time over the taken-down posts only, so that a count leaves them out without reading
every row."""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_published", "articles", ["published_at"])
    taken_down = sa.text("removed_at IS NOT NULL")
    op.create_index(
        "ix_articles_removed", "articles", ["removed_at"], sqlite_where=taken_down, postgresql_where=taken_down
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
