"""Every page a reader, editor, reviewer or admin reaches, audited by axe-core inside the real Chromium:
0 WCAG 2.1 A/AA violations at 1280x900 and 390x844, and no horizontal overflow on the phone size.

The pages are found by following links, as each person would, from the home page and from the dashboard; so a page
added later is audited without touching this file. Two addresses per route shape are enough (claim 3 and claim 7
share a template), which keeps the audit to a minute or two.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from claimtrack.db import db
from claimtrack.services.demo import load_demo

from ..helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PER_SHAPE = 2
MAX_PAGES = 60
# Links that are not pages: files, feeds, machine-readable answers.
NOT_PAGES = re.compile(r"\.(json|xml|atom|csv|jsonl|txt)$|^/api/|^/static/")


def axe_source() -> str:
    """axe-core's script, as shipped inside the axe-playwright-python wheel (pinned in requirements-dev.txt)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def shape(path: str) -> str:
    """The route shape of an address: numbers and slugs folded, so /claims/3-x and /claims/7-y are one shape."""
    return re.sub(r"/\d+(-[^/]*)?", "/N", path)


def crawl(page, base: str, seeds: list[str]) -> list[str]:
    """Same-site HTML pages reachable by links from the seeds, at most PER_SHAPE per route shape."""
    seen: set[str] = set()
    per_shape: dict[str, int] = {}
    queue = list(seeds)
    pages: list[str] = []
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        key = shape(urlsplit(path).path) + ("?" if urlsplit(path).query else "")
        if per_shape.get(key, 0) >= PER_SHAPE:
            continue
        response = page.goto(base + path)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        per_shape[key] = per_shape.get(key, 0) + 1
        pages.append(path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            href = urldefrag(href)[0]
            if not href.startswith("/") or href.startswith("//") or NOT_PAGES.search(urlsplit(href).path):
                continue
            if href not in seen:
                queue.append(href)
    return pages


def audit(page, base: str, paths: list[str], source: str) -> list[str]:
    """Every violation on every page at both sizes, one line each."""
    problems = []
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for path in paths:
            page.goto(base + path)
            problems += [f"{size} {path}: {problem}" for problem in page_problems(page, source, size == "phone")]
    return problems


def page_problems(page, source: str, phone: bool) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the open page, and its horizontal overflow on a phone."""
    page.add_script_tag(content=source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS
    )
    problems = [
        f"{violation['id']} ({violation['impact']}) {[' '.join(node['target']) for node in violation['nodes'][:3]]}"
        for violation in result["violations"]
    ]
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if phone and overflow > 0:
        problems.append(f"{overflow}px of horizontal overflow")
    return problems


def test_the_audit_finds_what_it_looks_for(audit_context):
    """A page with an unlabelled image, an unlabelled field and a wide block fails, so a pass means something."""
    page = audit_context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><img src="x.png">'
                     '<input type="text"><div style="width: 900px">wide</div></main></body></html>')
    problems = " ".join(page_problems(page, axe_source(), phone=True))
    assert "image-alt" in problems and "label" in problems and "horizontal overflow" in problems, problems


@pytest.fixture
def newsroom(live_app):
    """The demo newsroom: earlier claims, one ingested article, a reader's request, and one person per role."""
    with live_app.app_context():
        load_demo(db.session, live_app.extensions["verdict_scale"])
        db.session.commit()
    for name, role in (("ada", "admin"), ("ed", "editor"), ("rita", "reviewer")):
        make_user(live_app, name, role)
    return live_app


@pytest.fixture
def audit_context(browser):
    # axe is injected as an inline script, which the app's Content-Security-Policy rightly refuses.
    context = browser.new_context(bypass_csp=True)
    yield context
    context.close()


def login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/editor/")


def test_reader_pages_have_no_wcag_violations(newsroom, audit_context):
    base = newsroom.config["LIVE_URL"]
    page = audit_context.new_page()
    page.goto(base + "/ask")
    page.get_by_label("The claim you want us to check").fill("The city council spent 40 million on a bridge that was never built.")
    page.locator("main form[method=post] [type=submit]").first.click()
    if page.url.endswith("/ask"):  # related checks shown first: the reader confirms
        page.locator("main form[method=post] [type=submit]").first.click()
    assert "/ask/track/" in page.url
    seeds = ["/", "/ask", page.url.removeprefix(base), "/no-such-page", "/login"]
    paths = crawl(page, base, seeds)
    assert len(paths) >= 8, paths
    problems = audit(page, base, paths, axe_source())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("username", ["ada", "ed", "rita"])
def test_newsroom_pages_have_no_wcag_violations(newsroom, audit_context, username):
    base = newsroom.config["LIVE_URL"]
    page = audit_context.new_page()
    login(page, base, username)
    paths = [path for path in crawl(page, base, ["/editor/"]) if not path.startswith("/logout")]
    assert any(path.startswith("/editor/claims/") for path in paths), paths
    assert any(path.startswith("/editor/articles/") for path in paths), paths
    problems = audit(page, base, paths, axe_source())
    assert not problems, "\n".join(problems)


def test_the_claim_workspace_columns_do_not_overlap(newsroom, audit_context):
    """At 1280 px the verdict form's Sources box stays inside its column (it used to spill over Appearances)."""
    base = newsroom.config["LIVE_URL"]
    page = audit_context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, base, "ed")
    page.goto(base + "/editor/claims/1")
    verdict = page.locator("#verdict").bounding_box()
    sources = page.locator("#verdict fieldset").first.bounding_box()
    claim_column = page.locator("section[aria-labelledby=claim-edit-title]").bounding_box()
    assert sources["x"] + sources["width"] <= verdict["x"] + verdict["width"] + 1
    assert sources["x"] + sources["width"] <= claim_column["x"]
    for date in page.locator("#verdict input[type=date]").all():
        box, row = date.bounding_box(), date.locator("xpath=ancestor::fieldset[1]").bounding_box()
        assert box["x"] + box["width"] <= row["x"] + row["width"] + 1
