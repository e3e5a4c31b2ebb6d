"""Alembic environment. qualcode runs migrations itself (storage/schema.py) and hands the open
connection in through config.attributes, so no alembic.ini or URL is needed here."""

from alembic import context

from qualcode.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds tables, PostgreSQL ignores it.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
