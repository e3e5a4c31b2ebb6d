"""events that can be undone (what they reverse, which document), documents' word counts, an
index of codings by coder and origin

Revision ID: 0003e
Revises: 0003c
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003e"
down_revision = "0003c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
        batch.create_index("ix_events_reverses_id", ["reverses_id"])
        batch.create_index("ix_events_document_id", ["document_id"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("words", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_codings_coder", "codings", ["coder_id", "origin"])
    # Count the words of the documents already there, as import does for new ones.
    from qualcode.nlp.languages import count_words  # no spaCy; jieba for Chinese only

    conn = op.get_bind()
    docs = sa.table("documents", sa.column("id", sa.Integer), sa.column("text", sa.Text),
                    sa.column("language", sa.String), sa.column("words", sa.Integer))
    for doc_id, text, language in conn.execute(
            sa.select(docs.c.id, docs.c.text, docs.c.language)).all():
        conn.execute(docs.update().where(docs.c.id == doc_id)
                     .values(words=count_words(text, language)))


def downgrade() -> None:
    op.drop_index("ix_codings_coder", table_name="codings")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("words")
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_document_id")
        batch.drop_index("ix_events_reverses_id")
        batch.drop_column("document_id")
        batch.drop_column("reverses_id")
