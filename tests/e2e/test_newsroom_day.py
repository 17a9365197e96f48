"""The whole newsroom day in headless Chromium: ingest, claim from a quote, draft with two sources, review by a
second user, publish, a correction, and the history with its diff."""

import pytest
from playwright.sync_api import expect

from ..helpers import FIXTURES, PASSWORD, make_user

pytestmark = pytest.mark.browser


def login(page, base, username):
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/editor/")


def logout(page):
    page.get_by_role("button", name="Log out").click()


def test_a_day_in_the_newsroom(live_app, page):
    make_user(live_app, "ed", "editor")
    make_user(live_app, "rita", "reviewer")
    base = live_app.config["LIVE_URL"]

    login(page, base, "ed")
    page.get_by_role("link", name="Ingest an article").click()
    page.get_by_label("Paste the article text").fill((FIXTURES / "zelensky-cnn-interview.txt").read_text())
    page.get_by_label("Outlet").fill("CNN")
    page.get_by_role("button", name="Find the claims").click()
    quote = page.locator("li.candidate").filter(
        has=page.locator("blockquote.sentence", has_text="If we were a NATO member, a war wouldn't have started"))
    quote.get_by_text("Decide on this sentence").click()
    quote.get_by_label("Create a new claim").check()
    quote.get_by_label("Claim in canonical words").fill("Russia would not have invaded Ukraine if Ukraine were in NATO.")
    page.get_by_role("button", name="Save the decisions I chose").click()
    expect(page.get_by_text("Saved 1 decision(s).")).to_be_visible()

    page.get_by_role("link", name="Claims", exact=True).click()
    page.get_by_role("link", name="Russia would not have invaded Ukraine if Ukraine were in NATO.").click()
    expect(page.locator("h1.claim-text")).to_have_text("Russia would not have invaded Ukraine if Ukraine were in NATO.")

    page.get_by_label("Rating").select_option(label="Half true")
    page.get_by_label("Summary").fill("Experts disagree on what NATO membership would have changed.")
    page.get_by_label("Explanation (Markdown)").fill("NATO's **Article 5** binds members to mutual defence.")
    urls = page.get_by_label("Address (URL)")
    titles = page.get_by_label("Title", exact=True)
    urls.nth(0).fill("https://www.nato.int/cps/en/natohq/topics_110496.htm")
    titles.nth(0).fill("Collective defence - Article 5")
    urls.nth(1).fill("https://example.org/analysis")
    titles.nth(1).fill("An analysis")
    page.get_by_role("button", name="Save verdict").click()
    expect(page.get_by_text("Verdict saved (revision 1).")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Verdict is now in review.")).to_be_visible()
    expect(page.get_by_role("button", name="Approve and publish")).to_have_count(0)
    claim_url = page.url
    logout(page)

    login(page, base, "rita")
    page.goto(claim_url)
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("Verdict is now published.")).to_be_visible()
    logout(page)

    login(page, base, "ed")
    page.goto(claim_url)
    page.get_by_label("Summary").fill("Experts disagree on what NATO membership would have changed in 2022.")
    page.get_by_label("Correction note").fill("Added the year to the summary.")
    page.get_by_role("button", name="Save verdict").click()
    # the correction waits for a second pair of eyes; the public page keeps the published summary
    expect(page.get_by_text("Correction saved for review")).to_be_visible()
    expect(page.locator(".pending-correction ins").first).to_be_visible()
    expect(page.get_by_role("button", name="Approve the correction and publish it")).to_have_count(0)
    logout(page)

    login(page, base, "rita")
    page.goto(claim_url)
    expect(page.locator(".pending-correction")).to_contain_text("Added the year to the summary.")
    page.get_by_role("button", name="Approve the correction and publish it").click()
    expect(page.locator(".preview").get_by_text("Added the year to the summary.")).to_be_visible()
    logout(page)
    login(page, base, "ed")
    page.goto(claim_url)

    page.get_by_role("link", name="Compare revisions").click()
    expect(page.locator("table.claims tbody tr")).to_have_count(3)
    page.locator("select[name=a]").select_option("1")
    page.locator("select[name=b]").select_option("3")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".diff ins").first).to_be_visible()
    expect(page.locator(".diff")).to_contain_text("in 2022.")
