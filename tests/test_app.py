"""The app factory, configuration layers, migrations and the demo set-up."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, inspect, select

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.models import Article, Claim, User

ROOT = Path(__file__).resolve().parent.parent


def test_migrations_build_exactly_the_models(app):
    """`flask db upgrade` gives the schema the models describe, on SQLite and on PostgreSQL."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context():
        with db.engine.connect() as connection:
            from claimtrack.search_index import include_object

            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object}
            )
            diff = compare_metadata(context, db.metadata)
        tables = set(inspect(db.engine).get_table_names())
    assert diff == []
    assert {"claims", "appearances", "verdicts", "verdict_revisions", "sources", "speakers", "speaker_aliases",
            "articles", "users", "audit_events", "topics", "claim_topics"} <= tables


def test_sqlite_connections_get_pragmas(sqlite_url):
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": sqlite_url})
    with app.app_context():
        assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(db.text("PRAGMA busy_timeout")).scalar() == 5000
        db.engine.dispose()


def _run(args, cwd, env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_first_run_creates_instance_config_and_demo(tmp_path):
    """The `make run` steps in a copy of the project: instance/config.py with a secret, demo data, an admin."""
    work = tmp_path / "project"
    work.mkdir()
    import shutil

    for name in ("claimtrack", "migrations"):
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "wsgi.py", work / "wsgi.py")
    env = {"FLASK_APP": str(work / "wsgi.py")}
    upgrade = _run(["db", "upgrade"], work, env)
    assert upgrade.returncode == 0, upgrade.stderr
    setup = _run(["demo", "setup"], work, env)
    assert setup.returncode == 0, setup.stderr
    assert "Created the account 'admin'" in setup.stdout
    again = _run(["demo", "setup"], work, env)
    assert again.returncode == 0 and "admin" not in again.stdout and "Loaded" not in again.stdout
    config = (work / "instance" / "config.py").read_text()
    assert "SECRET_KEY = '" in config and len(config.split("'")[1]) == 64
    assert (work / "instance" / "claimtrack.sqlite").exists()


def test_config_layers(monkeypatch, sqlite_url):
    monkeypatch.setenv("CLAIMTRACK_CLAIMS_PER_PAGE", "7")
    monkeypatch.setenv("CLAIMTRACK_PUBLISHER_NAME", "The Checkers")
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": sqlite_url, "LOGIN_RATE_LIMIT": "1 per minute"})
    assert app.config["CLAIMS_PER_PAGE"] == 7
    assert app.config["PUBLISHER_NAME"] == "The Checkers"
    assert app.config["LOGIN_RATE_LIMIT"] == "1 per minute"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == sqlite_url


def test_demo_setup_on_empty_database(app, runner):
    result = runner.invoke(args=["demo", "setup"])
    assert result.exit_code == 0, result.output
    assert "Loaded the demo data: 8 claims, 1 article" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Claim)) == 8
        article = db.session.scalar(select(Article))
        assert article.title.startswith("Zelensky draws line") and "NATO" in article.text
        assert db.session.scalar(select(User.username)) == "admin"
        # the demo article's candidates were matched as the ingest form matches them: the review screen has matches
        from claimtrack.models import AppearanceMatch
        crimea = db.session.scalar(select(Claim.id).where(Claim.text.like("Russia annexed the Crimean%")))
        assert crimea in set(db.session.scalars(select(AppearanceMatch.claim_id)))
