"""Baseline: the schema of the first release (sites, articles, article_versions, crawl_runs, frontier).

Archives made before migrations existed are stamped with this revision, then upgraded.
"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing: a new archive is created from the models and stamped at the head revision."""


def downgrade() -> None:
    raise NotImplementedError("the baseline cannot be downgraded")
