"""Error pages: every error a user can cause gets a clear message and its 4xx, never a stack trace."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from .translatable import english

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please log in to see this page."),
    403: _l("Your account is not allowed to do this."),
    404: _l("There is no page at this address."),
    405: _l("This page does not accept that kind of request."),
    413: _l("What you sent is too large."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong on our side. It has been logged."),
    503: _l("The database is unavailable or busy right now, so nothing was read or saved. "
            "Please try again in a minute; if you were saving a form, go back and send it again."),
}

# What "the database is unavailable" looks like from here: the server is down, restarting or unreachable
# (connection refused or reset), SQLite is locked past its busy timeout, or the connection pool is exhausted.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
                        sa_exc.TimeoutError)


def _database_unavailable_page(app: Flask):
    """The 503 page without touching the database again (no user lookup, plain HTML if even that fails)."""
    from flask_login import AnonymousUserMixin

    from .db import db

    try:
        db.session.rollback()
    except Exception:  # the connection is already gone; the session is discarded at teardown anyway
        pass
    # The page shows the logged-in user; loading or refreshing them would query the dead database again.
    g._login_user = AnonymousUserMixin()
    retry = str(app.config.get("DATABASE_RETRY_AFTER_SECONDS", 5))
    try:
        body, code = _render(503)
    except Exception:
        app.logger.exception("could not render the 503 page")
        body, code = f"<!doctype html><title>Unavailable</title><h1>503</h1><p>{MESSAGES[503]}</p>", 503
    return body, code, {"Retry-After": retry}


def _render(code: int, message: str | None = None):
    text = message or str(MESSAGES.get(code, "Something went wrong."))
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": text, "status": code}, code
    try:
        return render_template("errors/error.html", code=code, message=text), code
    except Exception:
        # the page itself cannot be built (a Host header no URL can be made for): plain HTML, still the same code
        return (f"<!doctype html><html lang=\"en\"><title>{code}</title><h1>{code}</h1><p>{escape(text)}</p></html>",
                code, {"Content-Type": "text/html; charset=utf-8"})


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError):
        return _render(400, gettext("The form expired or was not sent from this site. Reload the page and try "
                                     "again."))

    @app.errorhandler(RecursionError)
    def _too_deep(_error: RecursionError):
        # JSON (or any input) nested deeper than the interpreter's recursion limit: the sender's doing
        return _render(400, gettext("What you sent is nested too deeply."))

    @app.errorhandler(OverflowError)
    def _too_big(_error: OverflowError):
        # a number in the address or a field beyond what the database stores (ids above 2^63 - 1 on SQLite)
        return _render(404 if request.method == "GET" else 400)

    @app.errorhandler(PermissionError)
    def _forbidden(error: PermissionError):
        # a service's refusal, in the page's language; the API's answers stay English
        text = english(error) if request.path.startswith("/api/") else str(error)
        return _render(403, text or None)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        code = error.code or 500
        message = None
        if code == 429:
            message = str(MESSAGES[429])
        return _render(code, message)

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.DisconnectionError)
    @app.errorhandler(sa_exc.TimeoutError)
    def _database(error: Exception):
        if isinstance(error, sa_exc.DBAPIError) and not (
            isinstance(error, DATABASE_UNAVAILABLE) or error.connection_invalidated
        ):
            return _unexpected(error)
        app.logger.error("database unavailable on %s %s: %s", request.method, request.path,
                         str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300])
        return _database_unavailable_page(app)

    @app.errorhandler(Exception)
    def _unexpected(_error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)
