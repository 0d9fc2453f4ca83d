"""Browser journey in real Chromium: a lead opens a household case, adds two children and a health
visitor to the team; the health visitor then finds the case on their list."""

import os
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import AgencyFactory, TeamFactory, UserFactory

PASSWORD = "correct-horse-battery"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-results"


def save_screenshot(page: Page, name: str) -> None:
    """Every run keeps the screenshot as a test artifact (test-results/, not committed); with
    UPDATE_SCREENSHOTS=1 it also refreshes the README's copy in docs/screenshots/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def fill_date(scope, legend: str, day: date) -> None:
    """Type a date as a person does: day, month and year into the three boxes of the named date field."""
    group = scope.get_by_role("group", name=re.compile(rf"^{re.escape(legend)}"))
    group.get_by_label("Day", exact=True).fill(str(day.day))
    group.get_by_label("Month", exact=True).fill(str(day.month))
    group.get_by_label("Year", exact=True).fill(str(day.year))


def sign_in(page: Page, base_url: str, username: str, lands_on: str = "Hello") -> None:
    """Sign in and check where the person lands: practitioners their home ("Hello, …"), managers the
    manager's view ("Stuck cases")."""
    page.goto(f"{base_url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(lands_on)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lead_opens_a_case_and_practitioner_finds_it(live_server, page: Page):
    social_care = AgencyFactory(name="Northbridge Children's Social Care")
    team = TeamFactory(name="Team A", agency=social_care)
    UserFactory(username="lead", first_name="Leah", last_name="Morgan", agency=social_care, team=team)
    UserFactory(
        username="practitioner",
        first_name="Priya",
        last_name="Hall",
        job_title="Health visitor",
        agency=AgencyFactory(name="Northbridge Community Health", kind="health"),
    )
    base = live_server.url

    sign_in(page, base, "lead")
    page.get_by_role("link", name="Open a case").first.click()
    page.get_by_label("Level of need").select_option(label="Early help")  # a practitioner opens early help
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"Case NP-\d{4}-\d{5}"))
    reference = re.search(r"NP-\d{4}-\d{5}", page.url).group(0)

    for first_name, born in (("Amy", date(2019, 3, 2)), ("Ben", date(2022, 11, 20))):
        # Search first: nobody like them is known, so the new person's form comes back filled in.
        page.get_by_role("link", name="Add someone to the household").click()
        page.get_by_label("First name").fill(first_name)
        page.get_by_label("Surname").fill("Carter")
        fill_date(page, "Date of birth", born)
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_text("Nobody like this is known in the cases you can open.")).to_be_visible()
        expect(page.get_by_label("First name")).to_have_value(first_name)
        page.get_by_label("Place in the household").select_option(label="Child")
        page.get_by_role("button", name="Add to household").click()
        expect(page.get_by_role("status")).to_contain_text("Added to the household")
    household = page.get_by_role("table", name="People in the household")
    expect(household).to_contain_text("Amy Carter")
    expect(household).to_contain_text("2 Mar 2019")

    page.get_by_role("link", name="Add a professional").click()
    page.get_by_label("Professional").select_option(label="Priya Hall – Health visitor, Northbridge Community Health")
    page.get_by_label("Role on the case").select_option(label="Core group member")
    page.get_by_role("button", name="Add to team").click()
    expect(page.get_by_role("table", name=re.compile("Professionals on the case team"))).to_contain_text("Priya Hall")
    if os.environ.get("UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / "case-page.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, "practitioner")
    expect(page.get_by_role("table", name="Cases I am on the team for")).to_contain_text(reference)
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("table", name="People in the household")).to_contain_text("Ben Carter")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_script_in_a_name_is_shown_as_text_never_run(live_server, page: Page):
    from tests.factories import CaseFactory, HouseholdMemberFactory

    lead = UserFactory(username="lead")
    case = CaseFactory(lead_professional=lead)
    payload = "<script>alert('x')</script><img src=x onerror=alert(2)>"
    HouseholdMemberFactory(case=case, person__first_name=payload[:100])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, live_server.url, "lead")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    expect(page.get_by_role("table", name="People in the household")).to_contain_text("<script>alert('x')</script>")
    assert dialogs == []
    assert page.locator("main img[src='x']").count() == 0
