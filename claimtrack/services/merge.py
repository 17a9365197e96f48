"""Merging duplicate claims: one claim is folded into another, which keeps everything both had.

The merged claim (the source) stays in the database with ``merged_into_id`` set, so its
old links and its verdict history remain reachable, but it leaves the match index and
its pages redirect to the claim it was merged into.  Every function takes a Session,
flushes and never commits.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Appearance, Claim, Comment, Correction, MergeProposal, User, VerdictStatus, utcnow
from ..search_index import set_claim_terms
from . import audit
from .claims import lock_claims
from ..translatable import Text as _l

MERGING_ROLES = ("admin", "editor")
DECIDING_ROLES = ("admin", "reviewer")     # who approves an editor's merge of a published check (not its proposer)


def _role(user: User | None) -> str | None:
    return None if user is None else getattr(user.role, "value", user.role)


class MergeError(ValueError):
    """A merge that cannot be done (the message is for the editor)."""


def _final(session: Session, claim: Claim) -> Claim:
    """The claim ``claim`` ends at when its merges are followed (a cycle stops where it closes)."""
    seen = {claim.id}
    while claim.merged_into_id is not None:
        nxt = session.get(Claim, claim.merged_into_id)
        if nxt is None or nxt.id in seen:
            break
        seen.add(nxt.id)
        claim = nxt
    return claim


def resolve_claim(session: Session, claim_id: int) -> tuple[Claim | None, bool]:
    """The claim with ``claim_id`` followed through merges to the live one, and whether a merge was followed."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        return None, False
    final = _final(session, claim)
    return final, final.id != claim.id


def _published(claim: Claim) -> bool:
    return claim.verdict is not None and claim.verdict.status == VerdictStatus.PUBLISHED


def merge_claims(session: Session, source: Claim, target: Claim, user: User, note: str | None = None) -> Claim:
    """Merge ``source`` (a duplicate) into ``target`` and return the claim that now holds both.

    Appearances and comments move to the target; the source's verdict moves too when the target has
    none, otherwise it stays on the source so its history stays reachable.  Claims merged into the
    source earlier now point at the target.  Raise PermissionError or MergeError before changing anything.

    A merge never takes a published check off the site: a claim with a published verdict is merged only into
    one whose check is published too (or that has no verdict, which then receives it), and only with ``note``,
    a public correction note that the surviving check shows (a revision and a correction on it). An editor's
    merge of a published check is refused here: ``propose_merge`` keeps it for a reviewer (``decide_merge``);
    an admin's is done at once and recorded as an override.
    """
    if _role(user) not in MERGING_ROLES:
        raise PermissionError(_l("Only editors and admins can merge claims."))
    lock_claims(session, [source.id, target.id])
    if _published(source) and _role(user) != "admin":
        raise MergeError(_l("Claim #%(id)s has a published check: an editor's merge of it waits for a reviewer "
                            "(propose it with a public correction note).", id=source.id))
    return _merge(session, source, target, user, note)


def _checked(session: Session, source: Claim, target: Claim, note: str | None) -> tuple[Claim, Claim, str]:
    """The merge's preconditions, on claims already taken for the transaction: the claim it really goes into
    (merges followed) and the cleaned note; MergeError when it cannot be done."""
    if source.merged_into_id is not None:
        raise MergeError(_l("Claim #%(id)s was already merged into claim #%(target)s.", id=source.id,
                            target=source.merged_into_id))
    requested = target
    target = _final(session, target)
    if target.id == source.id:
        if requested.id == source.id:
            raise MergeError(_l("A claim cannot be merged into itself."))
        raise MergeError(_l("Claim #%(id)s was merged into claim #%(source)s: it cannot take it back.", id=requested.id,
                            source=source.id))
    note = " ".join((note or "").split())[:2000]
    if _published(source):
        if target.verdict is not None and not _published(target):
            raise MergeError(_l("Claim #%(id)s has a published check and claim #%(target)s has none: merge "
                                "claim #%(target)s into claim #%(id)s instead, so the check stays on the site.",
                                id=source.id, target=target.id))
        if not note:
            raise MergeError(_l("Claim #%(id)s has a published check: say in the public correction note why it "
                                "is merged into claim #%(target)s (readers of both pages will see it).",
                                id=source.id, target=target.id))
    return requested, target, note


def needs_review(source: Claim, user: User | None) -> bool:
    """An editor's merge of a claim whose check is published waits for a second person; an admin's does not."""
    return _published(source) and _role(user) == "editor"


def waiting_proposal(session: Session, claim_id: int) -> MergeProposal | None:
    """The merge of this claim (as source) waiting for a decision, if any."""
    return session.scalar(select(MergeProposal).where(MergeProposal.source_id == claim_id,
                                                      MergeProposal.status == "waiting").limit(1))


def waiting_merges(session: Session, limit: int = 50) -> list[MergeProposal]:
    """Merges of published checks waiting for a decision, longest waiting first (for the dashboard)."""
    from sqlalchemy.orm import selectinload

    return list(session.scalars(
        select(MergeProposal).where(MergeProposal.status == "waiting").order_by(MergeProposal.proposed_at)
        .options(selectinload(MergeProposal.source), selectinload(MergeProposal.target),
                 selectinload(MergeProposal.proposed_by)).limit(limit)))


def propose_merge(session: Session, source: Claim, target: Claim, user: User, note: str | None) -> MergeProposal:
    """Keep an editor's merge of a published check aside for a reviewer. Nothing public changes; the same checks
    as a merge are made now (and again when it is approved), and a claim has one waiting proposal at a time."""
    if _role(user) not in MERGING_ROLES:
        raise PermissionError(_l("Only editors and admins can merge claims."))
    lock_claims(session, [source.id, target.id])
    requested, final, note = _checked(session, source, target, note)
    existing = waiting_proposal(session, source.id)
    if existing is not None:
        raise MergeError(_l("A merge of claim #%(id)s into claim #%(target)s is already waiting for a "
                            "reviewer: it is decided first.", id=source.id, target=existing.target_id))
    proposal = MergeProposal(source_id=source.id, target_id=final.id, note=note, source_version=source.version,
                             proposed_by_id=user.id, status="waiting")
    session.add(proposal)
    session.flush()
    audit.record(session, user, "claim.merge_proposed", "claim", source.id, target=final.id, note=note,
                 proposal=proposal.id, **({"requested_target": requested.id} if requested.id != final.id else {}))
    session.flush()
    return proposal


def may_approve(proposal: MergeProposal, user: User | None) -> bool:
    """A reviewer or an admin who did not propose the merge approves it."""
    return user is not None and proposal.proposed_by_id != user.id and _role(user) in DECIDING_ROLES


def may_decline(proposal: MergeProposal, user: User | None) -> bool:
    """Whoever may approve it, or its proposer (a withdrawal)."""
    return user is not None and (proposal.proposed_by_id == user.id or _role(user) in DECIDING_ROLES)


def decide_merge(session: Session, proposal: MergeProposal, user: User, approve: bool,
                 note: str | None = None) -> Claim | None:
    """Approve (the merge is done now, with the proposal's public note; the claim that holds both is returned) or
    decline a waiting proposal. Reviewers and admins decide, never the person who proposed it; the proposer may
    withdraw it (decline). Raise PermissionError or MergeError before changing anything."""
    proposer = proposal.proposed_by_id == user.id
    if approve and not may_approve(proposal, user):
        raise PermissionError(_l("A merge of a published check is approved by a reviewer or an admin who did not "
                                 "propose it."))
    if not approve and not may_decline(proposal, user):
        raise PermissionError(_l("Only a reviewer, an admin or the person who proposed it can decline a merge."))
    source = session.get(Claim, proposal.source_id)
    target = session.get(Claim, proposal.target_id)
    lock_claims(session, [proposal.source_id, proposal.target_id])
    session.refresh(proposal)
    if proposal.status != "waiting":
        raise MergeError(_l("This merge was already approved.") if proposal.status == "approved" else
                         _l("This merge was already declined."))
    note = " ".join((note or "").split())[:2000] or None
    proposal.decided_by_id, proposal.decided_at, proposal.decision_note = user.id, utcnow(), note
    if not approve:
        proposal.status = "declined"
        audit.record(session, user, "claim.merge_declined", "claim", source.id, target=target.id,
                     proposal=proposal.id, note=note, withdrawn=proposer)
        session.flush()
        return None
    if source.version != proposal.source_version:
        raise MergeError(_l("Claim #%(id)s was changed after this merge was proposed: decline it, and propose "
                            "it again if it still holds.", id=source.id))
    proposal.status = "approved"
    return _merge(session, source, target, user, proposal.note, proposal=proposal)


def _merge(session: Session, source: Claim, target: Claim, user: User, note: str | None,
           proposal: MergeProposal | None = None) -> Claim:
    """The merge itself, on claims already taken for the transaction."""
    requested, target, note = _checked(session, source, target, note)
    published_source = _published(source)

    moved_appearances = session.execute(
        update(Appearance).where(Appearance.claim_id == source.id).values(claim_id=target.id)
    ).rowcount
    moved_comments = session.execute(
        update(Comment).where(Comment.claim_id == source.id).values(claim_id=target.id)
    ).rowcount
    redirected = list(session.scalars(
        update(Claim).where(Claim.merged_into_id == source.id).values(merged_into_id=target.id)
        .returning(Claim.id)
    ))

    if source.verdict is None:
        verdict = "none"
    elif target.verdict is None:
        source.verdict.claim = target
        verdict = "moved"
    else:
        verdict = "kept_on_source"

    for topic in source.topics:
        if topic not in target.topics:
            target.topics.append(topic)

    source.merged_into_id = target.id
    # a merge proposal of this claim still waiting is moot now
    session.execute(update(MergeProposal).where(
        MergeProposal.source_id == source.id, MergeProposal.status == "waiting",
        MergeProposal.id != (proposal.id if proposal is not None else -1),
    ).values(status="superseded", decided_by_id=user.id, decided_at=utcnow()).execution_options(synchronize_session=False))
    session.flush()
    # The bulk updates above bypass the relationship collections: reload them on next access.
    session.expire(source, ["appearances", "comments"])
    session.expire(target, ["appearances", "comments"])
    set_claim_terms(session, source)

    details = {
        "merged": source.id,
        "verdict": verdict,
        "source_verdict_id": None if source.verdict is None else source.verdict.id,
        "target_verdict_id": None if target.verdict is None else target.verdict.id,
        "appearances": moved_appearances,
        "comments": moved_comments,
        "redirected": sorted(redirected),
    }
    if requested.id != target.id:
        details["requested_target"] = requested.id
    if proposal is not None:
        details.update(proposal=proposal.id, proposed_by=proposal.proposed_by_id, approved_by=user.id)
    elif published_source:
        details["override"] = True          # an admin's merge of a published check, with no second person
    if published_source:
        from .verdicts import _revise

        surviving = target.verdict
        revision = _revise(session, surviving, user, note)
        session.add(Correction(verdict_id=surviving.id, revision_number=revision.number, note=note,
                               author_id=user.id))
        details["correction_note"] = note
    audit.record(session, user, "claim.merge", "claim", target.id, **details)
    session.flush()
    return target
