"""Step-up for exports (docs/security.md, R15, R22): a recent full sign-in, "Confirm it's you", the hourly
limit counted from the audit trail, and one watermark (person, agency, UTC time, export ID) on every export."""

import csv
import io
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.factories import AssessmentFactory, EntryFactory

# A summer moment: local time (BST) is an hour ahead, so a watermark that says 10:15 UTC is in UTC.
SUMMER = datetime(2026, 7, 1, 10, 15, 5, tzinfo=UTC)


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "export.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def _csv_export(case):
    return reverse("chronology:export_csv", args=[case.reference])


def _confirm_url_for(target: str) -> str:
    return reverse("confirm_identity") + "?next=" + target.replace("/", "%2F")


@pytest.mark.django_db
def test_a_sign_in_six_minutes_old_is_stale_and_confirming_brings_the_export_back(client, case, lead, time_machine):
    time_machine.move_to(SUMMER, tick=False)
    client.force_login(lead)  # a password sign-in; lead has no authenticator, so that is a full sign-in
    time_machine.shift(timedelta(minutes=4))
    assert client.get(_csv_export(case)).status_code == 200

    time_machine.shift(timedelta(minutes=2))  # six minutes after signing in
    response = client.get(_csv_export(case))
    assert response.status_code == 302 and response.url == _confirm_url_for(_csv_export(case))
    page = client.get(response.url)
    assert "Confirm it" in page.content.decode() and "code" not in page.context["form"].fields

    back = client.post(response.url, {"password": PASSWORD, "next": _csv_export(case)})
    assert back.status_code == 302 and back.url == _csv_export(case)
    assert client.get(back.url).status_code == 200
    assert AuditEvent.objects.filter(actor=lead, action=AuditEvent.Action.AUTH_STEP_UP_CONFIRMED).count() == 1
    assert AuditEvent.objects.filter(actor=lead, action=AuditEvent.Action.CHRONOLOGY_EXPORTED).count() == 2


@pytest.mark.django_db
def test_every_export_asks_for_a_recent_sign_in(client, case, lead, time_machine):
    child = case.household.first().person
    assessment = AssessmentFactory(case=case, child=child, grades=3, completed=True)
    time_machine.move_to(SUMMER, tick=False)
    client.force_login(lead)
    time_machine.shift(timedelta(minutes=6))
    for url in (
        reverse("chronology:export_pdf", args=[case.reference]),
        reverse("chronology:export_csv", args=[case.reference]),
        reverse("chronology:export_court_pdf", args=[case.reference]),
        reverse("gcp2:assessment_pdf", args=[case.reference, assessment.pk]),
        reverse("gcp2:comparison_pdf", args=[case.reference, child.pk]),
        reverse("dashboards:caseload_csv"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("confirm_identity")), url
    assert not AuditEvent.objects.filter(action__in=[a.value for a in _export_actions()]).exists()


def _export_actions():
    from accounts.stepup import EXPORT_ACTIONS

    return EXPORT_ACTIONS


@pytest.mark.django_db
def test_an_outsider_gets_not_found_before_any_step_up(client, case, outsider, time_machine):
    time_machine.move_to(SUMMER, tick=False)
    client.force_login(outsider)
    time_machine.shift(timedelta(minutes=6))
    assert client.get(_csv_export(case)).status_code == 404


@pytest.mark.django_db
def test_wrong_password_or_code_is_refused_and_audited(client, case, lead, time_machine):
    time_machine.move_to(SUMMER, tick=False)
    device = TOTPDevice.objects.create(user=lead, name="Authenticator app", confirmed=True)
    client.force_login(lead)  # password only: with an authenticator that is not yet a full sign-in
    response = client.get(_csv_export(case))
    assert response.status_code == 302 and response.url.startswith(reverse("confirm_identity"))
    code = f"{totp(device.bin_key, t0=device.t0, step=device.step):06d}"
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"

    wrong_password = client.post(response.url, {"password": "not-it", "token": code})
    assert wrong_password.status_code == 400 and "password is not right" in wrong_password.content.decode()
    refused_code = client.post(response.url, {"password": PASSWORD, "token": wrong_code})
    assert refused_code.status_code == 400 and "code did not work" in refused_code.content.decode()
    failures = AuditEvent.objects.filter(actor=lead, action=AuditEvent.Action.AUTH_STEP_UP_FAILED)
    assert failures.count() == 2 and {e.outcome for e in failures} == {"failed"}
    assert client.get(_csv_export(case)).status_code == 302  # still not confirmed

    time_machine.shift(timedelta(seconds=5))  # django-otp holds the device back a moment after a wrong code
    ok = client.post(response.url, {"password": PASSWORD, "token": code, "next": _csv_export(case)})
    assert ok.status_code == 302 and ok.url == _csv_export(case)
    assert client.get(_csv_export(case)).status_code == 200


@pytest.mark.django_db
def test_the_confirm_page_only_sends_people_back_into_the_portal(client, lead):
    client.force_login(lead)
    response = client.post(
        reverse("confirm_identity") + "?next=https://evil.example/", {"password": PASSWORD}, follow=False
    )
    assert response.status_code == 302 and response.url == reverse("home")


@pytest.mark.django_db
def test_replacing_the_second_factor_needs_a_recent_sign_in(client, lead, time_machine):
    time_machine.move_to(SUMMER, tick=False)
    TOTPDevice.objects.create(user=lead, name="Authenticator app", confirmed=True)
    client.force_login(lead)
    session = client.session
    # As after the two-factor step six minutes ago: verified, but no longer recent.
    session["otp_device_id"] = TOTPDevice.objects.get(user=lead).persistent_id
    session.save()
    response = client.get(reverse("mfa_setup"))
    assert response.status_code == 302 and response.url.startswith(reverse("confirm_identity"))
    response = client.post(reverse("mfa_backup_codes"))
    assert response.status_code == 302 and response.url.startswith(reverse("confirm_identity"))


@pytest.mark.django_db
@override_settings(EXPORTS_PER_HOUR=3)
def test_the_export_after_the_hourly_limit_is_refused_with_when_to_try_again(client, case, lead, time_machine):
    time_machine.move_to(SUMMER, tick=False)
    client.force_login(lead)
    assert client.get(_csv_export(case)).status_code == 200
    time_machine.shift(timedelta(minutes=2))
    assert client.get(reverse("dashboards:caseload_csv")).status_code == 200  # every kind of export counts
    assert client.get(_csv_export(case)).status_code == 200

    refused = client.get(_csv_export(case))
    assert refused.status_code == 429
    text = refused.content.decode()
    # The first export (11:15 BST) leaves the hour at 12:15.
    assert "at most 3 exports an hour" in text and "try again after 12:15 on 1 July 2026" in text
    refusal = AuditEvent.objects.get(action=AuditEvent.Action.ACCESS_REFUSED_EXPORT_LIMIT)
    assert refusal.actor == lead and refusal.outcome == "denied" and refusal.case_id == case.pk
    # A refusal is not an export: the count stays at the limit, not above it.
    assert AuditEvent.objects.filter(actor=lead, action__in=_export_actions()).count() == 3


@pytest.mark.django_db
def test_pdf_and_csv_watermarks_name_person_agency_utc_time_and_export_id(client, case, lead, tmp_path, time_machine):
    EntryFactory(case=case, children=[case.household.first().person], what_happened="Seen at home")
    time_machine.move_to(SUMMER, tick=False)
    client.force_login(lead)
    expected = f"Exported by {lead.get_full_name()} ({lead.agency.name}) at 1 July 2026 10:15 UTC"

    pdf = client.get(reverse("chronology:export_pdf", args=[case.reference]))
    export = AuditEvent.objects.filter(action=AuditEvent.Action.CHRONOLOGY_EXPORTED).latest("id")
    assert f"{expected}, export {export.pk}" in _pdf_text(pdf.content, tmp_path)

    response = client.get(_csv_export(case))
    export = AuditEvent.objects.filter(action=AuditEvent.Action.CHRONOLOGY_EXPORTED).latest("id")
    first = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[0]
    assert f"{expected}, export {export.pk}" in first

    response = client.get(reverse("dashboards:caseload_csv"))
    export = AuditEvent.objects.get(action=AuditEvent.Action.CASELOAD_EXPORTED)
    first = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[0]
    assert f"{expected}, export {export.pk}" in first


@pytest.mark.django_db
def test_gcp2_pdf_watermark_names_person_agency_utc_time_and_export_id(client, case, lead, tmp_path, time_machine):
    child = case.household.first().person
    assessment = AssessmentFactory(case=case, child=child, grades=3, completed=True)
    time_machine.move_to(SUMMER, tick=False)
    client.force_login(lead)
    pdf = client.get(reverse("gcp2:assessment_pdf", args=[case.reference, assessment.pk]))
    export = AuditEvent.objects.get(action=AuditEvent.Action.GCP2_ASSESSMENT_PRINTED)
    text = _pdf_text(pdf.content, tmp_path)
    assert f"Exported by {lead.get_full_name()} ({lead.agency.name}) at 1 July 2026 10:15 UTC" in text
    assert f"export {export.pk}" in text
