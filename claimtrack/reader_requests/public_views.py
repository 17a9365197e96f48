"""The public side of reader requests: "Ask us to check", the instant answer, and the tracking page.

Blueprint ``requests`` (its own: /ask, /ask/answered/<id>, /ask/track/<token>); it borrows the public pages'
helpers (``fail``, ``scale``), never the other way round.  Nothing unpublished is shown:
answers come from services.public (published verdicts only).  Tracking pages are not cached, not indexed
and send no referrer, so the link does not leak to the sites a reader goes on to.
"""

from __future__ import annotations

from dataclasses import replace

from flask_babel import gettext
from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for

from ..auth import limiter
from ..db import db
from ..i18n import page_locale
from ..public.views import MAX_ID, fail, scale
from ..services import public as public_service
from ..services import requests as requests_service
from ..services.claimreview import rating_words
from .forms import AskForm

bp = Blueprint("requests", __name__)


def _rate_limit() -> str:
    return current_app.config["REQUESTS_RATE_LIMIT"]


def _ask_page(form: AskForm, status: int = 200, related=None, honeypot: bool = False):
    return render_template("requests/ask.html", form=form, related=related or [], honeypot=honeypot,
                           max_chars=form.max_chars), status


@bp.route("/ask", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def ask():
    """Ask the newsroom to check a claim: answered at once when it was checked, otherwise queued and tracked."""
    form = AskForm(max_chars=int(current_app.config["REQUESTS_MAX_TEXT_CHARS"]))
    if request.method == "GET":
        return _ask_page(form)
    if not form.validate_on_submit():
        return _ask_page(form, 422)
    if (form.website.data or "").strip():
        # A person never sees the field; whatever filled it in is not asking a question.
        return _ask_page(form, 400, honeypot=True)
    data = replace(form.cleaned, ui_language=page_locale())
    settings = current_app.extensions["match_settings"]
    answer = requests_service.instant_answer(db.session, data.text, settings)
    if answer.same is not None:
        requests_service.record_asked_again(db.session, data.text, answer.same.id, answer.same.score)
        db.session.commit()
        return redirect(url_for("requests.answered", claim_id=answer.same.id))
    if answer.related and form.confirm.data != "yes":
        form.confirm.data = "yes"
        return _ask_page(form, related=answer.related)
    _, token = requests_service.submit_request(db.session, data, settings, lookup=answer.lookup,
                                               token_key=current_app.config["SECRET_KEY"])
    db.session.commit()
    flash(gettext("Thank you: we received your request. Keep this page’s address to follow it."), "info")
    return redirect(url_for("requests.track", token=token))


@bp.route(f"/ask/answered/<int(max={MAX_ID}):claim_id>")
def answered(claim_id: int):
    """The published check that answers a reader's request."""
    page, _ = public_service.public_claim(db.session, claim_id)
    if page is None:
        fail(404, gettext("There is no published fact-check at this address."))
    return render_template("requests/answered.html", claim=page,
                           verdict_words=rating_words(scale(), page.rating, page.rating_text))


@bp.route("/ask/track/<token>")
def track(token: str):
    """Where a reader's request stands: received, being checked, answered (with the check) or not checkable."""
    status = requests_service.tracking(db.session, token[:100])
    if status is None:
        fail(404, gettext("There is no request at this address. Check that you copied the whole link."))
    response = make_response(render_template("requests/track.html", tracking=status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
