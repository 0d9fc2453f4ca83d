"""In real Chromium: a practitioner logs a concern and records "was not brought"; the lead sees
both on the merged timeline and prints it."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import CaseMember
from tests.conftest import PASSWORD
from tests.factories import AppointmentFactory, CaseFactory, CaseMemberFactory, HouseholdMemberFactory, UserFactory
from tests.test_browser_foundation import save_screenshot


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_practitioner_records_and_lead_prints(page: Page, live_server, tmp_path):
    lead = UserFactory(username="lead", first_name="Leah", last_name="Morgan")
    practitioner = UserFactory(
        username="practitioner",
        first_name="Priya",
        last_name="Hall",
        job_title="Health visitor",
        agency__name="Community Health",
        agency__kind="health",
    )
    case = CaseFactory(lead_professional=lead)
    CaseMemberFactory(case=case, user=practitioner, role=CaseMember.Role.CORE_GROUP)
    child = HouseholdMemberFactory(case=case, person__first_name="Amelia", person__last_name="Stone").person
    AppointmentFactory(
        case=case,
        child=child,
        agency=practitioner.agency,
        kind="health_visitor",
        scheduled_on=timezone.localdate() - timedelta(days=1),
        booked_by=practitioner,
    )
    base = live_server.url

    _sign_in(page, base, "practitioner")
    page.goto(f"{base}/cases/{case.reference}/")
    page.click("text=Log a concern")
    page.check("label:has-text('Amelia Stone')")
    page.fill("textarea[name=what_happened]", "Amelia had no coat in the rain and said she was hungry.")
    page.check("input[name=impact][value=negative]")
    page.check("input[name=neglect_forms][value=physical]")
    expect(page.locator("[data-date-echo]")).to_contain_text(str(timezone.localdate().year))
    save_screenshot(page, "chronology-log-a-concern.png")
    page.click("button:has-text('Add to the chronology')")
    expect(page.locator(".alert-success")).to_contain_text("Added to the chronology")

    page.goto(f"{base}/cases/{case.reference}/appointments/")
    page.click("text=Record outcome")
    page.check("input[name=outcome][value=was_not_brought]")
    page.click("button:has-text('Record outcome')")
    expect(page.locator(".alert-success")).to_contain_text("Outcome recorded")
    expect(page.locator("table")).to_contain_text("Was not brought")
    page.click("button:has-text('Sign out')")

    _sign_in(page, base, "lead")
    page.goto(f"{base}/cases/{case.reference}/")
    page.click("text=Multi-agency chronology")
    timeline = page.locator("table").first
    expect(timeline).to_contain_text("Amelia had no coat in the rain")
    expect(timeline).to_contain_text("Amelia was not brought to the Health visitor appointment.")
    expect(timeline).to_contain_text("Community Health")
    with page.expect_download() as download_info:
        page.click("text=Print (PDF)")
    pdf = tmp_path / "chronology.pdf"
    download_info.value.save_as(pdf)
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "OFFICIAL-SENSITIVE" in text and "Page 1 of 1" in text
    assert "Exported by Leah Morgan" in text and "was not brought" in text
