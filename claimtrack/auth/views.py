"""Login and logout pages."""

from __future__ import annotations

from contextlib import nullcontext
from urllib.parse import urlsplit

from flask_babel import force_locale, gettext
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..db import db
from ..services import audit
from ..i18n import NATIVE_NAMES, remember_language, supported
from ..services.accounts import AccountError, authenticate, end_sessions, set_interface_language, set_notifications
from ..services import notifications
from . import limiter
from .forms import AccountForm, LoginForm, LogoutForm, SubscriptionForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow a ?next= that stays on this site (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("editor.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Show the login form; log in on a valid POST."""
    if current_user.is_authenticated:
        return redirect(url_for("editor.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(db.session, form.username.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            audit.record(db.session, user, "user.login", "user", user.id)
            db.session.commit()
            response = redirect(_safe_next(request.args.get("next")))
            # their own language on this device too (a choice made at the foot of a page lasts until the next login)
            return remember_language(response, user.ui_language) if user.ui_language else response
        form.password.errors.append(gettext("Wrong username or password."))
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out (POST with CSRF, so a link on another site cannot log you out)."""
    form = LogoutForm()
    if form.validate_on_submit():
        audit.record(db.session, current_user, "user.logout", "user", current_user.id)
        # The session is a signed cookie: only a new token stops a copy of it (or of the remember-me cookie)
        # from working after logout.  It ends the user's other sessions too, which is the safe side.
        end_sessions(db.session, current_user)
        db.session.commit()
        logout_user()
        flash(gettext("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def _account_page(form: AccountForm, subscription_form: SubscriptionForm, status: int = 200):
    return render_template("auth/account.html", form=form, subscription_form=subscription_form,
                           subscriptions=notifications.subscriptions_of(db.session, current_user),
                           field_words=dict(subscription_form.field.choices),
                           smtp_configured=notifications.smtp_configured(current_app.config)), status


def _account_form(form: AccountForm | None = None) -> AccountForm:
    if form is None:
        form = AccountForm(data={"email": current_user.email or "", "notify": current_user.notify,
                                 "webhook_url": current_user.webhook_url or "",
                                 "ui_language": current_user.ui_language or ""})
    form.ui_language.choices = [("", gettext("As my browser asks")),
                                *[(code, NATIVE_NAMES.get(code, code)) for code in supported()]]
    return form


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Your own notification settings: your e-mail address, a webhook, notifications on or off, and the alerts
    you follow."""
    form = _account_form(AccountForm() if request.method == "POST" else None)
    status = 200
    if form.validate_on_submit():
        try:
            set_notifications(db.session, current_user, form.email.data, form.notify.data, form.webhook_url.data)
            set_interface_language(db.session, current_user, form.ui_language.data, supported())
        except AccountError as error:
            db.session.rollback()
            field = form.webhook_url if error.field == "webhook_url" else form.email
            field.errors = [*field.errors, gettext("Give the webhook's full https:// address; or leave it empty.")
                            if error.field == "webhook_url" else
                            gettext("That e-mail address does not look right (like name@example.org); or leave "
                                    "it empty.")]
            status = 400
        else:
            db.session.commit()
            code = current_user.ui_language
            # the next page is drawn in the language just chosen, and so is the message on it
            with force_locale(code) if code else nullcontext():
                flash(gettext("Your settings are saved."), "info")
            return remember_language(redirect(url_for("auth.account")), code)
    elif request.method == "POST":
        status = 400
    return _account_page(form, SubscriptionForm(formdata=None), status)


@bp.route("/account/subscriptions", methods=["POST"])
@login_required
def subscriptions():
    """Follow alerts by a speaker, topic, verdict or source, or stop following one."""
    form = SubscriptionForm()
    if form.validate_on_submit():
        try:
            if form.remove.data:
                notifications.unsubscribe(db.session, current_user, form.remove.data)
            else:
                notifications.subscribe(db.session, current_user, form.field.data, form.value.data,
                                        current_app.extensions["verdict_scale"])
        except notifications.SubscriptionError as error:
            db.session.rollback()
            form.value.errors = [*form.value.errors, str(error)]
        else:
            db.session.commit()
            flash(gettext("Your alert subscriptions are saved."), "info")
            return redirect(url_for("auth.account"))
    return _account_page(_account_form(), form, 400)
