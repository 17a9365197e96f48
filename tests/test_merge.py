"""Merging duplicate claims: what moves, what stays, the match index, chains and refusals, on SQLite and PostgreSQL."""

import json

import pytest
from sqlalchemy import func, select

from claimtrack.db import db
from claimtrack.models import (
    Appearance,
    Article,
    AuditEvent,
    Claim,
    Comment,
    Correction,
    SearchCorpus,
    Source,
    User,
    Verdict,
    VerdictRevision,
)
from claimtrack.services.matching import match
from claimtrack.services.merge import MergeError, merge_claims, resolve_claim

from .helpers import make_user

TEXT_A = "The city council cut the library budget by forty percent last winter."
TEXT_B = "Councillors slashed funding for public libraries by 40 percent this winter, officials said."
TEXT_C = "Library opening hours were halved after the council's forty percent budget cut."
TEXT_D = "A new tramway line will open downtown before the mayoral election in spring."


@pytest.fixture
def claims(app, runner, tmp_path):
    """Four imported claims: A and D without verdict, B and C with published verdicts; users of each role."""
    rows = [
        {"id": "A", "text": TEXT_A, "speaker": "Mayor Jane Doe", "topics": ["budget"]},
        {"id": "B", "text": TEXT_B, "speaker": "Local Paper", "verdict": "False", "topics": ["libraries", "budget"]},
        {"id": "C", "text": TEXT_C, "verdict": "Mostly false", "topics": ["libraries"]},
        {"id": "D", "text": TEXT_D},
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = runner.invoke(args=["claims", "import", str(path)])
    assert result.exit_code == 0, result.output
    users = {role: make_user(app, role, role) for role in ("admin", "editor", "reviewer")}
    with app.app_context():
        ids = dict(db.session.execute(select(Claim.external_id, Claim.id)).all())
        article = Article(text="An article.", content_hash="h1")
        db.session.add(article)
        db.session.flush()
        for position, key in enumerate(["A", "B", "B", "C"]):
            db.session.add(Appearance(claim_id=ids[key], article_id=article.id, sentence=f"s{position}",
                                      position=position))
        db.session.add(Comment(claim_id=ids["B"], author_id=users["editor"], body="Same as A, merge?"))
        verdict_b = db.session.scalar(select(Verdict).where(Verdict.claim_id == ids["B"]))
        db.session.add(VerdictRevision(verdict=verdict_b, number=1, data={"summary": "false"}))
        db.session.add(Source(verdict=verdict_b, url="https://example.org/budget"))
        db.session.add(Correction(verdict=verdict_b, revision_number=1, note="Fixed the figure."))
        db.session.commit()
    return {"ids": ids, "users": users}


def _get(model, id_):
    return db.session.get(model, id_)


NOTE = "The same claim was checked twice; both checks now live on one page."


def _merge(app, claims, source, target, role="admin", note=NOTE):
    """A direct merge; an admin's by default (an editor's merge of a published check is a proposal, below)."""
    with app.app_context():
        ids = claims["ids"]
        result = merge_claims(db.session, _get(Claim, ids[source]), _get(Claim, ids[target]),
                              _get(User, claims["users"][role]), note)
        db.session.commit()
        return result.id


def _matched_ids(text):
    return [m.external_id for m in match(db.session, text, limit=10).matches]


def test_appearances_comments_and_verdict_move_and_the_index_follows(app, claims):
    ids = claims["ids"]
    with app.app_context():
        assert "B" in _matched_ids(TEXT_B)
        docs_before = _get(SearchCorpus, 1).doc_count
        verdict_b = db.session.scalar(select(Verdict.id).where(Verdict.claim_id == ids["B"]))
    assert _merge(app, claims, "B", "A") == ids["A"]
    with app.app_context():
        a, b = _get(Claim, ids["A"]), _get(Claim, ids["B"])
        assert b.merged_into_id == a.id and b.search_terms is None
        assert sorted(x.sentence for x in a.appearances) == ["s0", "s1", "s2"] and b.appearances == []
        assert [c.body for c in a.comments] == ["Same as A, merge?"] and b.comments == []
        assert a.verdict.id == verdict_b and b.verdict is None
        # B's check was published: the merge is a revision of it with its public note
        assert a.verdict.rating == "false" and len(a.verdict.revisions) == 2
        assert [s.url for s in a.verdict.sources] == ["https://example.org/budget"]
        assert [c.note for c in a.verdict.corrections] == ["Fixed the figure.", NOTE]
        assert [t.name for t in a.topics] == ["budget", "libraries"]
        # B is out of the match index for good; A is still found, by its own words and by B's
        assert "B" not in _matched_ids(TEXT_B) and "A" in _matched_ids(TEXT_B)
        assert "A" in _matched_ids(TEXT_A)
        assert _get(SearchCorpus, 1).doc_count == docs_before - 1
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "claim.merge"))
        assert event.object_type == "claim" and event.object_id == a.id
        assert event.details["merged"] == b.id and event.details["verdict"] == "moved"
        assert event.details["appearances"] == 2 and event.details["comments"] == 1
        assert event.user_id == claims["users"]["admin"] and event.details["override"] is True


def test_when_both_have_verdicts_the_source_keeps_its_own(app, claims):
    ids = claims["ids"]
    _merge(app, claims, "B", "C", role="admin")
    with app.app_context():
        b, c = _get(Claim, ids["B"]), _get(Claim, ids["C"])
        assert c.verdict.rating == "mostly-false" and b.verdict.rating == "false"
        assert len(b.verdict.revisions) == 1  # the history stays reachable from the merged claim
        assert len(c.appearances) == 3 and [x.body for x in c.comments] == ["Same as A, merge?"]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "claim.merge"))
        assert event.details["verdict"] == "kept_on_source"
        assert event.details["source_verdict_id"] == b.verdict.id


def test_chains_collapse_and_pages_resolve_to_the_final_claim(app, claims):
    ids = claims["ids"]
    _merge(app, claims, "C", "B")
    _merge(app, claims, "B", "A")
    with app.app_context():
        assert _get(Claim, ids["C"]).merged_into_id == ids["A"]  # no chain C -> B -> A
        assert resolve_claim(db.session, ids["C"]) == (_get(Claim, ids["A"]), True)
        assert resolve_claim(db.session, ids["A"]) == (_get(Claim, ids["A"]), False)
        assert resolve_claim(db.session, 999_999) == (None, False)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "claim.merge")
                                   .order_by(AuditEvent.id)).all()[-1]
        assert event.details["redirected"] == [ids["C"]]
    # merging into a merged claim goes to where it ended up
    assert _merge(app, claims, "D", "B") == ids["A"]
    with app.app_context():
        assert _get(Claim, ids["D"]).merged_into_id == ids["A"]
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.details["requested_target"] == ids["B"]


def _state(app):
    with app.app_context():
        return {
            "claims": db.session.execute(select(Claim.id, Claim.merged_into_id, Claim.search_terms)
                                         .order_by(Claim.id)).all(),
            "appearances": db.session.execute(select(Appearance.id, Appearance.claim_id).order_by(Appearance.id)).all(),
            "comments": db.session.execute(select(Comment.id, Comment.claim_id)).all(),
            "verdicts": db.session.execute(select(Verdict.id, Verdict.claim_id).order_by(Verdict.id)).all(),
            "audit": db.session.scalar(select(func.count()).select_from(AuditEvent)),
            "corpus": db.session.execute(select(SearchCorpus.doc_count, SearchCorpus.term_count)).all(),
        }


@pytest.mark.parametrize("source,target,role,error,message", [
    ("A", "A", "editor", MergeError, "into itself"),
    ("B", "A", "reviewer", PermissionError, "Only editors and admins"),
])
def test_refused_merges_change_nothing(app, claims, source, target, role, error, message):
    before = _state(app)
    with pytest.raises(error, match=message):
        _merge(app, claims, source, target, role=role)
    assert _state(app) == before


def test_merging_back_or_twice_is_refused(app, claims):
    _merge(app, claims, "B", "A")
    before = _state(app)
    with pytest.raises(MergeError, match="already merged"):
        _merge(app, claims, "B", "C")
    with pytest.raises(MergeError, match="cannot take it back"):
        _merge(app, claims, "A", "B")  # B ends at A: that would be A into itself
    assert _state(app) == before


def test_opposite_merges_with_stale_reads_cannot_both_pass(app, claims):
    """Editor 1 opened A and B; meanwhile editor 2 merged B into A and committed. Editor 1's A-into-B, checked on
    what their own session read before, must now see the committed state and be refused (a real second
    connection on both databases), never leave B merged into itself."""
    ids, users = claims["ids"], claims["users"]
    with app.app_context():
        stale_a, stale_b = db.session.get(Claim, ids["A"]), db.session.get(Claim, ids["B"])
        editor = db.session.get(User, users["admin"])
        assert stale_a.merged_into_id is None and stale_b.merged_into_id is None
        from sqlalchemy.orm import Session as PlainSession
        with PlainSession(db.engine) as other:
            merge_claims(other, other.get(Claim, ids["B"]), other.get(Claim, ids["A"]), other.get(User, editor.id),
                         NOTE)
            other.commit()
        with pytest.raises(MergeError, match="cannot take it back"):
            merge_claims(db.session, stale_a, stale_b, editor, NOTE)
        db.session.rollback()
        a, b = db.session.get(Claim, ids["A"]), db.session.get(Claim, ids["B"])
        assert a.merged_into_id is None and b.merged_into_id == a.id


def test_a_merge_never_takes_a_published_check_off_the_site(app, claims):
    """B's check is published: it is not merged into a claim whose verdict is unpublished (the check would vanish),
    nor without a public correction note; with one, the surviving check shows the note to readers."""
    from claimtrack.services.claims import open_claim

    ids = claims["ids"]
    with app.app_context():
        fresh = open_claim(db.session, "Councils cut library budgets by forty percent, a blog says.", None)
        db.session.commit()
        ids["E"] = fresh.id  # its verdict is new: nothing public
    before = _state(app)
    with pytest.raises(MergeError, match="merge claim #%d into claim #%d instead" % (ids["E"], ids["B"])):
        _merge(app, claims, "B", "E")
    with pytest.raises(MergeError, match="public correction note"):
        _merge(app, claims, "B", "C", note="  ")
    assert _state(app) == before
    _merge(app, claims, "E", "B")  # the other way round needs no note: nothing public changes
    _merge(app, claims, "B", "C", note="B and C were one claim.")
    with app.app_context():
        c = _get(Claim, ids["C"])
        assert [x.note for x in c.verdict.corrections] == ["B and C were one claim."]
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "claim.merge")
                                   .order_by(AuditEvent.id)).all()[-1]
        assert event.details["correction_note"] == "B and C were one claim."
    client = app.test_client()
    page = client.get(f"/claims/{ids['B']}", follow_redirects=True).get_data(as_text=True)
    assert "B and C were one claim." in page


# --- an editor's merge of a published check waits for a second person ---------------------------------------


def _proposal(app, claims, source="B", target="C", role="editor", note=NOTE):
    from claimtrack.services.merge import propose_merge
    with app.app_context():
        ids = claims["ids"]
        proposal = propose_merge(db.session, _get(Claim, ids[source]), _get(Claim, ids[target]),
                                 _get(User, claims["users"][role]), note)
        db.session.commit()
        return proposal.id


def _decide(app, claims, proposal_id, role, approve, note=None):
    from claimtrack.models import MergeProposal
    from claimtrack.services.merge import decide_merge
    with app.app_context():
        user = _get(User, claims["users"][role]) if role in claims["users"] else \
            db.session.scalar(select(User).where(User.username == role))
        result = decide_merge(db.session, _get(MergeProposal, proposal_id), user, approve, note)
        db.session.commit()
        return None if result is None else result.id


def test_an_editor_cannot_merge_a_published_check_alone(app, claims):
    before = _state(app)
    with pytest.raises(MergeError, match="waits for a reviewer"):
        _merge(app, claims, "B", "C", role="editor")
    assert _state(app) == before


def test_a_proposed_merge_changes_nothing_public_until_a_second_person_approves(app, claims):
    from claimtrack.models import MergeProposal
    ids = claims["ids"]
    before = _state(app)
    pid = _proposal(app, claims)
    after = _state(app)
    assert after["claims"] == before["claims"] and after["verdicts"] == before["verdicts"]
    client = app.test_client()
    public_b = client.get(f"/claims/{ids['B']}", follow_redirects=True)
    assert public_b.status_code == 200 and f"/claims/{ids['B']}" in public_b.request.path   # still its own page
    # the proposer cannot approve it, nor can another editor; a reviewer can
    with pytest.raises(PermissionError, match="did not propose it"):
        _decide(app, claims, pid, "editor", True)
    make_user(app, "editor2", "editor")
    with pytest.raises(PermissionError):
        _decide(app, claims, pid, "editor2", True)
    assert _decide(app, claims, pid, "reviewer", True) == ids["C"]
    with app.app_context():
        assert _get(Claim, ids["B"]).merged_into_id == ids["C"]
        assert [x.note for x in _get(Claim, ids["C"]).verdict.corrections] == [NOTE]
        proposal = _get(MergeProposal, pid)
        assert proposal.status == "approved" and proposal.decided_by_id == claims["users"]["reviewer"]
        events = {e.action: e for e in db.session.scalars(select(AuditEvent))}
        assert events["claim.merge_proposed"].user_id == claims["users"]["editor"]
        merged = events["claim.merge"]
        assert merged.user_id == claims["users"]["reviewer"] and merged.details["proposed_by"] == claims["users"]["editor"]
        assert merged.details["correction_note"] == NOTE and "override" not in merged.details
    page = client.get(f"/claims/{ids['B']}", follow_redirects=True).get_data(as_text=True)
    assert NOTE in page
    with pytest.raises(MergeError, match="already approved"):
        _decide(app, claims, pid, "admin", True)


def test_a_declined_or_withdrawn_merge_leaves_both_checks(app, claims):
    from claimtrack.models import MergeProposal
    before = _state(app)
    pid = _proposal(app, claims)
    assert _decide(app, claims, pid, "reviewer", False, "They are two different claims.") is None
    pid2 = _proposal(app, claims)
    assert _decide(app, claims, pid2, "editor", False) is None                 # the proposer withdraws
    after = _state(app)
    assert after["claims"] == before["claims"] and after["verdicts"] == before["verdicts"]
    with app.app_context():
        assert [p.status for p in db.session.scalars(select(MergeProposal).order_by(MergeProposal.id))] == \
            ["declined", "declined"]
        withdrawn = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "claim.merge_declined")
                                       .order_by(AuditEvent.id)).all()
        assert [e.details["withdrawn"] for e in withdrawn] == [False, True]


def test_a_proposal_is_checked_when_made_one_at_a_time_and_of_one_claim_version(app, claims):
    ids = claims["ids"]
    with app.app_context():
        fresh_id = db.session.scalar(select(Claim.id).where(Claim.external_id == "D"))
    with pytest.raises(MergeError, match="public correction note"):
        _proposal(app, claims, note=" ")
    pid = _proposal(app, claims)
    with pytest.raises(MergeError, match="already waiting"):
        _proposal(app, claims, target="A")
    # the claim is reworded after the proposal: the approval is refused, nothing merges
    with app.app_context():
        b = _get(Claim, ids["B"])
        b.version += 1
        db.session.commit()
    with pytest.raises(MergeError, match="changed after this merge was proposed"):
        _decide(app, claims, pid, "reviewer", True)
    with app.app_context():
        assert _get(Claim, ids["B"]).merged_into_id is None and fresh_id


def test_an_admins_direct_merge_closes_a_waiting_proposal(app, claims):
    from claimtrack.models import MergeProposal
    ids = claims["ids"]
    pid = _proposal(app, claims)
    _merge(app, claims, "B", "A", role="admin")
    with app.app_context():
        assert _get(MergeProposal, pid).status == "superseded"
        assert _get(Claim, ids["B"]).merged_into_id == ids["A"]


def test_the_workspace_proposes_and_a_reviewer_approves_through_the_forms(app, claims):
    from .helpers import AuthActions, csrf_token
    ids = claims["ids"]
    editor, reviewer = app.test_client(), app.test_client()
    AuthActions(editor).login("editor")
    AuthActions(reviewer).login("reviewer")
    b = ids["B"]
    token = csrf_token(editor, f"/editor/claims/{b}")
    response = editor.post(f"/editor/claims/{b}/merge", data={"csrf_token": token, "target": str(ids["C"]),
                                                              "correction_note": NOTE})
    assert response.status_code == 302
    page = editor.get(f"/editor/claims/{b}").get_data(as_text=True)
    assert "A merge waits for review" in page and "Approve the merge" not in page and "Withdraw" in page
    dashboard = reviewer.get("/editor/").get_data(as_text=True)
    assert "Merges waiting for review" in dashboard and f"/editor/claims/{b}" in dashboard
    page = reviewer.get(f"/editor/claims/{b}").get_data(as_text=True)
    assert "Approve the merge" in page
    from claimtrack.models import MergeProposal
    with app.app_context():
        pid = db.session.scalar(select(MergeProposal.id))
    token = csrf_token(editor, f"/editor/claims/{b}")
    refused = editor.post(f"/editor/claims/{b}/merge-proposal",
                          data={"csrf_token": token, "proposal": str(pid), "approve": "1"})
    assert refused.status_code == 403 and "did not propose it" in refused.get_data(as_text=True)
    token = csrf_token(reviewer, f"/editor/claims/{b}")
    bad = reviewer.post(f"/editor/claims/{b}/merge-proposal",
                        data={"csrf_token": token, "proposal": "99999999", "approve": "1"})
    assert bad.status_code == 422
    done = reviewer.post(f"/editor/claims/{b}/merge-proposal",
                         data={"csrf_token": token, "proposal": str(pid), "approve": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/editor/claims/{ids['C']}")
    with app.app_context():
        assert _get(Claim, b).merged_into_id == ids["C"]


def test_two_approvals_with_stale_reads_merge_once(app, claims):
    """Two reviewers opened the same waiting proposal; one approves and commits on its own connection; the other's
    approval, decided on what its session read before, is refused: one merge, one correction note."""
    from sqlalchemy.orm import Session as PlainSession

    from claimtrack.models import MergeProposal
    from claimtrack.services.merge import decide_merge
    ids = claims["ids"]
    pid = _proposal(app, claims)
    make_user(app, "rita", "reviewer")
    with app.app_context():
        stale = db.session.get(MergeProposal, pid)
        reviewer = db.session.get(User, claims["users"]["reviewer"])
        assert stale.status == "waiting"
        with PlainSession(db.engine) as other:
            rita = other.scalar(select(User).where(User.username == "rita"))
            decide_merge(other, other.get(MergeProposal, pid), rita, True)
            other.commit()
        with pytest.raises(MergeError, match="already approved"):
            decide_merge(db.session, stale, reviewer, True)
        db.session.rollback()
        assert _get(Claim, ids["B"]).merged_into_id == ids["C"]
        assert [x.note for x in _get(Claim, ids["C"]).verdict.corrections] == [NOTE]
