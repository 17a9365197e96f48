"""semantic tier: claim_vectors (one vector per claim, with its model and text hash) and vector_index_state

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 13:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "claim_vectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("text_hash", sa.String(length=40), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_vectors_claim_id_claims"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_vectors")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_claim_vectors_claim_id")),
        # Ids only grow (no reuse after a delete): the index file's high-water mark depends on it.
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("claim_vectors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_vectors_model"), ["model"], unique=False)
    op.create_table(
        "vector_index_state",
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("high_water", sa.Integer(), nullable=False),
        sa.Column("vectors", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("model", name=op.f("pk_vector_index_state")),
    )


def downgrade():
    op.drop_table("vector_index_state")
    with op.batch_alter_table("claim_vectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_vectors_model"))
    op.drop_table("claim_vectors")
