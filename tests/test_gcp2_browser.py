"""Browser journey in real Chromium: the licensed lead completes a repeat GCP2 for a child (losing
nothing when the session ends half-way) and sees the comparison with the baseline; the health
visitor on the team can read it but not change it."""

import os
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import CaseMember
from gcp2.structure import AREAS
from tests.factories import (
    AgencyFactory,
    AssessmentFactory,
    CaseFactory,
    CaseMemberFactory,
    HouseholdMemberFactory,
    TeamFactory,
    UserFactory,
)
from tests.test_browser_foundation import PASSWORD, SCREENSHOTS, fill_date, sign_in


def _fill_area(page: Page, area, grade: int) -> None:
    for sub in area.sub_areas:
        page.locator(f'input[name="grade_{sub.code}"][value="{grade}"]').check()
        page.get_by_label(f"{sub.label}: evidence seen").fill(f"{sub.name}: seen on three of five visits.")
    page.locator(f'input[name="area_grade"][value="{grade}"]').check()
    page.get_by_label(f"Area {area.label}: why this grade").fill("Consistent across the visits.")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lead_completes_a_repeat_and_practitioner_reads_it(live_server, page: Page):
    social_care = AgencyFactory(name="Northbridge Children's Social Care")
    team = TeamFactory(name="Team A", agency=social_care)
    lead = UserFactory(
        username="lead",
        first_name="Leah",
        last_name="Morgan",
        agency=social_care,
        team=team,
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
    case = CaseFactory(lead_professional=lead, opened_on=timezone.localdate() - timedelta(days=200))
    CaseMemberFactory(case=case, user=practitioner, role=CaseMember.Role.CORE_GROUP)
    amy = HouseholdMemberFactory(case=case, person__first_name="Amy", person__last_name="Carter").person
    HouseholdMemberFactory(
        case=case, person__first_name="Ben", person__last_name="Carter", person__date_of_birth=date(2012, 6, 1)
    )
    ended = timezone.localdate() - timedelta(days=100)
    AssessmentFactory(
        case=case,
        child=amy,
        grades=4,
        completed=True,
        observation_started_on=ended - timedelta(days=20),
        observation_ended_on=ended,
    )
    base = live_server.url

    sign_in(page, base, "lead")
    page.goto(f"{base}/cases/{case.reference}/")
    page.get_by_role("link", name="GCP2 for each child").click()
    expect(page.get_by_role("status")).to_contain_text("Ben Carter")  # the sibling with no GCP2
    page.get_by_role("link", name="Start a repeat for Amy").click()
    expect(page.get_by_label("Which child is this GCP2 for?")).to_have_value(str(amy.pk))
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("GCP2 repeat for Amy Carter")

    today = timezone.localdate()
    fill_date(page, "Observation started", today - timedelta(days=20))
    fill_date(page, "Observation ended", today - timedelta(days=1))
    page.get_by_label("Number of visits").fill("5")
    page.get_by_label("Strengths").fill("Mum now cooks with Amy most evenings.")
    page.get_by_label("The child's own views").fill("Amy says tea is her favourite time.")
    page.get_by_role("button", name="Save and continue").click()

    area_a, area_b = AREAS[0], AREAS[1]
    _fill_area(page, area_a, 2)
    if os.environ.get("UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / "gcp2-area-form.png"), full_page=True)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Area B Care of safety")).to_be_visible()

    # The session ends while the assessor is typing: what was typed comes back after signing in.
    _fill_area(page, area_b, 3)
    page.context.clear_cookies(name="sessionid")  # the CSRF cookie outlives a session
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("We have put back what you typed")).to_be_visible()
    expect(page.get_by_label("B2 Safety in carer's absence: evidence seen")).to_have_value(
        "Safety in carer's absence: seen on three of five visits."
    )
    expect(page.locator('input[name="area_grade"][value="3"]')).to_be_checked()
    page.get_by_role("button", name="Save and continue").click()

    for area in AREAS[2:]:
        _fill_area(page, area, 2)
        page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Check and complete")).to_be_visible()
    page.get_by_role("button", name="Complete and lock this GCP2").click()
    expect(page.get_by_role("status").first).to_contain_text("GCP2 completed")

    page.get_by_role("link", name="Compare over time").click()
    table = page.get_by_role("table", name="GCP2 grades for Amy Carter")
    expect(table).to_contain_text("Baseline")
    expect(table.get_by_role("row", name="Area A Physical care")).to_contain_text("4 Poor")
    expect(table.get_by_role("row", name="Area A Physical care")).to_contain_text("2 Adequate")
    expect(table.get_by_role("row", name="Area A Physical care")).to_contain_text("Better")
    expect(page.get_by_role("img", name="Area B Care of safety: grade at each GCP2")).to_be_visible()
    if os.environ.get("UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOTS / "gcp2-comparison.png"), full_page=True)
        page.goto(f"{base}/cases/{case.reference}/gcp2/")
        page.screenshot(path=str(SCREENSHOTS / "gcp2-household.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, "practitioner")
    page.goto(f"{base}/cases/{case.reference}/gcp2/")
    expect(page.get_by_role("table", name="Latest completed GCP2 grades")).to_contain_text("2 Adequate")
    expect(page.get_by_role("link", name="Start a GCP2")).to_have_count(0)
    page.get_by_role("link", name="Compare over time for Amy").click()
    expect(page.get_by_role("table", name="GCP2 grades for Amy Carter")).to_contain_text("Better")
    page.get_by_role("link", name="Repeat, observation ending").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Completed")
    expect(page.get_by_role("link", name="Record a correction")).to_have_count(0)
    expect(page.get_by_role("link", name="Continue the draft")).to_have_count(0)
    page.goto(f"{base}/cases/{case.reference}/gcp2/start/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("You cannot do that")
    expect(page.get_by_text("current licence")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_gcp2_drafts_in_the_tab_go_at_sign_out_and_reach_nobody_else(live_server, page: Page):
    agency = AgencyFactory(name="Northbridge Children's Social Care")
    lead = UserFactory(username="lead", agency=agency)
    colleague = UserFactory(username="colleague", agency=agency)
    base = live_server.url
    sign_in(page, base, "lead")
    page.evaluate(
        "() => { sessionStorage.setItem('gcp2:draft-1:A', '{\"values\": {}}'); sessionStorage.setItem('other', 'x'); }"
    )
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in")
    assert page.evaluate("() => sessionStorage.getItem('gcp2:draft-1:A')") is None
    assert page.evaluate("() => sessionStorage.getItem('other')") == "x"  # only the portal's drafts go
    # A session that expired keeps its drafts for the person who typed them (the sign-in page leaves
    # them), but someone else signing in at this tab finds the drafts gone on their first page.
    page.evaluate(
        "([lead, colleague]) => { sessionStorage.setItem('gcp2:draft-2:B', JSON.stringify({owner: colleague}));"
        " sessionStorage.setItem('gcp2:draft-3:C', JSON.stringify({owner: lead})); }",
        [str(lead.pk), str(colleague.pk)],
    )
    page.reload()
    assert page.evaluate("() => sessionStorage.getItem('gcp2:draft-2:B')") is not None
    page.get_by_label("Username").fill("colleague")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.evaluate("() => sessionStorage.getItem('gcp2:draft-2:B')") is not None  # the colleague's own
    assert page.evaluate("() => sessionStorage.getItem('gcp2:draft-3:C')") is None  # the lead's, gone
