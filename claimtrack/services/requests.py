"""Reader requests ("Ask us to check"): the instant answer, grouping, tracking links, triage and purging.

A reader's text is matched first against *published* claims (``services.public.search``, so nothing
unpublished can leak): at or above the "same claim" band the reader sees that check and the request is
kept as an "asked again" signal in the claim's group; otherwise it is queued with a tracking link.

Grouping.  A queued request is compared with earlier requests by the same matcher and bands that compare
articles with claims.  Each grouped request's search terms are stored in ``request_terms`` (an inverted
index in a plain table, the first ``INDEXED_PER_GROUP`` requests of a group), so a new request finds its
candidates with one indexed SQL query (the requests sharing most of its rarest terms), which
``matching.rank`` then scores against their texts; the best at "same" or above gives the group.  A plain
table rather than a second FTS index: it behaves the same on SQLite and PostgreSQL, needs no triggers, and
every process sees the same groups (nothing is held in memory between requests).  Term rarity is read
from the claims' term statistics, which are the best estimate of how telling a word is.

Tracking tokens are ``secrets.token_urlsafe(24)``; only their sha256 is stored, and a token is looked up
by its hash then compared in constant time.  Raw IP addresses are never stored (the rate limit is kept in
memory by Flask-Limiter).  Every function takes a Session, flushes and never commits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Sequence
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from .. import config as defaults
from ..matching import Candidate, CorpusStats, Match, Thresholds, rank, tokens
from ..models import (
    CheckRequest,
    Claim,
    OutboxMessage,
    RequestGroup,
    RequestGroupStatus,
    RequestTerm,
    Role,
    TermStat,
    User,
    VerdictStatus,
)
from ..search_index import corpus_stats
from . import audit, notifications
from . import public as public_service
from .matching import MatchSettings, match
from .public import ClaimCard, as_utc, clean_text
from ..translatable import Number, Text as _l, message

MAX_TEXT_CHARS = defaults.REQUESTS_MAX_TEXT_CHARS
MIN_TEXT_WORDS = 3
MAX_SEEN_CHARS = 500
MAX_EMAIL_CHARS = 254
MAX_REASON_CHARS = 200
# Candidates shown to the reader in the "related" band.
RELATED_SHOWN = 5
# Grouping: the rarest terms of a request asked of the inverted index, how many requests are ranked, and how
# many requests of one group are indexed (a group of 500 copies of one rumour needs no 500 index entries).
PLANNED_TERMS = 12
GROUP_CANDIDATES = 100
INDEXED_PER_GROUP = 20
# The best candidates (by the forward score) checked the other way round.
SYMMETRIC_CHECKS = 5
TRIAGE_PAGE_SIZE = 30
TRIAGE_SORTS = ("24h", "7d", "total", "latest")
PLACES_SHOWN = 5
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
_EMAIL = re.compile(r"[^@\s<>\"']{1,64}@[^@\s<>\"']+\.[^@\s<>\"']{2,}")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]{1,20}:")


class RequestError(ValueError):
    """Input a reader or an editor got wrong; the message says how to fix it."""


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(timezone.utc)


# --- tokens ---------------------------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """The stored form of a tracking token (sha256, hex)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh tracking token and its hash."""
    token = secrets.token_urlsafe(24)
    return token, hash_token(token)


def new_mailable_token(secret_key: str | bytes) -> tuple[str, str, str]:
    """A tracking token that the "answered" e-mail can carry later: HMAC(SECRET_KEY, nonce); the token, its hash
    and the nonce (stored; without the key it does not give the token away)."""
    nonce = secrets.token_hex(16)
    token = notifications.tracking_token(secret_key, nonce)
    return token, hash_token(token), nonce


# --- input ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInput:
    """A reader's request, cleaned."""

    text: str
    seen_where: str | None = None
    email: str | None = None
    ui_language: str | None = None  # the interface language the reader asked in: their "answered" e-mail's


def clean_request(text: str | None, seen_where: str | None = None, email: str | None = None,
                  max_chars: int = MAX_TEXT_CHARS) -> RequestInput:
    """Validate and clean what a reader typed; RequestError says what is wrong."""
    text = clean_text(text)
    if not text:
        raise RequestError(_l("Type the claim you want us to check."))
    if len(text) > max_chars:
        raise RequestError(_l("The claim is %(length)s characters long; the limit is %(limit)s. "
                              "Paste the claim itself, not the whole article.", length=Number(len(text)),
                              limit=Number(max_chars)))
    if len(tokens(text)) < MIN_TEXT_WORDS and len(text.split()) < MIN_TEXT_WORDS:
        raise RequestError(_l("Write the claim in a few words, as you saw it."))
    return RequestInput(text=text, seen_where=clean_seen_where(seen_where), email=clean_email(email))


def clean_seen_where(value: str | None) -> str | None:
    """An http(s) address or a few plain words; never fetched."""
    value = clean_text(value)
    if not value:
        return None
    if len(value) > MAX_SEEN_CHARS:
        raise RequestError(_l("Where you saw it is at most %(limit)s characters: the address or a few words.",
                               limit=MAX_SEEN_CHARS))
    if _SCHEME.match(value) and not value.lower().startswith(("http://", "https://")):
        raise RequestError(_l("Give a web address starting with http:// or https://, or describe where you saw it."))
    if value.lower().startswith(("http://", "https://")):
        parts = urlsplit(value)
        if not parts.netloc or " " in value:
            raise RequestError(_l("That web address is not complete: copy it from your browser's address bar."))
    return value


def clean_email(value: str | None) -> str | None:
    """An e-mail address, or None when none was given."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_EMAIL_CHARS or not _EMAIL.fullmatch(value):
        raise RequestError(_l("That e-mail address does not look right (like name@example.org); or leave it empty."))
    return value


# --- instant answer -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """One text looked up once: its corpus statistics, the claims the index offers, and their ranking.

    The instant answer, the grouping by claim and the grouping among requests all read it, so a request
    costs one match (one full-text query of the claims), not three.  ``pool`` is the lexical candidates the
    match read (the requests' grouping ranks requests among them); ``matches`` are the match's own, fused with
    the semantic tier when it is on (``tier`` says which).
    """

    text: str
    stats: CorpusStats
    pool: list[Candidate]
    matches: list[Match]
    tier: str = "lexical"


def look_up(session: Session, text: str, settings: MatchSettings) -> Lookup:
    """Match ``text`` with the one matcher (``services.matching.match``), every shown band, best first."""
    # Every candidate ranked: the lexical pool holds at most settings.candidates claims, the dense side adds at
    # most settings.semantic.candidates.
    result = match(session, text, limit=settings.candidates + settings.semantic.candidates, settings=settings,
                   include_unrelated=False)
    return Lookup(text=text, stats=result.stats, pool=result.candidates, matches=result.matches, tier=result.tier)


def _bands(lookup: Lookup, settings: MatchSettings) -> Thresholds:
    """The score bands the lookup's matches were scored with (the hybrid tier has its own)."""
    return settings.hybrid_thresholds if lookup.tier == "hybrid" else settings.thresholds


@dataclass(frozen=True)
class Answer:
    """What the matcher found among published checks: the same claim, or related ones (and the lookup)."""

    same: ClaimCard | None
    related: list[ClaimCard]
    lookup: Lookup | None = None


def instant_answer(session: Session, text: str, settings: MatchSettings) -> Answer:
    """The published check that answers ``text`` (same-claim band), else the related published checks.

    Only published, unmerged claims are ever returned (read through services.public's card query).
    """
    lookup = look_up(session, text, settings)
    # services.public's card query (published, unmerged) decides what is public, as its search does.
    cards = public_service.scored_cards(session, {m.claim_id: m.score for m in lookup.matches},
                                        limit=RELATED_SHOWN)
    bands = _bands(lookup, settings)
    if cards and (cards[0].score or 0) >= bands.same_claim:
        return Answer(same=cards[0], related=[], lookup=lookup)
    related = [c for c in cards if (c.score or 0) >= bands.related]
    return Answer(same=None, related=related, lookup=lookup)


# --- grouping -------------------------------------------------------------------------------------------------


def _planned_terms(session: Session, terms: Sequence[str]) -> list[str]:
    distinct = [t for t in dict.fromkeys(terms) if len(t) <= 100]
    if not distinct:
        return []
    df = dict(session.execute(select(TermStat.term, TermStat.df).where(TermStat.term.in_(distinct))).all())
    distinct.sort(key=lambda t: df.get(t, 0))  # stable: equal rarity keeps the reader's order
    return distinct[:PLANNED_TERMS]


@dataclass(frozen=True)
class GroupMatch:
    """The group a request belongs with, the request it matched best, and the score."""

    group_id: int
    request_id: int
    score: float


def find_group(session: Session, text: str, settings: MatchSettings, lookup: Lookup | None = None) -> GroupMatch | None:
    """The open or claimed group whose requests say the same as ``text`` (same-claim band), or None."""
    planned = _planned_terms(session, tokens(text))
    if not planned:
        return None
    shared = func.count().label("shared")
    hits = session.execute(
        select(RequestTerm.request_id, shared).where(RequestTerm.term.in_(planned))
        .group_by(RequestTerm.request_id).order_by(shared.desc(), RequestTerm.request_id.desc())
        .limit(GROUP_CANDIDATES)
    ).all()
    if not hits:
        return None
    rows = session.execute(
        select(CheckRequest.id, CheckRequest.group_id, CheckRequest.text, CheckRequest.search_terms)
        .join(RequestGroup, RequestGroup.id == CheckRequest.group_id)
        .where(CheckRequest.id.in_([h[0] for h in hits]), RequestGroup.status != RequestGroupStatus.DISMISSED)
    ).all()
    if not rows:
        return None
    groups = {-r[0]: r[1] for r in rows}
    texts = {-r[0]: r[2] for r in rows}
    # Request ids are negated so they never collide with the claim ids of the pool.
    candidates = [Candidate(claim_id=-r[0], external_id=None, text=r[2], title=None, speaker=None,
                            terms=r[3] or "") for r in rows]
    lookup = lookup if lookup is not None and lookup.text == text else look_up(session, text, settings)
    forward = [m for m in _rank_in_pool(lookup, candidates, settings) if m.claim_id in groups]
    # The matcher scores a text against a claim, not a claim against a text: two requests that share only a
    # signature ("— Donald J. Trump (@realDonaldTrump)") or one long request covering a short one can score
    # high one way only.  A pair is "the same" when it is so both ways.
    query = Candidate(claim_id=0, external_id=None, text=text, title=None, speaker=None,
                      terms=" ".join(tokens(text)))
    for found in forward[:SYMMETRIC_CHECKS]:
        if found.band != "same":
            break
        # The other way round among the same claims (the two texts say the same, so the index offers much the
        # same pool for both): its own term statistics, no second full-text query.
        other = texts[found.claim_id]
        reverse = Lookup(text=other, stats=corpus_stats(session, set(tokens(other))), pool=lookup.pool, matches=[])
        back = _rank_in_pool(reverse, [query], settings)
        score = next((m.score for m in back if m.claim_id == 0 and m.band == "same"), None)
        if score is not None:
            return GroupMatch(group_id=groups[found.claim_id], request_id=-found.claim_id,
                              score=min(found.score, score))
    return None


def _rank_in_pool(lookup: Lookup, requests: list[Candidate], settings: MatchSettings) -> list[Match]:
    """Rank requests among the claims the matcher considers for the text.

    The matcher's score is calibrated on a pool of claims from the index (one feature is a candidate's
    BM25 relative to the pool's best): ranked alone, any request that shares a word would be "the best".
    So requests compete with the same claim candidates a match sees.
    """
    pool = lookup.pool + list(requests)
    return rank(lookup.text, pool, lookup.stats, limit=len(pool), thresholds=settings.thresholds)


def wording_key(text: str) -> str:
    """The key of a wording: sha1 of the text with case and spacing folded."""
    return hashlib.sha1(" ".join(text.casefold().split()).encode("utf-8")).hexdigest()


def _add_to_group(session: Session, group: RequestGroup | None, request: CheckRequest, now: datetime) -> RequestGroup:
    if group is None:
        group = RequestGroup(status=RequestGroupStatus.OPEN, request_count=0, wording_count=0, first_asked_at=now,
                             last_asked_at=now, created_at=now)
        session.add(group)
        session.flush()
    request.group_id = group.id
    request.wording_key = wording_key(request.text)
    session.add(request)
    session.flush()
    before, best = session.execute(select(RequestGroup.request_count, RequestGroup.wording_count)
                                   .where(RequestGroup.id == group.id)).one()
    alike = session.scalar(select(func.count()).select_from(CheckRequest).where(
        CheckRequest.group_id == group.id, CheckRequest.wording_key == request.wording_key)) or 0
    # In SQL, so two readers asking at once both count.
    values = {"request_count": RequestGroup.request_count + 1, "last_asked_at": now}
    if alike > (best or 0):  # strictly more: on a tie the earlier wording stays
        values.update(wording=request.text, wording_count=alike)
    session.execute(update(RequestGroup).where(RequestGroup.id == group.id).values(**values))
    if request.search_terms and (before or 0) < INDEXED_PER_GROUP:
        terms = sorted({t for t in request.search_terms.split() if len(t) <= 100})
        if terms:
            session.execute(RequestTerm.__table__.insert(), [{"term": t, "request_id": request.id} for t in terms])
    session.expire(group)
    return group


def claim_group(session: Session, claim_id: int) -> RequestGroup | None:
    """The request group attached to a claim (the oldest, if editors attached several)."""
    return session.scalar(select(RequestGroup).where(RequestGroup.claim_id == claim_id,
                                                     RequestGroup.status == RequestGroupStatus.CLAIM)
                          .order_by(RequestGroup.id).limit(1))


def _claim_group(session: Session, claim_id: int, now: datetime) -> RequestGroup:
    group = RequestGroup(status=RequestGroupStatus.CLAIM, claim_id=claim_id, request_count=0, wording_count=0,
                         first_asked_at=now, last_asked_at=now, created_at=now)
    session.add(group)
    session.flush()
    return group


def record_asked_again(session: Session, text: str, claim_id: int, score: float | None,
                       now: datetime | None = None) -> CheckRequest:
    """Keep a request a published check answered at once: a signal on the claim, no token, no e-mail."""
    now = now or utcnow()
    group = claim_group(session, claim_id) or _claim_group(session, claim_id, now)
    request = CheckRequest(text=text, search_terms=" ".join(tokens(text)) or None, answered_at_once=True,
                           match_score=score, created_at=now)
    _add_to_group(session, group, request, now)
    return request


def submit_request(session: Session, data: RequestInput, settings: MatchSettings, now: datetime | None = None,
                   by_claim: bool = True, lookup: Lookup | None = None,
                   token_key: str | bytes | None = None) -> tuple[CheckRequest, str]:
    """Queue a request with the claim it matches or in the group it belongs with (or a new one).

    A request that says the same as a claim of the newsroom (any status: one being checked, say) joins that
    claim's group, so its tracking link shows the answer once the claim's verdict is published; otherwise
    it joins the group of the earlier requests it says the same as.  ``lookup`` is the instant answer's, if
    there was one; ``token_key`` (SECRET_KEY) makes the token of a request with an e-mail one the "answered"
    message can carry.  Returns the request and its token.
    """
    now = now or utcnow()
    nonce = None
    if data.email and token_key:
        token, token_hash, nonce = new_mailable_token(token_key)
    else:
        token, token_hash = new_token()
    if lookup is None or lookup.text != data.text:
        lookup = look_up(session, data.text, settings)
    group, score = None, None
    if by_claim and lookup.matches and lookup.matches[0].band == "same":
        best = lookup.matches[0]
        group = claim_group(session, best.claim_id) or _claim_group(session, best.claim_id, now)
        score = best.score
    if group is None:
        match = find_group(session, data.text, settings, lookup)
        if match is not None:
            group, score = session.get(RequestGroup, match.group_id), match.score
    request = CheckRequest(text=data.text, search_terms=" ".join(tokens(data.text)) or None,
                           seen_where=data.seen_where, email=data.email, ui_language=data.ui_language,
                           token_hash=token_hash, token_nonce=nonce,
                           match_score=score, created_at=now)
    _add_to_group(session, group, request, now)
    return request, token


# --- tracking -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tracking:
    """What a tracking link shows: the request, its status and, once published, the check."""

    text: str
    asked_at: datetime | None
    status: str  # received | being_checked | answered | not_checkable
    answer: public_service.ClaimPage | None = None


def find_by_token(session: Session, token: str) -> CheckRequest | None:
    """The request a tracking token belongs to, or None (for a malformed, forged or purged token)."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    wanted = hash_token(token)
    request = session.scalar(select(CheckRequest).where(CheckRequest.token_hash == wanted))
    if request is None or not hmac.compare_digest(request.token_hash or "", wanted):
        return None
    return request


def tracking(session: Session, token: str) -> Tracking | None:
    """The status a tracking link shows, or None when the token is unknown."""
    request = find_by_token(session, token)
    if request is None:
        return None
    group = request.group
    status, answer = "received", None
    if group.status == RequestGroupStatus.DISMISSED:
        status = "not_checkable"
    elif group.claim_id is not None:
        answer, _ = public_service.public_claim(session, group.claim_id)
        status = "answered" if answer is not None else "being_checked"
    return Tracking(text=request.text, asked_at=as_utc(request.created_at), status=status, answer=answer)


# --- triage ---------------------------------------------------------------------------------------------------


@dataclass
class GroupRow:
    """A group as triage lists it."""

    id: int
    status: RequestGroupStatus
    claim_id: int | None
    claim_text: str | None
    count: int
    last_24h: int
    last_7d: int
    first_asked_at: datetime | None
    last_asked_at: datetime | None
    wording: str
    places: list[str] = field(default_factory=list)
    dismiss_reason: str | None = None


@dataclass(frozen=True)
class TriagePage:
    """One page of groups."""

    rows: list[GroupRow]
    page: int
    has_next: bool


def _recent_counts(session: Session, group_ids: Sequence[int], since: datetime) -> dict[int, int]:
    if not group_ids:
        return {}
    return dict(session.execute(
        select(CheckRequest.group_id, func.count()).where(CheckRequest.group_id.in_(group_ids),
                                                          CheckRequest.created_at >= since)
        .group_by(CheckRequest.group_id)).all())


def _places(session: Session, group_ids: Sequence[int], latest: int = 200) -> dict[int, list[str]]:
    """The places each group was seen most, among its latest requests (a few index reads per group)."""
    out: dict[int, list[str]] = {}
    for group_id in group_ids:
        seen = Counter(session.scalars(
            select(CheckRequest.seen_where).where(CheckRequest.group_id == group_id)
            .order_by(CheckRequest.created_at.desc()).limit(latest)))
        seen.pop(None, None)
        out[group_id] = [place for place, _ in seen.most_common(PLACES_SHOWN)]
    return out


def group_rows(session: Session, groups: Sequence[RequestGroup], now: datetime) -> list[GroupRow]:
    """Triage rows for these groups: counts in the last day and week, wording, places, claim."""
    ids = [g.id for g in groups]
    if not ids:
        return []
    day = _recent_counts(session, ids, now - timedelta(days=1))
    week = _recent_counts(session, ids, now - timedelta(days=7))
    places = _places(session, ids)
    claim_ids = [g.claim_id for g in groups if g.claim_id]
    claims = dict(session.execute(select(Claim.id, Claim.text).where(Claim.id.in_(claim_ids))).all()) if claim_ids \
        else {}
    return [
        GroupRow(id=g.id, status=g.status, claim_id=g.claim_id, claim_text=claims.get(g.claim_id),
                 count=g.request_count, last_24h=day.get(g.id, 0), last_7d=week.get(g.id, 0),
                 first_asked_at=as_utc(g.first_asked_at), last_asked_at=as_utc(g.last_asked_at),
                 wording=g.wording or "", places=places.get(g.id, []), dismiss_reason=g.dismiss_reason)
        for g in groups
    ]


def triage(session: Session, status: RequestGroupStatus = RequestGroupStatus.OPEN, sort: str = "24h",
           page: int = 1, per_page: int = TRIAGE_PAGE_SIZE, now: datetime | None = None) -> TriagePage:
    """One page of request groups in ``status``, most asked first (in the last 24 h or 7 days, in all, or latest)."""
    now = now or utcnow()
    page = max(1, min(page, 500))
    offset = (page - 1) * per_page
    if sort in ("24h", "7d"):
        since = now - (timedelta(days=1) if sort == "24h" else timedelta(days=7))
        n = func.count().label("n")
        latest = func.max(CheckRequest.created_at)
        ids = [row[0] for row in session.execute(
            select(CheckRequest.group_id, n).join(RequestGroup, RequestGroup.id == CheckRequest.group_id)
            .where(CheckRequest.created_at >= since, RequestGroup.status == status)
            .group_by(CheckRequest.group_id).order_by(n.desc(), latest.desc(), CheckRequest.group_id.desc())
            .limit(per_page + 1).offset(offset)
        )]
    else:
        order = ((RequestGroup.request_count.desc(), RequestGroup.last_asked_at.desc()) if sort == "total"
                 else (RequestGroup.last_asked_at.desc(),))
        ids = list(session.scalars(select(RequestGroup.id).where(RequestGroup.status == status)
                                   .order_by(*order, RequestGroup.id.desc()).limit(per_page + 1).offset(offset)))
    has_next = len(ids) > per_page
    ids = ids[:per_page]
    loaded = {g.id: g for g in session.scalars(select(RequestGroup).where(RequestGroup.id.in_(ids)))} if ids else {}
    return TriagePage(rows=group_rows(session, [loaded[i] for i in ids if i in loaded], now), page=page,
                      has_next=has_next)


def may_see_email(user: User | None, roles: Sequence[str]) -> bool:
    """Whether this editor may see readers' e-mail addresses (REQUESTS_EMAIL_ROLES)."""
    return user is not None and user.role.value in set(roles)


def group_requests(session: Session, group_id: int, limit: int = 200) -> list[CheckRequest]:
    """A group's latest requests."""
    return list(session.scalars(select(CheckRequest).where(CheckRequest.group_id == group_id)
                                .order_by(CheckRequest.created_at.desc(), CheckRequest.id.desc()).limit(limit)))


# --- actions --------------------------------------------------------------------------------------------------


def _require_editor(user: User | None) -> None:
    if user is None or user.role not in (Role.ADMIN, Role.EDITOR):
        raise PermissionError(_l("Only admins and editors can decide on reader requests."))


def _decide(session: Session, group: RequestGroup, user: User, status: RequestGroupStatus, action: str,
            **details) -> None:
    group.status = status
    group.decided_by_id = user.id
    group.decided_at = utcnow()
    audit.record(session, user, action, "request_group", group.id, **details)


def _open(session: Session, group: RequestGroup) -> None:
    """Take the group for this decision: a conditional write that only an open group passes, so of two editors
    deciding at once (two "new claim" clicks, say) exactly one gets it and the other is told, never two claims."""
    if group.status != RequestGroupStatus.OPEN:
        raise RequestError(_l("This group was decided already; reload the triage list."))
    taken = session.execute(
        update(RequestGroup).where(RequestGroup.id == group.id, RequestGroup.status == RequestGroupStatus.OPEN)
        .values(status=RequestGroupStatus.OPEN).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise RequestError(_l("Another editor decided this group a moment ago; reload the triage list."))


def turn_into_claim(session: Session, group: RequestGroup, text: str, speaker_name: str | None,
                    user: User) -> Claim:
    """Open a new claim in the editor's words (a new verdict, status new) and attach the group to it."""
    from .claims import ClaimInputError, open_claim

    _require_editor(user)
    _open(session, group)
    try:
        claim = open_claim(session, text, speaker_name)
    except ClaimInputError as error:
        raise RequestError(message(error)) from None
    group.claim_id = claim.id
    _decide(session, group, user, RequestGroupStatus.CLAIM, "requests.claim", claim_id=claim.id)
    audit.record(session, user, "claim.create", "claim", claim.id, from_request_group=group.id)
    session.flush()
    return claim


def attach_to_claim(session: Session, group: RequestGroup, claim_id: int, user: User) -> Claim:
    """Attach a group to an existing claim (followed through merges)."""
    from .merge import resolve_claim

    _require_editor(user)
    _open(session, group)
    claim, _ = resolve_claim(session, claim_id)
    if claim is None or claim.merged_into_id is not None:
        raise RequestError(_l("There is no claim %(id)s.", id=claim_id))
    group.claim_id = claim.id
    _decide(session, group, user, RequestGroupStatus.CLAIM, "requests.attach", claim_id=claim.id)
    session.flush()
    if claim.verdict is not None and claim.verdict.status == VerdictStatus.PUBLISHED:
        notifications.requests_answered(session, claim.id)  # the readers' answer is there already
        session.flush()
    return claim


def dismiss_group(session: Session, group: RequestGroup, reason: str, user: User) -> None:
    """Dismiss a group as not checkable, with the reason (for the newsroom; readers see "not checkable")."""
    _require_editor(user)
    _open(session, group)
    reason = clean_text(reason)
    if not reason:
        raise RequestError(_l("Say why the requests cannot be checked."))
    group.dismiss_reason = reason[:MAX_REASON_CHARS]
    _decide(session, group, user, RequestGroupStatus.DISMISSED, "requests.dismiss", reason=group.dismiss_reason)
    session.flush()


# --- privacy --------------------------------------------------------------------------------------------------


def purge(session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete requests (text, place, e-mail, token, the messages written to them) asked before now -
    ``older_than``; refit their groups.

    Returns the number of requests deleted.  Groups left empty are deleted; the others get their count and
    first time asked again.
    """
    cutoff = (now or utcnow()) - older_than
    old = select(CheckRequest.id).where(CheckRequest.created_at < cutoff)
    group_ids = sorted(set(session.scalars(select(CheckRequest.group_id).where(CheckRequest.created_at < cutoff)
                                           .distinct())))
    if not group_ids:
        return 0
    session.execute(delete(RequestTerm).where(RequestTerm.request_id.in_(old)))
    # the readers' messages go with their requests (their address is in them)
    session.execute(delete(OutboxMessage).where(OutboxMessage.related_type == "check_request",
                                                OutboxMessage.related_id.in_(old)))
    deleted = session.execute(delete(CheckRequest).where(CheckRequest.created_at < cutoff)).rowcount or 0
    for start in range(0, len(group_ids), 500):
        chunk = group_ids[start:start + 500]
        left = {gid: (n, first, last) for gid, n, first, last in session.execute(
            select(CheckRequest.group_id, func.count(), func.min(CheckRequest.created_at),
                   func.max(CheckRequest.created_at))
            .where(CheckRequest.group_id.in_(chunk)).group_by(CheckRequest.group_id))}
        empty = [gid for gid in chunk if gid not in left]
        if empty:
            session.execute(delete(RequestGroup).where(RequestGroup.id.in_(empty)))
        for gid, (n, first, last) in left.items():
            key, alike = session.execute(
                select(CheckRequest.wording_key, func.count().label("n")).where(CheckRequest.group_id == gid)
                .group_by(CheckRequest.wording_key).order_by(func.count().desc(), func.min(CheckRequest.id))
                .limit(1)).one()
            text = session.scalar(select(CheckRequest.text).where(CheckRequest.group_id == gid,
                                                                  CheckRequest.wording_key == key)
                                  .order_by(CheckRequest.id).limit(1))
            session.execute(update(RequestGroup).where(RequestGroup.id == gid).values(
                request_count=n, first_asked_at=first, last_asked_at=last, wording=text, wording_count=alike))
    session.flush()
    return deleted


def parse_age(text: str) -> timedelta:
    """'90d', '12w', '48h' as a timedelta; RequestError for anything else."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*([dhw])\s*", text or "")
    if not match:
        raise RequestError(f"{text!r} is not an age: use a number and d, w or h, like 90d.")
    number, unit = int(match.group(1)), match.group(2)
    return {"d": timedelta(days=number), "w": timedelta(weeks=number), "h": timedelta(hours=number)}[unit]
