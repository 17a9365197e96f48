"""A person logs in through the real login form in headless Chromium and lands on the editor home."""

import pytest
from playwright.sync_api import expect

from ..helpers import PASSWORD, make_user

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


def _luminance(rgb: str) -> float:
    import re
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_the_main_buttons_are_readable(live_app, page):
    """A primary button's text against its own background meets WCAG AA (4.5:1); a rule for input[type=submit]
    once painted them white on near-white."""
    page.goto(live_app.config["LIVE_URL"] + "/login")
    button = page.get_by_role("button", name="Log in")
    colour = button.evaluate("e => getComputedStyle(e).color")
    background = button.evaluate("e => getComputedStyle(e).backgroundColor")
    light, dark = sorted((_luminance(colour), _luminance(background)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5, (colour, background)
