"""No personal data where it leaks (docs/security.md, R26, R28): the main journeys leave no child's name,
date of birth or adult's name in URLs, log lines, audit data or emails."""

import logging

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import Case
from tests.factories import once

CHILD = {"first_name": "Quillon", "last_name": "Marchbanks", "date_of_birth": "2018-04-09"}
SENTINELS = ("Quillon", "Marchbanks", "2018-04-09", "09/04/2018")


@pytest.mark.django_db
def test_main_journeys_leave_no_personal_data_in_logs_urls_audit_or_email(client, lead, member, caplog):
    caplog.set_level(logging.DEBUG)
    visited: list[str] = []

    def go(method, url, data=None):
        response = getattr(client, method)(url, data or {})
        visited.append(url)
        if response.status_code == 302:
            visited.append(response.url)
        return response

    go("post", reverse("login"), {"username": "lead_p", "password": "wrong"})
    client.force_login(lead)
    go("post", reverse("cases:create"), once({"level": "early_help", "opened_on": "2026-01-05"}))
    case = Case.objects.get()
    add = reverse("cases:household_add", args=[case.reference])
    go("post", add, once({**CHILD, "relationship": "child", "joined_on": "2026-01-05"}))
    go("post", add, once({**CHILD, "relationship": "child", "joined_on": "2099-01-05"}))  # refused
    go(
        "post",
        reverse("cases:team_add", args=[case.reference]),
        {"user": member.pk, "role": "core_group", "started_on": "2026-01-05"},
    )
    for name in ("dashboards:detail", "cases:viewers"):
        go("get", reverse(name, args=[case.reference]))
    go("get", reverse("cases:list") + "?reference=NP")
    lead.email = "leah@example.invalid"
    lead.save()
    go("post", reverse("password_reset"), {"email": "leah@example.invalid"})

    assert "Quillon" in client.get(reverse("dashboards:detail", args=[case.reference])).content.decode()
    places = {
        "urls": " ".join(visited),
        "logs": caplog.text,
        "audit": " ".join(str(e.data) + e.requested_case + e.target_id for e in AuditEvent.objects.all()),
        "email": " ".join(m.subject + m.body for m in mail.outbox),
    }
    assert mail.outbox, "the journey should have sent the reset email"
    for place, text in places.items():
        for sentinel in SENTINELS:
            assert sentinel not in text, f"{sentinel!r} found in {place}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, with_case",
    [
        ("login", False),
        ("password_change", False),
        ("mfa_verify", False),
        ("mfa_setup", False),
        ("confirm_identity", False),
        ("cases:create", False),
        ("cases:household_add", True),
        ("cases:edit", True),
        ("chronology:concern", True),
        ("chronology:entry_new", True),
        ("plans:plan_create", True),
        ("gcp2:start", True),
    ],
)
def test_error_reports_mask_every_posted_field(client, case, lead, name, with_case):
    """R26: were the view to fail, Django's error report would show the POST; every field is masked."""
    from django.views.debug import SafeExceptionReporterFilter

    from tests.conftest import SENTINEL_CHILD_NAME

    client.force_login(lead)
    url = reverse(name, args=[case.reference] if with_case else [])
    response = client.post(url, {"first_name": SENTINEL_CHILD_NAME, "password": "hunter2", "token": "123456"})
    shown = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert shown and all(value == SafeExceptionReporterFilter.cleansed_substitute for value in shown.values()), shown
