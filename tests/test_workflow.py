"""The verdict workflow through the real forms: revisions, four eyes, corrections, conflicts, roles, bad input."""

import html
import re

import pytest
from sqlalchemy import func, select

from claimtrack.db import db
from claimtrack.models import AuditEvent, Claim, Correction, Verdict, VerdictRevision, VerdictStatus

from .helpers import AuthActions, csrf_token_in, make_user

CLAIM_TEXT = "Sanctions have never changed a country's policy."


@pytest.fixture
def claim_id(app, runner, tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "c1", "text": "%s", "speaker": "Talk radio host"}\n' % CLAIM_TEXT)
    assert runner.invoke(args=["claims", "import", str(path)]).exit_code == 0
    with app.app_context():
        return db.session.scalar(select(Claim.id).where(Claim.external_id == "c1"))


def version(page: str) -> str:
    return re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)


def open_claim(client, claim_id):
    response = client.get(f"/editor/claims/{claim_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def verdict_data(page, **overrides):
    data = {
        "csrf_token": csrf_token_in(page), "version": version(page), "rating": "mostly-false",
        "summary": "Sanctions have changed policies, though rarely.",
        "explanation": "Studies find sanctions **sometimes** work. <script>alert(1)</script>",
        "sources-0-url": "https://example.org/study", "sources-0-title": "A study", "sources-0-publisher": "Uni",
        "sources-0-accessed_on": "2024-01-05",
        "sources-1-url": "https://example.org/review", "sources-1-title": "A review",
        "sources-1-publisher": "", "sources-1-accessed_on": "",
    }
    data.update(overrides)
    return data


def status(client, claim_id, action, note=""):
    page = open_claim(client, claim_id)
    return client.post(f"/editor/claims/{claim_id}/status",
                       data={"csrf_token": csrf_token_in(page), "version": version(page), "action": action, "note": note})


def revisions(app, claim_id):
    with app.app_context():
        verdict = db.session.scalar(select(Verdict).where(Verdict.claim_id == claim_id))
        if verdict is None:  # never opened: looking at a claim opens no verdict, only a change does
            return []
        return db.session.scalars(select(VerdictRevision).where(VerdictRevision.verdict_id == verdict.id)
                                  .order_by(VerdictRevision.number)).all()


def test_draft_review_publish_correct(app, client, claim_id):
    make_user(app, "ed", "editor")
    make_user(app, "rita", "reviewer")
    editor = AuthActions(client)
    editor.login("ed")
    page = open_claim(client, claim_id)
    response = client.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(page))
    assert response.status_code == 302
    page = open_claim(client, claim_id)
    assert "Verdict saved (revision 1)." in page
    assert "<strong>sometimes</strong>" in page and "<script>alert(1)</script>" not in page
    assert "Approve and publish" not in page  # the author may not approve
    assert status(client, claim_id, "submit").status_code == 302
    assert status(client, claim_id, "approve").status_code == 403
    editor.logout()

    reviewer = AuthActions(client)
    reviewer.login("rita")
    page = open_claim(client, claim_id)
    assert "Approve and publish" in page
    assert status(client, claim_id, "approve").status_code == 302
    with app.app_context():
        verdict = db.session.scalar(select(Verdict).where(Verdict.claim_id == claim_id))
        assert verdict.status == VerdictStatus.PUBLISHED and verdict.published_at is not None
        assert [s.url for s in verdict.sources] == ["https://example.org/study", "https://example.org/review"]
    reviewer.logout()

    editor.login("ed")
    page = open_claim(client, claim_id)
    no_note = client.post(f"/editor/claims/{claim_id}/verdict",
                          data=verdict_data(page, summary="Sanctions rarely change policies."))
    assert no_note.status_code == 422
    body = no_note.get_data(as_text=True)
    assert "public correction note" in body and "Sanctions rarely change policies." in body
    with_note = client.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(
        page, summary="Sanctions rarely change policies.", correction_note="Summary made more precise."))
    assert with_note.status_code == 302
    # an editor's correction waits for a reviewer: the public page keeps the published verdict
    page = open_claim(client, claim_id)
    assert "Correction saved for review" in page and "A correction waits for review" in page
    assert "Approve the correction" not in page          # not by the editor who proposed it
    assert "Sanctions rarely change policies." in page    # the form goes on from the proposal
    public = client.get(f"/claims/{claim_id}", follow_redirects=True).get_data(as_text=True)
    assert "Sanctions have changed policies, though rarely." in public and "rarely change policies" not in public
    assert len(revisions(app, claim_id)) == 2
    assert status(client, claim_id, "approve_correction").status_code == 403
    editor.logout()
    reviewer.login("rita")
    assert status(client, claim_id, "approve_correction").status_code == 302
    public = client.get(f"/claims/{claim_id}", follow_redirects=True).get_data(as_text=True)
    assert "Sanctions rarely change policies." in public and "Summary made more precise." in public
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("verdict.%correction%"))
                                    .order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["verdict.correction_proposed", "verdict.approve_correction"]
        assert "Sanctions have changed" in str(events[1].details) and "rarely change" in str(events[1].details)
    reviewer.logout()
    editor.login("ed")
    revs = revisions(app, claim_id)
    assert [r.data["status"] for r in revs] == ["draft", "published", "published"]
    with app.app_context():
        assert db.session.scalar(select(Correction.note)) == "Summary made more precise."
    history = client.get(f"/editor/claims/{claim_id}/history?a=1&b=3").get_data(as_text=True)
    assert "<del>" in history and "<ins>" in history and "correction note" in history
    assert client.get(f"/editor/claims/{claim_id}/history?a=1&b=99").status_code == 404


def test_the_workspace_and_history_write_nothing_and_the_first_save_opens_the_verdict(app, client, claim_id):
    """An imported claim has no verdict: looking at it opens none (a GET never writes); saving does."""
    from sqlalchemy import event

    make_user(app, "ed", "editor")
    AuthActions(client).login("ed")
    writes = []

    def _record(conn, cursor, statement, *args):
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "SAVEPOINT"):
            writes.append(statement)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _record)
    try:
        page = open_claim(client, claim_id)
        assert client.get(f"/editor/claims/{claim_id}/history").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", _record)
    assert writes == []
    assert "status-new" in page and version(page) == "1"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Verdict).where(Verdict.claim_id == claim_id)) == 0
    assert client.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(page)).status_code == 302
    assert [r.number for r in revisions(app, claim_id)] == [1]


def test_two_editors_save_the_same_verdict(app, claim_id):
    make_user(app, "ann", "editor")
    make_user(app, "bob", "editor")
    first, second = app.test_client(), app.test_client()
    AuthActions(first).login("ann")
    AuthActions(second).login("bob")
    page_a = open_claim(first, claim_id)
    page_b = open_claim(second, claim_id)
    assert first.post(f"/editor/claims/{claim_id}/verdict",
                      data=verdict_data(page_a, summary="Ann's summary.")).status_code == 302
    conflict = second.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(page_b, summary="Bob's summary."))
    assert conflict.status_code == 409
    body = conflict.get_data(as_text=True)
    assert "Changed by ann" in body and "Ann&#39;s summary." in body and "Bob&#39;s summary." in body
    assert len(revisions(app, claim_id)) == 1
    # Bob chooses to save his version: the form he got back is based on the newest version.
    again = second.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(body, summary="Bob's summary."))
    assert again.status_code == 302
    revs = revisions(app, claim_id)
    assert [r.data["summary"] for r in revs] == ["Ann's summary.", "Bob's summary."]


@pytest.mark.parametrize(
    "overrides,message",
    [({"rating": "totally-true"}, "Not a valid choice"),
     ({"sources-0-url": "javascript:alert(1)"}, "http(s)"),
     ({"sources-0-url": "ftp://example.org/x"}, "http(s)"),
     ({"summary": "x" * 600}, "500")],
)
def test_bad_verdict_input_is_refused_and_kept(app, client, auth, claim_id, overrides, message):
    make_user(app, "ed", "editor")
    auth.login("ed")
    page = open_claim(client, claim_id)
    response = client.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(page, **overrides))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "Studies find sanctions" in body
    assert revisions(app, claim_id) == []


def test_stale_and_csrf_less_posts(app, client, auth, claim_id):
    make_user(app, "ed", "editor")
    auth.login("ed")
    page = open_claim(client, claim_id)
    data = verdict_data(page)
    data.pop("csrf_token")
    assert client.post(f"/editor/claims/{claim_id}/verdict", data=data).status_code == 400
    assert client.post(f"/editor/claims/{claim_id}/status", data={"action": "submit"}).status_code == 400
    assert revisions(app, claim_id) == []


def test_submit_needs_rating_and_summary(app, client, auth, claim_id):
    make_user(app, "ed", "editor")
    auth.login("ed")
    assert status(client, claim_id, "research").status_code == 302
    response = status(client, claim_id, "submit")
    assert response.status_code == 422 and "needs a rating and a summary" in response.get_data(as_text=True)


def test_admin_override_is_recorded(app, client, auth, claim_id):
    make_user(app, "boss", "admin")
    auth.login("boss")
    page = open_claim(client, claim_id)
    client.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(page))
    status(client, claim_id, "submit")
    assert status(client, claim_id, "approve").status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "verdict.approve"))
        assert event.details["admin_override"] is True


def test_unpublish_needs_a_public_note(app, claim_id):
    make_user(app, "ed", "editor")
    make_user(app, "rita", "reviewer")
    editor, reviewer = app.test_client(), app.test_client()
    AuthActions(editor).login("ed")
    AuthActions(reviewer).login("rita")
    page = open_claim(editor, claim_id)
    editor.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(page))
    status(editor, claim_id, "submit")
    status(reviewer, claim_id, "approve")
    assert status(reviewer, claim_id, "unpublish").status_code == 422
    assert status(reviewer, claim_id, "unpublish", note="New evidence under review.").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Verdict.status).where(Verdict.claim_id == claim_id)) == VerdictStatus.UNPUBLISHED


def test_claim_edit_comment_assign(app, client, auth, claim_id):
    ed = make_user(app, "ed", "editor")
    auth.login("ed")
    page = open_claim(client, claim_id)
    response = client.post(f"/editor/claims/{claim_id}/edit", data={
        "csrf_token": csrf_token_in(page), "text": "Economic sanctions never change a government's policy.",
        "speaker": "Radio Host", "topics": "economy, foreign policy"})
    assert response.status_code == 302
    client.post(f"/editor/claims/{claim_id}/comments", data={"csrf_token": csrf_token_in(page), "body": "Check <b>IMF</b> data"})
    client.post(f"/editor/claims/{claim_id}/assign", data={"csrf_token": csrf_token_in(page), "assignee": str(ed)})
    page = open_claim(client, claim_id)
    assert "Economic sanctions never change" in page and "Check &lt;b&gt;IMF&lt;/b&gt; data" in page
    assert "assigned to ed" in page
    with app.app_context():
        claim = db.session.get(Claim, claim_id)
        assert [t.name for t in claim.topics] == ["economy", "foreign policy"]
        from claimtrack.services.matching import match

        assert match(db.session, "economic sanctions never change government policy").matches[0].claim_id == claim_id


ROUTES = [
    ("get", "/editor/claims/{id}", {}),
    ("post", "/editor/claims/{id}/verdict", {"save": "1"}),
    ("post", "/editor/claims/{id}/status", {"action": "submit"}),
    ("post", "/editor/claims/{id}/edit", {"text": "New words for the claim."}),
    ("post", "/editor/claims/{id}/comments", {"body": "note"}),
    ("post", "/editor/claims/{id}/merge", {"target": "1"}),
    ("get", "/editor/claims/{id}/history", {}),
]
# What each role may reach (403 = refused for the role; 2xx/3xx/4xx-with-form = reached the action).
EXPECTED = {
    "reviewer": {"/editor/claims/{id}/verdict": 403, "/editor/claims/{id}/edit": 403, "/editor/claims/{id}/merge": 403,
                 "/editor/claims/{id}/status": 403},  # reviewers approve; they do not submit
    "editor": {},
    "admin": {},
}


@pytest.mark.parametrize("role", ["anonymous", "reviewer", "editor", "admin"])
def test_role_matrix(app, client, claim_id, role):
    if role != "anonymous":
        make_user(app, "user1", role)
        AuthActions(client).login("user1")
    for method, path, data in ROUTES:
        url = path.format(id=claim_id)
        if method == "get":
            response = client.get(url)
        else:
            page = client.get(f"/editor/claims/{claim_id}").get_data(as_text=True) if role != "anonymous" else ""
            payload = dict(data)
            if role != "anonymous":
                payload["csrf_token"] = csrf_token_in(page)
                found = re.search(r'name="version" type="hidden" value="(\d+)"', page)
                payload.setdefault("version", found.group(1) if found else "1")
            response = client.post(url, data=payload)
        if role == "anonymous":
            assert response.status_code in (302, 400), (url, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"]
            continue
        expected = EXPECTED[role].get(path)
        if expected == 403:
            assert response.status_code == 403, (role, url)
        else:
            assert response.status_code != 403 and response.status_code < 500, (role, url, response.status_code)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Claim)) >= 1


def test_no_edit_in_review_and_publishing_needs_sources(app, client, claim_id):
    make_user(app, "ed", "editor")
    make_user(app, "rita", "reviewer")
    editor = AuthActions(client)
    editor.login("ed")
    page = open_claim(client, claim_id)
    bare = verdict_data(page, explanation="", **{"sources-0-url": "", "sources-1-url": ""})
    assert client.post(f"/editor/claims/{claim_id}/verdict", data=bare).status_code == 302
    refused = status(client, claim_id, "submit")
    assert refused.status_code == 422 and "at least one source" in refused.get_data(as_text=True)
    page = open_claim(client, claim_id)
    assert client.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(page)).status_code == 302
    assert status(client, claim_id, "submit").status_code == 302
    page = open_claim(client, claim_id)
    in_review = client.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(page, summary="Sneaky edit."))
    assert in_review.status_code == 422 and "in review" in in_review.get_data(as_text=True)
    with app.app_context():
        verdict = db.session.scalar(select(Verdict).where(Verdict.claim_id == claim_id))
        assert verdict.summary == "Sanctions have changed policies, though rarely."
    editor.logout()
    reviewer = AuthActions(client)
    reviewer.login("rita")
    assert status(client, claim_id, "approve").status_code == 302
    reviewer.logout()
    # a correction turned down leaves the published verdict as it was, with the proposal in the audit log
    editor.login("ed")
    page = open_claim(client, claim_id)
    client.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(
        page, rating="true", summary="Wrong fix.", correction_note="Changed the rating."))
    editor.logout()
    reviewer.login("rita")
    assert status(client, claim_id, "reject_correction", note="The rating stands.").status_code == 302
    with app.app_context():
        verdict = db.session.scalar(select(Verdict).where(Verdict.claim_id == claim_id))
        assert verdict.pending_correction is None and verdict.rating == "mostly-false"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "verdict.reject_correction"))
        assert "Wrong fix." in str(event.details)
    assert status(client, claim_id, "reject_correction").status_code == 422


def test_status_form_with_a_bad_version_is_a_400(app, client, claim_id):
    make_user(app, "ed", "editor")
    AuthActions(client).login("ed")
    page = open_claim(client, claim_id)
    response = client.post(f"/editor/claims/{claim_id}/status",
                           data={"csrf_token": csrf_token_in(page), "version": "1e9x", "action": "research"})
    assert response.status_code == 400


def _publish(app, client, claim_id):
    """ed writes and submits, rita approves; ed is logged in again at the end."""
    make_user(app, "ed", "editor")
    make_user(app, "rita", "reviewer")
    editor, reviewer = AuthActions(client), AuthActions(client)
    editor.login("ed")
    assert client.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(open_claim(client, claim_id))
                       ).status_code == 302
    assert status(client, claim_id, "submit").status_code == 302
    editor.logout()
    reviewer.login("rita")
    assert status(client, claim_id, "approve").status_code == 302
    reviewer.logout()
    editor.login("ed")
    return editor, reviewer


def claim_edit(client, claim_id, page, **fields):
    original = re.search(r'id="original" name="original" type="hidden" value="([^"]*)"', page).group(1)
    data = {"csrf_token": csrf_token_in(page), "text": CLAIM_TEXT, "speaker": "Talk radio host", "topics": "",
            "original": html.unescape(original), **fields}
    return client.post(f"/editor/claims/{claim_id}/edit", data=data)


def test_a_published_claims_wording_changes_only_through_review(app, client, claim_id):
    editor, reviewer = _publish(app, client, claim_id)
    page = open_claim(client, claim_id)
    no_note = claim_edit(client, claim_id, page, text="Sanctions never changed any country's policy at all.")
    assert no_note.status_code == 422 and "public correction note" in no_note.get_data(as_text=True)
    proposed = claim_edit(client, claim_id, page, text="Sanctions never changed any country's policy at all.",
                          speaker="A radio host", correction_note="Quoted the host exactly.")
    assert proposed.status_code == 302
    public = client.get(f"/claims/{claim_id}", follow_redirects=True).get_data(as_text=True)
    assert CLAIM_TEXT in public and "policy at all" not in public
    page = open_claim(client, claim_id)
    assert "A correction waits for review" in page and "claim wording" in page and "policy at all" in page
    editor.logout()
    reviewer.login("rita")
    assert status(client, claim_id, "approve_correction").status_code == 302
    public = client.get(f"/claims/{claim_id}", follow_redirects=True).get_data(as_text=True)
    assert "Sanctions never changed any country&#39;s policy at all." in public
    assert "Quoted the host exactly." in public
    with app.app_context():
        claim = db.session.get(Claim, claim_id)
        assert claim.speaker.name == "A radio host"
        from claimtrack.services.matching import match
        assert match(db.session, "sanctions never changed any country's policy").matches[0].claim_id == claim_id


def test_two_edits_of_one_claim_cannot_both_pass(app, claim_id):
    make_user(app, "ann", "editor")
    make_user(app, "bob", "editor")
    first, second = app.test_client(), app.test_client()
    AuthActions(first).login("ann")
    AuthActions(second).login("bob")
    page_a, page_b = open_claim(first, claim_id), open_claim(second, claim_id)
    assert claim_edit(first, claim_id, page_a, text="Sanctions have never changed what any country does."
                      ).status_code == 302
    late = claim_edit(second, claim_id, page_b, text="Bob's rewording of the sanctions claim.")
    body = late.get_data(as_text=True)
    assert late.status_code == 409 and "changed by someone else" in body and "Bob&#39;s rewording" in body
    with app.app_context():
        assert db.session.get(Claim, claim_id).text == "Sanctions have never changed what any country does."
    assert app.test_cli_runner().invoke(args=["claims", "reindex", "--check"]).exit_code == 0


def test_an_approval_is_of_the_claim_as_it_was_when_review_was_requested(app, client, claim_id):
    """The claim reworded while its verdict waits in review: the approval is refused with a clear message and
    nothing goes public; sent back and submitted again, the approval publishes the new wording, and its revision
    records which wording and speaker were approved."""
    make_user(app, "ed", "editor")
    make_user(app, "rita", "reviewer")
    editor, reviewer = AuthActions(client), AuthActions(client)
    editor.login("ed")
    assert client.post(f"/editor/claims/{claim_id}/verdict", data=verdict_data(open_claim(client, claim_id))
                       ).status_code == 302
    assert status(client, claim_id, "submit").status_code == 302
    reworded = "Sanctions have never once changed any government's policy."
    assert claim_edit(client, claim_id, open_claim(client, claim_id), text=reworded).status_code == 302
    editor.logout()
    reviewer.login("rita")
    refused = status(client, claim_id, "approve")
    assert refused.status_code == 422
    assert "changed after review was requested" in html.unescape(refused.get_data(as_text=True))
    with app.app_context():
        verdict = db.session.scalar(select(Verdict).where(Verdict.claim_id == claim_id))
        assert verdict.status == VerdictStatus.IN_REVIEW and verdict.published_at is None
    assert client.get(f"/claims/{claim_id}", follow_redirects=True).status_code == 404
    assert status(client, claim_id, "send_back").status_code == 302
    reviewer.logout()
    editor.login("ed")
    assert status(client, claim_id, "submit").status_code == 302
    editor.logout()
    reviewer.login("rita")
    page = open_claim(client, claim_id)   # the reviewer reads this page ...
    reviewer.logout()
    editor.login("ed")                    # ... while the editor rewords the claim once more
    again = "Sanctions have never changed a single government's policy."
    assert claim_edit(client, claim_id, open_claim(client, claim_id), text=again).status_code == 302
    editor.logout()
    reviewer.login("rita")
    stale = client.post(f"/editor/claims/{claim_id}/status", data={
        "csrf_token": csrf_token_in(page), "version": version(page), "action": "approve",
        "claim_version": re.search(r'name="claim_version" type="hidden" value="(\d+)"', page).group(1)})
    assert stale.status_code == 422 and "changed" in html.unescape(stale.get_data(as_text=True))
    assert status(client, claim_id, "send_back").status_code == 302
    reviewer.logout()
    editor.login("ed")
    assert status(client, claim_id, "submit").status_code == 302
    editor.logout()
    reviewer.login("rita")
    page = open_claim(client, claim_id)
    approved = client.post(f"/editor/claims/{claim_id}/status", data={
        "csrf_token": csrf_token_in(page), "version": version(page), "action": "approve",
        "claim_version": re.search(r'name="claim_version" type="hidden" value="(\d+)"', page).group(1)})
    assert approved.status_code == 302
    assert again in html.unescape(client.get(f"/claims/{claim_id}", follow_redirects=True).get_data(as_text=True))
    last = revisions(app, claim_id)[-1]
    assert last.data["claim_text"] == again and last.data["claim_speaker"] == "Talk radio host"
