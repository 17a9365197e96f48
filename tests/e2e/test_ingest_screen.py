"""An editor pastes an article in headless Chromium, sees its candidates, links one, creates one, dismisses one."""

import pytest
from playwright.sync_api import expect

from ..helpers import FIXTURES, PASSWORD, make_user

pytestmark = pytest.mark.browser


def candidate(page, sentence: str):
    """The candidate whose own sentence contains ``sentence`` (not one whose matches mention it)."""
    return page.locator("li.candidate").filter(has=page.locator("blockquote.sentence", has_text=sentence))


def test_the_article_review_screen(live_app, page):
    make_user(live_app, "ed", "editor")
    base = live_app.config["LIVE_URL"]
    with live_app.app_context():
        from claimtrack.db import db
        from claimtrack.services.demo import load_demo

        load_demo(db.session, live_app.extensions["verdict_scale"], article=False)
        db.session.commit()

    page.goto(base + "/login")
    page.get_by_label("Username").fill("ed")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Ingest an article").click()

    page.get_by_label("Paste the article text").fill((FIXTURES / "zelensky-cnn-interview.txt").read_text())
    page.get_by_label("Outlet").fill("CNN")
    page.get_by_role("button", name="Find the claims").click()
    page.wait_for_url(f"{base}/editor/articles/*")
    expect(page.get_by_role("heading", name="Zelensky draws line in negotiations")).to_be_visible()

    # low check-worthiness sentences are folded behind "Show all N sentences"
    folded = page.locator("details.folded > summary")
    if folded.count():
        folded.click()
    crimea = candidate(page, "annexed the Crimean peninsula")
    expect(crimea.locator(".tag.same").first).to_be_visible()
    assert "Russia annexed the Crimean peninsula from Ukraine in 2014." in crimea.inner_text()
    expect(crimea.locator(".worthiness")).to_have_text("high")
    # The same-claim match is a suggestion: the decision form opens on demand, nothing pre-selected.
    crimea.get_by_text("Decide on this sentence").click()
    assert not crimea.get_by_label("Link to an earlier claim").is_checked()
    crimea.get_by_label("Link to an earlier claim").check()
    assert crimea.get_by_label("repeats it").is_checked()

    nato = candidate(page, "If we were a NATO member, a war wouldn't have started")
    assert "Volodymyr Zelensky" in nato.locator(".speaker").inner_text()
    nato.get_by_text("Decide on this sentence").click()
    nato.get_by_label("Create a new claim").check()
    nato.get_by_label("Claim in canonical words").fill("Russia would not have invaded Ukraine if it were in NATO.")

    kremlin = candidate(page, "The Kremlin is likely seeking this recognition")
    kremlin.get_by_text("Decide on this sentence").click()
    kremlin.get_by_label("Dismiss", exact=True).check()
    kremlin.get_by_label("Why dismissed").fill("speculation")

    page.get_by_role("button", name="Save the decisions I chose").click()
    expect(page.get_by_text("decision(s).").first).to_be_visible()
    crimea = candidate(page, "annexed the Crimean peninsula")
    assert "Linked to claim #" in crimea.locator(".decision").inner_text()
    nato = candidate(page, "If we were a NATO member, a war wouldn't have started")
    assert "Russia would not have invaded Ukraine if it were in NATO." in nato.locator(".decision").inner_text()
    assert "by ed" in nato.locator(".decision").inner_text()
    kremlin = candidate(page, "The Kremlin is likely seeking this recognition")
    assert "Dismissed: speculation" in kremlin.locator(".decision").inner_text()

    page.get_by_role("link", name="Articles").click()
    expect(page.get_by_role("link", name="Zelensky draws line in negotiations: We're not giving land to Russia")).to_be_visible()


def test_a_sentence_is_decided_with_the_keyboard_alone(live_app, page):
    """Open a candidate's decision with Enter, choose "Dismiss" with the arrow keys, type a reason, send with Enter."""
    make_user(live_app, "ed", "editor")
    base = live_app.config["LIVE_URL"]
    page.goto(base + "/login")
    page.get_by_label("Username").fill("ed")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(base + "/editor/articles/new")
    page.get_by_label("Paste the article text").fill((FIXTURES / "zelensky-cnn-interview.txt").read_text())
    page.get_by_role("button", name="Find the claims").click()
    page.wait_for_url(f"{base}/editor/articles/*")

    row = page.locator("li.candidate").first
    sentence = row.locator("blockquote.sentence").inner_text()
    summary = row.locator("details.decide-toggle > summary")
    summary.focus()
    page.keyboard.press("Enter")                       # opens the decision form
    expect(row.locator("details.decide-toggle")).to_have_attribute("open", "")
    page.keyboard.press("Tab")                         # onto the decision radios ("Decide later" is chosen)
    assert page.evaluate("document.activeElement.type") == "radio"
    for _ in range(3):                                 # Decide later -> Link -> New claim -> Dismiss
        page.keyboard.press("ArrowDown")
    expect(row.get_by_role("radio", name="Dismiss")).to_be_checked()
    reason = row.get_by_role("textbox", name="Why dismissed (optional)")
    for _ in range(20):                                # past the claim number, stance and wording fields
        if page.evaluate("document.activeElement.name || ''") == reason.get_attribute("name"):
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == reason.get_attribute("name")
    page.keyboard.type("Opinion, not a checkable claim")
    page.keyboard.press("Enter")                       # submits the review form
    expect(page.get_by_text("Saved 1 decision(s).")).to_be_visible()
    decided = page.locator("li.candidate").filter(has=page.locator("blockquote.sentence", has_text=sentence[:60]))
    expect(decided.locator("p.decision")).to_contain_text("Dismissed: Opinion, not a checkable claim")
