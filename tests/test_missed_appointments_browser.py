"""In real Chromium: the health visitor logs a missed appointment from "Log a concern" in one save, the
monitoring sweep runs, and the lead sees the missed-appointments flag on the case."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import CaseMember
from monitoring import rules as monitoring
from tests.factories import AppointmentFactory, CaseFactory, CaseMemberFactory, HouseholdMemberFactory, UserFactory
from tests.test_browser_foundation import sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_health_visitor_logs_a_missed_appointment_and_the_lead_sees_the_flag(page: Page, live_server):
    lead = UserFactory(username="lead", first_name="Leah", last_name="Morgan")
    visitor = UserFactory(
        username="visitor",
        first_name="Priya",
        last_name="Hall",
        job_title="Health visitor",
        agency__name="Community Health",
        agency__kind="health",
    )
    case = CaseFactory(lead_professional=lead, level="child_in_need")
    CaseMemberFactory(case=case, user=visitor, role=CaseMember.Role.CORE_GROUP)
    child = HouseholdMemberFactory(case=case, person__first_name="Amelia", person__last_name="Stone").person
    # One missed appointment already: the alert starts at two for a child not on a neglect plan.
    AppointmentFactory(
        case=case, child=child, scheduled_on=timezone.localdate() - timedelta(days=30), outcome="was_not_brought"
    )
    base = live_server.url

    sign_in(page, base, "visitor")
    page.goto(f"{base}/cases/{case.reference}/")
    page.get_by_role("link", name="Log a concern").first.click()
    # The concern's own questions give way to the appointment's once "Missed appointment" is chosen.
    expect(page.get_by_role("group", name="Missed appointment")).to_be_hidden()
    page.get_by_label("What kind of event").select_option("missed_appointment")
    expect(page.get_by_role("group", name="Missed appointment")).to_be_visible()
    expect(page.get_by_role("group", name="About the concern")).to_be_hidden()
    page.get_by_label("Amelia Stone").check()
    page.get_by_label("Type of appointment").select_option("health_visitor")
    expect(page.get_by_label("With which agency")).to_have_value(str(visitor.agency_id))
    page.get_by_label("Was not brought (a child who depends on a carer to take them)").check()
    page.get_by_label("What happened?", exact=True).fill("No answer at the door; mum later said she forgot.")
    page.get_by_role("button", name="Add to the chronology").click()
    expect(page.get_by_role("status")).to_contain_text("Missed appointment added")
    expect(page.get_by_role("main")).to_contain_text("Amelia was not brought to the Health visitor appointment.")
    page.goto(f"{base}/cases/{case.reference}/appointments/")
    expect(page.get_by_role("table")).to_contain_text("Was not brought")
    expect(page.get_by_role("link", name="Correct the outcome")).to_have_count(1)  # hers only
    page.get_by_role("button", name="Sign out").click()

    monitoring.sweep(timezone.localdate())

    sign_in(page, base, "lead")
    page.goto(f"{base}/cases/{case.reference}/")
    page.get_by_role("link", name="Flags").click()
    flag = page.get_by_role("article").filter(has_text="Missed appointments")
    expect(flag).to_contain_text("was not brought to 2 appointments")
