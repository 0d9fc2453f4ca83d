"""In real Chromium: what is typed in a long form survives a save that fails (the network gone, a refused
save, an expired session), is put back only for the person who typed it, and goes once the save went
through or the person signs out (static/portal/draft-keeper.js)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from cases.models import CaseMember
from chronology.models import Entry
from plans.models import Meeting
from tests.factories import CaseFactory, CaseMemberFactory, HouseholdMemberFactory, UserFactory
from tests.test_browser_foundation import PASSWORD, fill_date, sign_in

TYPED = "Amy had no coat in the rain and said she was hungry."
RESTORED = "[data-draft-restored]"


def _drafts_in_tab(page: Page) -> list[str]:
    return page.evaluate(
        "() => Object.keys(sessionStorage).filter(k => k.startsWith('draft:') || k.startsWith('gcp2:'))"
    )


def _submit_offline(page: Page, button: str) -> None:
    """Press the button with the network gone: the save never reaches the server."""
    page.context.set_offline(True)
    with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"):
        with page.expect_navigation():
            page.get_by_role("button", name=button).click()
    page.context.set_offline(False)


def _sign_in_here(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def household(db):
    lead = UserFactory(username="lead")
    colleague = UserFactory(username="colleague", agency=lead.agency)
    case = CaseFactory(lead_professional=lead)
    CaseMemberFactory(case=case, user=colleague, role=CaseMember.Role.CORE_GROUP)
    HouseholdMemberFactory(case=case, person__first_name="Amy", person__last_name="Carter")
    return case


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_concern_typed_offline_comes_back_and_goes_once_saved_or_signed_out(live_server, page: Page, household):
    base = live_server.url
    form_url = f"{base}/cases/{household.reference}/chronology/concern/"
    sign_in(page, base, "lead")
    page.goto(form_url)
    page.get_by_label("Amy Carter").check()
    page.fill("textarea[name=what_happened]", TYPED)
    page.check("input[name=impact][value=negative]")
    page.check("input[name=neglect_forms][value=physical]")
    _submit_offline(page, "Add to the chronology")
    assert not Entry.objects.exists()

    page.goto(form_url)
    expect(page.locator(RESTORED)).to_have_attribute("role", "status")
    expect(page.locator(RESTORED)).to_contain_text("We have put back what you typed")
    expect(page.locator("textarea[name=what_happened]")).to_have_value(TYPED)
    expect(page.get_by_label("Amy Carter")).to_be_checked()
    expect(page.locator("input[name=neglect_forms][value=physical]")).to_be_checked()

    page.get_by_role("button", name="Add to the chronology").click()
    expect(page.locator(".alert-success")).to_contain_text("Added to the chronology")
    assert Entry.objects.count() == 1
    assert _drafts_in_tab(page) == []
    page.goto(form_url)
    expect(page.locator("textarea[name=what_happened]")).to_have_value("")
    expect(page.locator(RESTORED)).to_have_count(0)

    # Typed again, not saved, then signing out: the copy leaves the tab with the person.
    page.fill("textarea[name=what_happened]", "A second concern, not saved.")
    assert len(_drafts_in_tab(page)) == 1
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in")
    assert _drafts_in_tab(page) == []


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_after_an_expired_session_only_the_person_who_typed_gets_it_back(live_server, page: Page, household):
    base = live_server.url
    form_url = f"{base}/cases/{household.reference}/chronology/concern/"
    sign_in(page, base, "lead")
    page.goto(form_url)
    page.fill("textarea[name=what_happened]", TYPED)
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name="Add to the chronology").click()
    _sign_in_here(page, "lead")
    expect(page.locator("textarea[name=what_happened]")).to_have_value(TYPED)
    expect(page.locator(RESTORED)).to_be_visible()

    # The session ends again, and a colleague signs in at this tab: the lead's words are not theirs to see.
    page.context.clear_cookies(name="sessionid")
    page.goto(form_url)
    _sign_in_here(page, "colleague")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Log a concern")
    expect(page.locator("textarea[name=what_happened]")).to_have_value("")
    expect(page.locator(RESTORED)).to_have_count(0)
    assert _drafts_in_tab(page) == []


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_meeting_record_survives_a_lost_network_and_a_refusal(live_server, page: Page, household):
    base = live_server.url
    form_url = f"{base}/cases/{household.reference}/meetings/record/?kind=strategy"
    sign_in(page, base, "lead")
    page.goto(form_url)
    page.get_by_label("Who attended").fill("Lead, health visitor, school")
    page.get_by_label("Decisions").fill("Section 47 enquiries to start today.")
    _submit_offline(page, "Save")

    page.goto(form_url)
    expect(page.locator(RESTORED)).to_be_visible()
    expect(page.get_by_label("Decisions")).to_have_value("Section 47 enquiries to start today.")
    # Refused (a date to come): the page shows what was typed, and the copy stays until a save goes through.
    fill_date(page, "Held on", timezone.localdate() + timedelta(days=1))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    expect(page.get_by_label("Decisions")).to_have_value("Section 47 enquiries to start today.")
    assert len(_drafts_in_tab(page)) == 1

    fill_date(page, "Held on", timezone.localdate())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("recorded")
    assert Meeting.objects.filter(held_on__isnull=False).count() == 1
    assert _drafts_in_tab(page) == []
    page.goto(form_url)
    expect(page.get_by_label("Decisions")).to_have_value("")
    expect(page.locator(RESTORED)).to_have_count(0)
