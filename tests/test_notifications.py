"""E-mail notifications: the outbox, written with the change, delivered to a real SMTP server (aiosmtpd on
127.0.0.1) by `flask notifications send` and the worker's pass; back-off while the server is down; two drains
at once on PostgreSQL; each person's off switch; nothing sent and the dashboard's notice without SMTP_HOST."""

from __future__ import annotations

import re
import socket
import threading

from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.models import (
    Alert,
    Appearance,
    Article,
    CheckRequest,
    Claim,
    OutboxMessage,
    User,
    Verdict,
)
from claimtrack.services import notifications
from claimtrack.services import verdicts as workflow

from .helpers import AuthActions, config_for, csrf_token, csrf_token_in, make_user

CLAIM_TEXT = "The harbour tunnel carries a million cars every single day."
SITE = "https://news.example.org"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives; start() and stop() at will."""

    def __init__(self, port: int):
        self.port = port
        self.messages: list = []
        self._lock = threading.Lock()
        self._controller = None

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's handler API
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def of_kind(self, kind: str) -> list:
        return [(to, m) for to, m in self.messages if m["X-Claimtrack-Kind"] == kind]


@pytest.fixture
def inbox():
    box = Inbox(free_port())
    box.start()
    yield box
    box.stop()


def smtp_app(db_url: str, tmp_path, port: int, **overrides):
    config = config_for(db_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False,
                        SMTP_FROM="desk@news.example.org", PUBLISHER_URL=SITE + "/", **overrides)
    application = create_app(config)
    application.instance_path = str(tmp_path / "instance")
    return application


def person(app, username: str, role: str, email: str | None, notify: bool = True) -> int:
    user_id = make_user(app, username, role)
    with app.app_context():
        user = db.session.get(User, user_id)
        user.email, user.notify = email, notify
        db.session.commit()
    return user_id


def import_claim(app, tmp_path, text: str = CLAIM_TEXT) -> int:
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "c1", "text": "%s", "speaker": "Talk radio host"}\n' % text)
    assert app.test_cli_runner().invoke(args=["claims", "import", str(path)]).exit_code == 0
    with app.app_context():
        return db.session.scalar(select(Claim.id).where(Claim.external_id == "c1"))


def version(page: str) -> str:
    return re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)


def post_status(client, claim_id: int, action: str, note: str = ""):
    page = client.get(f"/editor/claims/{claim_id}").get_data(as_text=True)
    response = client.post(f"/editor/claims/{claim_id}/status", data={
        "csrf_token": csrf_token_in(page), "version": version(page), "action": action, "note": note})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def save_verdict(client, claim_id: int) -> None:
    page = client.get(f"/editor/claims/{claim_id}").get_data(as_text=True)
    response = client.post(f"/editor/claims/{claim_id}/verdict", data={
        "csrf_token": csrf_token_in(page), "version": version(page), "rating": "false",
        "summary": "It carries about 80,000 cars.", "explanation": "The port authority's counts.",
        "sources-0-url": "https://example.org/counts", "sources-0-title": "Counts"})
    assert response.status_code == 302


def assign(client, claim_id: int, assignee_id: int) -> None:
    page = client.get(f"/editor/claims/{claim_id}").get_data(as_text=True)
    response = client.post(f"/editor/claims/{claim_id}/assign",
                           data={"csrf_token": csrf_token_in(page), "assignee": str(assignee_id)})
    assert response.status_code == 302


def send(app) -> str:
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def add_alert(app, claim_id: int, url: str) -> int:
    with app.app_context():
        article = Article(url=url, title="Wire", text="Some text.", content_hash=url[-40:].rjust(64, "0"))
        db.session.add(article)
        db.session.flush()
        appearance = Appearance(article_id=article.id, sentence=CLAIM_TEXT, position=0)
        db.session.add(appearance)
        db.session.flush()
        alert = Alert(appearance_id=appearance.id, claim_id=claim_id, score=97.0)
        db.session.add(alert)
        db.session.commit()
        return alert.id


def body(message) -> str:
    return message.get_content()


@pytest.mark.slow
def test_every_kind_of_message_reaches_the_smtp_server(db_url, tmp_path, inbox):
    app = smtp_app(db_url, tmp_path, inbox.port)
    person(app, "ed", "editor", "ed@news.example.org")
    ed2 = person(app, "ed2", "editor", "ed2@news.example.org")
    person(app, "rita", "reviewer", "rita@news.example.org")
    person(app, "rex", "reviewer", "rex@news.example.org", notify=False)  # turned off
    person(app, "nomail", "reviewer", None)                             # no address: skipped
    person(app, "boss", "admin", "boss@news.example.org")
    claim_id = import_claim(app, tmp_path)

    # a reader asks about the claim, with an e-mail; the request joins the claim's group
    reader = app.test_client()
    response = reader.post("/ask", data={"csrf_token": csrf_token(reader, "/ask"), "text": CLAIM_TEXT,
                                         "seen_where": "a WhatsApp group", "email": "reader@example.net"})
    assert response.status_code == 302
    token = response.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        request = db.session.scalar(select(CheckRequest))
        assert request.group.claim_id == claim_id and request.token_nonce
        assert token not in {request.token_nonce, request.token_hash}   # the database alone has no link

    editor = app.test_client()
    AuthActions(editor).login("ed")
    assign(editor, claim_id, ed2)
    save_verdict(editor, claim_id)
    post_status(editor, claim_id, "submit")
    assert "0 sent" not in send(app)
    (to, assigned), = inbox.of_kind("assigned")
    assert to == ["ed2@news.example.org"] and assigned["From"] == "desk@news.example.org"
    assert f"{SITE}/editor/claims/{claim_id}" in body(assigned) and "[[site]]" not in body(assigned)
    review = inbox.of_kind("review_requested")
    assert [to for to, _ in review] == [["rita@news.example.org"]]     # not rex (off), nomail, nor the author
    assert f"Review requested: claim #{claim_id}" == review[0][1]["Subject"]

    reviewer = app.test_client()
    AuthActions(reviewer).login("rita")
    post_status(reviewer, claim_id, "send_back", note="Add the 2023 count.")
    send(app)
    back = inbox.of_kind("sent_back")
    assert sorted(to[0] for to, _ in back) == ["ed2@news.example.org", "ed@news.example.org"]
    assert "Add the 2023 count." in body(back[0][1])

    post_status(editor, claim_id, "submit")
    post_status(reviewer, claim_id, "approve")
    send(app)
    (to, answered), = inbox.of_kind("request_answered")
    assert to == ["reader@example.net"]
    assert f"{SITE}/ask/track/{token}" in body(answered)
    assert "answered" in reader.get(f"/ask/track/{token}").get_data(as_text=True).lower()

    # alerts: one digest per editor and admin per pass, listing the new alerts; none again for the same alerts
    add_alert(app, claim_id, "https://wire.example.org/a")
    add_alert(app, claim_id, "https://wire.example.org/b")
    send(app)
    digests = inbox.of_kind("alert_digest")
    assert sorted(to[0] for to, _ in digests) == ["boss@news.example.org", "ed2@news.example.org",
                                                  "ed@news.example.org"]
    text = body(digests[0][1])
    assert "2 new alert(s)" in text and "https://wire.example.org/a" in text and f"{SITE}/editor/alerts" in text
    send(app)
    assert len(inbox.of_kind("alert_digest")) == 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0
        db.engine.dispose()



def _queue_one(app) -> int:
    """An assignment to ed2, written through the service and committed: one message waiting."""
    with app.app_context():
        ed = db.session.scalar(select(User).where(User.username == "ed"))
        ed2 = db.session.scalar(select(User).where(User.username == "ed2"))
        claim = db.session.scalar(select(Claim))
        verdict = workflow.get_or_open_verdict(db.session, claim)
        workflow.assign(db.session, verdict, ed2, ed)
        db.session.commit()
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


@pytest.mark.slow
def test_a_server_that_is_down_keeps_the_messages_and_backs_off(sqlite_url, tmp_path):
    box = Inbox(free_port())                                 # nothing listens there yet
    app = smtp_app(sqlite_url, tmp_path, box.port, NOTIFY_RETRY_SECONDS=60)
    person(app, "ed", "editor", "ed@news.example.org")
    person(app, "ed2", "editor", "ed2@news.example.org")
    import_claim(app, tmp_path)
    assert _queue_one(app) == 1
    settings_now = datetime.now(timezone.utc)
    output = send(app)
    assert "0 sent, 1 failed" in output and "tried again later" in output
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.sent_at is None and message.attempts == 1 and "Connection" in message.last_error
        first_retry = message.next_attempt_at.replace(tzinfo=timezone.utc)
        assert first_retry >= settings_now + timedelta(seconds=59)
    assert "0 sent, 0 failed" in send(app)                   # not due yet: not tried
    settings = notifications.SmtpSettings.from_config(app.config)
    with app.app_context():                                   # the next attempt, still down: twice the wait
        report = notifications.deliver_due(db.session, settings, now=lambda: first_retry + timedelta(seconds=1))
        assert report.failed == 1
        message = db.session.scalar(select(OutboxMessage))
        assert message.attempts == 2
        assert message.next_attempt_at.replace(tzinfo=timezone.utc) >= first_retry + timedelta(seconds=120)
        later = message.next_attempt_at.replace(tzinfo=timezone.utc) + timedelta(seconds=1)
    box.start()
    try:
        with app.app_context():
            report = notifications.deliver_due(db.session, settings, now=lambda: later)
            assert report.sent == 1
            again = notifications.deliver_due(db.session, settings, now=lambda: later + timedelta(days=1))
            assert again.sent == 0
            message = db.session.scalar(select(OutboxMessage))
            assert message.sent_at is not None and message.last_error is None
            db.engine.dispose()
        assert [to for to, _ in box.messages] == [["ed2@news.example.org"]]
    finally:
        box.stop()


@pytest.mark.slow
def test_two_drains_at_once_send_each_message_once(db_url, tmp_path, inbox):
    if not db_url.startswith("postgresql"):
        pytest.skip("several workers share the outbox on PostgreSQL (one worker on SQLite)")
    app = smtp_app(db_url, tmp_path, inbox.port)
    with app.app_context():
        for number in range(60):
            notifications.enqueue(db.session, f"person{number}@news.example.org", f"Message {number}", "Hello.",
                                  "assigned")
        db.session.commit()
        db.engine.dispose()
    settings = notifications.SmtpSettings.from_config(app.config)
    reports: list = []
    start = threading.Barrier(2)

    def drain():
        with app.app_context():
            start.wait()
            reports.append(notifications.deliver_due(db.session, settings))
            db.session.remove()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    subjects = [m["Subject"] for _, m in inbox.messages]
    assert sorted(subjects) == sorted(f"Message {n}" for n in range(60))   # each once
    assert sum(r.sent for r in reports) == 60 and all(r.sent for r in reports)  # both took a share
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0
        db.engine.dispose()


@pytest.mark.slow
def test_the_off_switch(sqlite_url, tmp_path, inbox):
    app = smtp_app(sqlite_url, tmp_path, inbox.port)
    person(app, "ed", "editor", "ed@news.example.org")
    person(app, "ed2", "editor", None)
    import_claim(app, tmp_path)
    ed2 = app.test_client()
    AuthActions(ed2).login("ed2")
    page = ed2.get("/account").get_data(as_text=True)
    assert "E-mail notifications are off" not in page
    bad = ed2.post("/account", data={"csrf_token": csrf_token_in(page), "email": "not an address", "notify": "y"})
    assert bad.status_code == 400 and "does not look right" in bad.get_data(as_text=True)
    assert ed2.post("/account", data={"csrf_token": csrf_token_in(page), "email": "ed2@news.example.org",
                                      "notify": ""}).status_code == 302   # an address, notifications off
    assert _queue_one(app) == 0                               # off: nothing written
    ed2.post("/account", data={"csrf_token": csrf_token_in(page), "email": "ed2@news.example.org", "notify": "y"})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "ed2"))
        assert user.notify and user.email == "ed2@news.example.org"
        workflow.assign(db.session, db.session.scalar(select(Verdict)), None,
                        db.session.scalar(select(User).where(User.username == "ed")))
        db.session.commit()
    assert _queue_one(app) == 1                               # on again: written
    # turned off after the message was written: it is not sent either
    ed2.post("/account", data={"csrf_token": csrf_token_in(page), "email": "ed2@news.example.org", "notify": ""})
    send(app)
    assert inbox.messages == []
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.sent_at is not None and "turned notifications off" in message.last_error
        db.engine.dispose()


def test_without_smtp_nothing_is_sent_and_the_dashboard_says_so(app, tmp_path):
    assert not app.config["SMTP_HOST"]                        # the default
    person(app, "ed", "editor", "ed@news.example.org")
    person(app, "ed2", "editor", "ed2@news.example.org")
    import_claim(app, tmp_path)
    assert _queue_one(app) == 1
    output = send(app)
    assert "no SMTP server is configured" in output and "outbox: 1 waiting" in output
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.sent_at is None and message.attempts == 0    # kept, untouched
    client = app.test_client()
    AuthActions(client).login("ed")
    assert "E-mail notifications are off: no SMTP server is configured." in client.get("/editor/").get_data(
        as_text=True)


def test_a_rolled_back_change_writes_no_message(app, tmp_path):
    person(app, "ed", "editor", "ed@news.example.org")
    person(app, "ed2", "editor", "ed2@news.example.org")
    import_claim(app, tmp_path)
    with app.app_context():
        ed, ed2 = (db.session.scalar(select(User).where(User.username == name)) for name in ("ed", "ed2"))
        verdict = workflow.get_or_open_verdict(db.session, db.session.scalar(select(Claim)))
        db.session.commit()
        workflow.assign(db.session, verdict, ed2, ed)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1   # written with it
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_dashboard_does_not_warn_when_smtp_is_configured(sqlite_url, tmp_path):
    app = smtp_app(sqlite_url, tmp_path, free_port())
    person(app, "ed", "editor", "ed@news.example.org")
    client = app.test_client()
    AuthActions(client).login("ed")
    page = client.get("/editor/").get_data(as_text=True)
    assert "E-mail notifications are off" not in page



# --- alert subscriptions and webhooks ---------------------------------------------------------------------------


class Hook:
    """A Slack-style incoming webhook on 127.0.0.1 that keeps the JSON posted to it."""

    def __init__(self):
        import json
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        posts = self.posts = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's API
                length = int(self.headers.get("Content-Length") or 0)
                posts.append((self.path, self.headers.get("Content-Type"), json.loads(self.rfile.read(length))))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T1/B2"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    receiver = Hook()
    yield receiver
    receiver.close()


def two_claims(app, tmp_path) -> tuple[int, int]:
    path = tmp_path / "two.jsonl"
    path.write_text('{"id": "c1", "text": "%s", "speaker": "Talk radio host"}\n'
                    '{"id": "c2", "text": "The city planted ten thousand trees last spring.", "speaker": "Mayor Lee"}\n'
                    % CLAIM_TEXT)
    assert app.test_cli_runner().invoke(args=["claims", "import", str(path)]).exit_code == 0
    with app.app_context():
        return tuple(db.session.scalar(select(Claim.id).where(Claim.external_id == key)) for key in ("c1", "c2"))


def subscribe(client, field: str, value: str = "", remove: str = ""):
    token = csrf_token(client, "/account")
    return client.post("/account/subscriptions", data={"csrf_token": token, "field": field, "value": value,
                                                       "remove": remove})


@pytest.mark.slow
def test_subscriptions_choose_the_alerts_and_the_webhook_gets_slack_json(sqlite_url, tmp_path, inbox, hook):
    app = smtp_app(sqlite_url, tmp_path, inbox.port, FETCH_ALLOWED_NETWORKS=["127.0.0.1/32"])
    person(app, "ed", "editor", "ed@news.example.org")        # no subscriptions: every alert
    person(app, "rita", "reviewer", "rita@news.example.org")
    person(app, "rex", "reviewer", "rex@news.example.org")    # a reviewer without subscriptions: none
    first, second = two_claims(app, tmp_path)
    rita = app.test_client()
    AuthActions(rita).login("rita")
    page = rita.get("/account").get_data(as_text=True)
    assert rita.post("/account", data={"csrf_token": csrf_token_in(page), "email": "rita@news.example.org",
                                       "notify": "y", "webhook_url": hook.url}).status_code == 302
    bad = subscribe(rita, "speaker", "Nobody Known")
    assert bad.status_code == 400 and "There is no speaker called" in bad.get_data(as_text=True)
    assert subscribe(rita, "speaker", "talk radio host").status_code == 302
    again = subscribe(rita, "speaker", "Talk radio host")
    assert again.status_code == 400 and "already" in again.get_data(as_text=True)
    assert subscribe(rita, "verdict", "false").status_code == 302
    with app.app_context():
        ids = [s.id for s in notifications.subscriptions_of(db.session, db.session.scalar(
            select(User).where(User.username == "rita")))]
    assert subscribe(rita, "speaker", remove=str(ids[1])).status_code == 302     # stops following the verdict
    page = rita.get("/account").get_data(as_text=True)
    assert "Talk radio host" in page and "False" not in page.split("Alerts you follow")[1].split("</ul>")[0]

    add_alert(app, first, "https://wire.example.org/radio")
    add_alert(app, second, "https://wire.example.org/trees")
    send(app)
    digests = {to[0]: body(m) for to, m in inbox.of_kind("alert_digest")}
    assert set(digests) == {"ed@news.example.org", "rita@news.example.org"}
    assert "2 new alert(s)" in digests["ed@news.example.org"]
    assert "wire.example.org/radio" in digests["rita@news.example.org"]
    assert "wire.example.org/trees" not in digests["rita@news.example.org"]
    (path, content_type, payload), = hook.posts
    assert path == "/services/T1/B2" and content_type == "application/json"
    assert set(payload) == {"text"} and "1 new alert(s)" in payload["text"]
    assert f"<{SITE}/editor/claims/{first}|claim #{first}>" in payload["text"]
    assert "trees" not in payload["text"] and f"<{SITE}/editor/alerts|" in payload["text"]


def test_a_webhook_to_a_loopback_address_is_refused_without_the_allow_list(sqlite_url, tmp_path, hook):
    app = smtp_app(sqlite_url, tmp_path, free_port())           # FETCH_ALLOWED_NETWORKS: none (the default)
    user_id = person(app, "ed", "editor", None)
    first, _ = two_claims(app, tmp_path)
    with app.app_context():
        db.session.get(User, user_id).webhook_url = hook.url
        db.session.commit()
    add_alert(app, first, "https://wire.example.org/radio")
    send(app)
    assert hook.posts == []
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "alert_webhook"))
        assert message.sent_at is None and message.attempts == 1
        assert "private or local" in message.last_error
        db.engine.dispose()


@pytest.mark.slow
def test_each_person_is_written_to_in_their_own_language(sqlite_url, tmp_path, inbox):
    app = smtp_app(sqlite_url, tmp_path, inbox.port)
    person(app, "ed", "editor", "ed@news.example.org")
    person(app, "rita", "reviewer", "rita@news.example.org")
    claim_id = import_claim(app, tmp_path)

    # the reviewer chooses Spanish on her account page: the next page and this browser's pages are in Spanish
    reviewer = app.test_client()
    AuthActions(reviewer).login("rita")
    page = reviewer.get("/account").get_data(as_text=True)
    assert "Language of the interface and of my e-mails" in page and ">Español<" in page
    bad = reviewer.post("/account", data={"csrf_token": csrf_token_in(page), "email": "rita@news.example.org",
                                          "notify": "y", "ui_language": "xx"})
    assert bad.status_code == 400 and "Not a valid choice" in bad.get_data(as_text=True)
    saved = reviewer.post("/account", data={"csrf_token": csrf_token_in(page), "email": "rita@news.example.org",
                                            "notify": "y", "ui_language": "es"})
    assert saved.status_code == 302 and "lang=es" in saved.headers["Set-Cookie"]
    spanish = reviewer.get("/account").get_data(as_text=True)
    assert '<html lang="es"' in spanish and "Su configuración se guardó." in spanish
    # on another browser the choice comes back at login
    other = app.test_client()
    assert "lang=es" in AuthActions(other).login("rita").headers["Set-Cookie"]
    assert '<html lang="es"' in other.get("/editor/").get_data(as_text=True)

    # a reader asks in French, with an e-mail address
    reader = app.test_client()
    reader.get("/ask?lang=fr")
    response = reader.post("/ask", data={"csrf_token": csrf_token(reader, "/ask"), "text": CLAIM_TEXT,
                                         "email": "lecteur@example.net"})
    assert response.status_code == 302

    # the editor works in English; each message is in its reader's language, not the page's that caused it
    editor = app.test_client()
    AuthActions(editor).login("ed")
    editor.get("/editor/?lang=ar")            # the editor's own page language does not leak into others' mail
    save_verdict(editor, claim_id)
    post_status(editor, claim_id, "submit")
    send(app)
    (to, review), = inbox.of_kind("review_requested")
    assert to == ["rita@news.example.org"] and review["Subject"] == f"Revisión solicitada: afirmación n.º {claim_id}"
    assert f"ed pide que revise el veredicto de la afirmación n.º {claim_id}:" in body(review)
    assert f"Revíselo: {SITE}/editor/claims/{claim_id}" in body(review)
    post_status(reviewer, claim_id, "send_back", note="Falta el recuento de 2023.")
    send(app)
    (to, back), = inbox.of_kind("sent_back")
    assert to == ["ed@news.example.org"] and back["Subject"] == f"Sent back: claim #{claim_id}"  # LANGUAGE: en
    assert "Note: Falta el recuento de 2023." in body(back)
    post_status(editor, claim_id, "submit")
    post_status(reviewer, claim_id, "approve")
    send(app)
    (to, answered), = inbox.of_kind("request_answered")
    assert answered["Subject"] == "Votre demande de vérification a reçu une réponse"
    assert "Nous avons publié notre vérification. Lisez-la ici : " + SITE + "/ask/track/" in body(answered)

    # alert digests: plural forms of the person's language (Arabic has six)
    with app.app_context():
        ed = db.session.scalar(select(User).where(User.username == "ed"))
        ed.ui_language = "ar"
        db.session.commit()
    for n in range(3):
        add_alert(app, claim_id, f"https://wire.example.org/{n}")
    send(app)
    digests = dict((to[0], m) for to, m in inbox.of_kind("alert_digest"))
    assert digests["ed@news.example.org"]["Subject"] == "3 تنبيهات جديدة"
    assert f"{SITE}/editor/alerts" in body(digests["ed@news.example.org"])
