"""languages: whether a document's language was detected, and codes in other languages

Revision ID: 0003c
Revises: 0003h
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003c"
down_revision = "0003h"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing documents had their language from front matter or the default: not detected.
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("language_detected", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("codes") as batch:
        batch.add_column(sa.Column("translations", sa.JSON(), nullable=False,
                                   server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("codes") as batch:
        batch.drop_column("translations")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("language_detected")
