"""Accounts: creating users and checking passwords (argon2)."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Role, User
from . import audit
from ..translatable import Text, Text as _l


@lru_cache(maxsize=8)
def _argon2(time_cost: int, memory_cost: int, parallelism: int) -> tuple[PasswordHasher, str]:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    # A hash to verify against when the user does not exist, made at the same cost, so both cases take the
    # same time.
    return hasher, hasher.hash("claimtrack-no-such-user")


def _argon2_for(config: Mapping[str, Any]) -> tuple[PasswordHasher, str]:
    return _argon2(int(config["PASSWORD_HASH_TIME_COST"]), int(config["PASSWORD_HASH_MEMORY_COST"]),
                   int(config["PASSWORD_HASH_PARALLELISM"]))


def password_hasher(config: Mapping[str, Any]) -> PasswordHasher:
    """The argon2 hasher the PASSWORD_HASH_* settings describe (config.py holds the production costs)."""
    return _argon2_for(config)[0]


def _hasher_and_dummy() -> tuple[PasswordHasher, str]:
    # Read when a password is hashed, from the app at work (the tests configure a cheap hash), never at import;
    # outside an app, config.py's production costs.
    if has_app_context():
        return _argon2_for(current_app.config)
    from .. import config as defaults

    return _argon2_for(vars(defaults))


USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A user-caused problem with an account request (message is for the user; ``field`` names the form field)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def validate_new_user(session: Session, username: str, password: str, role: str) -> Role:
    """Check a new account's name, password and role; return the role or raise AccountError."""
    if not USERNAME_RE.match(username or ""):
        raise AccountError(
            _l("A username is 2-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit."),
            "username")
    try:
        role_value = Role(role)
    except ValueError:
        raise AccountError(_l("Unknown role %(role)s: choose admin, editor or reviewer.", role=repr(role)),
                           "role") from None
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("A password needs at least %(length)s characters.", length=MIN_PASSWORD_LENGTH),
                           "password")
    taken = session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if taken is not None:
        raise AccountError(_l("The username %(name)s is already taken.", name=repr(username)), "username")
    return role_value


def create_user(session: Session, username: str, password: str, role: str, by: User | None = None) -> User:
    """Create an account with an argon2 password hash; raise AccountError on bad input."""
    role_value = validate_new_user(session, username, password, role)
    user = User(
        username=username,
        password_hash=_hasher_and_dummy()[0].hash(password),
        role=role_value,
        session_token=secrets.token_hex(16),
    )
    session.add(user)
    session.flush()
    audit.record(session, by, "user.create", "user", user.id, username=username, role=role_value.value)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str, by: User | None = None) -> User:
    """Give the account a new password and log it out everywhere; raise AccountError on bad input."""
    user = session.scalar(select(User).where(func.lower(User.username) == (username or "").lower()))
    if user is None:
        raise AccountError(_l("There is no account %(name)s.", name=repr(username)))
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("A password needs at least %(length)s characters.", length=MIN_PASSWORD_LENGTH))
    user.password_hash = _hasher_and_dummy()[0].hash(password)
    user.session_token = secrets.token_hex(16)
    audit.record(session, by, "user.set_password", "user", user.id)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (same work either way)."""
    user = session.scalar(select(User).where(func.lower(User.username) == (username or "").lower()))
    hasher, dummy = _hasher_and_dummy()
    target = user.password_hash if user is not None else dummy
    try:
        hasher.verify(target, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        session.flush()
    return user


def load_user(session: Session, session_id: str) -> User | None:
    """The user a Flask-Login session id ("<id>:<token>") names, if the token still holds."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdecimal() or not token:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def end_sessions(session: Session, user: User) -> None:
    """Log the user out everywhere: a new session token makes every session id and remember-me cookie that
    carries the old one worthless (sessions are signed cookies, so a copy would otherwise outlive a logout)."""
    user.session_token = secrets.token_hex(16)
    session.flush()


_EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+")


def set_notifications(session: Session, user: User, email: str | None, notify: bool,
                      webhook_url: str | None = None) -> User:
    """A person's own e-mail address for notifications (empty: none), their off switch and the Slack-compatible
    webhook their alert digests also go to (empty: none); raise AccountError."""
    email = (email or "").replace("\x00", "").strip() or None
    if email is not None and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        raise AccountError(_l("That e-mail address does not look right (like name@example.org); or leave it empty."),
                           "email")
    webhook_url = (webhook_url or "").replace("\x00", "").strip() or None
    if webhook_url is not None:
        try:
            parts = urlsplit(webhook_url)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.username
        except ValueError:
            valid = False
        if not valid or len(webhook_url) > 2048 or any(c.isspace() for c in webhook_url):
            raise AccountError(_l("Give the webhook's full https:// address; or leave it empty."), "webhook_url")
    before = {"email": user.email, "notify": user.notify, "webhook": bool(user.webhook_url)}
    user.email, user.notify, user.webhook_url = email, bool(notify), webhook_url
    _audit_change(session, user, "user.notifications", user, before,
                  {"email": user.email, "notify": user.notify, "webhook": bool(user.webhook_url)})
    session.flush()
    return user


def set_interface_language(session: Session, user: User, code: str | None, supported: Sequence[str]) -> User:
    """A person's interface language (one of ``supported``; empty: the browser's); raise AccountError."""
    code = (code or "").strip() or None
    if code is not None and code not in supported:
        raise AccountError("Choose one of the languages offered.", "ui_language")
    if code != user.ui_language:
        before = {"ui_language": user.ui_language}
        user.ui_language = code
        _audit_change(session, user, "user.language", user, before, {"ui_language": code})
        session.flush()
    return user


def _audit_change(session: Session, by: User | None, action: str, user: User, before: dict | None = None,
                  after: dict | None = None) -> None:
    details: dict = {"username": user.username}
    if before is not None:
        details.update(before=before, after=after)
    audit.record(session, by, action, "user", user.id, **details)


def _other_active_admins(session: Session, user: User) -> int:
    """How many active admins there are besides ``user``; the rows are locked (PostgreSQL) so that two admins
    demoting each other at once cannot both pass the last-admin check."""
    ids = session.scalars(
        select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).with_for_update()
    ).all()
    return len([i for i in ids if i != user.id])


def _keep_an_admin(session: Session, user: User, refusal: Text) -> None:
    if user.role == Role.ADMIN and user.active and _other_active_admins(session, user) == 0:
        raise AccountError(refusal)


def _an_admin_remains(session: Session, user: User) -> None:
    """After the write: on SQLite the pre-check's read is not in the write's transaction, so another admin's
    demotion may have committed since; count again now that this transaction holds the write lock.  The caller
    rolls back on the error."""
    left = session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN,
                                                                       User.active.is_(True)))
    if not left:
        raise AccountError(_l("%(name)s is the last active admin (another admin changed a moment ago): "
                              "nothing was changed.", name=user.username))


def change_role(session: Session, user: User, role: str, by: User | None = None) -> User:
    """Give the account another role (never leaving no active admin); raise AccountError on bad input."""
    try:
        new = Role(role)
    except ValueError:
        raise AccountError(_l("Unknown role %(role)s: choose admin, editor or reviewer.",
                              role=repr(str(role)[:40]))) from None
    if new == user.role:
        raise AccountError(_l("%(name)s already has the role %(role)s.", name=user.username, role=Text(new.value)))
    if new != Role.ADMIN:
        _keep_an_admin(session, user, _l("%(name)s is the last active admin: make another account an admin before "
                                          "you change this role.", name=user.username))
    before = user.role.value
    user.role = new
    _audit_change(session, by, "user.role_change", user, {"role": before}, {"role": new.value})
    session.flush()
    if before == Role.ADMIN.value:
        _an_admin_remains(session, user)
    return user


def set_active(session: Session, user: User, active: bool, by: User | None = None) -> User:
    """Deactivate (logged out everywhere, cannot log in) or reactivate an account; never the last active admin."""
    if user.active == active:
        raise AccountError(_l("%(name)s is already active.", name=user.username) if active
                           else _l("%(name)s is already deactivated.", name=user.username))
    if not active:
        _keep_an_admin(session, user, _l("%(name)s is the last active admin: make another account an admin before "
                                          "you deactivate it.", name=user.username))
        # a reactivated account must not come back with the sessions it had
        user.session_token = secrets.token_hex(16)
    user.active = active
    _audit_change(session, by, "user.reactivate" if active else "user.deactivate", user,
                  {"active": not active}, {"active": active})
    session.flush()
    if not active and user.role == Role.ADMIN:
        _an_admin_remains(session, user)
    return user


def end_user_sessions(session: Session, user: User, by: User | None = None) -> None:
    """An admin logs an account out everywhere (a lost laptop, a shared password), recorded."""
    end_sessions(session, user)
    _audit_change(session, by, "user.end_sessions", user)
    session.flush()


def all_users(session: Session) -> list[User]:
    """Every account, by name (the admin's account list; a newsroom has tens of them, not thousands)."""
    return list(session.scalars(select(User).order_by(func.lower(User.username))))


def any_user_exists(session: Session) -> bool:
    """True when at least one account exists."""
    return session.scalar(select(User.id).limit(1)) is not None


def generate_password() -> str:
    """A strong random password for a first admin account."""
    return secrets.token_urlsafe(15)
