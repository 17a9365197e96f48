"""The read-only JSON API v1: published claims, speakers, topics and the matcher, rate-limited.

Everything here answers in JSON, errors included ({"error": "...", "status": N}).  The API sets no
cookies and changes nothing, so it is exempt from CSRF (create_app) and open to other origins.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Blueprint, abort, current_app, jsonify, make_response, request, url_for
from werkzeug.exceptions import HTTPException

from ..auth import limiter
from ..db import db
from ..errors import MESSAGES
from ..markdown import render_markdown
from ..public.forms import FilterForm
from ..public.views import MAX_ID, claim_url, publisher, scale
from ..services import public as public_service
from ..services.claimreview import claim_review, rating_words
from ..services.public import MAX_SEARCH_CHARS, ClaimCard, ClaimPage, PublicInputError, clean_text
from ..services.scorecard import rating_counts, scorecard
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
DEFAULT_LIMIT = 20


def rate_limit() -> str:
    """The API's rate limit per client address (config API_RATE_LIMIT, Flask-Limiter syntax)."""
    return current_app.config.get("API_RATE_LIMIT", "60 per minute")


# One budget for the whole API per client address, not one per endpoint.
limiter.shared_limit(rate_limit, scope="api-v1")(bp)


def fail(code: int, message: str) -> NoReturn:
    """Stop with a JSON error."""
    abort(make_response(jsonify(error=message, status=code), code))


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    code = error.code or 500
    if code == 429:
        message = f"Too many requests: this API allows {error.description} per client. Wait and try again."
    else:
        message = str(MESSAGES.get(code, "The request could not be handled."))
    return jsonify(error=message, status=code), code


@bp.after_request
def _headers(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response  # Cache-Control, ETag and Last-Modified: public/caching.py (API_MAX_AGE)


# --- arguments ------------------------------------------------------------------------------------------------


def limit_arg() -> int:
    """?limit=: 1..100, default 20."""
    raw = request.args.get("limit", "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdecimal() or not 1 <= int(raw[:6]) <= public_service.API_MAX_LIMIT:
        fail(400, f"limit must be a whole number from 1 to {public_service.API_MAX_LIMIT}.")
    return int(raw)


def cursor_arg() -> int | None:
    """?cursor=: the next_cursor of the previous page."""
    raw = request.args.get("cursor", "").strip()
    if not raw:
        return None
    try:
        return public_service.decode_cursor(raw[:100])
    except PublicInputError as error:
        fail(400, str(error))


def filters_arg() -> public_service.PublicFilters:
    """verdict, speaker (id or name), topic (id), since, until: as the search form takes them."""
    form = FilterForm(request.args, scale().choices(), public_service.public_topics(db.session))
    if not form.validate():
        fail(400, form.first_error())
    speaker_id = None
    if form.speaker.data:
        text = form.speaker.data
        speaker = (public_service.public_speaker(db.session, int(text)) if text.isdecimal() and len(text) <= 9
                   else public_service.find_speaker(db.session, text))
        if speaker is None:
            fail(404, f"No speaker with published fact-checks is called {text[:80]!r}.")
        speaker_id = speaker.id
    return form.filters(speaker_id)


# --- shapes ---------------------------------------------------------------------------------------------------


def verdict_json(card: ClaimCard | ClaimPage) -> dict[str, Any]:
    """The verdict of a published claim on the public scale."""
    level = scale().get(card.rating)
    return {
        "rating": card.rating,
        "label": rating_words(scale(), card.rating, card.rating_text),
        "rating_value": level.rating_value if level else None,
        "best_rating": scale().best,
        "worst_rating": scale().worst,
        "summary": card.summary,
        "published_at": card.published_at.isoformat() if card.published_at else None,
    }


def speaker_json(speaker_id: int | None, name: str | None) -> dict[str, Any] | None:
    if speaker_id is None:
        return None
    slug = public_service.slugify(name)
    return {
        "id": speaker_id, "name": name,
        "url": url_for("public.speaker", speaker_id=speaker_id, slug=slug, _external=True),
        "api_url": url_for("api.speaker", speaker_id=speaker_id, _external=True),
    }


def claim_json(card: ClaimCard) -> dict[str, Any]:
    """A published claim as lists give it."""
    out = {
        "id": card.id,
        "url": claim_url(card.id, card.slug, external=True),
        "api_url": url_for("api.claim", claim_id=card.id, _external=True),
        "text": card.text,
        "speaker": speaker_json(card.speaker_id, card.speaker_name),
        "claim_date": card.claim_date.isoformat() if card.claim_date else None,
        "date_text": card.date_text,
        "verdict": verdict_json(card),
    }
    if card.score is not None:
        out["score"] = card.score
    return out


# --- endpoints ------------------------------------------------------------------------------------------------


@bp.route("/claims")
def claims():
    """Published claims, newest id first, filtered, a keyset page at a time."""
    filters = filters_arg()
    rows, next_id = public_service.api_claims(db.session, filters, cursor_arg(), limit_arg())
    return jsonify(
        claims=[claim_json(card) for card in rows],
        next_cursor=public_service.encode_cursor(next_id) if next_id else None,
    )


@bp.route("/claims/<int:claim_id>")
def claim(claim_id: int):
    """One published claim with its whole verdict; a merged claim answers 301 to the claim it joined."""
    page, followed = public_service.public_claim(db.session, claim_id) if claim_id <= MAX_ID else (None, False)
    if page is None:
        fail(404, f"There is no published fact-check with id {claim_id}.")
    if followed:
        response = jsonify(moved_to=url_for("api.claim", claim_id=page.id, _external=True))
        response.status_code = 301
        response.headers["Location"] = url_for("api.claim", claim_id=page.id, _external=True)
        return response
    canonical = claim_url(page.id, page.slug, external=True)
    return jsonify({
        "id": page.id,
        "url": canonical,
        "text": page.text,
        "title": page.title,
        "speaker": speaker_json(page.speaker_id, page.speaker_name),
        "claim_date": page.claim_date.isoformat() if page.claim_date else None,
        "date_text": page.date_text,
        "topics": [{"id": tid, "name": name} for tid, name, _ in page.topics],
        "verdict": {
            **verdict_json(page),
            "explanation": page.explanation,
            "explanation_html": render_markdown(page.explanation),
            "updated_at": page.updated_at.isoformat() if page.updated_at else None,
            "sources": [
                {"url": url, "title": title, "publisher": source_publisher,
                 "accessed_on": accessed.isoformat() if accessed else None}
                for url, title, source_publisher, accessed in page.sources
            ],
            "corrections": [
                {"note": c.note, "date": c.created_at.isoformat() if c.created_at else None} for c in page.corrections
            ],
        },
        "appearances": [
            {"url": a.url, "title": a.title, "publisher": a.publisher,
             "published_on": a.published_on.isoformat() if a.published_on else None, "sentence": a.sentence}
            for a in page.appearances
        ],
        # another organisation's review: who checked it, when, where to read it; null when the check is ours
        "checked_by": {
            "name": page.review.checked_by, "url": page.review.publisher_url or page.review.author_url,
            "review_url": page.review.url, "date_published": page.review.date_published,
            "date_modified": page.review.date_modified, "language": page.review.in_language,
        } if page.review else None,
        "claim_review": claim_review(page, scale(), canonical, publisher()),
    })


@bp.route("/speakers")
def speakers():
    """Speakers with a published claim, by id, a keyset page at a time."""
    rows, more = public_service.public_speakers(db.session, per_page=limit_arg(), after_id=cursor_arg() or 0)
    return jsonify(
        speakers=[speaker_json(sid, name) for sid, name in rows],
        next_cursor=public_service.encode_cursor(rows[-1][0]) if more and rows else None,
    )


@bp.route("/speakers/<int:speaker_id>")
def speaker(speaker_id: int):
    """One speaker with the count of each verdict on their published claims."""
    person = public_service.public_speaker(db.session, speaker_id) if speaker_id <= MAX_ID else None
    if person is None:
        fail(404, f"There is no speaker with published fact-checks with id {speaker_id}.")
    counts = rating_counts(db.session, public_service.PublicFilters(speaker_id=person.id))
    card = scorecard(counts, scale(), person.name)
    return jsonify({
        **speaker_json(person.id, person.name),
        "claims_url": url_for("api.claims", speaker=person.id, _external=True),
        "scorecard": {"total": card.total, "verdicts": [{"label": r.label, "count": r.count} for r in card.rows]},
    })


@bp.route("/topics")
def topics():
    """Topics with a published claim."""
    return jsonify(topics=[
        {"id": tid, "name": name,
         "url": url_for("public.topic", topic_id=tid, slug=public_service.slugify(name), _external=True),
         "claims_url": url_for("api.claims", topic=tid, _external=True)}
        for tid, name in public_service.public_topics(db.session)
    ])


@bp.route("/match", methods=["GET", "POST"])
def match():
    """Published fact-checks that say what a text says, best first, with 0-100 scores."""
    if request.method == "POST":
        body = request.get_json(silent=True)
        if body is None and request.form:
            body = request.form.to_dict()
        if not isinstance(body, dict):
            fail(400, 'Send a JSON object like {"text": "..."} with Content-Type: application/json.')
        text, limit = body.get("text"), body.get("limit", DEFAULT_LIMIT)
        if isinstance(limit, str) and limit.isdecimal():
            limit = int(limit)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= public_service.API_MAX_LIMIT:
            fail(400, f"limit must be a whole number from 1 to {public_service.API_MAX_LIMIT}.")
    else:
        text, limit = request.args.get("text"), limit_arg()
    if not isinstance(text, str) or not text.strip():
        fail(400, "Send the text to match in the 'text' field.")
    cleaned = clean_text(text)
    if not cleaned:
        fail(400, "The text has no words to match (only control characters).")
    if len(cleaned) > MAX_SEARCH_CHARS:
        fail(400, f"The text is {len(cleaned):,} characters long; the limit is {MAX_SEARCH_CHARS:,}.")
    hits = public_service.search(db.session, cleaned, public_service.PublicFilters(),
                                 current_app.extensions["match_settings"], limit=limit)
    return jsonify(text=cleaned, matches=[claim_json(card) for card in hits])


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document(url_for("api.openapi", _external=True).rsplit("/", 1)[0], rate_limit(),
                                    [level.key for level in scale()]))


@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str):  # noqa: ARG001 (the route passes the path; every path gets the same answer)
    """Anything else under /api/v1 is a JSON 404 that points at the description."""
    fail(404, f"There is no such API endpoint. The endpoints are described at {url_for('api.openapi')}.")
