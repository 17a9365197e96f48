"""An admin, in headless Chromium, creates an account, changes its role and finds that in the audit log;
both admin screens are photographed at desktop and phone sizes, with no sideways scrolling on the phone."""

import pytest
from playwright.sync_api import expect

from ..helpers import PASSWORD, make_user
from .test_accessibility import axe_source, page_problems
from .test_public_pages import screenshot_dir

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def page(browser):
    # axe is injected as an inline script, which the app's Content-Security-Policy rightly refuses
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def test_admin_creates_an_account_changes_its_role_and_filters_the_audit_log(live_app, page):
    make_user(live_app, "boss", "admin")
    make_user(live_app, "ed", "editor")
    base = live_app.config["LIVE_URL"]
    page.goto(base + "/login")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/editor/")

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Role", exact=True).select_option("editor")
    page.get_by_label("First password").fill("sam's first password")
    page.get_by_label("The password again").fill("sam's first password")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_text("Account sam (editor) created.")).to_be_visible()

    row = page.locator('tr[data-username="sam"]')
    row.get_by_label("Role of sam", exact=True).select_option("reviewer")
    row.get_by_role("button", name="Change role of sam").click()
    expect(page.get_by_text("sam is now reviewer.")).to_be_visible()
    expect(page.locator('tr[data-username="sam"]').get_by_label("Role of sam", exact=True)).to_have_value("reviewer")

    # the last admin cannot step down: the page says why and nothing changes
    boss = page.locator('tr[data-username="boss"]')
    boss.get_by_label("Role of boss", exact=True).select_option("editor")
    boss.get_by_role("button", name="Change role of boss").click()
    expect(page.get_by_text("boss is the last active admin")).to_be_visible()
    expect(page.locator('tr[data-username="boss"]').get_by_label("Role of boss", exact=True)).to_have_value("admin")

    page.get_by_role("navigation", name="Site").get_by_role("link", name="Audit log").click()
    page.get_by_label("Person").select_option("boss")
    page.get_by_label("Action").select_option("user.role_change")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("account sam")
    expect(rows.first.locator("del")).to_have_text("editor")
    expect(rows.first.locator("ins")).to_have_text("reviewer")
    assert "person=boss" in page.url and "action=user.role_change" in page.url

    page.get_by_label("Claim number").fill("not a number")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("A claim number is a whole number, like 42.")).to_be_visible()

    out = screenshot_dir()
    source = axe_source()
    problems = []
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        for name, path in (("admin-audit", "/admin/audit"), ("admin-audit-invalid", "/admin/audit?claim=x"),
                           ("admin-accounts", "/admin/accounts")):
            page.goto(base + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (name, size)
            page.screenshot(path=str(out / f"{name}-{size}.png"), full_page=True)
            problems += [f"{size} {path}: {p}" for p in page_problems(page, source, size == "phone")]
    assert not problems, "\n".join(problems)  # axe-core: 0 WCAG 2.1 A/AA violations
