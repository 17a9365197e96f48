"""Error pages: every error a user can cause gets a clear message and its 4xx, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please log in to see this page.",
    403: "Your account is not allowed to do this.",
    404: "There is no page at this address.",
    405: "This page does not accept that kind of request.",
    413: "What you sent is too large.",
    429: "Too many attempts. Please wait a minute and try again.",
    500: "Something went wrong on our side. It has been logged.",
}


def _render(code: int, message: str | None = None):
    text = message or MESSAGES.get(code, "Something went wrong.")
    if request.accept_mimetypes.best == "application/json":
        return {"error": text, "status": code}, code
    return render_template("errors/error.html", code=code, message=text), code


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return _render(400, "The form expired or was not sent from this site. Reload the page and try again.")

    @app.errorhandler(PermissionError)
    def _forbidden(error: PermissionError):
        return _render(403, str(error) or None)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        code = error.code or 500
        message = None
        if code == 429:
            message = MESSAGES[429]
        return _render(code, message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)
