"""In real Chromium, with the portal's own CSP: a refused form's error summary takes the focus and links to
each field, and a date typed day first is read back in words and saved as that date (issue #17)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from chronology.models import Entry
from tests.test_browser_dashboards import _family
from tests.test_browser_foundation import save_screenshot, sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_error_summary_takes_the_focus_and_a_day_first_date_is_saved(live_server, page: Page):
    page.set_viewport_size({"width": 390, "height": 844})  # a phone, between visits
    case, amy = _family()
    sign_in(page, live_server.url, "practitioner")
    page.goto(f"{live_server.url}/cases/{case.reference}/chronology/concern/")
    date_field = page.get_by_role("group", name="When did it happen?")
    date_field.get_by_label("Month", exact=True).fill("")
    page.get_by_role("button", name="Add to the chronology", exact=True).click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name="When did it happen? The date must include a month.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "phone-log-a-concern-errors.png")
    summary.get_by_role("link", name="What happened? Say what happened.").click()
    expect(page.get_by_label("What happened?")).to_be_focused()

    day = timezone.localdate() - timedelta(days=2)
    date_field.get_by_label("Day", exact=True).fill(f"{day.day:02d}")
    date_field.get_by_label("Month", exact=True).fill(f"{day.month:02d}")
    date_field.get_by_label("Year", exact=True).fill(str(day.year))
    expect(date_field.locator("[data-date-echo]")).to_have_text(f"{day:%A} {day.day} {day:%B %Y}")
    date_field.get_by_label("Month", exact=True).fill("13")
    expect(date_field.locator("[data-date-echo]")).to_have_text("That is not a real date.")
    date_field.get_by_label("Month", exact=True).fill(f"{day.month:02d}")

    page.get_by_label(f"{amy.first_name} {amy.last_name}").check()
    page.get_by_label("What happened?").fill("Amy came to nursery without a coat in the snow.")
    page.get_by_role("button", name="Add to the chronology", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("Added to the chronology")
    assert Entry.objects.get(what_happened__startswith="Amy came to nursery").occurred_on == day
    expect(page.get_by_role("main")).to_contain_text(f"{day.day} {day:%b %Y}")
