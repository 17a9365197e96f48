"""Editor pages: the claim list, ingesting articles, and the article review screen."""

from __future__ import annotations

from flask_babel import format_number, gettext
from flask_babel import lazy_gettext as _l
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..i18n import STATUS_WORDS
from ..auth import roles_required
from ..db import db
from ..paging import pager_links
from ..extraction.checkworthiness import cues as worthiness_cues, label_of
from ..extraction.matchable import canonical_words
from ..models import Appearance, AppearanceStatus, Article, Role, Stance, VerdictStatus
from ..services import claim_list
from ..services import claims as claims_service
from ..services import ingest as ingest_service
from ..services.matching import MatchSettings
from ..translatable import english
from ..webpage import FetchError, article_from_page, article_from_text, article_from_upload, fetch
from .forms import (
    AcceptSuggestionsForm, ClaimFilterForm, IngestForm, MatchAgainForm, NewClaimForm, ReviewForm, claim_number,
)

bp = Blueprint("editor", __name__, url_prefix="/editor")
ANY_ROLE = (Role.ADMIN, Role.EDITOR, Role.REVIEWER)
EDITORS = (Role.ADMIN, Role.EDITOR)


def match_settings() -> MatchSettings:
    """The instance's match settings (bands, candidates, postings bound)."""
    return current_app.extensions["match_settings"]


STATUS_LABELS = {status.value: STATUS_WORDS[status.value] for status in VerdictStatus}
SORT_LABELS = {"newest": _l("Newest"), "score": _l("Match score"), "claim": _l("Claim"), "speaker": _l("Speaker"),
               "status": _l("Status"), "verdict": _l("Verdict"), "assignee": _l("Assigned to"),
               "updated": _l("Last updated")}


def _claim_filter_form() -> ClaimFilterForm:
    scale = current_app.extensions["verdict_scale"]
    return ClaimFilterForm(
        request.args, statuses=list(STATUS_LABELS.items()),
        verdicts=[*scale.choices(), (claim_list.UNRATED, "Not rated yet")],
        topics=claim_list.topic_choices(db.session), assignees=claim_list.assignee_choices(db.session),
        sorts=[("", _l("Default"))] + [(key, SORT_LABELS[key]) for key in claim_list.SORTS])


def _claim_filters(form: ClaimFilterForm) -> claim_list.ClaimFilters:
    assignee = form.assignee.data or None
    return claim_list.ClaimFilters(
        text=form.q.data or None,
        status=VerdictStatus(form.status.data) if form.status.data else None,
        rating=form.verdict.data or None,
        speaker=form.speaker.data or None,
        topic_id=int(form.topic.data) if form.topic.data else None,
        assignee=assignee if assignee in (None, claim_list.NOBODY) else int(assignee),
        date_field=form.date_field.data or "updated",
        since=form.since.data, until=form.until.data,
    )


def _sort_links(args: dict[str, str], sort: str, descending: bool) -> dict[str, str]:
    """Each column header's link: that column in its usual direction, or the other way when it is the current one."""
    links = {}
    for key in claim_list.SORTS:
        wanted = {**args, "sort": key}
        wanted.pop("order", None)
        if key == sort:
            wanted["order"] = "asc" if descending else "desc"
        links[key] = url_for("editor.claims", **wanted)
    return links


@bp.route("/claims")
@roles_required(*ANY_ROLE)
def claims():
    """The claim list: search through the matcher, filters, sortable columns, a page at a time."""
    form = _claim_filter_form()
    context = {"form": form, "claims": [], "page": 1, "pager": {}, "matched": None, "sort": "", "descending": True,
               "args": {}, "filtered": False, "narrowed": False, "sort_links": {}, "can_write": current_user.role in EDITORS, "errors": [],
               "sort_labels": SORT_LABELS, "status_labels": STATUS_LABELS}
    if not form.validate():
        context["errors"] = [error for errors in form.errors.values() for error in errors]
        return render_template("editor/claims.html", **context), 400
    page = form.page.data or 1
    if page > claim_list.MAX_PAGE:
        context["errors"] = [gettext("There is no page %(page)s: the list stops at page %(last)s. "
                                     "Narrow it with the search or the filters.", page=format_number(page),
                                     last=format_number(claim_list.MAX_PAGE))]
        return render_template("editor/claims.html", **context), 400
    filters = _claim_filters(form)
    sort = form.sort.data or ("score" if filters.text else "newest")
    if sort == "score" and not filters.text:
        sort = "newest"  # a match score needs a search: the list stays newest first, and says so by its header
    descending = (form.order.data or claim_list.SORTS[sort]) == "desc"
    listing = claim_list.list_claims(db.session, filters, sort, descending, page,
                                     current_app.config["CLAIMS_PER_PAGE"], current_app.extensions["verdict_scale"],
                                     match_settings())
    args = form.args()
    context.update(claims=listing.rows, page=page, matched=listing.matched, sort=sort, descending=descending,
                   args=args, filtered=filters.active or bool(filters.text), narrowed=filters.active,
                   sort_links=_sort_links(args, sort, descending),
                   pager=pager_links("editor.claims", page, listing.has_next,
                                     **{k: v for k, v in args.items() if k != "page"}))
    if page > 1 and not listing.rows:
        context["errors"] = [gettext("There is no page %(page)s of this list.", page=format_number(page))]
        return render_template("editor/claims.html", **context), 404
    return render_template("editor/claims.html", **context)


@bp.route("/claims/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_claim():
    """Open a claim by hand (not from an article): it starts with a new verdict and is matchable at once."""
    form = NewClaimForm()
    if form.validate_on_submit():
        data = claims_service.NewClaim(
            text=form.text.data, speaker=form.speaker.data or None,
            topics=tuple((form.topics.data or "").split(",")), claim_date=form.claim_date.data,
            url=form.url.data or None, lang=form.lang.data or None)
        try:
            claim, new_speaker = claims_service.create_claim(db.session, data, current_user)
        except claims_service.ClaimInputError as error:
            db.session.rollback()
            field = form.url if "address" in english(error) else form.text
            field.errors = list(field.errors) + [str(error)]
            return render_template("editor/new_claim.html", form=form), 422
        db.session.commit()
        message = gettext("Claim #%(id)s opened; its verdict is new.", id=claim.id)
        if new_speaker and claim.speaker:
            message += " " + gettext("Speaker %(name)s was added.", name=claim.speaker.name)
        flash(message, "info")
        return redirect(url_for("editor.claim", claim_id=claim.id))
    return render_template("editor/new_claim.html", form=form), 422 if request.method == "POST" else 200


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
            raise FetchError(gettext("The file is larger than %(size)s MB.",
                                     size=config["ARTICLE_MAX_BYTES"] // (1024 * 1024)))
        return article_from_upload(upload.filename or "", body), "file"
    limit = config["ARTICLE_MAX_BYTES"]
    if len(form.text.data.encode("utf-8", "surrogatepass")) > limit:
        size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} kB"
        raise FetchError(gettext("The pasted text is larger than %(size)s: paste the article alone, or split it.",
                                 size=size))
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
        if form.lang.data:
            article_text = replace(article_text, lang=form.lang.data)
        article, created = ingest_service.ingest_article(db.session, article_text, current_user,
                                                         current_app.config["ARTICLE_MAX_CANDIDATES"])
        if created:
            # the matches of every candidate are found and kept here, in this POST: the review page only reads them
            ingest_service.matches_for(db.session, ingest_service.article_appearances(db.session, article.id),
                                       current_app.extensions["ingest_match_settings"],
                                       current_app.config["INGEST_MATCHES_PER_CANDIDATE"])
        db.session.commit()
        if not created:
            flash(gettext("This article was ingested before: here is what was found and decided."), "info")
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


def _page_of(article_id: int) -> tuple[int, list[Appearance], int]:
    """The page the request asks for (?page=N, clamped), its candidates, and how many the article has."""
    size = current_app.config["REVIEW_PAGE_SIZE"]
    total = ingest_service.count_appearances(db.session, article_id)
    page = min(_page(), max(1, -(-total // size)))
    return page, ingest_service.article_appearances(db.session, article_id, (page - 1) * size, size), total


def _render_article(article: Article, form: ReviewForm | None = None, status: int = 200):
    size = current_app.config["REVIEW_PAGE_SIZE"]
    page, appearances, total = _page_of(article.id)
    # a GET reads: the matches were found and kept when the article was ingested (or matched again)
    matches = ingest_service.stored_matches(db.session, appearances, current_app.config["INGEST_MATCHES_PER_CANDIDATE"])
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
    again = MatchAgainForm()
    pager = pager_links("editor.article", page, page * size < total, article_id=article.id)
    return render_template("editor/article.html", article=article, rows=rows, shown=shown, folded=folded,
                           form=form, accept=accept, again=again, suggested=len(suggested), pager=pager, page=page,
                           total=total,
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
    flash(gettext("Saved %(num)s decision(s).", num=done) if done else gettext("No decision was chosen."), "info")
    return redirect(url_for("editor.article", article_id=found.id, page=_page()))


@bp.route("/articles/<int:article_id>/accept-suggestions", methods=["POST"])
@roles_required(*EDITORS)
def accept_suggestions(article_id: int):
    """Link every undecided candidate to its suggested same-claim match as a repeat (an explicit, counted action)."""
    found = db.session.get(Article, article_id) or abort(404)
    form = AcceptSuggestionsForm()
    if not form.validate_on_submit():
        abort(400)
    page, appearances, _ = _page_of(found.id)
    # exactly what the page showed: the kept matches, not a fresh search that may have moved since
    matches = ingest_service.stored_matches(db.session, appearances, current_app.config["INGEST_MATCHES_PER_CANDIDATE"])
    suggested = _suggested_links(appearances, matches, match_settings().thresholds.same_claim)
    if str(len(suggested)) != (form.expected.data or ""):
        db.session.rollback()
        flash(gettext("The suggestions changed since the page was shown (someone decided some of them): nothing "
                      "was linked. Check the list again."), "error")
        return redirect(url_for("editor.article", article_id=found.id, page=page))
    for appearance, claim_id in suggested:
        ingest_service.link_appearance(db.session, appearance, claim_id, current_user, Stance.REPEATS)
    db.session.commit()
    flash(gettext("Linked %(num)s suggested match(es) as repeats.", num=len(suggested)), "info")
    return redirect(url_for("editor.article", article_id=found.id, page=page))


@bp.route("/articles/<int:article_id>/match-again", methods=["POST"])
@roles_required(*EDITORS)
def match_again(article_id: int):
    """Search the archive again for this page's candidates (claims checked since the article came in), and keep it."""
    found = db.session.get(Article, article_id) or abort(404)
    form = MatchAgainForm()
    if not form.validate_on_submit():
        abort(400)
    page, appearances, _ = _page_of(found.id)
    ingest_service.matches_for(db.session, appearances, current_app.extensions["ingest_match_settings"],
                               current_app.config["INGEST_MATCHES_PER_CANDIDATE"])
    db.session.commit()
    flash(gettext("Matched the %(num)s sentence(s) on this page against the archive again.", num=len(appearances)),
          "info")
    return redirect(url_for("editor.article", article_id=found.id, page=page))


from . import workspace  # noqa: E402,F401  (routes on bp)
from . import dashboard  # noqa: E402,F401  (the editor home, on bp)
from . import monitoring  # noqa: E402,F401  (monitored sources and alerts, on bp)
