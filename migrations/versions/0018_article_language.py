"""article_language: articles.lang, the language the article was read in

Extraction splits sentences and finds speakers by the article's language, and a claim opened from one of its
sentences falls back to it when its own wording is too short to tell. Articles ingested before this revision
have none (NULL: not recorded; they were read as English or by the language detected at the time).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 19:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("articles", sa.Column("lang", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("lang")
