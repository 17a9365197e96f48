"""An imported review's public page in headless Chromium: whose check it is, when, its words, and the update line;
photographed at phone and desktop width (no sideways overflow).  Screenshots as in test_public_pages."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ..helpers import FIXTURES
from .test_public_pages import WIDTHS, screenshot_dir

pytestmark = pytest.mark.browser

AFP = FIXTURES / "claimreview" / "afp_factual.json"


def test_imported_review_page(live_app, page, tmp_path):
    runner = live_app.test_cli_runner()
    assert runner.invoke(args=["claims", "import", str(AFP)]).exit_code == 0
    changed = json.loads(AFP.read_text())
    changed["reviewRating"] = {"@type": "Rating", "ratingValue": "4", "bestRating": "1", "worstRating": "5",
                               "alternateName": "Engañoso"}
    changed["dateModified"] = "2020-10-09"
    changed["reviewBody"] = "Las imágenes muestran una oración por los granjeros de Sudáfrica, no por Donald Trump."
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(changed))
    assert runner.invoke(args=["claims", "import", str(path)]).exit_code == 0
    with live_app.app_context():
        from claimtrack.db import db
        from claimtrack.models import Claim

        claim_id = db.session.scalar(select(Claim.id))
    base = live_app.config["LIVE_URL"]
    out = screenshot_dir()
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/claims/{claim_id}")
        heading = page.get_by_role("heading", level=2, name="Checked by Factual on 7 October 2020: Engañoso")
        expect(heading).to_be_visible()
        expect(heading.get_by_role("link", name="Factual")).to_have_attribute("href", changed["url"])
        expect(page.get_by_text("Updated by Factual on 9 October 2020.")).to_be_visible()
        expect(page.get_by_role("heading", name="Our verdict")).to_have_count(0)
        expect(page.get_by_role("heading", name="What Factual wrote")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, width_name
        page.screenshot(path=str(out / f"imported-review-{width_name}.png"), full_page=True)
