"""judged spans: what a coder read and labelled, codes or none

Revision ID: 0003a
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003a"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judged_spans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "start_offset >= 0 AND start_offset < end_offset", name=op.f("ck_judged_spans_span")
        ),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coders.id"], name=op.f("fk_judged_spans_coder_id_coders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_judged_spans_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judged_spans")),
        sa.UniqueConstraint(
            "document_id", "coder_id", "start_offset", "end_offset", name="uq_judged_spans_span"
        ),
    )


def downgrade() -> None:
    op.drop_table("judged_spans")
