"""In a real browser at phone width (390 x 844): the case page names the family and shows what happened
lately, the glossary is one tap from the menu, and an outcome is added to the plan on its own page. Each
page is axe clean (no serious or critical violation) and does not scroll sideways."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.test_browser_dashboards import _family, assert_accessible
from tests.test_browser_foundation import fill_date, save_screenshot, sign_in


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe is injected as a script the page's CSP would refuse; only the test browser bypasses it.
    return {**browser_context_args, "bypass_csp": True, "viewport": {"width": 390, "height": 844}}


def assert_fits(page: Page, selector: str = "") -> None:
    """The page (or, with `selector`, that part of it) is no wider than the screen."""
    if selector:
        right = page.locator(selector).evaluate("el => el.getBoundingClientRect().right")
        width = page.evaluate("() => document.documentElement.clientWidth")
        assert right <= width, f"{page.url}: {selector} ends at {right} px, the screen is {width} px"
        return
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_family_glossary_and_add_an_outcome_on_a_phone(live_server, page: Page):
    case, amy = _family()
    base = live_server.url
    sign_in(page, base, "lead")

    page.goto(f"{base}/cases/{case.reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Carter family · {case.reference}")
    latest = page.get_by_role("table", name="The 1 newest chronology entry")
    expect(latest).to_contain_text("Home was cold")
    assert_accessible(page)
    assert_fits(page, "section[aria-labelledby=chronology-heading] .table-responsive")
    assert_fits(page)
    save_screenshot(page, "phone-case-page.png")

    page.get_by_role("button", name="Show menu").click()
    page.get_by_role("link", name="Glossary", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Glossary")
    expect(page.get_by_role("heading", name="GCP2: Graded Care Profile 2")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)

    page.goto(f"{base}/cases/{case.reference}/plan/")
    page.get_by_role("link", name="Add an outcome").click()
    page.get_by_label("What must change for the child").fill("Amy is registered with a dentist")
    fill_date(page, "By when", date(2099, 1, 31))
    page.get_by_label("How everyone will know").fill("The practice confirms it")
    assert_accessible(page)
    assert_fits(page)
    page.get_by_role("button", name="Add the outcome").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"^Outcome \d+ added to the plan\.$"))
    expect(page.get_by_text("Amy is registered with a dentist")).to_be_visible()
