"""Monitored sources and alerts: the sources the worker polls (editors add, edit and pause them), and the alerts
raised when a monitored article repeats a published claim (editors confirm or dismiss them).

Routes on blueprint ``editor`` (registered at the end of editor/views.py).  Everyone in the newsroom sees both
lists; admins and editors change them.
"""

from __future__ import annotations

from flask_babel import gettext
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user


from ..auth import roles_required
from ..db import db
from ..models import Alert, MonitoredFeed
from ..paging import pager_links
from ..services import monitoring
from ..services.ingest import DecisionError
from ..translatable import english
from .forms import AlertDecisionForm, FeedForm, FeedPauseForm
from .views import ANY_ROLE, EDITORS, bp

ALERTS_PER_PAGE = 50


@bp.route("/feeds")
@roles_required(*ANY_ROLE)
def feeds():
    """The monitored sources with their last fetch, error and counts."""
    rows = list(db.session.scalars(monitoring.list_feeds()))
    return render_template("editor/feeds.html", feeds=rows, kinds=monitoring.KIND_LABELS, pause_form=FeedPauseForm())


def _feed_input(form: FeedForm) -> monitoring.FeedInput:
    return monitoring.FeedInput(name=form.name.data or "", kind=form.kind.data or "", url=form.url.data or None,
                                urls=form.urls.data or None, publisher=form.publisher.data or None,
                                interval_minutes=form.interval_minutes.data or 0)


def _save(form: FeedForm, feed: MonitoredFeed | None):
    """Validate and save; the page again with the message (and everything typed) when it cannot be saved."""
    if form.validate_on_submit():
        try:
            if feed is None:
                feed = monitoring.create_feed(db.session, _feed_input(form), current_user)
            else:
                monitoring.update_feed(db.session, feed, _feed_input(form), current_user)
        except monitoring.FeedInputError as error:
            db.session.rollback()
            said = english(error)  # the field is told by the English words, whatever the page's language
            field = form.urls if form.kind.data == "urls" and "address" in said else \
                form.url if "address" in said else form.interval_minutes if "interval" in said \
                else form.name
            field.errors = list(field.errors) + [str(error)]
        else:
            db.session.commit()
            flash(gettext("Source “%(name)s” saved; the worker polls it every %(num)s minutes.", name=feed.name,
                          num=feed.interval_minutes), "info")
            return redirect(url_for("editor.feeds"))
    status = 422 if request.method == "POST" else 200
    return render_template("editor/feed_form.html", form=form, feed=feed), status


@bp.route("/feeds/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_feed():
    """Add a monitored source."""
    return _save(FeedForm(), None)


def _feed(feed_id: int) -> MonitoredFeed:
    feed = db.session.get(MonitoredFeed, feed_id)
    if feed is None:
        abort(404)
    return feed


@bp.route("/feeds/<int:feed_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_feed(feed_id: int):
    """Change a monitored source."""
    feed = _feed(feed_id)
    form = FeedForm(obj=feed) if request.method == "GET" else FeedForm()
    if request.method == "GET":
        form.kind.data = feed.kind.value
    return _save(form, feed)


@bp.route("/feeds/<int:feed_id>/pause", methods=["POST"])
@roles_required(*EDITORS)
def pause_feed(feed_id: int):
    """Pause or resume a source."""
    feed = _feed(feed_id)
    form = FeedPauseForm()
    if not form.validate_on_submit():
        abort(400)
    monitoring.set_paused(db.session, feed, form.paused.data == "yes", current_user)
    db.session.commit()
    flash(gettext("Source “%(name)s” paused.", name=feed.name) if feed.paused
          else gettext("Source “%(name)s” resumed; it is polled at once.", name=feed.name), "info")
    return redirect(url_for("editor.feeds"))


@bp.route("/alerts")
@roles_required(*ANY_ROLE)
def alerts():
    """The alerts queue: monitored articles that repeat a published claim, waiting for a decision."""
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 1000))
    rows = list(db.session.scalars(monitoring.open_alerts((page - 1) * ALERTS_PER_PAGE, ALERTS_PER_PAGE + 1)))
    has_next = len(rows) > ALERTS_PER_PAGE
    return render_template("editor/alerts.html", alerts=rows[:ALERTS_PER_PAGE], form=AlertDecisionForm(),
                           total=monitoring.count_open_alerts(db.session),
                           **pager_links("editor.alerts", page, has_next))


def _decide(alert_id: int, decide) -> object:
    alert = db.session.get(Alert, alert_id)
    if alert is None:
        abort(404)
    if not AlertDecisionForm().validate_on_submit():
        abort(400)
    try:
        decide(db.session, alert, current_user)
    except DecisionError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("editor.alerts"))
    db.session.commit()
    return alert


@bp.route("/alerts/<int:alert_id>/confirm", methods=["POST"])
@roles_required(*EDITORS)
def confirm_alert(alert_id: int):
    """Confirm: the candidate is linked to the claim as a repeat."""
    outcome = _decide(alert_id, monitoring.confirm_alert)
    if isinstance(outcome, Alert):
        flash(gettext("Linked to claim #%(id)s as a repeat.", id=outcome.claim_id), "info")
        return redirect(url_for("editor.alerts"))
    return outcome


@bp.route("/alerts/<int:alert_id>/dismiss", methods=["POST"])
@roles_required(*EDITORS)
def dismiss_alert(alert_id: int):
    """Dismiss: not a repeat; the candidate stays on its article's review screen."""
    outcome = _decide(alert_id, monitoring.dismiss_alert)
    if isinstance(outcome, Alert):
        flash(gettext("Alert dismissed."), "info")
        return redirect(url_for("editor.alerts"))
    return outcome


