"""Admin pages (issue 16, point 4): the audit log in the browser and account management.

Services are tested on both databases; the pages through the real forms with real test-client sessions (a
deactivated or ended session is refused on its next request, not just in the database)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from claimtrack.db import db
from claimtrack.models import AuditEvent, Role, User
from claimtrack.services import accounts
from claimtrack.services import audit as audit_service
from claimtrack.services import verdicts as workflow
from claimtrack.services.audit import AuditFilters

from .helpers import PASSWORD, AuthActions, csrf_token, make_user

NEW_PASSWORD = "a brand new password"


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _events(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def _login(app, username: str):
    client = app.test_client()
    response = AuthActions(client).login(username)
    assert response.status_code == 302, f"{username} could not log in"
    return client


def _flashes(body: str) -> list[str]:
    return re.findall(r'class="flash flash-(?:info|error)"[^>]*>([^<]*)<', body)


# --- services ---------------------------------------------------------------------------------------------------


def test_role_changes_are_recorded_and_never_leave_no_active_admin(app):
    make_user(app, "boss", "admin")
    make_user(app, "ed", "editor")
    with app.app_context():
        boss, ed = _user("boss"), _user("ed")
        accounts.change_role(db.session, ed, "reviewer", by=boss)
        event = _events("user.role_change")[-1]
        assert (event.user_id, event.object_id) == (boss.id, ed.id)
        assert event.details == {"username": "ed", "before": {"role": "editor"}, "after": {"role": "reviewer"}}
        with pytest.raises(accounts.AccountError, match="already has the role reviewer"):
            accounts.change_role(db.session, ed, "reviewer", by=boss)
        with pytest.raises(accounts.AccountError, match="Unknown role"):
            accounts.change_role(db.session, ed, "boss", by=boss)
        # the only active admin can neither step down nor be deactivated
        with pytest.raises(accounts.AccountError, match="last active admin"):
            accounts.change_role(db.session, boss, "editor", by=boss)
        with pytest.raises(accounts.AccountError, match="last active admin"):
            accounts.set_active(db.session, boss, False, by=boss)
        # a deactivated admin does not count as a second admin
        accounts.change_role(db.session, ed, "admin", by=boss)
        accounts.set_active(db.session, ed, False, by=boss)
        with pytest.raises(accounts.AccountError, match="last active admin"):
            accounts.change_role(db.session, boss, "reviewer", by=boss)
        # with another active admin, the admin may step down
        accounts.set_active(db.session, ed, True, by=boss)
        accounts.change_role(db.session, boss, "editor", by=boss)
        db.session.commit()
        assert (_user("boss").role, _user("ed").role) == (Role.EDITOR, Role.ADMIN)


def test_deactivation_and_ending_sessions_rotate_the_token_and_are_recorded(app):
    make_user(app, "boss", "admin")
    make_user(app, "ed", "editor")
    with app.app_context():
        boss, ed = _user("boss"), _user("ed")
        first = ed.session_token
        accounts.set_active(db.session, ed, False, by=boss)
        assert not ed.active and ed.session_token != first
        with pytest.raises(accounts.AccountError, match="already deactivated"):
            accounts.set_active(db.session, ed, False, by=boss)
        accounts.set_active(db.session, ed, True, by=boss)
        second = ed.session_token
        accounts.end_user_sessions(db.session, ed, by=boss)
        assert ed.session_token != second
        db.session.commit()
        got = [(e.action, e.details) for e in _events() if e.action.startswith("user.") and e.object_id == ed.id]
    assert got[1:] == [
        ("user.deactivate", {"username": "ed", "before": {"active": True}, "after": {"active": False}}),
        ("user.reactivate", {"username": "ed", "before": {"active": False}, "after": {"active": True}}),
        ("user.end_sessions", {"username": "ed"}),
    ]


def test_two_admins_demoting_each_other_at_once_leave_an_admin(app):
    """Admin boss demotes admin second while second demotes boss, on two real connections: the one that waits
    for the other's write is refused (PostgreSQL: the admin rows are locked; SQLite: counted again after the
    write), so one admin always remains."""
    import threading
    import time

    from sqlalchemy import func, text
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session as PlainSession

    make_user(app, "boss", "admin")
    make_user(app, "second", "admin")
    with app.app_context():
        engine = db.engine
        boss, second = _user("boss"), _user("second")
        boss_id, second_id = boss.id, second.id
        accounts.change_role(db.session, second, "editor", by=boss)  # flushed: holds its locks until commit
        outcome: dict[str, str] = {}
        started = threading.Event()

        def other_admin():
            with PlainSession(engine) as other:
                started.set()
                try:
                    accounts.change_role(other, other.get(User, boss_id), "editor", by=other.get(User, second_id))
                    other.commit()
                    outcome["second"] = "demoted boss"
                except accounts.AccountError as error:
                    other.rollback()
                    outcome["second"] = str(error)
                except OperationalError:  # SQLite may refuse a write on a stale snapshot: refused all the same
                    other.rollback()
                    outcome["second"] = "database busy"

        thread = threading.Thread(target=other_admin)
        thread.start()
        started.wait(10)
        if engine.dialect.name == "postgresql":
            with engine.connect() as watcher:  # wait until the other admin's transaction waits for this one
                for _ in range(200):
                    if watcher.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                           "AND datname = current_database()")):
                        break
                    time.sleep(0.05)
        else:
            time.sleep(0.5)  # lets the other write reach SQLite's lock; the outcome is the same without it
        db.session.commit()
        thread.join(30)
        assert outcome["second"] != "demoted boss", outcome
        admins = db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN,
                                                                               User.active.is_(True)))
        assert admins == 1


def _claim_with_history(app) -> tuple[int, int]:
    """A claim with a verdict save and a comment (events on the verdict and on the claim), and another claim."""
    from claimtrack.services.claims import open_claim

    with app.app_context():
        editor = _user("ed")
        claim = open_claim(db.session, "The harbour tunnel carries a million cars every day.", "Lee Sample")
        other = open_claim(db.session, "The stadium created ten thousand jobs.", "Pat Example")
        workflow.save_verdict(db.session, claim.verdict, workflow.VerdictInput(
            rating="false", summary="It carries 80,000 cars.", explanation="Traffic counts say so."),
            editor, None, app.extensions["verdict_scale"])
        workflow.add_comment(db.session, claim, "Checked <b>the</b> counts.", editor)
        workflow.add_comment(db.session, other, "Another claim.", editor)
        db.session.commit()
        return claim.id, other.id


def test_audit_page_filters_pages_and_ties_events_to_their_claims(app):
    make_user(app, "boss", "admin")
    make_user(app, "ed", "editor")
    claim_id, other_id = _claim_with_history(app)
    with app.app_context():
        boss, ed = _user("boss"), _user("ed")
        accounts.change_role(db.session, ed, "reviewer", by=boss)
        old = datetime(2024, 5, 1, 23, 59, 59, tzinfo=timezone.utc)
        db.session.add(AuditEvent(at=old, user_id=boss.id, action="user.login", object_type="user",
                                  object_id=boss.id))
        db.session.add(AuditEvent(at=datetime(2024, 5, 2, 0, 0, 0, tzinfo=timezone.utc), user_id=None,
                                  action="claim.merge", object_type="claim", object_id=other_id))
        db.session.commit()
        session = db.session

        def actions(filters: AuditFilters, page: int = 1, per_page: int = 50) -> list[str]:
            rows, _ = audit_service.audit_page(session, filters, page, per_page)
            return [r.event.action for r in rows]

        everything, _ = audit_service.audit_page(session, AuditFilters(), 1, 50)
        stamps = [(r.event.at.replace(tzinfo=None), r.event.id) for r in everything]
        assert stamps == sorted(stamps, reverse=True), "newest first"
        about = {r.event.action: r.claim_id for r in everything if r.claim_id}
        assert about["verdict.save"] == claim_id  # a verdict event names its claim
        assert set(actions(AuditFilters(claim_id=claim_id))) == {"verdict.save", "comment.add"}
        assert set(actions(AuditFilters(claim_id=other_id))) == {"comment.add", "claim.merge"}
        assert actions(AuditFilters(user_id=boss.id, action="user.role_change")) == ["user.role_change"]
        assert set(actions(AuditFilters(action="verdict.*"))) == {"verdict.save"}
        assert actions(AuditFilters(user_id=ed.id, action="user.*")) == []
        # whole UTC days, both ends included
        assert actions(AuditFilters(since=old.date(), until=old.date())) == ["user.login"]
        assert actions(AuditFilters(until=old.date())) == ["user.login"]
        assert actions(AuditFilters(since=datetime(2024, 5, 2).date(), until=datetime(2024, 5, 2).date())) == [
            "claim.merge"]
        # pages: no event twice, none lost
        total = len(everything)
        seen = []
        for page in range(1, total + 1):
            rows, has_next = audit_service.audit_page(session, AuditFilters(), page, 2)
            seen += [r.event.id for r in rows]
            if not has_next:
                break
        assert seen == [r.event.id for r in everything]
        change = next(r for r in everything if r.event.action == "user.role_change")
        assert change.subject == "account ed" and change.username == "boss"
        assert [(d.name, d.before, d.after) for d in change.details if d.is_change] == [("role", "editor", "reviewer")]
        assert "user.*" in audit_service.action_choices(session)


# --- the pages: who may open them ---------------------------------------------------------------------------------


ADMIN_GETS = ["/admin/audit", "/admin/accounts"]


def test_only_admins_open_the_admin_pages(app):
    make_user(app, "boss", "admin")
    make_user(app, "ed", "editor")
    make_user(app, "rita", "reviewer")
    anonymous = app.test_client()
    clients = {name: _login(app, name) for name in ("boss", "ed", "rita")}
    for path in ADMIN_GETS:
        response = anonymous.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
        assert clients["boss"].get(path).status_code == 200, path
        for name in ("ed", "rita"):
            response = clients[name].get(path)
            assert response.status_code == 403 and "not allowed" in response.get_data(as_text=True), (path, name)
    # the admin's navigation links both pages; the others' does not
    assert 'href="/admin/audit"' in clients["boss"].get("/editor/").get_data(as_text=True)
    assert 'href="/admin/accounts"' in clients["boss"].get("/editor/").get_data(as_text=True)
    assert "/admin/" not in clients["ed"].get("/editor/").get_data(as_text=True)


def test_account_changes_refuse_editors_reviewers_anonymous_and_forms_without_csrf(app):
    make_user(app, "boss", "admin")
    make_user(app, "ed", "editor")
    make_user(app, "rita", "reviewer")
    with app.app_context():
        target = _user("rita").id
    posts = {
        "/admin/accounts": {"username": "sam", "role": "admin", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        f"/admin/accounts/{target}/role": {"role": "admin"},
        f"/admin/accounts/{target}/active": {"active": "no"},
        f"/admin/accounts/{target}/end-sessions": {},
    }

    def state():
        with app.app_context():
            users = [(u.username, u.role.value, u.active, u.session_token)
                     for u in db.session.scalars(select(User).order_by(User.id))]
            return users, len(_events())

    before = state()
    anonymous = app.test_client()
    for path, data in posts.items():
        response = anonymous.post(path, data={"csrf_token": csrf_token(anonymous, "/login"), **data})
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
        for name in ("ed", "rita"):
            client = _login(app, name)
            response = client.post(path, data={"csrf_token": csrf_token(client, "/editor/"), **data})
            assert response.status_code == 403, (path, name)
        admin = _login(app, "boss")
        response = admin.post(path, data=data)  # no CSRF token
        assert response.status_code == 400 and "form expired" in response.get_data(as_text=True), path
        response = admin.post(path, data={"csrf_token": "forged", **data})
        assert response.status_code == 400, path
    after = state()
    assert after[0] == before[0], "a refused POST changed an account"
    assert all(e.action in ("user.login", "user.logout")
               for e in _app_events(app)[before[1]:]), "a refused POST wrote an event other than a login"


def _app_events(app) -> list[AuditEvent]:
    with app.app_context():
        events = _events()
        db.session.expunge_all()
        return events


# --- the pages: accounts --------------------------------------------------------------------------------------------


def test_admin_creates_an_account_that_can_log_in_and_bad_input_keeps_what_was_typed(app):
    make_user(app, "boss", "admin")
    admin = _login(app, "boss")
    token = csrf_token(admin, "/admin/accounts")
    short = admin.post("/admin/accounts", data={"csrf_token": token, "username": "sam", "role": "reviewer",
                                                "password": "short", "confirm": "short"})
    body = short.get_data(as_text=True)
    assert short.status_code == 422 and "at least 10 characters" in body and 'value="sam"' in body
    assert '<option selected value="reviewer">' in body
    differ = admin.post("/admin/accounts", data={"csrf_token": token, "username": "sam", "role": "reviewer",
                                                 "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert differ.status_code == 422 and "The two passwords differ." in differ.get_data(as_text=True)
    bad_name = admin.post("/admin/accounts", data={"csrf_token": token, "username": "<b>x y</b>", "role": "editor",
                                                   "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert bad_name.status_code == 422 and "A username is 2-64 characters" in bad_name.get_data(as_text=True)
    assert "<b>x y</b>" not in bad_name.get_data(as_text=True)
    bad_role = admin.post("/admin/accounts", data={"csrf_token": token, "username": "sam", "role": "boss",
                                                   "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert bad_role.status_code == 422 and "Not a valid choice" in bad_role.get_data(as_text=True)
    made = admin.post("/admin/accounts", data={"csrf_token": token, "username": "sam", "role": "reviewer",
                                               "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert made.status_code == 303 and made.headers["Location"].endswith("/admin/accounts")
    page = admin.get("/admin/accounts").get_data(as_text=True)
    assert "Account sam (reviewer) created." in _flashes(page)[0] and 'data-username="sam"' in page
    taken = admin.post("/admin/accounts", data={"csrf_token": token, "username": "SAM", "role": "editor",
                                                "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert taken.status_code == 422 and "already taken" in taken.get_data(as_text=True)
    with app.app_context():
        event = _events("user.create")[-1]
        assert event.details == {"username": "sam", "role": "reviewer"} and event.user_id == _user("boss").id
    assert AuthActions(app.test_client()).login("sam", NEW_PASSWORD).status_code == 302


def test_role_change_through_the_page_and_the_last_admin_guard(app):
    make_user(app, "boss", "admin")
    make_user(app, "ed", "editor")
    admin = _login(app, "boss")
    token = csrf_token(admin, "/admin/accounts")
    with app.app_context():
        boss_id, ed_id = _user("boss").id, _user("ed").id
    response = admin.post(f"/admin/accounts/{boss_id}/role", data={"csrf_token": token, "role": "editor"},
                          follow_redirects=True)
    assert response.status_code == 200
    assert "boss is the last active admin" in _flashes(response.get_data(as_text=True))[0]
    response = admin.post(f"/admin/accounts/{boss_id}/active", data={"csrf_token": token, "active": "no"},
                          follow_redirects=True)
    assert "boss is the last active admin" in _flashes(response.get_data(as_text=True))[0]
    response = admin.post(f"/admin/accounts/{ed_id}/role", data={"csrf_token": token, "role": "emperor"},
                          follow_redirects=True)
    assert "Choose admin, editor or reviewer." in _flashes(response.get_data(as_text=True))[0]
    response = admin.post(f"/admin/accounts/{ed_id}/role", data={"csrf_token": token, "role": "reviewer"})
    assert response.status_code == 303
    assert "ed is now reviewer." in _flashes(admin.get("/admin/accounts").get_data(as_text=True))[0]
    assert admin.post("/admin/accounts/999999/role", data={"csrf_token": token, "role": "editor"}).status_code == 404
    with app.app_context():
        assert (_user("boss").role, _user("boss").active, _user("ed").role) == (Role.ADMIN, True, Role.REVIEWER)
    # the reviewer's live session now gets a reviewer's answers
    make_user(app, "rita", "reviewer")
    ed = _login(app, "ed")
    assert ed.get("/editor/articles/new").status_code == 403


def test_a_deactivated_account_is_refused_on_its_next_request_and_cannot_log_in(app):
    make_user(app, "boss", "admin")
    make_user(app, "ed", "editor")
    ed = _login(app, "ed")
    remembered = app.test_client()
    token = AuthActions(remembered).csrf_token("/login")
    remembered.post("/login", data={"csrf_token": token, "username": "ed", "password": PASSWORD, "remember": "y"})
    assert ed.get("/editor/").status_code == 200
    admin = _login(app, "boss")
    with app.app_context():
        ed_id = _user("ed").id
    response = admin.post(f"/admin/accounts/{ed_id}/active", data={"csrf_token": csrf_token(admin, "/admin/accounts"), "active": "no"})
    assert response.status_code == 303
    for client in (ed, remembered):
        response = client.get("/editor/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert AuthActions(app.test_client()).login("ed").status_code == 401
    # reactivated: a fresh login works, the old sessions stay dead
    admin.post(f"/admin/accounts/{ed_id}/active", data={"csrf_token": csrf_token(admin, "/admin/accounts"), "active": "yes"})
    assert ed.get("/editor/").status_code == 302
    assert _login(app, "ed").get("/editor/").status_code == 200
    with app.app_context():
        actions = [e.action for e in _events() if e.object_id == ed_id and e.action.endswith("activate")]
    assert actions == ["user.deactivate", "user.reactivate"]


def test_end_sessions_logs_a_live_session_out_and_the_account_can_log_in_again(app):
    make_user(app, "boss", "admin")
    make_user(app, "second", "admin")
    make_user(app, "ed", "editor")
    ed = _login(app, "ed")
    admin = _login(app, "boss")
    other_admin_tab = _login(app, "boss")
    with app.app_context():
        ed_id, boss_id = _user("ed").id, _user("boss").id
    response = admin.post(f"/admin/accounts/{ed_id}/end-sessions", data={"csrf_token": csrf_token(admin, "/admin/accounts")})
    assert response.status_code == 303
    assert "ed is logged out everywhere." in _flashes(admin.get("/admin/accounts").get_data(as_text=True))[0]
    assert ed.get("/editor/").status_code == 302
    assert _login(app, "ed").get("/editor/").status_code == 200
    # ending one's own sessions ends this one too
    response = admin.post(f"/admin/accounts/{boss_id}/end-sessions", data={"csrf_token": csrf_token(admin, "/admin/accounts")})
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert admin.get("/admin/accounts").status_code == 302
    assert other_admin_tab.get("/admin/accounts").status_code == 302


def test_an_admin_may_deactivate_themselves_when_another_admin_remains(app):
    make_user(app, "boss", "admin")
    make_user(app, "second", "admin")
    admin = _login(app, "boss")
    with app.app_context():
        boss_id = _user("boss").id
    response = admin.post(f"/admin/accounts/{boss_id}/active", data={"csrf_token": csrf_token(admin, "/admin/accounts"), "active": "no"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert admin.get("/admin/accounts").status_code == 302
    second = _login(app, "second")
    response = second.post(f"/admin/accounts/{_second_id(app)}/active",
                           data={"csrf_token": csrf_token(second, "/admin/accounts"), "active": "no"}, follow_redirects=True)
    assert "second is the last active admin" in _flashes(response.get_data(as_text=True))[0]


def _second_id(app) -> int:
    with app.app_context():
        return _user("second").id


# --- the pages: the audit log -----------------------------------------------------------------------------------


def test_audit_log_page_shows_who_what_and_the_claim_escaped(app):
    make_user(app, "boss", "admin")
    make_user(app, "ed", "editor")
    claim_id, _ = _claim_with_history(app)
    with app.app_context():
        boss = _user("boss")
        db.session.add(AuditEvent(user_id=boss.id, action="claim.edit", object_type="claim", object_id=claim_id,
                                  details={"before": {"text": "<script>alert(1)</script>"},
                                           "after": {"text": "Plain words"}}))
        db.session.commit()
    admin = _login(app, "boss")
    body = admin.get("/admin/audit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert f'href="/editor/claims/{claim_id}">Claim #{claim_id}</a>' in body
    assert "<del>&lt;script&gt;alert(1)&lt;/script&gt;</del> → <ins>Plain words</ins>" in body
    filtered = admin.get(f"/admin/audit?claim=%23{claim_id}&person=ed&action=verdict.*")
    text = filtered.get_data(as_text=True)
    assert filtered.status_code == 200 and "<code>verdict.save</code>" in text
    assert "<code>comment.add</code>" not in text and "<code>user.login</code>" not in text


@pytest.mark.parametrize("query,status,message", [
    ("claim=abc", 400, "A claim number is a whole number"),
    ("claim=99999999999999999999", 400, "A claim number is a whole number"),
    ("claim=424242", 404, "There is no claim #424242."),
    ("since=2024-13-01", 400, "is not a date"),
    ("since=2024-05-02&until=2024-05-01", 400, "The last day is before the first."),
    ("person=nobody", 400, "There is no account"),
    ("action=%3Cscript%3E", 400, "No event has the action"),
    ("page=0", 400, "The page must be a whole number"),
    ("page=abc", 400, "The page must be a whole number"),
    ("person=bo%00ss", 400, "There is no account"),
])
def test_bad_audit_filters_get_a_clear_message_never_a_500(app, query, status, message):
    make_user(app, "boss", "admin")
    admin = _login(app, "boss")
    response = admin.get("/admin/audit?" + query)
    body = response.get_data(as_text=True)
    assert response.status_code == status and message in body.replace("&#39;", "'")
    assert "<script>" not in body


def test_audit_log_pages_keep_the_filters(app):
    app.config["AUDIT_EVENTS_PER_PAGE"] = 2
    make_user(app, "boss", "admin")
    admin = _login(app, "boss")
    for _ in range(3):
        AuthActions(admin).logout()
        admin = _login(app, "boss")
    first = admin.get("/admin/audit?action=user.login").get_data(as_text=True)
    assert first.count("<code>user.login</code>") == 2
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "action=user.login" in next_url and "page=2" in next_url
    second = admin.get(next_url).get_data(as_text=True)
    assert second.count("<code>user.login</code>") == 2 and 'rel="prev"' in second
    assert "There are no events this far back." in admin.get("/admin/audit?page=500").get_data(as_text=True)
