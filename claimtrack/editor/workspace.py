"""The claim workspace: canonical wording, appearances, matches, the verdict form, workflow, history, comments."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..i18n import status_word, word
from ..auth import roles_required
from ..db import db
from ..markdown import render_markdown
from ..models import Appearance, Claim, Comment, Role, User, Verdict, VerdictRevision
from ..services.matching import match
from ..services import verdicts as workflow
from ..services.merge import (
    MergeError, decide_merge, may_approve, merge_claims, needs_review, propose_merge, resolve_claim,
    waiting_proposal,
)
from .forms import (
    AssignForm, ClaimForm, CommentForm, MergeDecisionForm, MergeForm, StatusForm, VerdictForm, claim_number,
)
from .views import ANY_ROLE, EDITORS, bp, match_settings

BLANK_SOURCE_ROWS = 2


def _claim_or_redirect(claim_id: int):
    """The claim, or a redirect to the claim it was merged into, or 404."""
    claim, merged = resolve_claim(db.session, claim_id)
    if claim is None:
        abort(404)
    if merged:
        return None, redirect(url_for(request.endpoint, **{**request.view_args, "claim_id": claim.id}), 301)
    return claim, None


def _scale():
    return current_app.extensions["verdict_scale"]


def _verdict_form(verdict: Verdict, form: VerdictForm | None = None) -> VerdictForm:
    if form is None:
        # a waiting correction is what an editor goes on editing; the public still sees the published verdict
        shown = verdict.pending_correction or workflow.snapshot(verdict)
        form = VerdictForm(formdata=None, data={
            "version": str(verdict.version),
            "rating": shown.get("rating") or "",
            "summary": shown.get("summary") or "",
            "explanation": shown.get("explanation") or "",
            "correction_note": (verdict.pending_correction or {}).get("correction_note") or "",
            "sources": [{"url": s["url"], "title": s.get("title") or "", "publisher": s.get("publisher") or "",
                         "accessed_on": date.fromisoformat(s["accessed_on"]) if s.get("accessed_on") else None}
                        for s in shown.get("sources") or []],
        })
    form.rating.choices = [("", gettext("— not rated yet —"))] + [(k, word(v)) for k, v in _scale().choices()]
    while len(form.sources.entries) < len([e for e in form.sources.entries if e.form.url.data]) + BLANK_SOURCE_ROWS \
            and len(form.sources.entries) < form.sources.max_entries:
        form.sources.append_entry()
    return form


def _assign_form(verdict: Verdict) -> AssignForm:
    form = AssignForm(formdata=None, data={"assignee": str(verdict.assignee_id or "")})
    writers = db.session.scalars(select(User).where(User.role.in_([Role.ADMIN, Role.EDITOR]), User.active)
                                 .order_by(User.username)).all()
    form.assignee.choices = [("", gettext("— nobody —"))] + [(str(u.id), u.username) for u in writers]
    return form


def _render(claim: Claim, *, verdict_form=None, claim_form=None, merge_form=None, conflict=None, status=200,
            errors=None):
    verdict = workflow.verdict_to_show(claim)  # a GET never writes: no verdict is opened to be looked at
    appearances = db.session.scalars(
        select(Appearance).where(Appearance.claim_id == claim.id)
        .options(selectinload(Appearance.article)).order_by(Appearance.created_at.desc()).limit(100)
    ).all()
    related = [m for m in match(db.session, claim.text, limit=6, settings=match_settings(),
                                include_unrelated=False).matches if m.claim_id != claim.id][:5]
    related_claims = {c.id: c for c in db.session.scalars(
        select(Claim).where(Claim.id.in_([m.claim_id for m in related])).options(selectinload(Claim.verdict)))}
    revisions = db.session.scalars(
        select(VerdictRevision).where(VerdictRevision.verdict_id == verdict.id)
        .options(selectinload(VerdictRevision.author)).order_by(VerdictRevision.number.desc())
    ).all()
    comments = db.session.scalars(
        select(Comment).where(Comment.claim_id == claim.id).options(selectinload(Comment.author))
        .order_by(Comment.id)
    ).all()
    claim_form = claim_form or ClaimForm(formdata=None, data={
        "text": claim.text, "original": claim.text, "speaker": claim.speaker.name if claim.speaker else "",
        "topics": ", ".join(t.name for t in claim.topics), "lang": claim.lang or ""})
    return render_template(
        "editor/claim.html",
        claim=claim, verdict=verdict, appearances=appearances,
        related=[(m, related_claims.get(m.claim_id)) for m in related if m.claim_id in related_claims],
        revisions=revisions, comments=comments,
        verdict_form=_verdict_form(verdict, verdict_form), claim_form=claim_form,
        status_form=StatusForm(formdata=None, data={"version": str(verdict.version),
                                                     "claim_version": str(claim.version)}),
        actions=workflow.allowed_actions(verdict, current_user), action_labels=workflow.ACTION_LABELS,
        assign_form=_assign_form(verdict), comment_form=CommentForm(formdata=None), merge_form=merge_form or MergeForm(formdata=None),
        explanation_html=render_markdown(verdict.explanation),
        pending=verdict.pending_correction,
        field_labels=workflow.FIELD_LABELS,
        pending_diff=(workflow.diff_revisions(
            {**workflow.snapshot(verdict), "claim_text": claim.text,
             "claim_speaker": claim.speaker.name if claim.speaker else None},
            {"claim_text": claim.text, "claim_speaker": claim.speaker.name if claim.speaker else None,
             **verdict.pending_correction}, claim_fields=True)
                      if verdict.pending_correction else []),
        conflict=conflict, can_write=current_user.role in EDITORS, errors=errors or [],
        merge_waiting=(proposal := waiting_proposal(db.session, claim.id)),
        merge_decision_form=MergeDecisionForm(formdata=None, data={"proposal": str(proposal.id)}) if proposal else None,
        can_decide_merge=bool(proposal) and may_approve(proposal, current_user),
        can_withdraw_merge=bool(proposal) and current_user.id == proposal.proposed_by_id,
        merge_needs_review=needs_review(claim, current_user),
    ), status


@bp.route("/claims/<int:claim_id>")
@roles_required(*ANY_ROLE)
def claim(claim_id: int):
    """The claim workspace."""
    found, redirect_to = _claim_or_redirect(claim_id)
    return redirect_to or _render(found)


def _verdict_input(form: VerdictForm) -> workflow.VerdictInput:
    return workflow.VerdictInput(
        rating=form.rating.data or None,
        summary=form.summary.data,
        explanation=form.explanation.data,
        sources=[workflow.SourceInput(url=e.form.url.data.strip(), title=e.form.title.data,
                                      publisher=e.form.publisher.data, accessed_on=e.form.accessed_on.data)
                 for e in form.sources.entries if (e.form.url.data or "").strip()],
        correction_note=form.correction_note.data,
    )


@bp.route("/claims/<int:claim_id>/verdict", methods=["POST"])
@roles_required(*EDITORS)
def save_verdict(claim_id: int):
    """Save the verdict form: a new revision, or the conflict screen if someone saved in between."""
    found, redirect_to = _claim_or_redirect(claim_id)
    if redirect_to:
        abort(409)
    verdict = workflow.get_or_open_verdict(db.session, found)
    form = VerdictForm()
    form.rating.choices = [("", gettext("— not rated yet —"))] + [(k, word(v)) for k, v in _scale().choices()]
    if not form.validate_on_submit():
        return _render(found, verdict_form=form, status=422)
    try:
        expected = int(form.version.data)
    except (TypeError, ValueError):
        abort(400)
    try:
        revision = workflow.save_verdict(db.session, verdict, _verdict_input(form), current_user, expected, _scale())
        db.session.commit()
    except workflow.StaleVerdict as stale:
        db.session.rollback()
        return _conflict(found, form, stale.changed_by, stale.changed_at)
    except StaleDataError:
        db.session.rollback()
        fresh = db.session.get(Verdict, verdict.id)
        return _conflict(found, form, fresh.updated_by.username if fresh.updated_by else None, fresh.updated_at)
    except workflow.WorkflowError as error:
        db.session.rollback()
        return _render(found, verdict_form=form, status=422, errors=[str(error)])
    if revision is None:
        flash(gettext("Correction saved for review: the public page keeps the published verdict until a reviewer "
                      "approves it."), "info")
    else:
        flash(gettext("Verdict saved (revision %(number)s).", number=revision.number), "info")
    return redirect(url_for("editor.claim", claim_id=found.id) + "#verdict")


def _conflict(claim: Claim, form: VerdictForm, changed_by: str | None, changed_at):
    """Both versions side by side; the editor's form keeps their text, now based on the newest version."""
    db.session.expire_all()
    verdict = db.session.get(Verdict, claim.verdict.id)
    theirs = workflow.snapshot(verdict)
    mine = workflow.snapshot(verdict)
    mine.update(rating_text=(_scale().get(form.rating.data).label if _scale().get(form.rating.data) else None),
                summary=form.summary.data, explanation=form.explanation.data)
    form.version.data = str(verdict.version)
    conflict = {
        "changed_by": changed_by or gettext("another editor"),
        "changed_at": changed_at,
        "theirs": theirs,
        "mine": mine,
        "diff": workflow.diff_revisions(theirs, mine),
    }
    return _render(claim, verdict_form=form, conflict=conflict, status=409)


@bp.route("/claims/<int:claim_id>/status", methods=["POST"])
@roles_required(*ANY_ROLE)
def change_status(claim_id: int):
    """A workflow step: research, submit for review, send back, approve and publish, unpublish."""
    found, redirect_to = _claim_or_redirect(claim_id)
    if redirect_to:
        abort(409)
    verdict = workflow.get_or_open_verdict(db.session, found)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        version = int(form.version.data or -1)
        # absent from forms rendered before the field existed: then the check at review request still holds
        claim_version = int(form.claim_version.data) if form.claim_version.data else None
    except ValueError:
        abort(400)
    try:
        workflow.change_status(db.session, verdict, form.action.data or "", current_user,
                               version, form.note.data,
                               require_sources=current_app.config["PUBLISH_REQUIRES_SOURCES"],
                               expected_claim_version=claim_version)
        db.session.commit()
    except (workflow.StaleVerdict, StaleDataError):
        db.session.rollback()
        flash(gettext("The verdict changed since you opened it: check the newest version and try again."), "error")
        return redirect(url_for("editor.claim", claim_id=found.id)), 303
    except workflow.WorkflowError as error:
        db.session.rollback()
        return _render(found, status=422, errors=[str(error)])
    flash(gettext("Verdict is now %(status)s.", status=status_word(verdict.status).lower()), "info")
    return redirect(url_for("editor.claim", claim_id=found.id))


@bp.route("/claims/<int:claim_id>/edit", methods=["POST"])
@roles_required(*EDITORS)
def edit_claim(claim_id: int):
    """Save the claim's canonical wording, speaker and topics."""
    found, redirect_to = _claim_or_redirect(claim_id)
    if redirect_to:
        abort(409)
    form = ClaimForm()
    if not form.validate_on_submit():
        return _render(found, claim_form=form, status=422)
    try:
        saved = workflow.update_claim(db.session, found, form.text.data, form.speaker.data,
                                      [t for t in (form.topics.data or "").split(",")], current_user,
                                      expected_text=form.original.data or None, note=form.correction_note.data,
                                      lang=form.lang.data or None)
        db.session.commit()
    except workflow.StaleClaim as stale:
        db.session.rollback()
        db.session.expire_all()
        form.original.data = db.session.get(Claim, found.id).text
        return _render(db.session.get(Claim, found.id), claim_form=form, status=409, errors=[str(stale)])
    except workflow.WorkflowError as error:
        db.session.rollback()
        return _render(found, claim_form=form, status=422, errors=[str(error)])
    flash(gettext("Claim saved.") if saved else gettext("The new wording waits for a reviewer: the public page keeps "
                                                        "the published claim until it is approved."), "info")
    return redirect(url_for("editor.claim", claim_id=found.id))


@bp.route("/claims/<int:claim_id>/assign", methods=["POST"])
@roles_required(*ANY_ROLE)
def assign(claim_id: int):
    """Assign the verdict to an editor."""
    found, redirect_to = _claim_or_redirect(claim_id)
    if redirect_to:
        abort(409)
    verdict = workflow.get_or_open_verdict(db.session, found)
    form = _assign_form(verdict)
    form.process(request.form)
    if not form.validate_on_submit():
        abort(400)
    assignee = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
    try:
        workflow.assign(db.session, verdict, assignee, current_user)
        db.session.commit()
    except workflow.WorkflowError as error:
        db.session.rollback()
        return _render(found, status=422, errors=[str(error)])
    flash(gettext("Assigned to %(name)s.", name=assignee.username) if assignee else gettext("Unassigned."), "info")
    return redirect(url_for("editor.claim", claim_id=found.id))


@bp.route("/claims/<int:claim_id>/comments", methods=["POST"])
@roles_required(*ANY_ROLE)
def comment(claim_id: int):
    """Add a newsroom comment."""
    found, redirect_to = _claim_or_redirect(claim_id)
    if redirect_to:
        abort(409)
    form = CommentForm()
    if not form.validate_on_submit():
        return _render(found, status=422, errors=[gettext("A comment needs some text (at most 10,000 characters).")])
    workflow.add_comment(db.session, found, form.body.data, current_user)
    db.session.commit()
    return redirect(url_for("editor.claim", claim_id=found.id) + "#comments")


@bp.route("/claims/<int:claim_id>/history")
@roles_required(*ANY_ROLE)
def history(claim_id: int):
    """The verdict's revisions, and the difference between any two (?a=1&b=3)."""
    found, redirect_to = _claim_or_redirect(claim_id)
    if redirect_to:
        return redirect_to
    verdict = workflow.verdict_to_show(found)
    revisions = db.session.scalars(
        select(VerdictRevision).where(VerdictRevision.verdict_id == verdict.id)
        .options(selectinload(VerdictRevision.author)).order_by(VerdictRevision.number)
    ).all() if verdict.id is not None else []
    by_number = {r.number: r for r in revisions}
    a = request.args.get("a", type=int)
    b = request.args.get("b", type=int)
    if a is None and b is None and len(revisions) >= 2:
        a, b = revisions[-2].number, revisions[-1].number
    diff = None
    if a is not None or b is not None:
        if a not in by_number or b not in by_number:
            abort(404)
        diff = workflow.diff_revisions(by_number[a].data, by_number[b].data)
    return render_template("editor/history.html", claim=found, revisions=revisions, a=a, b=b, diff=diff)


@bp.route("/claims/<int:claim_id>/merge", methods=["POST"])
@roles_required(*EDITORS)
def merge(claim_id: int):
    """Merge this claim into another; its pages then redirect there."""
    found, redirect_to = _claim_or_redirect(claim_id)
    if redirect_to:
        abort(409)
    form = MergeForm()
    if not form.validate_on_submit():
        return _render(found, merge_form=form, status=422,
                       errors=[e for errs in form.errors.values() for e in errs])
    target = db.session.get(Claim, claim_number(form.target.data))
    if target is None:
        return _render(found, merge_form=form, status=422,
                       errors=[gettext("Claim #%(id)s does not exist.", id=form.target.data.strip())])
    try:
        if needs_review(found, current_user):
            proposal = propose_merge(db.session, found, target, current_user, form.correction_note.data)
            db.session.commit()
            flash(gettext("The merge into claim #%(id)s waits for a reviewer: readers see both checks as they are "
                          "until it is approved.", id=proposal.target_id), "info")
            return redirect(url_for("editor.claim", claim_id=found.id))
        final = merge_claims(db.session, found, target, current_user, form.correction_note.data)
        db.session.commit()
    except MergeError as error:
        db.session.rollback()
        return _render(found, merge_form=form, status=422, errors=[str(error)])
    flash(gettext("Claim #%(id)s was merged into this claim.", id=found.id), "info")
    return redirect(url_for("editor.claim", claim_id=final.id))


@bp.route("/claims/<int:claim_id>/merge-proposal", methods=["POST"])
@roles_required(*ANY_ROLE)
def decide_merge_proposal(claim_id: int):
    """Approve or decline the merge of this claim waiting for review (its proposer may withdraw it)."""
    from ..models import MergeProposal

    found, redirect_to = _claim_or_redirect(claim_id)
    if redirect_to:
        abort(409)
    form = MergeDecisionForm()
    if not form.validate_on_submit() or not (form.approve.data or form.decline.data):
        return _render(found, status=422, errors=[e for errs in form.errors.values() for e in errs]
                       or [gettext("Choose to approve or to decline the merge.")])
    proposal = db.session.get(MergeProposal, claim_number(form.proposal.data))
    if proposal is None or proposal.source_id != found.id:
        return _render(found, status=422, errors=[gettext("This merge proposal does not exist.")])
    try:
        final = decide_merge(db.session, proposal, current_user, bool(form.approve.data), form.note.data)
        db.session.commit()
    except PermissionError as error:
        db.session.rollback()
        return _render(found, status=403, errors=[str(error)])
    except MergeError as error:
        db.session.rollback()
        return _render(found, status=422, errors=[str(error)])
    if final is None:
        flash(gettext("The merge was declined: both checks stay as they are."), "info")
        return redirect(url_for("editor.claim", claim_id=found.id))
    flash(gettext("Claim #%(id)s was merged into this claim, with its public note.", id=found.id), "info")
    return redirect(url_for("editor.claim", claim_id=final.id))
