"""claimtrack: a fact-check claim tracker for newsrooms."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from .db import MIGRATIONS_DIR  # noqa: F401  (claimtrack.MIGRATIONS_DIR, as before)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then CLAIMTRACK_* variables, then test_config."""
    app = Flask(__name__, instance_relative_config=True)
    from .security import DatabaseId

    app.url_map.converters["int"] = DatabaseId     # before any route is added: ids beyond 2^31 - 1 are a 404
    app.config.from_object("claimtrack.config")
    os.makedirs(app.instance_path, exist_ok=True)
    if test_config is None:
        _ensure_instance_config(Path(app.instance_path) / "config.py")
        app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CLAIMTRACK")
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: put it in instance/config.py or CLAIMTRACK_SECRET_KEY")
    if app.config.get("PRODUCTION"):
        _check_publisher_url(app.config.get("PUBLISHER_URL"))

    # a paste up to ARTICLE_MAX_BYTES must reach the form (the form then says the limit, keeping the text)
    room = 2 * int(app.config["ARTICLE_MAX_BYTES"]) + 64 * 1024
    app.config["MAX_FORM_MEMORY_SIZE"] = max(int(app.config.get("MAX_FORM_MEMORY_SIZE") or 0), room)
    app.config["MAX_CONTENT_LENGTH"] = max(int(app.config.get("MAX_CONTENT_LENGTH") or 0), room + 1024 * 1024)
    url = app.config.get("DATABASE_URL") or "sqlite:///" + os.path.join(app.instance_path, "claimtrack.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {"pool_pre_ping": True})
    if url.startswith("postgresql"):
        # libpq waits forever for a server that never answers; bound it (an explicit connect_args value wins).
        options["connect_args"] = {"connect_timeout": int(app.config["DATABASE_CONNECT_TIMEOUT_SECONDS"]),
                                   **options.get("connect_args", {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    from . import db as db_module
    from .verdicts import VerdictScale

    db_module._sqlite_busy_timeout_ms["value"] = app.config["SQLITE_BUSY_TIMEOUT_MS"]
    db_module.init_app(app)
    app.extensions["verdict_scale"] = VerdictScale.from_config(app.config.get("VERDICT_SCALE"))
    from .verdicts import RatingMapper

    app.extensions["rating_mapper"] = RatingMapper(app.extensions["verdict_scale"], app.config.get("RATING_ALIASES"))
    from .services.matching import MatchSettings

    app.extensions["match_settings"] = MatchSettings.from_config(app.config)
    # An article asks for the matches of every candidate at once: a tighter postings bound keeps it fast.
    app.extensions["ingest_match_settings"] = MatchSettings.from_config(
        {**app.config, "MATCH_MAX_POSTINGS": app.config["INGEST_MATCH_MAX_POSTINGS"]}
    )

    from flask_migrate import Migrate

    from . import models  # noqa: F401  (registers the tables for migrations)

    Migrate(app, db_module.db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)

    from .api.views import bp as api_bp
    from .auth import csrf
    from .auth import init_app as init_auth
    from .cli import init_app as init_cli
    from .editor.views import bp as editor_bp
    from .errors import init_app as init_errors
    from .public.views import bp as public_bp
    from .reader_requests.editor_views import bp as triage_bp
    from .reader_requests.public_views import bp as requests_bp

    from .admin.views import bp as admin_bp

    init_auth(app)
    app.register_blueprint(editor_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(triage_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(requests_bp)
    csrf.exempt(api_bp)  # read-only, cookie-less JSON: no form to forge
    app.register_blueprint(api_bp)
    init_errors(app)
    from .logging_setup import init_app as init_logging
    from .security import init_app as init_security

    init_security(app)
    init_logging(app)
    from .i18n import init_app as init_i18n

    init_i18n(app)  # before the page cache: a ?lang= switch is answered before a cached page would be
    from .public.caching import init_app as init_public_caching

    init_public_caching(app)
    init_cli(app)

    @app.context_processor
    def _inject_scale() -> dict[str, Any]:
        return {"verdict_scale": app.extensions["verdict_scale"]}

    return app


def _check_publisher_url(url: Any) -> None:
    """In production the newsroom's ClaimReviews must name its public site, not a local default."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        host = parts.hostname if parts else None
    except ValueError:
        parts = host = None
    if (not parts or parts.scheme not in ("http", "https") or not host or host == "localhost"
            or host.endswith(".localhost") or host.startswith("127.") or host in ("0.0.0.0", "::1")):
        raise RuntimeError(
            f"PUBLISHER_URL is {url!r}: in production it must be the newsroom's public site (for example "
            "CLAIMTRACK_PUBLISHER_URL=https://factcheck.example.org/), because every ClaimReview the site publishes "
            "names it as the fact-checker's address"
        )


def _ensure_instance_config(path: Path) -> None:
    """Write instance/config.py with a fresh random SECRET_KEY on first run."""
    if path.exists():
        return
    path.write_text(
        "# Instance settings for this installation; not committed.  See claimtrack/config.py.\n"
        f"SECRET_KEY = {secrets.token_hex(32)!r}\n"
    )
    os.chmod(path, 0o600)
