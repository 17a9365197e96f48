"""Merging duplicate claims: one claim is folded into another, which keeps everything both had.

The merged claim (the source) stays in the database with ``merged_into_id`` set, so its
old links and its verdict history remain reachable, but it leaves the match index and
its pages redirect to the claim it was merged into.  Every function takes a Session,
flushes and never commits.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..models import Appearance, Claim, Comment, Correction, User, VerdictStatus
from ..search_index import set_claim_terms
from . import audit
from .claims import lock_claims

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


def _published(claim: Claim) -> bool:
    return claim.verdict is not None and claim.verdict.status == VerdictStatus.PUBLISHED


def merge_claims(session: Session, source: Claim, target: Claim, user: User, note: str | None = None) -> Claim:
    """Merge ``source`` (a duplicate) into ``target`` and return the claim that now holds both.

    Appearances and comments move to the target; the source's verdict moves too when the target has
    none, otherwise it stays on the source so its history stays reachable.  Claims merged into the
    source earlier now point at the target.  Raise PermissionError or MergeError before changing anything.

    A merge never takes a published check off the site: a claim with a published verdict is merged only into
    one whose check is published too (or that has no verdict, which then receives it), and only with ``note``,
    a public correction note that the surviving check shows (a revision and a correction on it).
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
    note = " ".join((note or "").split())[:2000]
    published_source = _published(source)
    if published_source:
        if target.verdict is not None and not _published(target):
            raise MergeError(f"Claim #{source.id} has a published check and claim #{target.id} has none: merge "
                             f"claim #{target.id} into claim #{source.id} instead, so the check stays on the site.")
        if not note:
            raise MergeError(f"Claim #{source.id} has a published check: say in the public correction note why it "
                             f"is merged into claim #{target.id} (readers of both pages will see it).")

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
