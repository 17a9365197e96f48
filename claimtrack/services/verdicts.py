"""The verdict workflow: saving with revisions and optimistic locking, review with four eyes, publishing
with corrections, assignment, comments and claim edits.

Rules live here, not in views, so every caller (forms, CLI, API) obeys them:
- editors and admins write verdicts; reviewers and admins approve; nobody approves a verdict they wrote or
  last changed (an admin may, and the override is recorded);
- new -> researching -> draft -> in review -> published (and unpublished); a change to a published verdict
  needs a public correction note;
- every save writes a whole-verdict revision; a save that started from an older version is refused with
  what changed, never applied over it.
Every function takes a Session, flushes and never commits.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Sequence
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import (
    Claim,
    Comment,
    Correction,
    Role,
    Source,
    User,
    Verdict,
    VerdictRevision,
    VerdictStatus,
)
from ..search_index import set_claim_terms
from ..verdicts import VerdictScale
from . import audit, notifications
from .claims import ClaimInputError, clean_wording, lock_claims, set_topics
from .speakers import get_or_create_speaker
from ..translatable import Lower, Text, Text as _l, message

WRITERS = (Role.ADMIN, Role.EDITOR)
APPROVERS = (Role.ADMIN, Role.REVIEWER)
MAX_SOURCES = 30


class WorkflowError(ValueError):
    """An action the workflow does not allow now, or input it refuses; the message is for the editor."""


class StaleVerdict(Exception):
    """The verdict changed since the editor opened it: nothing was saved."""

    def __init__(self, verdict: Verdict, changed_by: str | None, changed_at: datetime | None):
        super().__init__(_l("The verdict was changed since you opened it."))
        self.verdict = verdict
        self.changed_by = changed_by
        self.changed_at = changed_at


@dataclass
class SourceInput:
    """A cited source as the form gives it."""

    url: str
    title: str | None = None
    publisher: str | None = None
    accessed_on: date | None = None


@dataclass
class VerdictInput:
    """What the verdict form gives: the whole verdict as the editor wants it."""

    rating: str | None
    summary: str | None
    explanation: str | None
    sources: list[SourceInput] = field(default_factory=list)
    correction_note: str | None = None


def _require(user: User | None, roles: Sequence[Role], refusal: Text) -> None:
    if user is None or user.role not in roles:
        raise PermissionError(refusal)



def _status_word(status: VerdictStatus) -> Lower:
    """A status inside a sentence ("in review"), translated with the statuses of claimtrack/i18n.py."""
    return Lower(Text(status.value.replace("_", " ").capitalize()))


def snapshot(verdict: Verdict) -> dict[str, Any]:
    """The whole verdict as a revision stores it."""
    return {
        "status": verdict.status.value,
        "rating": verdict.rating,
        "rating_text": verdict.rating_text,
        "summary": verdict.summary,
        "explanation": verdict.explanation,
        "sources": [
            {"url": s.url, "title": s.title, "publisher": s.publisher,
             "accessed_on": s.accessed_on.isoformat() if s.accessed_on else None}
            for s in verdict.sources
        ],
    }


def _revise(session: Session, verdict: Verdict, user: User, note: str | None = None) -> VerdictRevision:
    number = (session.scalar(select(VerdictRevision.number).where(VerdictRevision.verdict_id == verdict.id)
                             .order_by(VerdictRevision.number.desc()).limit(1)) or 0) + 1
    data = snapshot(verdict)
    if note:
        data["correction_note"] = note
    revision = VerdictRevision(verdict_id=verdict.id, number=number, data=data, author_id=user.id)
    session.add(revision)
    return revision


def _check_version(verdict: Verdict, expected_version: int | None) -> None:
    if expected_version is not None and verdict.version != expected_version:
        raise StaleVerdict(verdict, verdict.updated_by.username if verdict.updated_by else None, verdict.updated_at)


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2048:
        raise WorkflowError(_l("A source must be an http(s) address: %(url)s is not.", url=repr(url[:80])))
    return url


def validate_input(data: VerdictInput, scale: VerdictScale) -> None:
    """Refuse a rating that is not on the scale, bad sources and oversized text."""
    if data.rating and scale.get(data.rating) is None:
        raise WorkflowError(_l("Choose a rating from the verdict scale."))
    if data.summary and len(data.summary) > 500:
        raise WorkflowError(_l("The summary is one line: at most 500 characters."))
    if data.explanation and len(data.explanation) > 100_000:
        raise WorkflowError(_l("The explanation is longer than 100,000 characters."))
    if len(data.sources) > MAX_SOURCES:
        raise WorkflowError(_l("At most %(limit)s sources.", limit=MAX_SOURCES))
    for source in data.sources:
        _clean_url(source.url)


def get_or_open_verdict(session: Session, claim: Claim) -> Verdict:
    """The claim's verdict, opened (status new) if it has none; two editors opening it at once get the same one."""
    if claim.verdict is None:
        try:
            with session.begin_nested():
                session.add(Verdict(claim_id=claim.id, status=VerdictStatus.NEW))
        except IntegrityError:
            pass  # another request opened it between our read and our insert: use theirs
        session.refresh(claim)
    return claim.verdict


def verdict_to_show(claim: Claim) -> Verdict:
    """The claim's verdict, or an unsaved new one to show when it has none (a page that only shows never writes:
    the first change opens it with ``get_or_open_verdict``)."""
    if claim.verdict is not None:
        return claim.verdict
    # claim_id only, not the relationship: assigning claim= would cascade the new verdict into the session.
    return Verdict(claim_id=claim.id, status=VerdictStatus.NEW, version=1)


def save_verdict(
    session: Session, verdict: Verdict, data: VerdictInput, user: User, expected_version: int | None,
    scale: VerdictScale,
) -> VerdictRevision | None:
    """Save the whole verdict as a new revision (editors, admins); raise StaleVerdict, WorkflowError.

    An editor's change to a published verdict is kept aside as a correction for a reviewer (None is returned);
    an admin's goes live at once, recorded as an override."""
    _require(user, WRITERS, _l("Only admins and editors can write verdicts."))
    _check_version(verdict, expected_version)
    validate_input(data, scale)
    note = (data.correction_note or "").strip()
    if verdict.status == VerdictStatus.IN_REVIEW:
        raise WorkflowError(_l("This verdict is in review: a reviewer sends it back before anyone changes it, so the "
                               "approval is of exactly what the reviewer read."))
    if verdict.status == VerdictStatus.PUBLISHED and not note:
        raise WorkflowError(_l("This verdict is published: say what changed in a public correction note."))
    if verdict.status == VerdictStatus.PUBLISHED and user.role != Role.ADMIN:
        return _propose_correction(session, verdict, data, user, note, scale)
    before = snapshot(verdict)
    if verdict.status in (VerdictStatus.NEW, VerdictStatus.RESEARCHING, VerdictStatus.UNPUBLISHED):
        verdict.status = VerdictStatus.DRAFT
    level = scale.get(data.rating)
    verdict.rating = level.key if level else None
    verdict.rating_text = level.label if level else None
    verdict.summary = (data.summary or "").strip() or None
    verdict.explanation = (data.explanation or "").strip() or None
    verdict.sources.clear()
    session.flush()
    for position, source in enumerate(data.sources):
        verdict.sources.append(Source(
            url=_clean_url(source.url), title=(source.title or "").strip()[:500] or None,
            publisher=(source.publisher or "").strip()[:200] or None, accessed_on=source.accessed_on,
            position=position,
        ))
    if verdict.author_id is None:
        verdict.author_id = user.id
    verdict.updated_by_id = user.id
    verdict.updated_at = datetime.now(timezone.utc)
    session.flush()  # bumps verdict.version (the optimistic lock) or fails if another save won the race
    revision = _revise(session, verdict, user, note or None)
    override = {}
    if verdict.status == VerdictStatus.PUBLISHED:
        session.add(Correction(verdict_id=verdict.id, revision_number=revision.number, note=note[:2000],
                               author_id=user.id))
        verdict.pending_correction = None        # the admin's own correction supersedes a waiting one
        override = {"admin_override": True, "before": before}
    audit.record(session, user, "verdict.save", "verdict", verdict.id, revision=revision.number,
                 status=verdict.status.value, **override)
    session.flush()
    return revision


def _propose_correction(session: Session, verdict: Verdict, data: VerdictInput, user: User, note: str,
                        scale: VerdictScale) -> None:
    """Keep an editor's correction of a published verdict aside until a reviewer approves it."""
    level = scale.get(data.rating)
    proposal = {
        "status": VerdictStatus.PUBLISHED.value,
        "rating": level.key if level else None,
        "rating_text": level.label if level else None,
        "summary": (data.summary or "").strip() or None,
        "explanation": (data.explanation or "").strip() or None,
        "sources": [{"url": _clean_url(src.url), "title": (src.title or "").strip()[:500] or None,
                     "publisher": (src.publisher or "").strip()[:200] or None,
                     "accessed_on": src.accessed_on.isoformat() if src.accessed_on else None}
                    for src in data.sources],
        "correction_note": note[:2000],
        "proposed_by": user.id,
        "proposed_by_name": user.username,
        "proposed_at": datetime.now(timezone.utc).isoformat(),
    }
    for key in ("claim_text", "claim_speaker"):          # a waiting rewording of the claim stays in the proposal
        if verdict.pending_correction and key in verdict.pending_correction:
            proposal[key] = verdict.pending_correction[key]
    verdict.pending_correction = proposal
    verdict.updated_by_id = user.id
    verdict.updated_at = datetime.now(timezone.utc)
    session.flush()  # bumps the version: a reviewer approves exactly this proposal
    audit.record(session, user, "verdict.correction_proposed", "verdict", verdict.id, before=snapshot(verdict),
                 after={k: v for k, v in proposal.items() if k not in ("proposed_by", "proposed_by_name")})
    session.flush()
    return None


def _apply_correction(session: Session, verdict: Verdict, user: User, override: bool) -> None:
    proposal = dict(verdict.pending_correction or {})
    before = snapshot(verdict)
    verdict.rating = proposal.get("rating")
    verdict.rating_text = proposal.get("rating_text")
    verdict.summary = proposal.get("summary")
    verdict.explanation = proposal.get("explanation")
    verdict.sources.clear()
    session.flush()
    for position, src in enumerate(proposal.get("sources") or []):
        verdict.sources.append(Source(
            url=src["url"], title=src.get("title"), publisher=src.get("publisher"), position=position,
            accessed_on=date.fromisoformat(src["accessed_on"]) if src.get("accessed_on") else None))
    claim_before = None
    if "claim_text" in proposal:
        claim = verdict.claim
        claim_before = {"text": claim.text, "speaker": claim.speaker.name if claim.speaker else None}
        claim.text = proposal["claim_text"]
        claim.speaker = (get_or_create_speaker(session, proposal["claim_speaker"])
                         if proposal.get("claim_speaker") else None)
        claim.version += 1
        session.flush()
        set_claim_terms(session, claim)
    verdict.pending_correction = None
    verdict.reviewer_id = user.id
    verdict.updated_at = datetime.now(timezone.utc)
    session.flush()
    note = proposal.get("correction_note") or "Corrected."
    revision = _revise(session, verdict, user, note)
    session.add(Correction(verdict_id=verdict.id, revision_number=revision.number, note=note[:2000],
                           author_id=proposal.get("proposed_by") or user.id))
    audit.record(session, user, "verdict.approve_correction", "verdict", verdict.id, revision=revision.number,
                 before=before, after=snapshot(verdict), **({"admin_override": True} if override else {}),
                 **({"claim_before": claim_before, "claim_after": {"text": proposal["claim_text"],
                                                                    "speaker": proposal.get("claim_speaker")}}
                    if claim_before else {}))


# action -> (allowed from, new status, who may, what it is called for a message)
ACTIONS: dict[str, tuple[tuple[VerdictStatus, ...], VerdictStatus, tuple[Role, ...], Text]] = {
    "research": ((VerdictStatus.NEW,), VerdictStatus.RESEARCHING, WRITERS, _l("Only admins and editors can start research.")),
    "submit": ((VerdictStatus.RESEARCHING, VerdictStatus.DRAFT, VerdictStatus.UNPUBLISHED), VerdictStatus.IN_REVIEW,
               WRITERS, _l("Only admins and editors can submit verdicts for review.")),
    "send_back": ((VerdictStatus.IN_REVIEW,), VerdictStatus.DRAFT, APPROVERS, _l("Only admins and reviewers can send verdicts back.")),
    "approve": ((VerdictStatus.IN_REVIEW,), VerdictStatus.PUBLISHED, APPROVERS,
                _l("Only admins and reviewers can approve and publish verdicts.")),
    "unpublish": ((VerdictStatus.PUBLISHED,), VerdictStatus.UNPUBLISHED, APPROVERS,
                  _l("Only admins and reviewers can unpublish verdicts.")),
    "approve_correction": ((VerdictStatus.PUBLISHED,), VerdictStatus.PUBLISHED, APPROVERS,
                           _l("Only admins and reviewers can approve corrections.")),
    "reject_correction": ((VerdictStatus.PUBLISHED,), VerdictStatus.PUBLISHED, APPROVERS,
                          _l("Only admins and reviewers can turn down corrections.")),
}
CORRECTION_ACTIONS = ("approve_correction", "reject_correction")


ACTION_LABELS = {
    "research": "Start research", "submit": "Submit for review", "send_back": "Send back to the editor",
    "approve": "Approve and publish", "unpublish": "Unpublish",
    "approve_correction": "Approve the correction and publish it", "reject_correction": "Turn the correction down",
}


def allowed_actions(verdict: Verdict, user: User) -> list[str]:
    """The workflow actions this user may take on this verdict now."""
    out = []
    for name, (sources, _, roles, _) in ACTIONS.items():
        if verdict.status in sources and user.role in roles:
            if name == "approve" and user.role != Role.ADMIN and user.id in (verdict.author_id, verdict.updated_by_id):
                continue
            if name in CORRECTION_ACTIONS:
                if not verdict.pending_correction:
                    continue
                if name == "approve_correction" and user.role != Role.ADMIN and \
                        user.id == verdict.pending_correction.get("proposed_by"):
                    continue
            out.append(name)
    return out


def change_status(
    session: Session, verdict: Verdict, action: str, user: User, expected_version: int | None,
    note: str | None = None, require_sources: bool = True, expected_claim_version: int | None = None,
) -> None:
    """Move the verdict along the workflow; raise PermissionError, WorkflowError or StaleVerdict.

    ``require_sources``: publishing needs at least one source and an explanation (setting
    PUBLISH_REQUIRES_SOURCES).  An approval is of one exact version of claim and verdict together: the verdict's
    ``expected_version``, and the claim as it was when review was requested (and as the approver's page showed
    it, ``expected_claim_version``); a claim reworded since is refused."""
    if action not in ACTIONS:
        raise WorkflowError(_l("Unknown action %(action)s.", action=repr(action)))
    sources, target, roles, what = ACTIONS[action]
    _require(user, roles, what)
    _check_version(verdict, expected_version)
    if verdict.status not in sources:
        raise WorkflowError(_l("A verdict that is %(status)s cannot be sent to %(target)s.",
                               status=_status_word(verdict.status), target=_status_word(target)))
    if action in CORRECTION_ACTIONS:
        _decide_correction(session, verdict, action, user, note)
        return
    override = False
    if action in ("submit", "approve"):
        if not verdict.rating or not verdict.summary:
            raise WorkflowError(_l("A verdict needs a rating and a summary before review."))
        if require_sources and (not verdict.explanation or not verdict.sources):
            raise WorkflowError(_l("A verdict needs an explanation and at least one source before it is reviewed "
                                   "and published."))
    if action == "approve" and user.id in (verdict.author_id, verdict.updated_by_id):
        if user.role != Role.ADMIN:
            raise PermissionError(_l("Nobody approves a verdict they wrote or last changed: ask another reviewer."))
        override = True
    if action == "unpublish" and not (note or "").strip():
        raise WorkflowError(_l("Say why the verdict is unpublished: the note is public."))
    claim = verdict.claim
    if action == "approve":
        _check_claim_version(session, verdict, claim, expected_claim_version)
    if action == "submit":
        verdict.reviewed_claim_version = claim.version
    verdict.status = target
    verdict.updated_at = datetime.now(timezone.utc)
    if action == "approve":
        verdict.reviewer_id = user.id
        if verdict.published_at is None:
            verdict.published_at = verdict.updated_at
    session.flush()
    if action in ("approve", "unpublish"):
        revision = _revise(session, verdict, user, (note or "").strip() or None)
        if action == "approve":  # the revision says which wording and speaker the approval was of
            revision.data = {**revision.data, "claim_text": claim.text,
                             "claim_speaker": claim.speaker.name if claim.speaker else None,
                             "claim_version": claim.version}
        if action == "unpublish":
            session.add(Correction(verdict_id=verdict.id, revision_number=revision.number,
                                   note=(note or "").strip()[:2000], author_id=user.id))
    audit.record(session, user, f"verdict.{action}", "verdict", verdict.id, status=target.value,
                 **({"admin_override": True} if override else {}))
    session.flush()
    # the messages are written in this transaction: a rolled-back change sends nothing
    if action == "submit":
        notifications.review_requested(session, verdict, user)
    elif action == "send_back":
        notifications.sent_back(session, verdict, user, note)
    elif action == "approve":
        notifications.requests_answered(session, claim.id)
    session.flush()


def _check_claim_version(session: Session, verdict: Verdict, claim: Claim, expected: int | None) -> None:
    """Refuse an approval of a claim reworded after review was requested, or after the approver's page was shown.
    The claim is taken for this transaction first, so an edit cannot slip in between this check and the commit."""

    lock_claims(session, [claim.id])
    if verdict.reviewed_claim_version is not None and verdict.reviewed_claim_version != claim.version:
        raise WorkflowError(_l("The claim's wording, speaker or topics changed after review was requested, so this "
                               "approval would publish something nobody reviewed. Send the verdict back; the editor "
                               "submits it again with the claim as it is now."))
    if expected is not None and expected != claim.version:
        raise WorkflowError(_l("The claim's wording, speaker or topics changed since you opened this page: read the "
                               "claim as it is now, then approve again."))


def _decide_correction(session: Session, verdict: Verdict, action: str, user: User, note: str | None) -> None:
    proposal = verdict.pending_correction
    if not proposal:
        raise WorkflowError(_l("There is no correction waiting for review."))
    if action == "reject_correction":
        verdict.pending_correction = None
        verdict.updated_at = datetime.now(timezone.utc)
        session.flush()
        audit.record(session, user, "verdict.reject_correction", "verdict", verdict.id, proposal=proposal,
                     note=(note or "").strip()[:2000] or None)
        session.flush()
        return
    override = user.id == proposal.get("proposed_by")
    if override and user.role != Role.ADMIN:
        raise PermissionError(_l("Nobody approves a correction they proposed: ask another reviewer."))
    _apply_correction(session, verdict, user, override)
    session.flush()


def assign(session: Session, verdict: Verdict, assignee: User | None, user: User) -> None:
    """Assign the verdict to an editor (or nobody); editors, reviewers and admins may."""
    if user is None or user.role not in (Role.ADMIN, Role.EDITOR, Role.REVIEWER):
        raise PermissionError(_l("Log in to assign verdicts."))
    if assignee is not None and assignee.role not in WRITERS:
        raise WorkflowError(_l("Verdicts are assigned to editors or admins."))
    before = verdict.assignee_id
    verdict.assignee_id = assignee.id if assignee else None
    audit.record(session, user, "verdict.assign", "verdict", verdict.id,
                 assignee=assignee.username if assignee else None)
    if verdict.assignee_id != before:
        notifications.assigned(session, verdict, assignee, user)
    session.flush()


def add_comment(session: Session, claim: Claim, body: str, user: User) -> Comment:
    """A newsroom note on the claim (never public)."""
    if user is None:
        raise PermissionError(_l("Log in to comment."))
    body = (body or "").strip()
    if not body:
        raise WorkflowError(_l("A comment needs some text."))
    if len(body) > 10_000:
        raise WorkflowError(_l("A comment is at most 10,000 characters."))
    comment = Comment(claim_id=claim.id, author_id=user.id, body=body)
    session.add(comment)
    session.flush()
    audit.record(session, user, "comment.add", "claim", claim.id, comment=comment.id)
    session.flush()
    return comment


class StaleClaim(Exception):
    """The claim's wording changed since the editor opened it: nothing was saved."""


def update_claim(session: Session, claim: Claim, text: str, speaker_name: str | None, topics: Sequence[str],
                 user: User, expected_text: str | None = None, note: str | None = None,
                 lang: str | None = None) -> bool:
    """Change a claim's canonical wording, speaker and topics; the match index follows. Return True when it is
    saved, False when the wording or speaker of a published claim was kept aside for a reviewer (topics apply).

    ``expected_text``: the wording the editor started from; another edit committed since raises StaleClaim.
    ``lang``: the claim's language code; None keeps it, or detects it again when the wording changed.
    The claim is taken for this transaction first, so two edits at once cannot both subtract its old terms."""

    _require(user, WRITERS, _l("Only admins and editors can edit claims."))
    text = " ".join((text or "").split())
    if len(text) < 3:
        raise WorkflowError(_l("A claim needs its wording."))  # an edit keeps its own message: nothing new is opened
    try:
        text = clean_wording(text)
    except ClaimInputError as error:
        raise WorkflowError(message(error)) from None
    lock_claims(session, [claim.id])
    if expected_text is not None and " ".join(expected_text.split()) != claim.text:
        raise StaleClaim(_l("The claim's wording was changed by someone else since you opened it: nothing was saved. "
                            "Check the new wording and edit again."))
    speaker_name = " ".join((speaker_name or "").split())
    current_speaker = claim.speaker.name if claim.speaker else ""
    public_change = text != claim.text or speaker_name.casefold() != current_speaker.casefold()
    verdict = claim.verdict
    if public_change and verdict is not None and verdict.status == VerdictStatus.PUBLISHED:
        note = (note or "").strip()
        if not note:
            raise WorkflowError(_l("This claim is published: say what changed in a public correction note."))
        if user.role != Role.ADMIN:
            topics_before = [t.name for t in claim.topics]
            set_topics(session, claim, topics)
            if [t.name for t in claim.topics] != topics_before:
                claim.version += 1
            proposal = dict(verdict.pending_correction or {}) or {
                **snapshot(verdict), "correction_note": note[:2000]}
            proposal.update(claim_text=text, claim_speaker=speaker_name or None, proposed_by=user.id,
                            proposed_by_name=user.username, proposed_at=datetime.now(timezone.utc).isoformat(),
                            correction_note=note[:2000])
            verdict.pending_correction = proposal
            verdict.updated_by_id = user.id
            verdict.updated_at = datetime.now(timezone.utc)
            session.flush()
            audit.record(session, user, "claim.edit_proposed", "claim", claim.id,
                         before={"text": claim.text, "speaker": current_speaker or None},
                         after={"text": text, "speaker": speaker_name or None})
            session.flush()
            return False
    before = {"text": claim.text, "speaker": current_speaker or None}
    if lang or text != claim.text:
        claim.lang = lang  # None: detected again from the new wording when its terms are computed
    topics_before = [t.name for t in claim.topics]
    claim.text = text
    claim.speaker = get_or_create_speaker(session, speaker_name) if speaker_name else None
    set_topics(session, claim, topics)
    if public_change or [t.name for t in claim.topics] != topics_before:
        claim.version += 1
    session.flush()
    set_claim_terms(session, claim)
    override = {}
    if public_change and verdict is not None and verdict.status == VerdictStatus.PUBLISHED:
        revision = _revise(session, verdict, user, note.strip()[:2000])
        session.add(Correction(verdict_id=verdict.id, revision_number=revision.number, note=note.strip()[:2000],
                               author_id=user.id))
        override = {"admin_override": True}
    audit.record(session, user, "claim.edit", "claim", claim.id, before=before,
                 after={"text": claim.text, "speaker": speaker_name or None}, **override)
    session.flush()
    return True


@dataclass(frozen=True)
class FieldDiff:
    """One field's change between two revisions, as word-level pieces: (op, text) with op in = - +."""

    name: str
    pieces: list[tuple[str, str]]


def _words(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        lines = []
        for item in value:
            lines.append(" · ".join(str(v) for v in item.values() if v) if isinstance(item, dict) else str(item))
        return " ¶ ".join(lines).split(" ")
    return str(value).split(" ")


# A revision's fields in the newsroom's words, for the screens that show differences.
FIELD_LABELS = {"rating_text": "rating", "claim_text": "claim wording", "claim_speaker": "speaker",
                "correction_note": "correction note"}


def diff_revisions(old: dict[str, Any], new: dict[str, Any], claim_fields: bool = False) -> list[FieldDiff]:
    """The fields that differ between two revision snapshots, each as a word-level diff (with ``claim_fields``,
    the claim's wording and speaker too)."""
    out = []
    names = ("status", "rating_text", "summary", "explanation", "sources", "correction_note")
    for name in (("claim_text", "claim_speaker") if claim_fields else ()) + names:
        a, b = _words(old.get(name)), _words(new.get(name))
        if a == b:
            continue
        pieces: list[tuple[str, str]] = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if op == "equal":
                pieces.append(("=", " ".join(a[i1:i2])))
            else:
                if i2 > i1:
                    pieces.append(("-", " ".join(a[i1:i2])))
                if j2 > j1:
                    pieces.append(("+", " ".join(b[j1:j2])))
        out.append(FieldDiff(name=name, pieces=pieces))
    return out
