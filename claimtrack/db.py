"""The database handle: one SQLAlchemy extension per app, a session per request or CLI command.

SQLite connections get foreign keys, WAL and a busy timeout on connect, so the
embedded default behaves like a real server under several workers.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, any_, bindparam, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints alike everywhere."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
log = logging.getLogger(__name__)
# The Alembic scripts this code ships (create_app hands them to Flask-Migrate; backups check their head).
MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")

# Set by create_app from SQLITE_BUSY_TIMEOUT_MS before the first connection.
_sqlite_busy_timeout_ms = {"value": 5000}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    """Turn on foreign keys, WAL and a busy timeout for every new SQLite connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(_sqlite_busy_timeout_ms['value'])}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_sqlite(session_or_engine) -> bool:
    """True when the bound database is SQLite."""
    bind = session_or_engine.get_bind() if hasattr(session_or_engine, "get_bind") else session_or_engine
    return bind.dialect.name == "sqlite"


def one_of(session, column, values):
    """``column IN values`` for a query run per match: on PostgreSQL one array parameter (``= ANY(:array)``),
    which the server parses and plans once, instead of one bound parameter per value (250 claim ids: the
    vectors of a hybrid match read in 2.8 instead of 4.5 ms at 1M claims)."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type), unique=True))
    return column.in_(values)


def init_app(app: Flask) -> None:
    """Bind the extension to the app, and end each request's session without letting a dead connection turn a
    finished response into a 500."""
    db.init_app(app)

    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (Flask runs teardowns in reverse).
    # When PostgreSQL shuts down (pg_ctl stop/restart -m fast) it tells every idle connection "terminating
    # connection due to administrator command"; a request that had already read its data then failed in the
    # session's closing ROLLBACK, and that exception escaped the WSGI app after the response was built: gunicorn
    # answered 500 with a traceback instead of the page.  Whatever the request did is already committed or
    # meant to be rolled back, so losing the connection at this point loses nothing: log it and move on.
    @app.teardown_appcontext
    def _end_session(exc: BaseException | None) -> None:  # noqa: ARG001
        try:
            db.session.remove()
        except sa_exc.DBAPIError as error:
            log.warning("database connection lost while ending the session: %s",
                        str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300])
            try:
                db.session.close()  # the connection was invalidated by the error: closing no longer talks to it
            except sa_exc.DBAPIError:
                pass
            db.session.registry.clear()
