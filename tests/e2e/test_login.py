"""A person logs in through the real login form in headless Chromium and lands on the editor home."""

import pytest
from playwright.sync_api import expect

from ..conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_login_through_the_form_and_logout(live_app, page):
    make_user(live_app, "ed", "editor")
    base = live_app.config["LIVE_URL"]
    with live_app.app_context():
        from claimtrack.db import db
        from claimtrack.services.demo import load_demo

        load_demo(db.session, live_app.extensions["verdict_scale"])
        db.session.commit()

    page.goto(base + "/editor/")
    assert page.url.startswith(base + "/login")
    page.get_by_label("Username").fill("ed")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    assert page.get_by_label("Username").input_value() == "ed"

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/editor/")
    page.get_by_role("link", name="Claims", exact=True).click()
    expect(page.get_by_role("heading", name="Claims")).to_be_visible()
    expect(page.get_by_text("Ukraine is already a full member of NATO.")).to_be_visible()
    assert page.locator(".badge.v-false").first.inner_text() == "False"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(base + "/login")
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto(base + "/editor/")
    assert page.url.startswith(base + "/login")
