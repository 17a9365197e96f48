"""Editor pages: the claim list, ingesting articles, and the article review screen."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import roles_required
from ..db import db
from ..paging import pager_links
from ..extraction.checkworthiness import cues as worthiness_cues, label_of
from ..extraction.matchable import canonical_words
from ..search_index import MatchSettings
from ..models import Appearance, AppearanceStatus, Article, Role, Stance, claims_newest_first
from ..services import ingest as ingest_service
from ..webpage import FetchError, article_from_page, article_from_text, article_from_upload, fetch
from .forms import AcceptSuggestionsForm, IngestForm, ReviewForm, claim_number

bp = Blueprint("editor", __name__, url_prefix="/editor")
ANY_ROLE = (Role.ADMIN, Role.EDITOR, Role.REVIEWER)
EDITORS = (Role.ADMIN, Role.EDITOR)


def match_settings() -> MatchSettings:
    """The instance's match settings (bands, candidates, postings bound)."""
    return current_app.extensions["match_settings"]


@bp.route("/claims")
@roles_required(*ANY_ROLE)
def claims():
    """List claims, newest first, a page at a time."""
    page = request.args.get("page", 1, type=int) or 1
    page = max(1, min(page, 100_000))
    per_page = current_app.config["CLAIMS_PER_PAGE"]
    rows = db.session.scalars(claims_newest_first().limit(per_page + 1).offset((page - 1) * per_page)).all()
    return render_template("editor/claims.html", claims=rows[:per_page], page=page, has_next=len(rows) > per_page)


@bp.route("/articles")
@roles_required(*ANY_ROLE)
def articles():
    """The latest ingested articles with how many candidates wait for a decision."""
    rows = db.session.execute(ingest_service.recent_articles()).all()
    return render_template("editor/articles.html", rows=rows)


def _article_from_form(form: IngestForm):
    config = current_app.config
    if form.url.data:
        page = fetch(form.url.data, allowed_networks=config["FETCH_ALLOWED_NETWORKS"],
                     max_bytes=config["FETCH_MAX_BYTES"], timeout=config["FETCH_TIMEOUT_SECONDS"])
        article = article_from_page(page)
        if not article.url:
            from dataclasses import replace

            article = replace(article, url=page.url)
        return article, "url"
    if form.file.data:
        upload = form.file.data
        body = upload.read(config["ARTICLE_MAX_BYTES"] + 1)
        if len(body) > config["ARTICLE_MAX_BYTES"]:
            raise FetchError(f"The file is larger than {config['ARTICLE_MAX_BYTES'] // (1024 * 1024)} MB.")
        return article_from_upload(upload.filename or "", body), "file"
    limit = config["ARTICLE_MAX_BYTES"]
    if len(form.text.data.encode("utf-8", "surrogatepass")) > limit:
        size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} kB"
        raise FetchError(f"The pasted text is larger than {size}: paste the article alone, or split it.")
    return article_from_text(form.text.data, title=form.title.data or None), "text"


@bp.route("/articles/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def ingest():
    """Paste, upload or fetch an article; its candidates open on the review screen."""
    form = IngestForm()
    status = 200
    if form.validate_on_submit():
        from dataclasses import replace

        try:
            article_text, field = _article_from_form(form)
        except FetchError as error:
            field = "url" if form.url.data else "file" if form.file.data else "text"
            getattr(form, field).errors = list(getattr(form, field).errors) + [str(error)]
            return _ingest_page(form), 422
        if form.title.data:
            article_text = replace(article_text, title=form.title.data)
        if form.publisher.data:
            article_text = replace(article_text, publisher=form.publisher.data)
        article, created = ingest_service.ingest_article(db.session, article_text, current_user,
                                                         current_app.config["ARTICLE_MAX_CANDIDATES"])
        if created:
            # the top match score of each candidate is kept here, in this POST: the review page only reads
            ingest_service.matches_for(db.session, ingest_service.article_appearances(db.session, article.id),
                                       current_app.extensions["ingest_match_settings"], 1)
        db.session.commit()
        if not created:
            flash("This article was ingested before: here is what was found and decided.", "info")
        return redirect(url_for("editor.article", article_id=article.id))
    if request.method == "POST":
        status = 422
    return _ingest_page(form), status


def _ingest_page(form: IngestForm) -> str:
    config = current_app.config
    return render_template("editor/ingest.html", form=form, max_candidates=config["ARTICLE_MAX_CANDIDATES"],
                           max_mb=config["ARTICLE_MAX_BYTES"] // (1024 * 1024))


def _review_form(appearances, matches, form: ReviewForm | None = None) -> ReviewForm:
    if form is not None:
        return form
    form = ReviewForm()
    same = match_settings().thresholds.same_claim
    for appearance in appearances:
        best = next((m for m in matches.get(appearance.id, []) if m.score >= same), None)
        # a suggestion fills in the claim number, never the decision: nothing is linked unless the editor says so
        form.candidates.append_entry({
            "appearance_id": str(appearance.id),
            "action": "",
            "claim_id": str(appearance.claim_id or (best.claim_id if best else "")),
            "stance": (appearance.stance.value if appearance.stance else "repeats"),
            "text": canonical_words(appearance.sentence, appearance.is_quote),
            "speaker": appearance.speaker_text or "",
            "reason": "",
        })
    return form


def _suggested_links(appearances, matches, same: float) -> list[tuple[Appearance, int]]:
    """Undecided candidates whose best match is in the same-claim band, with that claim."""
    out = []
    for appearance in appearances:
        if appearance.status != AppearanceStatus.PENDING:
            continue
        best = next((m for m in matches.get(appearance.id, []) if m.score >= same), None)
        if best is not None:
            out.append((appearance, best.claim_id))
    return out


CONTEXT_CHARS = 300   # of the paragraph on each side of a candidate, under "In context"


def _context(paragraph: str, sentence: str) -> str:
    """The sentence with some of its paragraph around it, never the whole of a huge paragraph."""
    at = paragraph.find(sentence)
    if at < 0 or len(paragraph) <= len(sentence) + 2 * CONTEXT_CHARS:
        return paragraph if len(paragraph) <= 2000 else ""
    start, end = max(0, at - CONTEXT_CHARS), min(len(paragraph), at + len(sentence) + CONTEXT_CHARS)
    return ("\u2026" if start else "") + paragraph[start:end] + ("\u2026" if end < len(paragraph) else "")


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _page_of(everything: list) -> tuple[int, list]:
    """The page the request asks for (?page=N, clamped) and its candidates."""
    size = current_app.config["REVIEW_PAGE_SIZE"]
    page = min(_page(), max(1, -(-len(everything) // size)))
    return page, everything[(page - 1) * size:page * size]


def _render_article(article: Article, form: ReviewForm | None = None, status: int = 200):
    everything = ingest_service.article_appearances(db.session, article.id)
    size = current_app.config["REVIEW_PAGE_SIZE"]
    page, appearances = _page_of(everything)
    # a GET reads: matching here writes nothing (the scores were kept when the article was ingested)
    matches = ingest_service.matches_for(db.session, appearances, current_app.extensions["ingest_match_settings"],
                                         current_app.config["INGEST_MATCHES_PER_CANDIDATE"], record=False)
    form = _review_form(appearances, matches, form)
    entries = {entry.form.appearance_id.data: entry.form for entry in form.candidates}
    paragraphs = ingest_service.paragraphs_of(article)
    rows = [
        (a, matches.get(a.id, []), entries.get(str(a.id)),
         _context(paragraphs[a.paragraph], a.sentence)
         if a.paragraph is not None and 0 <= a.paragraph < len(paragraphs) else "",
         label_of(a.checkworthiness), worthiness_cues(a.sentence))
        for a in appearances
    ]
    same = match_settings().thresholds.same_claim
    suggested = _suggested_links(appearances, matches, same)
    # low check-worthiness sentences nobody decided on fold behind "show all"; the rest lead
    shown = [r for r in rows if r[4] != "low" or r[0].status != AppearanceStatus.PENDING]
    folded = [r for r in rows if r[4] == "low" and r[0].status == AppearanceStatus.PENDING]
    accept = AcceptSuggestionsForm(expected=str(len(suggested)))
    pager = pager_links("editor.article", page, page * size < len(everything), article_id=article.id)
    return render_template("editor/article.html", article=article, rows=rows, shown=shown, folded=folded,
                           form=form, accept=accept, suggested=len(suggested), pager=pager, page=page,
                           total=len(everything),
                           same=match_settings().thresholds.same_claim,
                           can_decide=current_user.role in EDITORS), status


@bp.route("/articles/<int:article_id>")
@roles_required(*ANY_ROLE)
def article(article_id: int):
    """The review screen: candidates ranked, their speakers, scores, sentences in context and matches."""
    found = db.session.get(Article, article_id) or abort(404)
    return _render_article(found)


@bp.route("/articles/<int:article_id>/decisions", methods=["POST"])
@roles_required(*EDITORS)
def decide(article_id: int):
    """Apply the decisions on several candidates at once (link, new claim, dismiss)."""
    found = db.session.get(Article, article_id) or abort(404)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_article(found, form, 422)
    by_id = {a.id: a for a in db.session.scalars(select(Appearance).where(Appearance.article_id == found.id))}
    done = 0
    failed = False
    for entry in form.candidates:
        sub = entry.form
        action = sub.action.data
        if not action:
            continue
        try:
            appearance = by_id.get(int(sub.appearance_id.data))
        except (TypeError, ValueError):
            appearance = None
        if appearance is None:
            abort(400)
        try:
            stance = Stance(sub.stance.data or "repeats")
            if action == "link":
                ingest_service.link_appearance(db.session, appearance, claim_number(sub.claim_id.data),
                                               current_user, stance)
            elif action == "new":
                ingest_service.create_claim_from_appearance(db.session, appearance, sub.text.data, sub.speaker.data,
                                                            current_user, stance)
            elif action == "dismiss":
                ingest_service.dismiss_appearance(db.session, appearance, current_user, sub.reason.data)
            done += 1
        except ingest_service.DecisionError as error:
            field = sub.claim_id if action == "link" else sub.text
            field.errors = list(field.errors) + [str(error)]
            failed = True
    if failed:
        db.session.rollback()
        return _render_article(found, form, 422)
    db.session.commit()
    flash(f"Saved {done} decision(s)." if done else "No decision was chosen.", "info")
    return redirect(url_for("editor.article", article_id=found.id, page=_page()))


@bp.route("/articles/<int:article_id>/accept-suggestions", methods=["POST"])
@roles_required(*EDITORS)
def accept_suggestions(article_id: int):
    """Link every undecided candidate to its suggested same-claim match as a repeat (an explicit, counted action)."""
    found = db.session.get(Article, article_id) or abort(404)
    form = AcceptSuggestionsForm()
    if not form.validate_on_submit():
        abort(400)
    page, appearances = _page_of(ingest_service.article_appearances(db.session, found.id))
    matches = ingest_service.matches_for(db.session, appearances, current_app.extensions["ingest_match_settings"],
                                         current_app.config["INGEST_MATCHES_PER_CANDIDATE"])
    suggested = _suggested_links(appearances, matches, match_settings().thresholds.same_claim)
    if str(len(suggested)) != (form.expected.data or ""):
        db.session.rollback()
        flash("The suggestions changed since the page was shown (someone decided some of them): nothing was "
              "linked. Check the list again.", "error")
        return redirect(url_for("editor.article", article_id=found.id, page=page))
    for appearance, claim_id in suggested:
        ingest_service.link_appearance(db.session, appearance, claim_id, current_user, Stance.REPEATS)
    db.session.commit()
    flash(f"Linked {len(suggested)} suggested match(es) as repeats.", "info")
    return redirect(url_for("editor.article", article_id=found.id, page=page))


from . import workspace  # noqa: E402,F401  (routes on bp)
from . import dashboard  # noqa: E402,F401  (the editor home, on bp)
from ..reader_requests import editor_views  # noqa: E402,F401  (triage of reader requests, on bp)
