"""Readers ask, the tracker answers, in headless Chromium: a reader asks about a checked claim and sees the check at
once; another asks about a new rumour three times in different words; an editor sees one group of three, turns it
into a claim, a reviewer publishes the verdict, and the reader's tracking link shows the answer."""

import pytest
from playwright.sync_api import expect

from ..helpers import make_user
from .test_newsroom_day import login, logout

pytestmark = pytest.mark.browser

RUMOUR = [
    "Drinking hot lemon water every morning cures a coronavirus infection.",
    "Hot lemon water every morning cures coronavirus infection, my aunt says",
    "Every morning, drinking hot lemon water will cure the coronavirus infection!",
]


@pytest.fixture
def demo_site(live_app):
    make_user(live_app, "ed", "editor")
    make_user(live_app, "rita", "reviewer")
    with live_app.app_context():
        from claimtrack.db import db
        from claimtrack.services.demo import load_demo

        load_demo(db.session, live_app.extensions["verdict_scale"], article=False)
        db.session.commit()
    return live_app


def ask(page, base, text, seen=""):
    page.goto(base + "/")
    page.get_by_role("link", name="Ask us to check").click()
    page.get_by_label("The claim you want us to check").fill(text)
    if seen:
        page.get_by_label("Where did you see it?").fill(seen)
    page.get_by_role("button", name="Ask us to check").click()


def test_readers_ask_and_the_newsroom_answers(demo_site, page, browser):
    base = demo_site.config["LIVE_URL"]

    # A reader asks about a claim that was checked: the answer at once.
    ask(page, base, "You can see the Great Wall of China from space with your naked eye")
    expect(page.get_by_role("heading", name="We checked this already")).to_be_visible()
    expect(page.locator(".answer .badge")).to_have_text("False")
    expect(page.get_by_role("link", name="Read the fact-check")).to_be_visible()

    # Another reader asks about a new rumour three times, in different words, each time getting a link.
    reader = browser.new_context().new_page()
    links = []
    for i, text in enumerate(RUMOUR):
        ask(reader, base, text, seen="https://social.example/post/%d" % i)
        expect(reader.locator("#request-status")).to_have_text("Status: received")
        links.append(reader.url)
    assert len(set(links)) == 3

    # The editor sees one group of three and turns it into a claim.
    login(page, base, "ed")
    page.get_by_role("link", name="Requests", exact=True).click()
    groups = page.locator("tr.request-group")
    expect(groups).to_have_count(1)
    expect(groups.locator(".request-count")).to_have_text("3")
    groups.get_by_role("link").first.click()
    expect(page.get_by_label("Claim in canonical words")).to_have_value(RUMOUR[0])
    page.get_by_label("Claim in canonical words").fill("Hot lemon water cures COVID-19.")
    page.get_by_role("button", name="Create the claim").click()
    expect(page.locator("h1.claim-text")).to_have_text("Hot lemon water cures COVID-19.")

    reader.goto(links[0])
    expect(reader.locator("#request-status")).to_have_text("Status: being checked")

    # The verdict, reviewed by a second person and published.
    page.get_by_label("Rating").select_option(label="False")
    page.get_by_label("Summary").fill("No study shows lemon water cures or prevents COVID-19.")
    page.get_by_label("Explanation (Markdown)").fill("No trial has found lemon water to cure or prevent COVID-19.")
    page.get_by_label("Address (URL)").nth(0).fill("https://www.who.int/emergencies/diseases/novel-coronavirus-2019")
    page.get_by_role("button", name="Save verdict").click()
    expect(page.get_by_text("Verdict saved (revision 1).")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Verdict is now in review.")).to_be_visible()
    claim_url = page.url
    logout(page)
    login(page, base, "rita")
    expect(page.locator("#most-asked")).to_contain_text("Hot lemon water cures COVID-19.")
    page.goto(claim_url)
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("Verdict is now published.")).to_be_visible()

    # Every tracking link of the group shows the answer.
    for link in links:
        reader.goto(link)
        expect(reader.locator("#request-status")).to_have_text("Status: answered")
        expect(reader.get_by_text("No study shows lemon water cures or prevents COVID-19.")).to_be_visible()
    reader.get_by_role("link", name="Read the fact-check").click()
    expect(reader.locator("h1")).to_contain_text("Hot lemon water cures COVID-19.")
    reader.context.close()
