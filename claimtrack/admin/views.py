"""Admin pages: the audit log, read in the browser, and the newsroom's accounts."""

from __future__ import annotations

import re

from flask_babel import gettext
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from ..i18n import role_word
from ..auth import roles_required
from ..db import db
from ..models import MonitoredFeed, OutboxMessage, Role, User
from ..paging import pager_links
from ..services import accounts
from ..services import audit as audit_service
from ..services import jobs as jobs_service
from ..services.notifications import smtp_configured
from .forms import ActiveForm, AuditFilterForm, CreateAccountForm, EndSessionsForm, JobActionForm, JobsPageForm, RoleForm

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


@bp.route("/jobs")
@roles_required(Role.ADMIN)
def jobs():
    """The worker's jobs: every monitored source and the outbox's unsent messages, the newest errors first, each
    list paged on its own (``?sources=2&outbox=3``); 400 with the reason on a bad page number."""
    session = db.session
    form = JobsPageForm(request.args)
    if not form.validate():
        return render_template("admin/jobs.html", form=form, invalid=True), 400
    per_page = current_app.config["JOBS_PER_PAGE"]
    sources_page, outbox_page = min(form.sources.data or 1, MAX_PAGE), min(form.outbox.data or 1, MAX_PAGE)
    feeds, more_feeds = jobs_service.feed_jobs(session, sources_page, per_page)
    messages, more_messages = jobs_service.outbox_jobs(session, outbox_page, per_page)

    def link(**change: int) -> str:
        return url_for("admin.jobs", **form.args(**change))

    pagers = {
        "sources": {"prev_url": link(sources=sources_page - 1) if sources_page > 1 else None,
                    "next_url": link(sources=sources_page + 1) if more_feeds else None, "page": sources_page},
        "outbox": {"prev_url": link(outbox=outbox_page - 1) if outbox_page > 1 else None,
                   "next_url": link(outbox=outbox_page + 1) if more_messages else None, "page": outbox_page},
    }
    return render_template("admin/jobs.html", form=form, invalid=False, feeds=feeds, messages=messages,
                           counts=jobs_service.job_counts(session), pagers=pagers, action_form=JobActionForm(),
                           smtp=smtp_configured(current_app.config), back=url_for("admin.jobs", **form.args()))


# Where "run now" and "retry now" may send the admin back to: the jobs page and its pages, nothing else.
_JOBS_PAGE = re.compile(r"/admin/jobs(\?(sources|outbox)=[0-9]{1,12}(&(sources|outbox)=[0-9]{1,12})?)?")


def _job_refusal(reason: str) -> str:
    """Why "run now" or "retry now" was refused, in the admin's language."""
    return {
        "paused": gettext("This source is paused: resume it on the Sources page."),
        "running": gettext("A worker is running this source now."),
        "due": gettext("It is due already: the worker takes it on its next round."),
        "sent": gettext("This message was sent already."),
        "not_failed": gettext("This message has not failed: it waits for its turn."),
    }.get(reason, gettext("This cannot be done now."))


def _job_action(change, success: str):
    """Run "run now" or "retry now": commit and say so, or roll back and say why; then back to the jobs (PRG)."""
    if not JobActionForm().validate_on_submit():
        abort(400)
    try:
        change()
    except jobs_service.JobActionError as error:
        db.session.rollback()
        flash(_job_refusal(error.reason), "error")
    else:
        db.session.commit()
        flash(success, "info")
    back = request.form.get("back", "")
    return redirect(back if _JOBS_PAGE.fullmatch(back) else url_for("admin.jobs"), 303)


@bp.route("/jobs/feeds/<int:feed_id>/run", methods=["POST"])
@roles_required(Role.ADMIN)
def run_feed_now(feed_id: int):
    """Make a monitored source due now (not while paused or held by a worker)."""
    feed = db.session.get(MonitoredFeed, feed_id) or abort(404)
    return _job_action(lambda: jobs_service.run_feed_now(db.session, feed, current_user),
                       gettext("%(name)s is due now: the worker takes it on its next round.", name=feed.name))


@bp.route("/jobs/outbox/<int:message_id>/retry", methods=["POST"])
@roles_required(Role.ADMIN)
def retry_message_now(message_id: int):
    """Make a failed outbox message due now (its attempts and last error are kept)."""
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return _job_action(lambda: jobs_service.retry_message_now(db.session, message, current_user),
                       gettext("Message #%(id)s is due now: the worker tries it on its next round.", id=message.id))
