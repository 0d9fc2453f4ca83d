"""Browser journeys for the monitoring jobs: the lead sees a flag with its explanation and acknowledges
it; the manager sees an escalation in their notifications and answers it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from monitoring import rules as monitoring
from monitoring.models import Escalation
from tests.factories import AgencyFactory, CaseFactory, HouseholdMemberFactory, PersonFactory, TeamFactory, UserFactory
from tests.test_browser_foundation import sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lead_acknowledges_a_flag_and_manager_answers_an_escalation(live_server, page: Page):
    agency = AgencyFactory(name="Northbridge Children's Social Care")
    team = TeamFactory(name="Team A", agency=agency)
    manager = UserFactory(
        username="manager", first_name="Marcus", last_name="Reid", agency=agency, team=team, role="team_manager"
    )
    team.manager = manager
    team.save()
    lead = UserFactory(username="lead", agency=agency, team=team)
    today = timezone.localdate()
    case = CaseFactory(lead_professional=lead, opened_on=today - timedelta(days=40))
    HouseholdMemberFactory(
        case=case, person=PersonFactory(date_of_birth=today - timedelta(days=20)), joined_on=today - timedelta(days=5)
    )
    monitoring.sweep(today)

    sign_in(page, live_server.url, "lead")
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    page.get_by_role("link", name="Flags").click()
    flag_card = page.get_by_role("article").filter(has_text="New or expected baby")
    expect(flag_card).to_contain_text("review the plan")
    flag_card.get_by_role("link", name="Acknowledge").click()
    page.get_by_label("What will you do about this?").fill("Plan review with the health visitor on Friday.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("Flag acknowledged")
    expect(page.get_by_role("article").filter(has_text="New or expected baby")).to_contain_text("Plan review with")

    page.goto(f"{live_server.url}/cases/{case.reference}/escalations/raise/")
    page.get_by_label("What is stuck").fill("No progress on the home conditions after three reviews.")
    page.get_by_role("button", name="Raise the escalation").click()
    # The lead raised it, so it starts with the team manager (the lead would otherwise answer it).
    expect(page.get_by_role("status")).to_contain_text("Who must answer: Marcus Reid")
    assert Escalation.objects.get().stage.order == 2

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server.url, "manager", lands_on="Stuck cases")
    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Notifications")).click()
    page.get_by_role("link", name=case.reference).first.click()
    card = page.get_by_role("article").filter(has_text="No progress on the home conditions")
    expect(card).to_contain_text("Stage 2")
    card.get_by_label("Your response").fill("Agreed: legal planning meeting next week.")
    card.get_by_label("This resolves the escalation").check()
    card.get_by_label("How was it resolved?").fill("Legal planning meeting arranged.")
    card.get_by_role("button", name="Record response").click()
    expect(page.get_by_role("article").filter(has_text="No progress")).to_contain_text("Resolved")
