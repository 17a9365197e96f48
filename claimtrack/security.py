"""HTTP hardening: security headers on every response and a health endpoint.

The Content-Security-Policy allows no inline script and nothing from other sites: every
page works without JavaScript, and JSON-LD data blocks are not scripts the browser runs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, jsonify, request
from sqlalchemy import text
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def web_url(value: str | None) -> str | None:
    """The address when it is an http(s) one, else None: stored addresses (imported claims, articles) become
    links only then, so a javascript: or data: address stays text that nobody can click."""
    text = (value or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _without_nul(data: ImmutableMultiDict) -> ImmutableMultiDict:
    return ImmutableMultiDict([(key.replace("\x00", " "), value.replace("\x00", " "))
                               for key, value in data.items(multi=True)])


def init_app(app: Flask) -> None:
    """Add the headers, the web_url template filter and /healthz; trust a reverse proxy and secure the cookies
    as the config says."""
    app.add_template_filter(web_url, "web_url")
    if app.config.get("REMEMBER_COOKIE_SECURE") is None:
        app.config["REMEMBER_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE"))
    hops = {name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}") or 0)
            for name in ("for", "proto", "host", "port", "prefix")}
    if any(hops.values()):
        # Only the configured number of proxies is believed: more X-Forwarded-* entries could be forged.
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{name}": n for name, n in hops.items()})

    @app.before_request
    def _nul_characters_to_spaces():
        # No text of ours can hold a NUL: PostgreSQL refuses it in a query parameter (a 500 from deep inside
        # a filter, the login or any form), and no browser form sends one.  Turned into a space once here, for
        # every route, as the search (clean_text) already does; what else was typed is kept.
        if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
            request.args = _without_nul(request.args)
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data") and any(
                "\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)):
            request.form = _without_nul(request.form)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith(("/editor", "/login")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.route("/healthz")
    def healthz():
        """200 when the database answers, 503 when it does not (for load balancers and monitors)."""
        from .db import db

        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # any database failure means "not healthy", never a 500 page
            db.session.rollback()
            return jsonify(status="unavailable", database="unreachable"), 503
        return jsonify(status="ok", database="ok")


from werkzeug.routing import IntegerConverter  # noqa: E402


MAX_ID = 2**31 - 1   # the largest id an INTEGER column holds (PostgreSQL's int4)


class DatabaseId(IntegerConverter):
    """``<int:...>`` in every route: only what a database id can be (0 .. 2^31 - 1, the ids are INTEGER columns);
    larger is a 404, never an overflow in SQLite or an out-of-range error in PostgreSQL."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max,
                         signed=signed)
