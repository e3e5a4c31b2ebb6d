"""coding flags: codings a revised transcript could not place, kept for the coder to check

Revision ID: 0003h
Revises: 0003a
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003h"
down_revision = "0003a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coding_flags",
        sa.Column("coding_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_start", sa.Integer(), nullable=False),
        sa.Column("old_end", sa.Integer(), nullable=False),
        sa.Column("old_quote", sa.Text(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coding_id"],
            ["codings.id"],
            name=op.f("fk_coding_flags_coding_id_codings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("coding_id", name=op.f("pk_coding_flags")),
    )


def downgrade() -> None:
    op.drop_table("coding_flags")
