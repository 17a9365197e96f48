"""The newsroom's triage of reader requests: groups by claim or by similarity, and the three decisions.

Blueprint ``triage`` (its own, under /editor/requests).  Everyone in the newsroom sees
the groups; admins and editors decide; e-mail addresses only for the roles in REQUESTS_EMAIL_ROLES.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth import roles_required
from ..db import db
from ..editor.views import ANY_ROLE, EDITORS, match_settings
from ..models import Claim, RequestGroup, RequestGroupStatus
from ..paging import pager_links
from ..services import requests as requests_service
from ..services.matching import match
from ..services.requests import RequestError
from .forms import AttachForm, ClaimFromGroupForm, DismissForm

bp = Blueprint("triage", __name__, url_prefix="/editor/requests")

STATUS_TITLES = {"open": _l("Waiting for a decision"), "claim": _l("About a claim"), "dismissed": _l("Dismissed")}
SORT_TITLES = {"24h": _l("Most asked in 24 hours"), "7d": _l("Most asked in 7 days"), "total": _l("Most asked in all"),
               "latest": _l("Latest asked")}


@bp.route("")
@roles_required(*ANY_ROLE)
def index():
    """Reader requests grouped by claim or similarity, most asked first."""
    status = request.args.get("status", "open")
    sort = request.args.get("sort", "24h")
    if status not in STATUS_TITLES or sort not in SORT_TITLES:
        abort(400)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 500))
    listing = requests_service.triage(db.session, RequestGroupStatus(status), sort, page)
    here = {"status": status, "sort": sort}
    return render_template(
        "requests/triage.html", listing=listing, status=status, sort=sort, status_titles=STATUS_TITLES,
        sort_titles=SORT_TITLES,
        **pager_links("triage.index", page, listing.has_next, **here),
    )


def _group(group_id: int) -> RequestGroup:
    group = db.session.get(RequestGroup, group_id)
    if group is None:
        abort(404)
    return group


def _render_group(group: RequestGroup, claim_form=None, attach_form=None, dismiss_form=None, status: int = 200,
                  errors: list[str] | None = None):
    row = requests_service.group_rows(db.session, [group], requests_service.utcnow())[0]
    members = requests_service.group_requests(db.session, group.id)
    suggestions = []
    if group.status == RequestGroupStatus.OPEN and row.wording:
        suggestions = match(db.session, row.wording, limit=5, settings=match_settings(),
                                 include_unrelated=False).matches
    suggested = {c.id: c for c in db.session.query(Claim).filter(Claim.id.in_([m.claim_id for m in suggestions]))} \
        if suggestions else {}
    return render_template(
        "requests/group.html", group=group, row=row, members=members, suggestions=suggestions, suggested=suggested,
        claim_form=claim_form or ClaimFromGroupForm(formdata=None, data={"text": row.wording}),
        attach_form=attach_form or AttachForm(formdata=None), dismiss_form=dismiss_form or DismissForm(formdata=None),
        show_email=requests_service.may_see_email(current_user, current_app.config["REQUESTS_EMAIL_ROLES"]),
        can_decide=current_user.role in EDITORS, status_titles=STATUS_TITLES, errors=errors or [],
    ), status


def _refused(group_id: int, error: RequestError, field, typed: str | None = None, **forms):
    """The group again with why the decision was refused, on its field; at the top too, with what the editor typed,
    when another editor decided the group meanwhile (its decision forms are no longer shown)."""
    field.errors = list(field.errors) + [str(error)]
    group = _group(group_id)
    errors = []
    if group.status != RequestGroupStatus.OPEN:
        errors.append(str(error))
        if (typed or "").strip():
            errors.append(gettext("What you typed (not saved): %(text)s", text=typed.strip()))
    return _render_group(group, status=422, errors=errors, **forms)


@bp.route("/<int:group_id>")
@roles_required(*ANY_ROLE)
def group(group_id: int):
    """One group: its requests, where they were seen, matching claims, and the decisions."""
    return _render_group(_group(group_id))


@bp.route("/<int:group_id>/claim", methods=["POST"])
@roles_required(*EDITORS)
def make_claim(group_id: int):
    """Turn a group into a new claim, in the editor's words."""
    group = _group(group_id)
    form = ClaimFromGroupForm()
    if not form.validate_on_submit():
        return _render_group(group, claim_form=form, status=422)
    try:
        claim = requests_service.turn_into_claim(db.session, group, form.text.data, form.speaker.data, current_user)
    except RequestError as error:
        db.session.rollback()
        return _refused(group_id, error, form.text, form.text.data, claim_form=form)
    db.session.commit()
    flash(gettext("Opened claim %(id)s for %(num)s request(s).", id=claim.id, num=group.request_count), "info")
    return redirect(url_for("editor.claim", claim_id=claim.id))


@bp.route("/<int:group_id>/attach", methods=["POST"])
@roles_required(*EDITORS)
def attach(group_id: int):
    """Attach a group to an existing claim."""
    group = _group(group_id)
    form = AttachForm()
    if not form.validate_on_submit():
        return _render_group(group, attach_form=form, status=422)
    try:
        claim = requests_service.attach_to_claim(db.session, group, form.claim_id.data, current_user)
    except RequestError as error:
        db.session.rollback()
        return _refused(group_id, error, form.claim_id, attach_form=form)
    db.session.commit()
    flash(gettext("Attached the requests to claim %(id)s.", id=claim.id), "info")
    return redirect(url_for("triage.group", group_id=group_id))


@bp.route("/<int:group_id>/dismiss", methods=["POST"])
@roles_required(*EDITORS)
def dismiss(group_id: int):
    """Dismiss a group as not checkable, with a reason."""
    group = _group(group_id)
    form = DismissForm()
    if not form.validate_on_submit():
        return _render_group(group, dismiss_form=form, status=422)
    try:
        requests_service.dismiss_group(db.session, group, form.reason.data, current_user)
    except RequestError as error:
        db.session.rollback()
        return _refused(group_id, error, form.reason, form.reason.data, dismiss_form=form)
    db.session.commit()
    flash(gettext("Dismissed as not checkable."), "info")
    return redirect(url_for("triage.index"))
