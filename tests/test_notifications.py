"""The notification outbox's email (from templates, singular and plural) and the one definition of "unread
notifications this person can act on" that the header badge, the home page and the list page share."""

import uuid

import pytest
from django.core import mail
from django.test import override_settings

from notifications.models import Notification
from notifications.services import email_text, notifications_send_for
from tests.factories import CaseFactory

BODY = (
    "{n} new {items} in the Neglect case portal {need} your attention.\n\n"
    "Sign in to see {it}: https://portal.example.org/cases/notifications/\n\n"
    "This email never contains details about children or families.\n"
)


def _note(recipient, case, *, kind="flag", **fields) -> Notification:
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        case=case,
        subject_type=f"monitoring.{kind}",
        subject_id=uuid.uuid4(),
        summary=fields.pop("summary", "New or expected baby"),
        link=fields.pop("link", f"/cases/{case.reference}/flags/"),
        **fields,
    )


# USE_I18N is off in the portal's settings; with it on (and no catalogue) the English forms are the same.
@pytest.mark.parametrize("use_i18n", [False, True])
def test_email_text_is_singular_for_one_item_and_plural_otherwise(settings, use_i18n):
    settings.PORTAL_BASE_URL = "https://portal.example.org/"
    with override_settings(USE_I18N=use_i18n):
        one, three = email_text(1), email_text(3)
    assert one == (
        "Neglect case portal: 1 item needs your attention",
        BODY.format(n=1, items="item", need="needs", it="it"),
    )
    assert three == (
        "Neglect case portal: 3 items need your attention",
        BODY.format(n=3, items="items", need="need", it="them"),
    )


def test_email_subject_is_one_line_and_the_link_is_not_html_escaped(settings):
    settings.PORTAL_BASE_URL = "https://portal.example.org/a&b"
    subject, body = email_text(2)
    assert "\n" not in subject and subject == subject.strip() and "  " not in subject
    assert "https://portal.example.org/a&b/cases/notifications/" in body and "&amp;" not in body


@pytest.mark.django_db
def test_one_email_for_two_items_says_so_and_names_nobody(settings, lead):
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    lead.email = "lead@example.invalid"
    lead.save()
    cases = CaseFactory.create_batch(2, lead_professional=lead)
    for case in cases:
        _note(lead, case)
    assert notifications_send_for(recipient_id=lead.pk, max_attempts=5) == 2
    [message] = mail.outbox
    assert message.subject == "Neglect case portal: 2 items need your attention"
    assert message.body == BODY.format(n=2, items="items", need="need", it="them")
    for case in cases:
        assert case.reference not in message.subject + message.body
    assert lead.last_name not in message.subject + message.body
