"""A reader searches a paraphrase of a published claim in headless Chromium and lands on its page;
the home, claim and speaker pages are photographed at phone and desktop width for review.

Screenshots go to $CLAIMTRACK_SCREENSHOTS or /tmp/claimtrack-screenshots (printed at the end).
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..helpers import make_user

pytestmark = pytest.mark.browser

GREAT_WALL = "The Great Wall of China is visible from space with the naked eye."
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


def screenshot_dir() -> Path:
    path = Path(os.environ.get("CLAIMTRACK_SCREENSHOTS", "/tmp/claimtrack-screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def published_demo(live_app):
    """The demo claims (imported as published) and article; one claim's verdict completed with sources."""
    make_user(live_app, "ed", "editor")
    make_user(live_app, "rita", "reviewer")
    with live_app.app_context():
        from sqlalchemy import select

        from claimtrack.db import db
        from claimtrack.models import Claim, User
        from claimtrack.services import verdicts as wf
        from claimtrack.services.demo import load_demo

        scale = live_app.extensions["verdict_scale"]
        load_demo(db.session, scale)
        editor = db.session.scalar(select(User).where(User.username == "ed"))
        claim = db.session.scalar(select(Claim).where(Claim.external_id == "demo-5"))
        verdict = wf.get_or_open_verdict(db.session, claim)
        wf.save_verdict(db.session, verdict, wf.VerdictInput(
            rating="false",
            summary="The wall is long but narrow: astronauts say it cannot be picked out from orbit unaided.",
            explanation=(
                "The wall is rarely wider than **6 metres**, about the width of a road.\n\n"
                "- From low Earth orbit, roads and rivers of that width are not visible to the naked eye.\n"
                "- Chinese astronaut Yang Liwei said in 2003 that he could not see it."
            ),
            sources=[wf.SourceInput(url="https://www.nasa.gov/great-wall", title="Great Wall of China from space",
                                    publisher="NASA", accessed_on=date(2024, 3, 1))],
            correction_note="Added the explanation and a NASA source.",
        ), editor, None, scale)
        reviewer = db.session.scalar(select(User).where(User.username == "rita"))
        wf.change_status(db.session, verdict, "approve_correction", reviewer, None)
        db.session.commit()
        return claim.id


def test_search_a_paraphrase_and_land_on_the_claim(live_app, page, published_demo):
    base = live_app.config["LIVE_URL"]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Is it true? Search our fact-checks")).to_be_visible()
    expect(page.get_by_role("heading", name="Latest fact-checks")).to_be_visible()
    page.get_by_label("Search for a claim or a rumour").fill("you can see the great wall of china from space")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="Fact-checks that match your search")).to_be_visible()
    page.get_by_role("link", name=GREAT_WALL).first.click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/claims/{published_demo}-the-great-wall-of-china"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(GREAT_WALL)
    expect(page.locator(".verdict-line .badge")).to_have_text("False")
    expect(page.get_by_role("link", name="Great Wall of China from space")).to_be_visible()
    expect(page.locator('script[type="application/ld+json"]')).to_have_count(1)
    expect(page.locator("script:not([type='application/ld+json'])")).to_have_count(0)


def test_screenshots_of_home_claim_and_speaker_pages(live_app, page, published_demo):
    base = live_app.config["LIVE_URL"]
    out = screenshot_dir()
    page.goto(f"{base}/claims/{published_demo}")
    claim_url = page.url
    page.get_by_role("link", name="Chain e-mail").first.click()
    expect(page.get_by_role("heading", name="Chain e-mail", level=1)).to_be_visible()
    speaker_url = page.url
    expect(page.get_by_role("img", name=re.compile("Verdicts on claims by Chain e-mail"))).to_be_visible()
    saved = []
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for name, url in (("home", base + "/"), ("claim", claim_url), ("speaker", speaker_url)):
            page.goto(url)
            expect(page.locator("main")).to_be_visible()
            # Nothing may overflow sideways on a phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (name, width_name)
            target = out / f"{name}-{width_name}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)
    assert all(p.stat().st_size > 5000 for p in saved)
    print(f"\nscreenshots saved in {out}: {', '.join(p.name for p in saved)}")
