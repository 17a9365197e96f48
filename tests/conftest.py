"""Fixtures after Flask's tutorial: app, client, runner, auth; each database test runs on SQLite and PostgreSQL.

Every test gets a fresh database built by the real Alembic migrations: the schema is
migrated once per backend into a template, then copied (SQLite) or cloned with
CREATE DATABASE ... TEMPLATE (PostgreSQL).
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from claimtrack import create_app
from claimtrack.db import db

from .pg_server import PostgresServer, find_bindir

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse battery"


def _config(url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": url,
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "SEARCH_RATE_LIMIT": "100000 per minute",
        # Tests that make many requests must not meet the limits by chance; the limits have tests of their own.
        "API_RATE_LIMIT": "100000 per minute",
    }


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the whole test session (skips when PostgreSQL is not installed)."""
    with migrated_postgres("claimtrack_template") as server:
        yield server


@contextmanager
def migrated_postgres(dbname: str) -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server with one migrated database ``dbname``; skips when PostgreSQL is missing."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found; .ci/run installs them")
    server = PostgresServer(bindir)
    server.start()
    try:
        server.execute(f"CREATE DATABASE {dbname}")
        _migrate(server.url(dbname))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to the newest schema, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "claimtrack.sqlite"
    _migrate(f"sqlite:///{path}")
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
    config = _config(db_url)
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


def make_user(app, username: str, role: str, password: str = PASSWORD):
    """Create an account through the service, committed."""
    from claimtrack.services.accounts import create_user

    with app.app_context():
        user = create_user(db.session, username, password, role)
        db.session.commit()
        return user.id


class AuthActions:
    """Log in and out through the real forms, CSRF token included."""

    def __init__(self, client):
        self._client = client

    def csrf_token(self, path: str = "/login") -> str:
        import re

        page = self._client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'name="csrf_token" value="([^"]+)"', page
        )
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, username: str = "editor", password: str = PASSWORD, follow: bool = False):
        token = self.csrf_token("/login")
        return self._client.post(
            "/login",
            data={"csrf_token": token, "username": username, "password": password},
            follow_redirects=follow,
        )

    def logout(self):
        token = self.csrf_token("/editor/")
        return self._client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)
