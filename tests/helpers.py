"""What the tests share, in one place: the test configuration, migrating a database (and a throwaway PostgreSQL), the CSRF token of a page,
making an account, logging in through the real forms.

conftest.py builds its fixtures from these; test files import them from here (never conftest's internals).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from .pg_server import PostgresServer, find_bindir

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse battery"

# Flask-WTF's hidden field, as WTForms renders it (attribute order differs between its versions).
_CSRF = (re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"'),
         re.compile(r'name="csrf_token" value="([^"]+)"'))


def config_for(url: str, **overrides) -> dict:
    """The app settings of a test on the database ``url``; ``overrides`` replace or add settings."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": url,
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "SEARCH_RATE_LIMIT": "100000 per minute",
        # Tests that make many requests must not meet the limits by chance; the limits have tests of their own.
        "API_RATE_LIMIT": "100000 per minute",
        # argon2's minimum cost: an account costs microseconds, not 50 ms (production's costs have their own test).
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_COST": 8,
        "PASSWORD_HASH_PARALLELISM": 1,
        **overrides,
    }


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema with the real Alembic migrations."""
    from flask_migrate import upgrade

    from claimtrack import create_app
    from claimtrack.db import db

    app = create_app(config_for(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


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
        migrate(server.url(dbname))
        yield server
    finally:
        server.stop()


def csrf_token_in(page: str) -> str:
    """The CSRF token of the (first) form on an HTML page; AssertionError when it has none."""
    for pattern in _CSRF:
        match = pattern.search(page)
        if match:
            return match.group(1)
    raise AssertionError("no CSRF token on the page")


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the form at ``path``, for this client's session (a GET through the test client)."""
    page = client.get(path).get_data(as_text=True)
    try:
        return csrf_token_in(page)
    except AssertionError:
        raise AssertionError(f"no CSRF token on {path}") from None


def make_user(app, username: str, role: str, password: str = PASSWORD) -> int:
    """Create an account through the service, committed; its id."""
    from claimtrack.db import db
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
        return csrf_token(self._client, path)

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
