"""codings covering index: the listing reads the index alone

`codings list` of 200,000 codings spent half its time reading rows: its index gave the order,
but each coding's row, scattered through the table in the order codings were made, was then
looked up for the columns the index lacked. The index now carries every column the listing
shows except the quote, which the listing cuts from the document's text, and the memo, which
few codings have and a partial index finds. About 50 bytes more per coding.

Revision ID: 0004t
Revises: 0004s
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004t"
down_revision = "0004s"
branch_labels = None
depends_on = None

_MEMO = sa.text("memo IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_codings_document", table_name="codings")
    op.create_index("ix_codings_document", "codings", [
        "document_id", "start_offset", "code_id", "id", "coder_id", "end_offset", "origin",
        "key_quote", "created_at"])
    # if_not_exists: a database stamped back and migrated again (a test does) may have it.
    op.create_index("ix_codings_memo", "codings", ["id"], sqlite_where=_MEMO,
                    postgresql_where=_MEMO, if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_codings_memo", table_name="codings", if_exists=True)
    op.drop_index("ix_codings_document", table_name="codings")
    op.create_index("ix_codings_document", "codings", ["document_id", "start_offset", "code_id"])
