"""Accounts in the web app: login manager, CSRF, rate limits, role checks."""

from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Flask, abort
from flask_babel import gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect

from ..db import db
from ..models import Role

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to open the editor area."   # listed in i18n.SERVICE_WORDS
login_manager.localize_callback = gettext                                   # flashed in the page's language
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@login_manager.user_loader
def _load_user(session_id: str):
    from ..services.accounts import load_user

    return load_user(db.session, session_id)


def init_app(app: Flask) -> None:
    """Wire login, CSRF and the rate limiter into the app and register the auth blueprint."""
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from .views import bp

    app.register_blueprint(bp)


def roles_required(*roles: Role) -> Callable:
    """Let only logged-in users with one of ``roles`` through; others get 403 (or the login page)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
