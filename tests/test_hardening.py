"""Faults: when the database is locked (SQLite) or gone (PostgreSQL), users get a clear 503, never a 500 or a
stack trace, nothing is half-saved, and the app recovers by itself once the database is back."""

from __future__ import annotations

import re
import socket
import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.models import VerdictRevision

from .helpers import AuthActions, config_for, csrf_token_in, make_user

UNAVAILABLE = "The database is unavailable or busy right now"


def _version(page: str) -> str:
    return re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)


def _assert_clean_503(response, json: bool = False) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    if json:
        assert response.get_json() == {"error": response.get_json()["error"], "status": 503}
        assert UNAVAILABLE in response.get_json()["error"]
    else:
        body = response.get_data(as_text=True)
        assert UNAVAILABLE in body and "Traceback" not in body and "sqlalchemy" not in body.lower()


def _import_one_claim(runner, tmp_path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text('{"id": "h1", "text": "Unemployment fell by half in two years."}\n')
    assert runner.invoke(args=["claims", "import", str(path)]).exit_code == 0


# --- SQLite: "database is locked" ----------------------------------------------------------------------------


@pytest.fixture
def locked_app(sqlite_url, tmp_path):
    """An app on SQLite with a short busy timeout, so a held lock turns into an error quickly."""
    application = create_app({**config_for(sqlite_url), "SQLITE_BUSY_TIMEOUT_MS": 200})
    application.instance_path = str(tmp_path / "instance")
    yield application, sqlite_url.removeprefix("sqlite:///")
    with application.app_context():
        db.engine.dispose()


def test_sqlite_locked_is_a_503_and_nothing_is_half_saved(locked_app, tmp_path, caplog):
    app, path = locked_app
    make_user(app, "ed", "editor")
    _import_one_claim(app.test_cli_runner(), tmp_path)
    client = app.test_client()
    AuthActions(client).login("ed")
    page = client.get("/editor/claims/1").get_data(as_text=True)  # a read: the POST opens the verdict
    form = {"csrf_token": csrf_token_in(page), "version": _version(page), "rating": "false",
            "summary": "Written while the database was locked."}

    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        _assert_clean_503(client.post("/editor/claims/1/verdict", data=form))
        fresh = app.test_client()
        login_page = fresh.get("/login").get_data(as_text=True)  # reading still works in WAL mode
        _assert_clean_503(fresh.post("/login", data={"csrf_token": csrf_token_in(login_page), "username": "ed",
                                                     "password": "correct horse battery"}))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "database is locked" in caplog.text and "unhandled error" not in caplog.text

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VerdictRevision)) == 0
    again = client.post("/editor/claims/1/verdict", data=form)  # the same form, sent again: it goes through
    assert again.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VerdictRevision)) == 1


# --- PostgreSQL: the server goes away and comes back -------------------------------------------------------------


class Outage:
    """A TCP relay in front of PostgreSQL that can drop every connection and refuse new ones, then come back
    on the same port: to the app it looks exactly like the server being restarted."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
            except OSError:
                pass
            listener.close()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self._lock:
                self._sockets.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.fixture
def outage_app(pg_server, tmp_path):
    name = "claimtrack_outage"
    pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg_server.execute(f"CREATE DATABASE {name} TEMPLATE claimtrack_template")
    outage = Outage(pg_server.port)
    outage.up()
    url = f"postgresql+psycopg://postgres@127.0.0.1:{outage.port}/{name}"
    application = create_app({**config_for(url), "SQLALCHEMY_ENGINE_OPTIONS": {
        "pool_pre_ping": True, "connect_args": {"connect_timeout": 2}}})
    application.instance_path = str(tmp_path / "instance")
    yield application, outage
    with application.app_context():
        db.engine.dispose()
    outage.down()
    pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_postgresql_down_is_a_503_and_recovers_without_restart(outage_app, tmp_path, caplog):
    app, outage = outage_app
    make_user(app, "ed", "editor")
    _import_one_claim(app.test_cli_runner(), tmp_path)
    editor = app.test_client()
    AuthActions(editor).login("ed")
    reader = app.test_client()
    pages = ("/", "/claims/1", "/editor/claims/1")
    assert reader.get("/").status_code == 200 and editor.get("/editor/").status_code == 200
    page = editor.get("/editor/claims/1").get_data(as_text=True)
    form = {"csrf_token": csrf_token_in(page), "version": _version(page), "rating": "false", "summary": "Saved after."}

    outage.down()  # PostgreSQL restarts: pooled connections die, new ones are refused
    try:
        assert reader.get("/healthz").status_code == 503
        _assert_clean_503(reader.get("/"))
        _assert_clean_503(reader.get("/api/v1/claims"), json=True)
        _assert_clean_503(editor.get("/editor/"))
        _assert_clean_503(editor.post("/editor/claims/1/verdict", data=form))
        json_client = app.test_client()
        _assert_clean_503(json_client.get("/", headers={"Accept": "application/json"}), json=True)
    finally:
        outage.up()
    assert "unhandled error" not in caplog.text

    # Back without restarting the app: the pool pings, drops dead connections and reconnects.
    assert reader.get("/healthz").status_code == 200
    for path in pages:
        response = (editor if path.startswith("/editor") else reader).get(path)
        assert response.status_code in (200, 301, 404), path
    assert editor.post("/editor/claims/1/verdict", data=form).status_code == 302


# --- Digits that int() refuses -----------------------------------------------------------------------------------

# str.isdigit() is true for '²' (and other superscripts), which int() refuses: these addresses answered 500 until
# the checks became isdecimal().  Found by tests/test_schemathesis.py at 1,000 cases per operation.
SUPERSCRIPT_URLS = ["/?speaker=²", "/speakers?page=²", "/api/v1/claims?limit=²", "/api/v1/claims?speaker=²",
                    "/api/v1/speakers?limit=²", "/api/v1/match?text=x&limit=²"]


@pytest.mark.parametrize("url", SUPERSCRIPT_URLS)
def test_superscript_digits_are_a_400_not_a_500(sqlite_url, tmp_path, url):
    app = create_app({**config_for(sqlite_url), "API_RATE_LIMIT": "100000 per minute"})
    _import_one_claim(app.test_cli_runner(), tmp_path)
    try:
        assert app.test_client().get(url).status_code < 500
    finally:
        with app.app_context():
            db.engine.dispose()


def _served(app):
    """The app as production serves it: errors answered by the handlers, not raised into the test."""
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app.test_client()


def test_bad_input_from_the_red_team_is_a_4xx(app):
    make_user(app, "ed", "editor")
    served = _served(app)
    nested = served.post("/api/v1/match", data="[" * 50_000 + "]" * 50_000, content_type="application/json")
    assert nested.status_code == 400 and "nested too deeply" in nested.get_data(as_text=True)
    host = served.get("/", headers={"Host": "a" * 64 + ".example.org"})
    assert 400 <= host.status_code < 500
    for url in ("/claims/99999999999999999999", "/api/v1/claims/9223372036854775808"):
        assert served.get(url).status_code == 404
    AuthActions(served).login("ed")
    for url in ("/editor/claims/99999999999999999999", "/editor/articles/9223372036854775808",
                "/editor/claims/9223372036854775808/history"):
        assert served.get(url).status_code == 404


def test_speaker_names_of_symbols_only_do_not_collide(app):
    from claimtrack.services.speakers import get_or_create_speaker
    with app.app_context():
        first = get_or_create_speaker(db.session, "##")
        db.session.commit()
        emoji = get_or_create_speaker(db.session, "\N{GRINNING FACE}")
        db.session.commit()
        again = get_or_create_speaker(db.session, "##")
        db.session.commit()
        assert first.id == again.id != emoji.id


@pytest.mark.parametrize("charset", ["punycode", "idna", "unicode_escape", "no-such-charset", "utf-8\""])
def test_a_page_declaring_a_codec_that_is_no_charset_still_decodes(charset):
    from claimtrack.webpage import decode_text
    assert decode_text("Caf\u00e9 prices rose by 4 percent.".encode("utf-8"), charset) == \
        "Caf\u00e9 prices rose by 4 percent."
