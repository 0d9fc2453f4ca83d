"""Browser journey in real Chromium: the lead records an initial conference, sees the first review and
core group due, writes a plan with two outcomes and actions, then holds a core group rating progress."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases import services
from tests.factories import AgencyFactory, TeamFactory, UserFactory
from tests.test_browser_foundation import fill_date
from workdays import calendar as workdays

PASSWORD = "correct-horse-battery"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def uk(day) -> str:
    return f"{day.day} {day:%b %Y}"


def shot(page: Page, name: str) -> None:
    if os.environ.get("UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lead_records_a_conference_writes_a_plan_and_holds_a_review(live_server, page: Page):
    social_care = AgencyFactory(name="Northbridge Children's Social Care")
    health = AgencyFactory(name="Northbridge Community Health", kind="health")
    team = TeamFactory(name="Team A", agency=social_care)
    lead = UserFactory(username="lead", first_name="Leah", last_name="Morgan", agency=social_care, team=team)
    today = timezone.localdate()
    manager = UserFactory(username="manager", agency=social_care, team=team, role="team_manager")
    team.manager = manager
    team.save()
    case = services.case_create(
        by=manager,
        lead_professional=lead,
        level="child_protection",
        opened_on=today - timedelta(days=30),
        reason="Strategy",
    )
    for name in ("Amy", "Ben"):
        services.household_member_add(
            case=case,
            by=lead,
            details=services.PersonDetails(name, "Shaw", date_of_birth=today - timedelta(days=2000)),
            relationship="child",
            joined_on=case.opened_on,
        )
    base = live_server.url

    page.goto(f"{base}/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    page.goto(f"{base}/cases/{case.reference}/")

    # 1. The initial conference: recording it schedules the first review conference and core group.
    page.get_by_role("link", name="Meetings and reviews").click()
    page.get_by_role("link", name="Record a meeting").click()
    page.get_by_role("link", name="Initial child protection conference").click()
    fill_date(page, "Held on", today)
    page.get_by_label("Who attended").fill("Leah Morgan (social worker), mother, health visitor, school")
    page.get_by_label(re.compile("Northbridge Community Health")).check()
    page.get_by_label("Decisions").fill("Child protection plan under the category of neglect.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Initial child protection conference recorded")
    waiting = page.get_by_role("table", name="Waiting to be held, soonest first")
    expect(waiting.get_by_role("row", name=re.compile("Review child protection conference"))).to_contain_text(
        uk(workdays.add_months(today, 3))
    )
    expect(waiting.get_by_role("row", name=re.compile("Core group meeting"))).to_contain_text(
        uk(workdays.add_working_days(today, 10))
    )
    expect(waiting).to_contain_text(f"10 working days after {uk(today)}")

    # 2. The plan: two outcomes, what must change by when and how everyone will know.
    page.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_role("link", name="Start a plan").click()
    page.get_by_label("Kind of plan").select_option(label="Child protection")
    page.get_by_label("Child protection category").select_option(label="Neglect")
    # Both children are ticked to begin with: the plan is each child's too.
    expect(page.get_by_role("checkbox", name="Amy Shaw")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Ben Shaw")).to_be_checked()
    outcomes = [
        ("The children eat breakfast every school day", "School breakfast club records"),
        ("The home is safe and clean, bedrooms included", "Three unannounced visits in a row find it so"),
    ]
    for index, (what, how) in enumerate(outcomes):
        page.locator(f"[name=outcomes-{index}-what_must_change]").fill(what)
        fill_date(page.get_by_role("group", name=f"Outcome {index + 1}"), "By when", today + timedelta(days=90 + index))
        page.locator(f"[name=outcomes-{index}-how_we_will_know]").fill(how)
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_role("status")).to_contain_text("Plan saved")
    expect(page.get_by_role("table", name=re.compile("^Outcomes:"))).to_contain_text(outcomes[1][0])
    expect(page.get_by_role("list", name="Children on this plan")).to_contain_text("Ben: from")

    # 3. Actions with an owner and a due date.
    page.get_by_role("link", name="Add an action").click()
    for number, description, agency in (
        (1, "Breakfast club place", "Northbridge Children's Social Care"),
        (2, "Unannounced home visits every two weeks", health.name),
    ):
        page.get_by_label("For which outcome").select_option(label=f"{number}. {outcomes[number - 1][0]}")
        page.get_by_label("What will be done").fill(description)
        page.get_by_label("Owner (agency)").select_option(label=agency)
        fill_date(page, "Due by", today + timedelta(days=14 * number))
        page.get_by_role("button", name="Save and add another").click()
        expect(page.get_by_role("status")).to_contain_text("Action added")
    page.get_by_role("link", name="Cancel").click()  # back to the case page
    page.get_by_role("link", name="Plan", exact=True).click()
    actions = page.get_by_role("table", name=re.compile("^Actions:"))
    expect(actions).to_contain_text("Unannounced home visits every two weeks")
    expect(actions).to_contain_text(health.name)
    shot(page, "plan-page.png")

    # 4. The core group reviews progress on each outcome.
    page.get_by_role("link", name="Meetings and reviews").click()
    page.get_by_role("link", name=re.compile(r"Record it.*Core group meeting")).click()
    page.get_by_label("Who attended").fill("Leah Morgan, mother, health visitor")
    page.get_by_label("Decisions").fill("Plan continues")
    page.get_by_label(re.compile("Progress on outcome 1")).select_option(label="Progressing")
    page.get_by_label(re.compile("Progress on outcome 2")).select_option(label="No change")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Core group meeting recorded")
    expect(page.get_by_role("table", name="Held, latest first")).to_contain_text("Core group meeting")
    shot(page, "meetings-page.png")
    page.get_by_role("link", name="Plan", exact=True).click()
    progress = page.get_by_role("table", name=re.compile("^Outcomes:"))
    expect(progress).to_contain_text("Progressing at the core group meeting")
    expect(progress).to_contain_text("No change at the core group meeting")

    page.goto(f"{base}/cases/{case.reference}/")
    expect(page.get_by_role("table", name="Next meetings and reviews")).to_contain_text(
        "Review child protection conference"
    )
    shot(page, "case-page-plan.png")
