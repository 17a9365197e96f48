"""An editor filters the claim list, searches it, and opens a claim with "New claim", in headless Chromium;
screenshots of the list and the form at desktop and phone sizes, with no sideways overflow on the phone.

Screenshots go to $CLAIMTRACK_SCREENSHOTS or /tmp/claimtrack-screenshots."""

import re

import pytest
from playwright.sync_api import expect

from ..helpers import PASSWORD, make_user
from .test_public_pages import WIDTHS, screenshot_dir

pytestmark = pytest.mark.browser

NEW_CLAIM = "The county's ferries carry twice as many people as its buses every weekday."


def _no_sideways_overflow(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


def test_filter_the_list_and_create_a_claim(live_app, page):
    make_user(live_app, "ed", "editor")
    base = live_app.config["LIVE_URL"]
    with live_app.app_context():
        from claimtrack.db import db
        from claimtrack.services.demo import load_demo

        load_demo(db.session, live_app.extensions["verdict_scale"], article=False)
        db.session.commit()

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/login")
    page.get_by_label("Username").fill("ed")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/editor/")
    page.get_by_role("link", name="Claims", exact=True).click()
    rows = page.locator("table.claim-list-table tbody tr")
    total = rows.count()
    assert total >= 5

    # filter by verdict: only False claims stay, and the choice is kept in the form
    page.get_by_label("Verdict").select_option("false")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r".*verdict=false.*"))
    assert 0 < rows.count() < total
    badges = page.locator("table.claim-list-table tbody .badge").all_inner_texts()
    assert badges and set(badges) == {"False"}
    expect(page.get_by_label("Verdict")).to_have_value("false")
    expect(page.get_by_text("Ukraine is already a full member of NATO.")).to_be_visible()

    # search within the filter: the matcher's best first, with its score column
    page.get_by_role("searchbox").fill("Is Ukraine in NATO already")
    page.get_by_role("button", name="Search").click()
    expect(rows.first).to_contain_text("Ukraine is already a full member of NATO.")
    expect(page.get_by_role("columnheader", name="Match")).to_be_visible()

    # sort by a column header
    page.get_by_role("link", name="Claims", exact=True).click()
    page.locator("table.claim-list-table thead").get_by_role("link", name="Claim", exact=True).click()
    texts = [t.strip() for t in page.locator("td.claim-cell a").all_inner_texts()]
    assert texts == sorted(texts)

    out = screenshot_dir()
    for name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for shot, query in (("claims", ""), ("claims-search", "?q=Ukraine+NATO+member&sort=score")):
            page.goto(base + "/editor/claims" + query)
            _no_sideways_overflow(page, width)
            page.screenshot(path=str(out / f"editor-{shot}-{name}.png"), full_page=True)
        page.goto(base + "/editor/claims/new")
        _no_sideways_overflow(page, width)
        page.screenshot(path=str(out / f"editor-new-claim-{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # "New claim": the form, then the new claim's workspace
    page.goto(base + "/editor/claims")
    page.get_by_role("link", name="New claim").click()
    page.get_by_label("Claim in canonical words").fill("")
    page.get_by_role("button", name="Create claim").click()
    expect(page.get_by_text("A new claim needs its wording.")).to_be_visible()
    page.get_by_label("Claim in canonical words").fill(NEW_CLAIM)
    page.get_by_label(re.compile("^Speaker")).fill("Viral tweet")
    page.get_by_label("Topics (comma-separated)").fill("Transport")
    page.get_by_label("Date it was said (optional)").fill("2024-05-31")
    page.get_by_role("button", name="Create claim").click()
    page.wait_for_url(re.compile(r".*/editor/claims/\d+$"))
    expect(page.get_by_role("status").filter(has_text="opened")).to_be_visible()
    expect(page.get_by_text(NEW_CLAIM).first).to_be_visible()

    # and it is in the list, found by the search
    page.goto(base + "/editor/claims")
    page.get_by_role("searchbox").fill("ferries carry twice as many people as buses")
    page.get_by_role("button", name="Search").click()
    expect(rows.first).to_contain_text(NEW_CLAIM)
    expect(rows.first).to_contain_text("Viral tweet")
    expect(rows.first).to_contain_text("New")
