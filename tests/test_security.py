"""Security headers, the health endpoint, and CSRF on every state-changing editor route."""

import pytest

from .helpers import make_user


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_inline_script_in_editor_pages(app, client, auth):
    make_user(app, "editor", "editor")
    auth.login()
    for path in ("/editor/", "/editor/claims", "/editor/articles", "/editor/articles/new", "/login"):
        body = client.get(path).get_data(as_text=True)
        assert "<script>" not in body and "onclick=" not in body and 'style="' not in body, path


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("path", ["/logout", "/editor/articles/new", "/editor/articles/1/decisions",
                                  "/editor/claims/1/verdict", "/editor/claims/1/status", "/editor/claims/1/edit",
                                  "/editor/claims/1/assign", "/editor/claims/1/comments", "/editor/claims/1/merge"])
def test_state_changing_routes_refuse_posts_without_csrf(app, client, auth, runner, path):
    make_user(app, "boss", "admin")
    runner.invoke(args=["claims", "import", "tests/fixtures/claims_sample.jsonl"])
    auth.login("boss")
    response = client.post(path, data={"text": "x", "action": "submit", "body": "x", "target": "2"})
    assert response.status_code == 400, path
