"""Admin pages: the audit log, read in the browser, and the newsroom's accounts."""

from __future__ import annotations

from flask_babel import gettext
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from ..i18n import role_word
from ..auth import roles_required
from ..db import db
from ..models import Role, User
from ..paging import pager_links
from ..services import accounts
from ..services import audit as audit_service
from .forms import ActiveForm, AuditFilterForm, CreateAccountForm, EndSessionsForm, RoleForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
MAX_PAGE = 10_000


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit():
    """The audit log, newest first, filtered by person, action, claim and day; 400 with the reason on bad filters."""
    session = db.session
    users = accounts.all_users(session)
    form = AuditFilterForm(request.args, [u.username for u in users], audit_service.action_choices(session))
    per_page = current_app.config["AUDIT_EVENTS_PER_PAGE"]
    status = 200
    rows, has_next, page = [], False, 1
    if form.validate():
        person = audit_service.user_by_name(session, form.person.data) if form.person.data else None
        if form.claim.data and not audit_service.claim_exists(session, int(form.claim.data)):
            form.claim.errors = [gettext("There is no claim #%(id)s.", id=form.claim.data)]
            status = 404
        else:
            page = min(form.page.data or 1, MAX_PAGE)
            rows, has_next = audit_service.audit_page(session, form.filters(person.id if person else None), page,
                                                      per_page)
    else:
        status = 400
    pager = pager_links("admin.audit", page, has_next, **form.args()) if status == 200 else {}
    return render_template("admin/audit.html", form=form, rows=rows, page=page, pager=pager,
                           filtered=bool(form.args()), invalid=status != 200), status


def _accounts_page(form: CreateAccountForm, status: int = 200):
    users = accounts.all_users(db.session)
    return render_template("admin/accounts.html", users=users, form=form, roles=[r.value for r in Role],
                           end_form=EndSessionsForm()), status


@bp.route("/accounts")
@roles_required(Role.ADMIN)
def account_list():
    """Every account with its role and state, the forms to change them, and a form for a new account."""
    return _accounts_page(CreateAccountForm(formdata=None))


@bp.route("/accounts", methods=["POST"])
@roles_required(Role.ADMIN)
def create_account():
    """Create an account (same name and password rules as `flask users create`); the form keeps what was typed."""
    form = CreateAccountForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(db.session, form.username.data.strip(), form.password.data, form.role.data,
                                        by=current_user)
        except accounts.AccountError as error:
            db.session.rollback()
            field = getattr(form, error.field or "username")
            field.errors = list(field.errors) + [str(error)]
        else:
            db.session.commit()
            flash(gettext("Account %(name)s (%(role)s) created. Give them the password in person.", name=user.username,
                          role=role_word(user.role)), "info")
            return redirect(url_for("admin.account_list"), 303)
    return _accounts_page(form, 422)


def _account(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _apply(change, success: str):
    """Run one account change: commit and say so, or roll back and say why; then back to the list (PRG)."""
    try:
        change()
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(success, "info")
    return redirect(url_for("admin.account_list"), 303)


@bp.route("/accounts/<int:user_id>/role", methods=["POST"])
@roles_required(Role.ADMIN)
def change_role(user_id: int):
    """Give the account another role (never the last active admin's)."""
    user = _account(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(gettext("Choose admin, editor or reviewer."), "error")
        return redirect(url_for("admin.account_list"), 303)
    return _apply(lambda: accounts.change_role(db.session, user, form.role.data, by=current_user),
                  f"{user.username} is now {form.role.data}.")


@bp.route("/accounts/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def set_active(user_id: int):
    """Deactivate (logs them out everywhere) or reactivate an account (never the last active admin)."""
    user = _account(user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "yes"
    name = user.username
    response = _apply(lambda: accounts.set_active(db.session, user, active, by=current_user),
                      f"{name} is active again." if active else f"{name} is deactivated and logged out everywhere.")
    if not active and user.id == current_user.id and not user.active:
        logout_user()
        return redirect(url_for("auth.login"), 303)
    return response


@bp.route("/accounts/<int:user_id>/end-sessions", methods=["POST"])
@roles_required(Role.ADMIN)
def end_sessions(user_id: int):
    """Log the account out on every browser (it can log in again with its password)."""
    user = _account(user_id)
    if not EndSessionsForm().validate_on_submit():
        abort(400)
    accounts.end_user_sessions(db.session, user, by=current_user)
    db.session.commit()
    if user.id == current_user.id:
        logout_user()
        flash(gettext("Your sessions are ended everywhere, this one too: log in again."), "info")
        return redirect(url_for("auth.login"), 303)
    flash(gettext("%(name)s is logged out everywhere.", name=user.username), "info")
    return redirect(url_for("admin.account_list"), 303)
