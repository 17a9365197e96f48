"""The admin's worker jobs page (issue 19, "admins see jobs and their last errors"): the monitored sources and
the outbox, the newest errors first and paged, on both databases; "run now" and "retry now" as audited POSTs;
only admins; error texts escaped."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from claimtrack.db import db
from claimtrack.models import AuditEvent, MonitoredFeed, OutboxMessage, User
from claimtrack.services import jobs, monitoring, notifications

from .helpers import AuthActions, csrf_token, make_user

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def _feed(session, editor: User, name: str, **state) -> MonitoredFeed:
    feed = monitoring.create_feed(session, monitoring.FeedInput(
        name=name, kind="feed", url=f"https://example.org/{name.lower().replace(' ', '-')}.xml"), editor)
    for key, value in state.items():
        setattr(feed, key, value)
    session.flush()
    return feed


def _message(session, recipient: str, **state) -> OutboxMessage:
    message = notifications.enqueue(session, recipient, f"Subject for {recipient}", "Body", "review_requested")
    session.flush()
    for key, value in state.items():
        setattr(message, key, value)
    session.flush()
    return message


@pytest.fixture
def jobs_app(app):
    """Sources and messages in every state, relative to now (the page reads the clock: the states hold for an
    hour, far longer than the tests take)."""
    now = NOW = datetime.now(timezone.utc).replace(microsecond=0)
    make_user(app, "boss", "admin")
    make_user(app, "editor", "editor")
    make_user(app, "rita", "reviewer")
    with app.app_context():
        session = db.session
        editor = session.scalar(select(User).where(User.username == "editor"))
        ids = {}
        ids["old_error"] = _feed(session, editor, "Old error", last_error="timed out",
                                 last_fetch_at=NOW - timedelta(hours=5), next_run_at=NOW + timedelta(minutes=5)).id
        ids["new_error"] = _feed(session, editor, "New error", last_error=HOSTILE,
                                 last_fetch_at=NOW - timedelta(minutes=10), next_run_at=NOW + timedelta(minutes=20)).id
        ids["running"] = _feed(session, editor, "Running", last_fetch_at=NOW - timedelta(minutes=1),
                               lease_until=NOW + timedelta(minutes=60), next_run_at=NOW - timedelta(minutes=1)).id
        ids["paused"] = _feed(session, editor, "Paused", paused=True, next_run_at=NOW + timedelta(minutes=1)).id
        ids["due"] = _feed(session, editor, "Due", next_run_at=NOW - timedelta(minutes=3)).id
        ids["later"] = _feed(session, editor, "Later", next_run_at=NOW + timedelta(hours=2)).id
        ids["waiting"] = _message(session, "wait@example.org", next_attempt_at=NOW - timedelta(minutes=1)).id
        ids["failed_early"] = _message(session, "early@example.org", attempts=1, last_error="SMTP down",
                                       next_attempt_at=NOW + timedelta(minutes=10)).id
        ids["failed_late"] = _message(session, "late@example.org", attempts=3, last_error=HOSTILE,
                                      next_attempt_at=NOW + timedelta(minutes=30)).id
        ids["sent"] = _message(session, "sent@example.org", attempts=1, sent_at=NOW - timedelta(hours=1)).id
        ids["withdrawn"] = _message(session, "off@example.org", sent_at=NOW - timedelta(hours=1),
                                    last_error="not sent: the person turned notifications off").id
        session.commit()
    ids["now"] = now
    return app, ids


def test_sources_newest_error_first_with_their_state(jobs_app):
    app, ids = jobs_app
    NOW = ids["now"]
    with app.app_context():
        feeds, more = jobs.feed_jobs(db.session, 1, 50, now=NOW)
        assert not more
        order = [job.feed.id for job in feeds]
        assert order[:2] == [ids["new_error"], ids["old_error"]]
        # the rest by their next run: due 3 minutes ago, held (its run due a minute ago), paused, later
        assert order[2:] == [ids["due"], ids["running"], ids["paused"], ids["later"]]
        states = {job.feed.id: job.state for job in feeds}
        assert states == {ids["new_error"]: "waiting", ids["old_error"]: "waiting", ids["running"]: "running",
                          ids["due"]: "due", ids["paused"]: "paused", ids["later"]: "waiting"}
        held = next(job for job in feeds if job.feed.id == ids["running"])
        assert held.held_until == NOW + timedelta(minutes=60) and not held.may_run_now
        # paged: two a page, three pages
        first, more1 = jobs.feed_jobs(db.session, 1, 2, now=NOW)
        third, more3 = jobs.feed_jobs(db.session, 3, 2, now=NOW)
        assert [j.feed.id for j in first] == order[:2] and more1
        assert [j.feed.id for j in third] == order[4:] and not more3


def test_outbox_failing_first_latest_failure_first_and_counts(jobs_app):
    app, ids = jobs_app
    NOW = ids["now"]
    with app.app_context():
        messages, more = jobs.outbox_jobs(db.session, 1, 50, now=NOW)
        assert [job.message.id for job in messages] == [ids["failed_late"], ids["failed_early"], ids["waiting"]]
        assert [(job.due, job.may_retry_now) for job in messages] == [(False, True), (False, True), (True, False)]
        counts = jobs.job_counts(db.session, now=NOW)
        assert (counts.feeds, counts.feeds_failing, counts.feeds_paused, counts.feeds_running) == (6, 2, 1, 1)
        assert (counts.waiting, counts.due, counts.failing, counts.sent, counts.withdrawn) == (3, 1, 2, 1, 1)


def test_run_now_and_retry_now_are_audited_and_refused_when_meaningless(jobs_app):
    app, ids = jobs_app
    NOW = ids["now"]
    with app.app_context():
        session = db.session
        boss = session.scalar(select(User).where(User.username == "boss"))
        later = session.get(MonitoredFeed, ids["later"])
        jobs.run_feed_now(session, later, boss, now=NOW)
        assert _aware(later.next_run_at) == NOW
        for key, reason in (("paused", "paused"), ("running", "running"), ("due", "due")):
            with pytest.raises(jobs.JobActionError) as refused:
                jobs.run_feed_now(session, session.get(MonitoredFeed, ids[key]), boss, now=NOW)
            assert refused.value.reason == reason
        failed = session.get(OutboxMessage, ids["failed_late"])
        jobs.retry_message_now(session, failed, boss, now=NOW)
        assert _aware(failed.next_attempt_at) == NOW and failed.attempts == 3 and failed.last_error == HOSTILE
        for key, reason in (("waiting", "not_failed"), ("sent", "sent"), ("failed_late", "due")):
            with pytest.raises(jobs.JobActionError) as refused:
                jobs.retry_message_now(session, session.get(OutboxMessage, ids[key]), boss, now=NOW)
            assert refused.value.reason == reason
        session.commit()
        events = [(e.action, e.object_id, e.user_id) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["feed.run_now", "outbox.retry_now"]))
            .order_by(AuditEvent.id))]
        assert events == [("feed.run_now", ids["later"], boss.id), ("outbox.retry_now", ids["failed_late"], boss.id)]


def _client(app, username: str):
    client = app.test_client()
    assert AuthActions(client).login(username).status_code == 302
    return client


def test_the_page_escapes_errors_and_only_admins_see_it(jobs_app):
    app, ids = jobs_app
    boss = _client(app, "boss")
    response = boss.get("/admin/jobs")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert HOSTILE not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert 'href="/admin/jobs"' in page                       # the admin's navigation links it
    assert "timed out" in page and "SMTP down" in page and "early@example.org" in page
    assert "sent@example.org" not in page and "off@example.org" not in page
    assert page.index("New error") < page.index("Old error")
    for name in ("editor", "rita"):
        client = _client(app, name)
        assert client.get("/admin/jobs").status_code == 403
        assert 'href="/admin/jobs"' not in client.get("/editor/").get_data(as_text=True)
    assert app.test_client().get("/admin/jobs").status_code == 302          # to the login page


def test_bad_pages_are_a_400_and_pages_link_each_other(jobs_app):
    app, _ = jobs_app
    app.config["JOBS_PER_PAGE"] = 2
    boss = _client(app, "boss")
    bad = boss.get("/admin/jobs?sources=minus-one")
    assert bad.status_code == 400 and "whole number" in bad.get_data(as_text=True)
    assert boss.get("/admin/jobs?outbox=0").status_code == 400
    page = boss.get("/admin/jobs?outbox=2").get_data(as_text=True)
    assert 'href="/admin/jobs?sources=2&amp;outbox=2#sources"' in page      # the other pager keeps its page
    assert 'href="/admin/jobs#outbox"' in page                               # back to outbox page 1
    far = boss.get("/admin/jobs?sources=99").get_data(as_text=True)
    assert "There are no sources this far." in far


def test_run_now_and_retry_now_through_the_page(jobs_app):
    app, ids = jobs_app
    boss = _client(app, "boss")
    token = csrf_token(boss, "/admin/jobs")
    page = boss.get("/admin/jobs").get_data(as_text=True)
    # offered only where it means something: not for the running, paused or due source, nor a waiting message
    offered = set(re.findall(r'action="/admin/jobs/feeds/(\d+)/run"', page))
    assert offered == {str(ids["old_error"]), str(ids["new_error"]), str(ids["later"])}
    assert set(re.findall(r'action="/admin/jobs/outbox/(\d+)/retry"', page)) == {
        str(ids["failed_late"]), str(ids["failed_early"])}

    refused = boss.post(f"/admin/jobs/outbox/{ids['failed_early']}/retry", data={})
    assert refused.status_code == 400                                          # no CSRF token
    done = boss.post(f"/admin/jobs/outbox/{ids['failed_early']}/retry",
                     data={"csrf_token": token, "back": "/admin/jobs?outbox=1"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/jobs?outbox=1")
    again = boss.post(f"/admin/jobs/feeds/{ids['paused']}/run",
                      data={"csrf_token": token, "back": "https://evil.example/"}, follow_redirects=True)
    assert "This source is paused" in again.get_data(as_text=True)
    assert again.request.path == "/admin/jobs"                                 # never sent elsewhere
    assert boss.post("/admin/jobs/feeds/999999/run", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        message = db.session.get(OutboxMessage, ids["failed_early"])
        assert _aware(message.next_attempt_at) <= datetime.now(timezone.utc) and message.attempts == 1
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "outbox")) == \
            "outbox.retry_now"
        assert db.session.get(MonitoredFeed, ids["paused"]).paused
