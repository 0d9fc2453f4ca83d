"""Browser journey through the front door in real Chromium: a school's safeguarding lead refers two
children; the MASH practitioner finds one of them known, links them and checks with health; the MASH manager
decides for a child and family assessment; the team manager allocates the case; the new case shows the
family's earlier closed case as family history."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import AgencyFactory, CaseFactory, HouseholdMemberFactory, TeamFactory, UserFactory
from tests.test_browser_foundation import fill_date, save_screenshot, sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_referral_becomes_an_allocated_case_with_its_family_history(live_server, page: Page):
    social_care = AgencyFactory(name="Northbridge Children's Social Care")
    AgencyFactory(name="Northbridge Community Health", kind="health")
    school = AgencyFactory(name="Northbridge Primary School", kind="education")
    team = TeamFactory(name="Assessment Team 1", agency=social_care)
    team.manager = UserFactory(
        username="manager", first_name="Tariq", last_name="Mensah", agency=social_care, team=team, role="team_manager"
    )
    team.save()
    lead = UserFactory(
        username="worker",
        first_name="Nell",
        last_name="Brooks",
        agency=social_care,
        team=team,
        job_title="Social worker",
    )
    UserFactory(username="dsl", agency=school, job_title="Designated safeguarding lead")
    UserFactory(username="mashsw", agency=social_care, role="mash_practitioner", job_title="MASH social worker")
    UserFactory(username="mashmgr", agency=social_care, role="mash_manager", job_title="MASH manager")
    earlier = CaseFactory(
        reference="NP-2025-00417",
        lead_professional=lead,
        opened_on=date(2025, 1, 13),
        status="closed",
        closed_on=timezone.localdate() - timedelta(days=120),
    )
    HouseholdMemberFactory(
        case=earlier, person__first_name="Kestrel", person__last_name="Ashdown", person__date_of_birth=date(2017, 6, 4)
    )
    base = live_server.url

    # 1. The school's safeguarding lead refers two children.
    sign_in(page, base, "dsl")
    page.get_by_role("link", name="Make a referral").click()
    first = page.get_by_role("group", name="Child 1")
    first.get_by_label("First name").fill("Kestral")  # spelled differently from the earlier record
    first.get_by_label("Surname").fill("Ashdown")
    fill_date(first, "Date of birth", date(2017, 6, 4))
    page.get_by_role("button", name="Add another child").click()
    second = page.get_by_role("group", name="Child 2")
    second.get_by_label("First name").fill("Wren")
    second.get_by_label("Surname").fill("Ashdown")
    fill_date(second, "Date of birth", date(2021, 9, 9))
    page.get_by_label("The children's address").fill("3 Test Row, Northbridge")
    page.get_by_label("What are you worried about?").fill("Both come to school hungry, in the same clothes all week.")
    page.get_by_label("The family refused").check()
    page.get_by_label("Why has the family not agreed, or not been asked?").fill("Their mother said no.")
    page.get_by_label("Not urgent").check()
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_role("status")).to_contain_text("Your reference is R-")
    reference = re.search(r"R-\d{4}-\d{5}", page.get_by_role("status").inner_text()).group(0)
    expect(page.locator("body")).not_to_contain_text(earlier.reference)  # the referrer is told nothing
    page.get_by_role("button", name="Sign out").click()

    # 2. The MASH practitioner finds Kestrel known, links them, and checks with health.
    sign_in(page, base, "mashsw")
    page.get_by_role("link", name="MASH inbox").click()
    page.get_by_role("link", name=reference).first.click()
    known = page.get_by_role("list", name="Known to the portal?")
    expect(known).to_contain_text("Kestrel Ashdown")
    expect(known).to_contain_text(earlier.reference)
    known.get_by_role("button", name=re.compile("^This is Kestral")).click()
    expect(page.get_by_role("status")).to_contain_text("Linked to the person already known")
    expect(page.get_by_text("Re-referral: a case closed in the 12 months before")).to_be_visible()
    page.get_by_label("Agency asked").select_option(label="Northbridge Community Health")
    fill_date(page, "Date asked", timezone.localdate())
    page.get_by_label(re.compile("What they said")).fill("Kestrel missed two health checks this year.")
    page.get_by_role("button", name="Save the check").click()
    expect(page.get_by_role("status")).to_contain_text("Check recorded")
    page.get_by_role("button", name="Sign out").click()

    # 3. The MASH manager decides for a child and family assessment.
    sign_in(page, base, "mashmgr")
    page.get_by_role("link", name="MASH inbox").click()
    page.get_by_role("link", name=reference).first.click()
    expect(page.locator("body")).to_contain_text("Kestrel missed two health checks")
    page.get_by_label("Child and family assessment").check()
    page.get_by_label("Reasons").fill("Persistent hunger at school and missed health checks; known before.")
    page.get_by_label(re.compile("For an assessment or strategy discussion")).select_option(
        label="Assessment Team 1 (Northbridge Children's Social Care)"
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text("Decision recorded")
    page.get_by_role("button", name="Sign out").click()

    # 4. The team manager allocates the case to a social worker of the team.
    sign_in(page, base, "manager", lands_on="Stuck cases")
    page.get_by_role("link", name="Cases waiting for allocation").click()
    waiting = page.get_by_role("table", name="Cases waiting for a lead professional")
    expect(waiting).to_contain_text("Kestrel")
    expect(waiting).to_contain_text("Wren")
    case_reference = re.search(r"NP-\d{4}-\d{5}", waiting.inner_text()).group(0)
    waiting.get_by_role("link", name=re.compile("^Allocate")).click()
    page.get_by_label("Lead professional").select_option(label="Nell Brooks (Social worker)")
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_role("status")).to_contain_text(f"Case {case_reference} allocated to Nell Brooks")
    page.get_by_role("button", name="Sign out").click()

    # 5. The new lead opens the case: the earlier closed case is there as family history.
    sign_in(page, base, "worker")
    page.goto(f"{base}/cases/{case_reference}/")
    history = page.get_by_role("table", name="The family's other cases")
    expect(history).to_contain_text(earlier.reference)
    expect(history).to_contain_text("Kestrel")
    expect(history).to_contain_text("closed")
    save_screenshot(page, "case-family-history.png")
