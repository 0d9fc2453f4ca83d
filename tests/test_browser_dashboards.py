"""In real Chromium: the three personas' journeys through their dashboards, keyboard-only logging of a
concern, and axe-core (vendored in tests/vendor, never served) on the dashboards and key case pages."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import CaseMember
from monitoring.models import Flag
from plans.models import MeetingKind
from tests.factories import (
    ActionFactory,
    AgencyFactory,
    AppointmentFactory,
    AssessmentFactory,
    CaseFactory,
    CaseMemberFactory,
    EntryFactory,
    FlagFactory,
    HouseholdMemberFactory,
    MeetingFactory,
    TeamFactory,
    UserFactory,
)
from tests.test_browser_foundation import save_screenshot, sign_in
from workdays import calendar as workdays

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe is injected as a script the page's CSP would refuse; only the test browser bypasses it.
    return {**browser_context_args, "bypass_csp": True, "viewport": {"width": 1400, "height": 900}}


def serious_axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands, each with up to 3 targets."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it stands."""
    bad = serious_axe_violations(page)
    assert not bad, f"{page.url}: {bad}"


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def _family():
    today = timezone.localdate()
    social_care = AgencyFactory(name="Northbridge Children's Social Care")
    team = TeamFactory(name="Team A", agency=social_care)
    manager = UserFactory(
        username="manager",
        first_name="Mona",
        last_name="Patel",
        agency=social_care,
        team=team,
        role="team_manager",
        job_title="Team manager",
    )
    team.manager = manager
    team.save()
    lead = UserFactory(
        username="lead",
        first_name="Leah",
        last_name="Morgan",
        agency=social_care,
        team=team,
        job_title="Social worker",
        gcp2_trained_on=date(2025, 3, 14),
        gcp2_licence_expires_on=date(2099, 3, 31),
    )
    practitioner = UserFactory(
        username="practitioner",
        first_name="Priya",
        last_name="Hall",
        job_title="Health visitor",
        agency=AgencyFactory(name="Northbridge Community Health", kind="health"),
    )
    case = CaseFactory(lead_professional=lead, opened_on=today - timedelta(days=420))
    CaseMemberFactory(case=case, user=practitioner, role=CaseMember.Role.CORE_GROUP)
    amy = HouseholdMemberFactory(
        case=case, person__first_name="Amy", person__last_name="Carter", person__date_of_birth=date(2019, 4, 2)
    ).person
    HouseholdMemberFactory(
        case=case, person__first_name="Ben", person__last_name="Carter", person__date_of_birth=date(2012, 6, 1)
    )
    action = ActionFactory(
        outcome__plan__case=case,
        outcome__plan__started_on=today - timedelta(days=400),
        owner_user=practitioner,
        due_on=today + timedelta(days=2),
        description="Weekly home visit to check Amy's weight",
    )
    ActionFactory(outcome=action.outcome, due_on=today - timedelta(days=4), description="Dental registration")
    AppointmentFactory(
        case=case,
        child=amy,
        agency=practitioner.agency,
        kind="health_visitor",
        booked_by=practitioner,
        scheduled_on=today - timedelta(days=1),
    )
    EntryFactory(case=case, occurred_on=today - timedelta(days=16), children=[amy])
    AssessmentFactory(case=case, child=amy, grades={"A": 4, "B": 3, "C": 2, "D": 3}, completed=True)
    flag = FlagFactory(case=case, rule=Flag.Rule.NEW_BABY)
    Flag.objects.filter(pk=flag.pk).update(raised_at=timezone.now() - timedelta(days=9))
    MeetingFactory(case=case, kind=MeetingKind.CORE_GROUP, due_on=today - timedelta(days=3))
    for n in range(3):  # a few more of the team's cases, less stuck
        other = CaseFactory(lead_professional=lead, level=["early_help", "child_in_need", "child_protection"][n])
        HouseholdMemberFactory(case=other)
        EntryFactory(case=other, occurred_on=today - timedelta(days=3 + 20 * n))
    return case, amy


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_practitioner_home_and_keyboard_concern(live_server, page: Page):
    case, amy = _family()
    base = live_server.url
    sign_in(page, base, "practitioner")
    expect(page.get_by_role("heading", name="My plan actions due")).to_be_visible()
    expect(page.get_by_role("table", name="Plan actions I own")).to_contain_text("Weekly home visit")
    expect(page.get_by_role("table", name="Appointments I booked")).to_contain_text("Amy Carter")
    assert_accessible(page)

    # Keyboard only, from the home page to a saved concern.
    tab_to(page, f'a[href="/cases/{case.reference}/chronology/concern/"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Log a concern")
    tab_to(page, f'input[name="children"][value="{amy.pk}"]')
    page.keyboard.press("Space")
    tab_to(page, 'textarea[name="what_happened"]')
    page.keyboard.type("Amy was hungry at nursery and had no coat.")
    tab_to(page, 'input[name="neglect_forms"][value="physical"]')
    page.keyboard.press("Space")
    tab_to(page, 'button[type="submit"]:not(.btn-light):not(.btn-outline-light)')
    page.keyboard.press("Enter")
    expect(page.locator(".alert-success")).to_contain_text("Added to the chronology")

    page.goto(f"{base}/")
    save_screenshot(page, "dashboard-practitioner-home.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lead_caseload_overview_chronology_and_gcp2(live_server, page: Page):
    case, amy = _family()
    base = live_server.url
    sign_in(page, base, "lead")
    page.get_by_role("link", name="Caseload").first.click()
    table = page.get_by_role("table", name="Open cases with level")
    expect(table).to_contain_text("Plan action: Dental registration · overdue since")
    expect(table).to_contain_text("New or expected baby in the household: 1")
    assert_accessible(page)
    page.get_by_label("Only cases with something overdue").check()
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("1 case.")).to_be_visible()

    page.get_by_role("link", name=case.reference).first.click()
    expect(page.get_by_role("navigation", name="Case sections")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Multi-agency chronology").click()
    assert_accessible(page)
    draft = AssessmentFactory(case=case, child=case.household.get(person__first_name="Ben").person)
    page.goto(f"{base}/cases/{case.reference}/gcp2/{draft.pk}/area/A/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    page.goto(f"{base}/cases/caseload/")
    save_screenshot(page, "dashboard-caseload.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_sees_stuck_cases_and_finds_by_name(live_server, page: Page):
    case, amy = _family()
    base = live_server.url
    # A team manager lands on the manager's view, not on a practitioner home with no cases.
    sign_in(page, base, "manager", lands_on="Stuck cases in your team")
    assert page.url == f"{base}/cases/manager/"
    workers = page.get_by_role("table", name="Team A")
    expect(workers.get_by_role("row").filter(has_text="Leah Morgan")).to_contain_text("4")
    first_row = page.get_by_role("table", name="Open cases ranked").locator("tbody tr").first
    expect(first_row).to_contain_text(case.reference)
    nine_days = workdays.working_days_between(timezone.localdate() - timedelta(days=9), timezone.localdate())
    expect(first_row).to_contain_text(f"1 flag not acknowledged, the oldest raised {nine_days} working days ago")
    expect(first_row).to_contain_text("1 review overdue")
    expect(page.get_by_role("img", name="Open cases by level of need")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "dashboard-manager.png")

    # The leaver's cases, one new lead for all, on a page of its own (nothing is moved here).
    workers.get_by_role("link", name="Move their cases").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Move a worker's cases: Leah Morgan")
    expect(page.get_by_role("table", name="Open cases led by Leah Morgan")).to_contain_text(case.reference)
    assert_accessible(page)
    page.go_back()

    page.get_by_label("Find a case by reference or child's name").fill("amy carter")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("table", name="Cases found")).to_contain_text(case.reference)
    assert "amy" not in page.url.lower()
