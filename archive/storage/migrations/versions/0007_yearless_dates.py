"""Year-less dates: how each year was chosen, what a year-less date states, and the listing order
the year is settled from."""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("published_year_source", sa.String(20), nullable=True))
        batch.add_column(sa.Column("published_partial", sa.JSON(), nullable=True))
    op.create_table(
        "listing_neighbours",
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), primary_key=True),
        sa.Column("category_id", sa.String(20), primary_key=True),
        sa.Column("newer", sa.String(400), primary_key=True),
        sa.Column("older", sa.String(400), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
