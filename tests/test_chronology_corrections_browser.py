"""In real Chromium (issue #16): the teacher may not correct the health visitor's entry and adds another view
instead; the health visitor corrects the child her missed-appointment entry is about, and the entry and the
missed-appointment count move to the right child's page. axe-core checks the new pages."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import CaseMember
from chronology.models import Entry
from tests.factories import AppointmentFactory, CaseFactory, CaseMemberFactory, HouseholdMemberFactory, UserFactory
from tests.test_browser_dashboards import assert_accessible
from tests.test_chronology_browser import _sign_in


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe is injected as a script the page's CSP would refuse; only the test browser bypasses it.
    return {**browser_context_args, "bypass_csp": True}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_teacher_adds_another_view_and_the_health_visitor_corrects_the_child(page: Page, live_server):
    lead = UserFactory(username="lead", first_name="Leah", last_name="Morgan")
    practitioner = UserFactory(
        username="practitioner",
        first_name="Priya",
        last_name="Hall",
        job_title="Health visitor",
        agency__name="Community Health",
        agency__kind="health",
    )
    teacher = UserFactory(
        username="teacher",
        first_name="Tom",
        last_name="Reed",
        job_title="Designated safeguarding lead",
        agency__name="Riverside Primary",
        agency__kind="education",
    )
    case = CaseFactory(lead_professional=lead)
    for member in (practitioner, teacher):
        CaseMemberFactory(case=case, user=member, role=CaseMember.Role.CORE_GROUP)
    amelia = HouseholdMemberFactory(case=case, person__first_name="Amelia", person__last_name="Stone").person
    ben = HouseholdMemberFactory(case=case, person__first_name="Ben", person__last_name="Stone").person
    # The health visitor recorded a missed dental appointment against Amelia; it was Ben's.
    appointment = AppointmentFactory(
        case=case,
        child=amelia,
        agency=practitioner.agency,
        booked_by=practitioner,
        scheduled_on=timezone.localdate() - timedelta(days=3),
        outcome="was_not_brought",
    )
    entry = Entry.objects.get(appointment=appointment)
    base = live_server.url
    entry_url = f"{base}/cases/{case.reference}/chronology/entries/{entry.pk}/"

    # The teacher: no "Correct this entry" button; the address itself refuses him and offers another view.
    _sign_in(page, base, "teacher")
    page.goto(entry_url)
    expect(page.get_by_role("link", name="Correct this entry")).to_have_count(0)
    response = page.goto(entry_url + "amend/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("You cannot correct this entry")
    assert_accessible(page)
    page.get_by_role("link", name="Add another view").click()
    page.fill("textarea[name=text]", "School's view: Ben was in class all that day; Amelia was off sick.")
    page.click("button:has-text('Add your view')")
    expect(page.locator(".alert-success")).to_contain_text("Your view was added")
    expect(page.locator("#views-heading")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Riverside Primary")
    page.click("button:has-text('Sign out')")

    # The health visitor corrects the child: her own entry, so no reason is needed.
    _sign_in(page, base, "practitioner")
    page.goto(entry_url)
    page.get_by_role("link", name="Correct this entry").click()
    assert_accessible(page)
    page.uncheck("label:has-text('Amelia Stone')")
    page.check("label:has-text('Ben Stone')")
    page.click("button:has-text('Add the correction')")
    expect(page.locator(".alert-success")).to_contain_text("Correction added")
    expect(page.locator(".alert-info")).to_contain_text("Corrected by Priya Hall")
    expect(page.locator("#history-heading")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Changed: children")
    assert_accessible(page)

    # Ben's page has the entry and the missed appointment; Amelia's has neither.
    page.goto(f"{base}/cases/{case.reference}/children/{ben.pk}/")
    expect(page.locator("section[aria-labelledby=entries-heading] table")).to_contain_text("was not brought")
    expect(page.locator(".card-title").first).to_have_text("1")
    page.goto(f"{base}/cases/{case.reference}/children/{amelia.pk}/")
    expect(page.locator("section[aria-labelledby=entries-heading] table")).to_contain_text("No entries yet")
    expect(page.locator(".card-title").first).to_have_text("0")
    # The timeline row names who corrected it.
    page.goto(f"{base}/cases/{case.reference}/chronology/")
    expect(page.locator(f"#entry-{entry.pk}")).to_contain_text("Corrected by Priya Hall")
    assert_accessible(page)
