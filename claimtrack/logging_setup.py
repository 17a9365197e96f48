"""Request logging: one line per request that says who did what (method, path, status, time, user, address).

The lines go to the logger ``claimtrack.requests``, a child of the app's logger, so they reach standard error
through Flask's handler (gunicorn's error log in production).  The user is read only if the request already
loaded it: logging never queries the database, so it keeps working while the database is down.
"""

from __future__ import annotations

import logging
import re
import time

from flask import Flask, g, request
from sqlalchemy import inspect

QUIET_PATHS = ("/healthz", "/static/")


def _who() -> str:
    """The user of this request as 'name(id)', or '-' (anonymous, or never loaded by this request)."""
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        state = inspect(user, raiseerr=False)
        values = state.dict if state is not None else {}
        return f"{values.get('username', '?')}({values.get('id', '?')})"
    return "-"


def init_app(app: Flask) -> None:
    """Set the app's log level (LOG_LEVEL) and log every request when LOG_REQUESTS is on."""
    app.logger.setLevel(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    if not app.config.get("LOG_REQUESTS", True):
        return
    logger = app.logger.getChild("requests")

    @app.before_request
    def _start_clock() -> None:
        g._request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.get("_request_started")
        elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
        level = logging.DEBUG if request.path.startswith(QUIET_PATHS) and response.status_code < 500 else logging.INFO
        logger.log(level, "%s %s %s %.0fms user=%s ip=%s", request.method, _redact(request.full_path.rstrip("?")),
                   response.status_code, elapsed, _who(), request.remote_addr or "-")
        return response


_SECRET_PATH = re.compile(r"^(/ask/track/)[^/?]+")


def _redact(path: str) -> str:
    """Tracking tokens are secrets a reader holds: never write them to the log."""
    return _SECRET_PATH.sub(r"\1[token]", path)
