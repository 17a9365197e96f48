"""claim_language: claims.lang, and FTS5 terms that keep their combining marks whole

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:05:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TRIGGERS = ("claims_fts_insert", "claims_fts_delete", "claims_fts_update")


def _fts(tokenize: str) -> list[str]:
    return [
        f"CREATE VIRTUAL TABLE claims_fts USING fts5(search_terms, content='claims', content_rowid='id', "
        f"tokenize=\"{tokenize}\")",
        "CREATE TRIGGER claims_fts_insert AFTER INSERT ON claims BEGIN "
        "INSERT INTO claims_fts(rowid, search_terms) VALUES (new.id, coalesce(new.search_terms, '')); END",
        "CREATE TRIGGER claims_fts_delete AFTER DELETE ON claims BEGIN "
        "INSERT INTO claims_fts(claims_fts, rowid, search_terms) VALUES ('delete', old.id, "
        "coalesce(old.search_terms, '')); END",
        "CREATE TRIGGER claims_fts_update AFTER UPDATE OF search_terms ON claims BEGIN "
        "INSERT INTO claims_fts(claims_fts, rowid, search_terms) VALUES ('delete', old.id, "
        "coalesce(old.search_terms, '')); "
        "INSERT INTO claims_fts(rowid, search_terms) VALUES (new.id, coalesce(new.search_terms, '')); END",
        "INSERT INTO claims_fts(claims_fts) VALUES ('rebuild')",
    ]


def _replace_fts(tokenize: str) -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS claims_fts")
    for statement in _fts(tokenize):
        op.execute(statement)


def upgrade():
    op.add_column("claims", sa.Column("lang", sa.String(length=8), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # unicode61 splits words at combining marks by default ("L* N* Co"): Devanagari, Tamil and Thai vowel
        # signs are marks, so a term such as "हिन्दी" would be indexed as pieces. With M* they stay one token.
        _replace_fts("unicode61 remove_diacritics 0 categories 'L* N* Co M*'")
    # PostgreSQL's parser keeps them whole under the C collation the tests use; under another locale a term
    # that its parser splits is still found, as the phrase of its pieces.


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _replace_fts("unicode61 remove_diacritics 0")
    op.drop_column("claims", "lang")
