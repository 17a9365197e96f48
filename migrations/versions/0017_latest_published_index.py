"""latest_published_index: (status, published_at, id) on verdicts, so "newest published first" needs no sort

The home page, feeds and the API list published verdicts by published_at DESC, id DESC. With (status,
published_at) alone PostgreSQL's planner hashed all published verdicts and sorted them (21 ms at 10K claims);
with the id in the index it walks it backwards and stops after a page (0.1 ms).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 18:15:00
"""
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.drop_index("ix_verdicts_status_published_at")
        batch_op.create_index("ix_verdicts_status_published_at_id", ["status", "published_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("verdicts", schema=None) as batch_op:
        batch_op.drop_index("ix_verdicts_status_published_at_id")
        batch_op.create_index("ix_verdicts_status_published_at", ["status", "published_at"], unique=False)
