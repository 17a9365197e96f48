"""Merging duplicate claims: one claim is folded into another, which keeps everything both had.

The merged claim (the source) stays in the database with ``merged_into_id`` set, so its
old links and its verdict history remain reachable, but it leaves the match index and
its pages redirect to the claim it was merged into.  Every function takes a Session,
flushes and never commits.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Appearance, Claim, Comment, User
from ..search_index import set_claim_terms
from . import audit

MERGING_ROLES = ("admin", "editor")


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


def lock_claims(session: Session, claim_ids: list[int]) -> None:
    """Take the two claims for this transaction and re-read them, so the checks below see what is committed now:
    two opposite merges at once (A into B, B into A) cannot both pass them. PostgreSQL locks the rows (in id
    order, so opposite merges cannot deadlock); SQLite has one writer, taken here by a no-op write."""
    ids = sorted(set(claim_ids))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Claim.id).where(Claim.id.in_(ids)).order_by(Claim.id).with_for_update())
    else:
        session.execute(update(Claim).where(Claim.id.in_(ids))
                        .values(merged_into_id=Claim.merged_into_id, updated_at=Claim.updated_at)
                        .execution_options(synchronize_session=False))
    for claim_id in ids:
        claim = session.get(Claim, claim_id)
        if claim is not None:
            session.refresh(claim)


def merge_claims(session: Session, source: Claim, target: Claim, user: User) -> Claim:
    """Merge ``source`` (a duplicate) into ``target`` and return the claim that now holds both.

    Appearances and comments move to the target; the source's verdict moves too when the target has
    none, otherwise it stays on the source so its history stays reachable.  Claims merged into the
    source earlier now point at the target.  Raise PermissionError or MergeError before changing anything.
    """
    if user is None or getattr(user.role, "value", user.role) not in MERGING_ROLES:
        raise PermissionError("Only editors and admins can merge claims.")
    lock_claims(session, [source.id, target.id])
    if source.merged_into_id is not None:
        raise MergeError(f"Claim #{source.id} was already merged into claim #{source.merged_into_id}.")
    requested = target
    target = _final(session, target)
    if target.id == source.id:
        if requested.id == source.id:
            raise MergeError("A claim cannot be merged into itself.")
        raise MergeError(f"Claim #{requested.id} was merged into claim #{source.id}: it cannot take it back.")

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
    audit.record(session, user, "claim.merge", "claim", target.id, **details)
    session.flush()
    return target
