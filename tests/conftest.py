"""Fixtures after Flask's tutorial: app, client, runner, auth; each database test runs on SQLite and PostgreSQL.

Every test gets a fresh database built by the real Alembic migrations: the schema is
migrated once per backend into a template, then copied (SQLite) or cloned with
CREATE DATABASE ... TEMPLATE (PostgreSQL).  What tests share besides fixtures (the test configuration,
CSRF tokens, accounts, logging in) is in helpers.py.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from claimtrack import create_app
from claimtrack.db import db

from .helpers import AuthActions, config_for, migrate, migrated_postgres
from .pg_server import PostgresServer


def pytest_collection_modifyitems(items):
    """Every browser, fuzz and race test is also slow (`make test-fast` skips them)."""
    for item in items:
        if any(item.get_closest_marker(name) is not None for name in ("browser", "fuzz", "races")):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the whole test session (skips when PostgreSQL is not installed)."""
    with migrated_postgres("claimtrack_template") as server:
        yield server


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to the newest schema, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "claimtrack.sqlite"
    migrate(f"sqlite:///{path}")
    return path


_counter = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, migrated database URL: a SQLite file in tmp_path, then a PostgreSQL database."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "claimtrack.sqlite"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    name = f"claimtrack_test_{next(_counter)}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE claimtrack_template")
    yield server.url(name)
    server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template):
    """A fresh migrated SQLite database only (for tests that are about SQLite itself, or the browser)."""
    path = tmp_path / "claimtrack.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(db_url, tmp_path):
    """The app on a fresh database."""
    config = config_for(db_url)
    application = create_app(config)
    application.instance_path = str(tmp_path / "instance")
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return AuthActions(client)
