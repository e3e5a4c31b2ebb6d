"""codings listing index: (document, start, code) so a listing in that order reads the index

`codings list` orders by document, position, code and id. With the index on (document_id,
start_offset) alone, SQLite sorted every document's codings again in a temporary b-tree (a
third of the listing's database time on 200,000 codings); with code_id added (the row id comes
last in every SQLite index) the index gives the whole order.

Revision ID: 0004s
Revises: 0004p
Create Date: 2026-12-02
"""

from alembic import op

revision = "0004s"
down_revision = "0004p"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_codings_document", table_name="codings")
    op.create_index("ix_codings_document", "codings", ["document_id", "start_offset", "code_id"])


def downgrade() -> None:
    op.drop_index("ix_codings_document", table_name="codings")
    op.create_index("ix_codings_document", "codings", ["document_id", "start_offset"])
