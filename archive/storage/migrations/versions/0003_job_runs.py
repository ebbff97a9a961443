"""The scheduler's record of the crawl processes it started."""

import sqlalchemy as sa
from alembic import op

from archive.storage.models import AwareDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("hosts", sa.JSON(), nullable=False),
        sa.Column("started_at", AwareDateTime(), nullable=False),
        sa.Column("finished_at", AwareDateTime(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("log_path", sa.Text(), nullable=True),
    )
    op.create_index("ix_job_runs_job_id", "job_runs", ["job_id"])


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
