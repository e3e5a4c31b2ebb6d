"""ids never reused: SQLite tables with an integer id become AUTOINCREMENT

Without AUTOINCREMENT, SQLite gives a new row the highest id + 1, so removing the newest coding
and adding another reuses its id, and the audit log then mixes two codings under one id. The
tables are rebuilt (batch mode: create, copy, drop, rename; `upgrade` turns foreign keys off
meanwhile and checks them after). PostgreSQL's sequences never go back: nothing to do there.

Revision ID: 0004p
Revises: 0003e
Create Date: 2026-12-02
"""

from alembic import op

revision = "0004p"
down_revision = "0003e"
branch_labels = None
depends_on = None

TABLES = (
    "attributes", "cases", "codebook_versions", "coders", "events", "trained_models", "codes",
    "documents", "summaries", "codings", "judged_spans", "turns", "memos", "suggestions",
)


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TABLES:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
