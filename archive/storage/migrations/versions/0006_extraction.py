"""Which extraction layer gave each article's body, and the checks it passed and failed."""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("extraction", sa.String(20), nullable=True))
        batch.add_column(sa.Column("extraction_checks", sa.JSON(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
