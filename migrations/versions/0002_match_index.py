"""match index: claims.search_terms, term document frequencies, FTS5 (SQLite) or tsvector + GIN (PostgreSQL)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 13:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE claims_fts USING fts5(search_terms, content='claims', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    # External-content FTS5 kept in sync by triggers, so every writer (import, editor, merge) keeps it right.
    "CREATE TRIGGER claims_fts_insert AFTER INSERT ON claims BEGIN "
    "INSERT INTO claims_fts(rowid, search_terms) VALUES (new.id, coalesce(new.search_terms, '')); END",
    "CREATE TRIGGER claims_fts_delete AFTER DELETE ON claims BEGIN "
    "INSERT INTO claims_fts(claims_fts, rowid, search_terms) VALUES ('delete', old.id, coalesce(old.search_terms, '')); END",
    "CREATE TRIGGER claims_fts_update AFTER UPDATE OF search_terms ON claims BEGIN "
    "INSERT INTO claims_fts(claims_fts, rowid, search_terms) VALUES ('delete', old.id, coalesce(old.search_terms, '')); "
    "INSERT INTO claims_fts(rowid, search_terms) VALUES (new.id, coalesce(new.search_terms, '')); END",
]


def upgrade():
    op.add_column("claims", sa.Column("search_terms", sa.Text(), nullable=True))
    op.create_table(
        "term_stats",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", name=op.f("pk_term_stats")),
    )
    op.create_table(
        "search_corpus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_count", sa.Integer(), nullable=False),
        sa.Column("term_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_corpus")),
    )
    op.execute("INSERT INTO search_corpus (id, doc_count, term_count) VALUES (1, 0, 0)")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(
            "ALTER TABLE claims ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_terms, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_claims_search_vector ON claims USING gin (search_vector)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("claims_fts_insert", "claims_fts_delete", "claims_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS claims_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_claims_search_vector")
        op.execute("ALTER TABLE claims DROP COLUMN IF EXISTS search_vector")
    op.drop_table("search_corpus")
    op.drop_table("term_stats")
    op.drop_column("claims", "search_terms")
