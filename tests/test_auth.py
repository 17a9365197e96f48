"""Accounts: login and logout through the real forms, roles, CSRF, rate limits, `flask users create`."""

import pytest
from sqlalchemy import func, select

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.models import AuditEvent, User

from .helpers import PASSWORD, AuthActions, config_for, make_user


def test_editor_area_needs_login(client):
    response = client.get("/editor/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_lands_on_editor_home_and_logout_ends_it(app, client, auth, runner):
    make_user(app, "editor", "editor")
    runner.invoke(args=["claims", "import", "tests/fixtures/claims_sample.jsonl"])
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"].endswith("/editor/")
    assert client.get("/editor/").status_code == 200
    page = client.get("/editor/claims").get_data(as_text=True)
    assert "Says the Annies List political group" in page and "editor (editor)" in page
    assert 'class="badge v-false"' in page
    assert auth.logout().status_code == 302
    assert client.get("/editor/").status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["user.login", "user.logout"]


@pytest.mark.parametrize("username,password", [("editor", "wrong password!"), ("nobody", PASSWORD)])
def test_wrong_credentials_get_a_clear_401(app, auth, username, password):
    make_user(app, "editor", "editor")
    response = auth.login(username, password)
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "Wrong username or password." in page
    assert f'value="{username}"' in page  # what was typed is kept


def test_login_without_csrf_token_is_refused(app, client):
    make_user(app, "editor", "editor")
    response = client.post("/login", data={"username": "editor", "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(app, client, auth):
    make_user(app, "editor", "editor")
    token = auth.csrf_token()
    response = client.post("/login?next=//evil.example/x", data={"csrf_token": token, "username": "editor",
                                                                  "password": PASSWORD})
    assert response.headers["Location"].endswith("/editor/")


def test_output_is_escaped(app, client, auth, runner, tmp_path):
    make_user(app, "editor", "editor")
    path = tmp_path / "xss.jsonl"
    path.write_text('{"id": "x", "text": "<script>alert(1)</script>", "speaker": "<b>Bold</b>"}\n')
    runner.invoke(args=["claims", "import", str(path)])
    auth.login()
    page = client.get("/editor/claims").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page


def test_changing_the_session_token_logs_out_everywhere(app, client, auth):
    user_id = make_user(app, "editor", "editor")
    auth.login()
    assert client.get("/editor/").status_code == 200
    with app.app_context():
        db.session.get(User, user_id).session_token = "rotated"
        db.session.commit()
    assert client.get("/editor/").status_code == 302


def test_login_attempts_are_rate_limited(db_url):
    config = {**config_for(db_url), "LOGIN_RATE_LIMIT": "3 per minute"}
    app = create_app(config)
    client = app.test_client()
    auth = AuthActions(client)
    codes = [auth.login("someone", "wrong password!").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert "Too many attempts" in auth.login("someone", "x").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def test_users_create_command(app, runner):
    result = runner.invoke(args=["users", "create", "rita", "--role", "reviewer", "--password-stdin"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    duplicate = runner.invoke(args=["users", "create", "Rita", "--role", "editor", "--password-stdin"],
                              input="another long password\n")
    assert duplicate.exit_code == 1 and "already taken" in duplicate.output
    short = runner.invoke(args=["users", "create", "sam", "--role", "editor", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    bad_role = runner.invoke(args=["users", "create", "sam", "--role", "boss", "--password-stdin"], input="x" * 12)
    assert bad_role.exit_code == 2
    prompted = runner.invoke(args=["users", "create", "tom", "--role", "admin"],
                             input="tom's password 1\ntom's password 1\n")
    assert prompted.exit_code == 0, prompted.output
    with app.app_context():
        users = db.session.execute(select(User.username, User.role).order_by(User.id)).all()
        assert [(u, r.value) for u, r in users] == [("rita", "reviewer"), ("tom", "admin")]
        assert db.session.scalar(select(func.count()).select_from(User)) == 2
        assert db.session.scalar(select(User.password_hash).limit(1)).startswith("$argon2")


def test_unknown_page_is_a_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no page at this address." in response.get_data(as_text=True)


def test_production_keeps_argon2s_full_password_cost(tmp_path):
    """config.py's costs are argon2-cffi's own defaults (RFC 9106 low-memory): only the tests lower them."""
    from argon2 import PasswordHasher

    from claimtrack import config
    from claimtrack.services.accounts import password_hasher

    default = PasswordHasher()
    assert (config.PASSWORD_HASH_TIME_COST, config.PASSWORD_HASH_MEMORY_COST, config.PASSWORD_HASH_PARALLELISM) \
        == (default.time_cost, default.memory_cost, default.parallelism) == (3, 65536, 4)
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    hasher = password_hasher(app.config)
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)
    assert hasher.hash(PASSWORD).startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_tests_hash_cheaply_and_a_hash_at_other_costs_is_rehashed_on_login(app, auth):
    from argon2 import PasswordHasher

    make_user(app, "editor", "editor")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "editor"))
        assert user.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")  # the tests' configured minimum
        # an account hashed at other costs (say, before a change of settings) still logs in, and leaves at the configured cost
        user.password_hash = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=2).hash(PASSWORD)
        db.session.commit()
    assert auth.login().status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.password_hash).where(User.username == "editor")).startswith(
            "$argon2id$v=19$m=8,t=1,p=1$")
