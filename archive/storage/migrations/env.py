"""Alembic environment: always run on the connection ``archive.storage.db`` hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from archive.storage.models import Base
from archive.storage.schema import outside_models

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    include_object=lambda obj, name, kind, reflected, other: not outside_models(name),
)
with context.begin_transaction():
    context.run_migrations()
