"""Public pages: home and search, claim pages, speakers, topics, the Atom feed, sitemaps, the ClaimReview feed.

Only published verdicts are shown (services/public.py decides what is public).  Pages work without
JavaScript; the only <script> is the ClaimReview JSON-LD, which is data.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, NoReturn

from flask_babel import format_number, gettext
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from ..auth import limiter
from ..db import db
from ..markdown import render_markdown
from ..paging import pager_links
from ..services import public as public_service
from ..services.claimreview import claim_review, claimreview_feed_chunks, json_for_script, rating_words
from ..services.public import MAX_PAGE, PAGE_SIZE, clean_text
from ..services.scorecard import rating_counts, scorecard
from ..verdicts import VerdictScale
from .caching import validated
from .forms import FilterForm

bp = Blueprint("public", __name__)
# Ids above this are no claim of ours (and would overflow the database's integer).
MAX_ID = 2_147_483_647


def scale() -> VerdictScale:
    """The instance's verdict scale."""
    return current_app.extensions["verdict_scale"]


def publisher() -> dict[str, str]:
    """The ClaimReview author organisation, from PUBLISHER_NAME and PUBLISHER_URL."""
    return {"name": current_app.config["PUBLISHER_NAME"], "url": current_app.config["PUBLISHER_URL"]}


def fail(code: int, message: str) -> NoReturn:
    """Stop with an error page (or JSON for a client that asks for it) in the site's look."""
    if request.accept_mimetypes.best == "application/json":
        abort(make_response(jsonify(error=message, status=code), code))
    abort(make_response(render_template("errors/error.html", code=code, message=message), code))


def claim_url(claim_id: int, slug: str, external: bool = False) -> str:
    """The canonical address of a claim page."""
    return url_for("public.claim", claim_id=claim_id, slug=slug, _external=external)


def page_size() -> int:
    """Claims per list page (config PUBLIC_PAGE_SIZE, default 20)."""
    return int(current_app.config.get("PUBLIC_PAGE_SIZE") or PAGE_SIZE)


def page_arg() -> int:
    """The ?page= argument: 1 when absent; 400 when not a number, 404 past the last page we serve."""
    raw = request.args.get("page", "").strip()
    if not raw:
        return 1
    if not raw.isdecimal() or len(raw) > 12 or int(raw) < 1:
        fail(400, gettext("The page must be a whole number, like 2."))
    page = int(raw)
    if page > MAX_PAGE:
        fail(404, gettext("There is no page %(page)s: lists stop at page %(last)s. Narrow them with the filters.",
                         page=format_number(page), last=format_number(MAX_PAGE)))
    return page


def _page_only() -> dict[str, str]:
    """The page argument to carry over a redirect (and nothing else a client sent)."""
    page = request.args.get("page", "")
    return {"page": page} if page.isdecimal() and len(page) <= 12 else {}


def resolve_speaker(text: str):
    """A speaker by id (digits) or by name or alias; None when nobody public goes by it."""
    text = clean_text(text)
    if text.isdecimal() and len(text) <= 9:
        return public_service.public_speaker(db.session, int(text))
    return public_service.find_speaker(db.session, text)


def _search_rate_limit() -> str:
    return current_app.config["SEARCH_RATE_LIMIT"]


@bp.route("/")
@limiter.limit(_search_rate_limit, exempt_when=lambda: not (request.args.get("q") or "").strip())
@validated
def home():
    """The latest verdicts, or the published claims that match what the reader typed, with filters."""
    topics = public_service.public_topics(db.session)
    form = FilterForm(request.args, scale().choices(), topics)
    context: dict[str, Any] = {"form": form, "results": [], "searching": bool(form.q.data), "page": 1,
                               "prev_url": None, "next_url": None, "unknown_speaker": None}
    if not form.validate():
        return render_template("public/home.html", invalid=True, **context), 400
    page = form.page.data or 1
    if page > MAX_PAGE:
        fail(404, gettext("There is no page %(page)s: lists stop at page %(last)s. Narrow them with the filters.",
                         page=format_number(page), last=format_number(MAX_PAGE)))
    speaker = resolve_speaker(form.speaker.data) if form.speaker.data else None
    context.update(page=page, searching=bool(form.q.data))
    if form.speaker.data and speaker is None:
        context["unknown_speaker"] = form.speaker.data
        return render_template("public/home.html", invalid=False, **context)
    filters = form.filters(speaker.id if speaker else None)
    if form.q.data:
        hits = public_service.search(db.session, form.q.data, filters, current_app.extensions["match_settings"])
        size = page_size()
        results = hits[(page - 1) * size: page * size]
        has_next = len(hits) > page * size
    else:
        listing = public_service.latest(db.session, filters, page, page_size())
        results, has_next = listing.rows, listing.has_next
    if page > 1 and not results:
        fail(404, gettext("There is no page %(page)s of this list.", page=format_number(page)))
    args = form.args()
    context.update(
        results=results, filtered=filters.active,
        **pager_links("public.home", page, has_next, **args),
    )
    return render_template("public/home.html", invalid=False, **context)


@bp.route(f"/claims/<int(max={MAX_ID}):claim_id>")
@bp.route(f"/claims/<int(max={MAX_ID}):claim_id>-<slug>")
def claim(claim_id: int, slug: str | None = None):
    """A published claim with its verdict; old slugs and merged claims move (301) to the canonical URL."""
    page, followed = public_service.public_claim(db.session, claim_id)
    if page is None:
        fail(404, gettext("There is no published fact-check at this address."))
    if followed or slug != page.slug:
        return redirect(claim_url(page.id, page.slug), 301)
    canonical = claim_url(page.id, page.slug, external=True)
    review = claim_review(page, scale(), canonical, publisher())
    return render_template(
        "public/claim.html", claim=page, canonical=canonical, explanation=render_markdown(page.explanation),
        verdict_words=(page.rating_text if page.review and page.rating_text
                       else rating_words(scale(), page.rating, page.rating_text)),
        jsonld=json_for_script(review), publisher=publisher(),
    )


@bp.route("/speakers")
def speakers():
    """Everyone with a published fact-check, by name."""
    page = page_arg()
    rows, has_next = public_service.public_speakers(db.session, page)
    if page > 1 and not rows:
        fail(404, gettext("There is no page %(page)s of speakers.", page=format_number(page)))
    return render_template(
        "public/speakers.html", speakers=[(sid, name, public_service.slugify(name)) for sid, name in rows],
        page=page, **pager_links("public.speakers", page, has_next),
    )


@bp.route(f"/speakers/<int(max={MAX_ID}):speaker_id>")
@bp.route(f"/speakers/<int(max={MAX_ID}):speaker_id>-<slug>")
def speaker(speaker_id: int, slug: str | None = None):
    """A speaker's published fact-checks and their scorecard."""
    person = public_service.public_speaker(db.session, speaker_id)
    if person is None:
        fail(404, gettext("There is no speaker with published fact-checks at this address."))
    canonical_slug = public_service.slugify(person.name)
    if slug != canonical_slug:
        return redirect(url_for("public.speaker", speaker_id=person.id, slug=canonical_slug, **_page_only()), 301)
    page = page_arg()
    filters = public_service.PublicFilters(speaker_id=person.id)
    listing = public_service.latest(db.session, filters, page, page_size())
    if page > 1 and not listing.rows:
        fail(404, gettext("There is no page %(page)s of claims by %(name)s.", page=format_number(page), name=person.name))
    card = scorecard(rating_counts(db.session, filters), scale(), person.name)
    here = {"speaker_id": person.id, "slug": canonical_slug}
    return render_template(
        "public/speaker.html", speaker=person, listing=listing, scorecard=card,
        canonical=url_for("public.speaker", **here, _external=True),
        **pager_links("public.speaker", page, listing.has_next, **here),
    )


@bp.route("/topics")
def topics():
    """Every topic with a published fact-check."""
    rows = public_service.public_topics(db.session)
    return render_template("public/topics.html",
                           topics=[(tid, name, public_service.slugify(name)) for tid, name in rows])


@bp.route(f"/topics/<int(max={MAX_ID}):topic_id>")
@bp.route(f"/topics/<int(max={MAX_ID}):topic_id>-<slug>")
def topic(topic_id: int, slug: str | None = None):
    """The published fact-checks filed under a topic, newest first."""
    subject = public_service.public_topic(db.session, topic_id)
    if subject is None:
        fail(404, gettext("There is no topic with published fact-checks at this address."))
    canonical_slug = public_service.slugify(subject.name)
    if slug != canonical_slug:
        return redirect(url_for("public.topic", topic_id=subject.id, slug=canonical_slug, **_page_only()), 301)
    page = page_arg()
    listing = public_service.latest(db.session, public_service.PublicFilters(topic_id=subject.id), page,
                                   page_size())
    if page > 1 and not listing.rows:
        fail(404, gettext("There is no page %(page)s of this topic.", page=format_number(page)))
    here = {"topic_id": subject.id, "slug": canonical_slug}
    return render_template(
        "public/topic.html", topic=subject, listing=listing,
        **pager_links("public.topic", page, listing.has_next, **here),
    )


@bp.route("/feed.atom")
def feed():
    """An Atom feed of the latest published verdicts."""
    from feedgen.feed import FeedGenerator

    home_url = url_for("public.home", _external=True)
    cards = public_service.feed_cards(db.session)
    now = datetime.now(timezone.utc)
    generator = FeedGenerator()
    generator.id(home_url)
    generator.title(f"{clean_text(publisher()['name'])}: latest fact-checks")
    generator.subtitle("Claims checked and published by the newsroom, newest first.")
    generator.link(href=url_for("public.feed", _external=True), rel="self")
    generator.link(href=home_url, rel="alternate")
    generator.author({"name": clean_text(publisher()["name"]), "uri": publisher()["url"]})
    generator.language("en")
    generator.updated(max((c.published_at for c in cards if c.published_at), default=now))
    for card in cards:
        words = rating_words(scale(), card.rating, card.rating_text) or "Checked"
        url = claim_url(card.id, card.slug, external=True)
        entry = generator.add_entry(order="append")
        entry.id(url)
        entry.link(href=url)
        entry.title(clean_text(f"{words}: {card.text}")[:300])
        speaker = f"{card.speaker_name} said: " if card.speaker_name else ""
        entry.summary(clean_text(f"{speaker}{card.text} Verdict: {words}. {card.summary or ''}"))
        entry.published(card.published_at or now)
        entry.updated(card.published_at or now)
        entry.category(term=card.rating or "other", label=words)
    return Response(generator.atom_str(pretty=True), mimetype="application/atom+xml")


@bp.route("/sitemap.xml")
def sitemap_index():
    """The sitemap index: the fixed pages, then the claims a block of ids at a time."""
    blocks = public_service.sitemap_blocks(db.session)
    files = [url_for("public.sitemap_pages", _external=True)] + [
        url_for("public.sitemap_claims", block=n, _external=True) for n in range(blocks)
    ]
    return Response(render_template("public/sitemap_index.xml", files=files), mimetype="application/xml")


@bp.route("/sitemaps/pages.xml")
def sitemap_pages():
    """Home, speakers and topics."""
    urls = [url_for("public.home", _external=True), url_for("public.speakers", _external=True),
            url_for("public.topics", _external=True)]
    urls += [url_for("public.topic", topic_id=tid, slug=public_service.slugify(name), _external=True)
             for tid, name in public_service.public_topics(db.session)]
    page, after = [], 0
    while True:  # every public speaker, by id, without holding more than a batch at a time
        rows, more = public_service.public_speakers(db.session, per_page=5000, after_id=after)
        page += [url_for("public.speaker", speaker_id=sid, slug=public_service.slugify(name), _external=True)
                 for sid, name in rows]
        if not more:
            break
        after = rows[-1][0]
    return Response(render_template("public/sitemap.xml", urls=[(u, None) for u in urls + page]),
                    mimetype="application/xml")


@bp.route("/sitemaps/claims-<int(max=100000):block>.xml")
def sitemap_claims(block: int):
    """The published claims whose ids fall in one block (at most 50,000 URLs)."""
    if block >= public_service.sitemap_blocks(db.session):
        fail(404, "There is no such sitemap.")
    base = url_for("public.home", _external=True).rstrip("/")
    urls = ((base + claim_url(cid, slug), moment.date().isoformat() if moment else None)
            for cid, slug, moment in public_service.sitemap_claims(db.session, block))
    return Response(render_template("public/sitemap.xml", urls=urls), mimetype="application/xml")


@bp.route("/claimreview.json")
def claimreview_feed():
    """Every published fact-check as a schema.org DataFeed of ClaimReviews (`flask claims import` reads it)."""
    base = url_for("public.home", _external=True).rstrip("/")
    chunks = claimreview_feed_chunks(
        db.session, scale(), publisher(), lambda cid, slug: base + claim_url(cid, slug)
    )
    response = Response(stream_with_context(chunks), mimetype="application/ld+json")
    response.headers["Content-Disposition"] = 'inline; filename="claimreview.json"'
    return response

