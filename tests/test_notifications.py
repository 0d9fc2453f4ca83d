"""The notification outbox's email (from templates, singular and plural) and the one definition of "unread
notifications this person can act on" that the header badge, the home page and the list page share."""

import re
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseMember
from dashboards.context_processors import unread_notifications
from dashboards.selectors import unread_notifications_for
from notifications.models import Notification
from notifications.services import email_text, notifications_send_for
from tests.factories import CaseFactory, CaseMemberFactory, once

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


def _everywhere(client, user) -> dict:
    """What the person sees of their unread notifications: the header badge, the home page's list and the
    list page's rows marked new (pk and summary)."""
    client.force_login(user)
    home = client.get(reverse("home"))
    page = client.get(reverse("dashboards:notifications"))
    badge = re.search(r'badge text-bg-warning">(\d+)<span class="visually-hidden"> unread', home.content.decode())
    return {
        "badge": int(badge.group(1)) if badge else 0,
        "home": [(note.pk, note.summary) for note in home.context["notifications"]],
        "list": [(note.pk, note.summary) for note in page.context["page"].object_list if note.unread],
        "listed": {note.pk for note in page.context["page"].object_list},
        "home_html": home.content.decode(),
        "list_html": page.content.decode(),
    }


@pytest.mark.django_db
def test_a_notification_about_a_case_the_person_can_no_longer_open_is_counted_nowhere(client, case, member):
    still_on = CaseFactory()
    CaseMemberFactory(case=still_on, user=member)
    kept, left = _note(member, still_on), _note(member, case)
    assert unread_notifications_for(member).count() == 2
    CaseMember.objects.filter(case=case, user=member).update(ended_on=timezone.localdate())  # member leaves
    seen = _everywhere(client, member)
    assert seen["badge"] == 1
    assert seen["home"] == seen["list"] == [(kept.pk, kept.summary)]
    assert left.pk not in seen["listed"] and case.reference not in seen["home_html"] + seen["list_html"]
    assert list(unread_notifications_for(member)) == [kept]


@pytest.mark.django_db
def test_an_escalation_notification_appears_in_the_badge_the_home_page_and_the_list_alike(client, case, member, lead):
    flag_note = _note(lead, case)
    client.force_login(member)
    raised = client.post(reverse("monitoring:escalation_raise", args=[case.reference]), once({"concern": "No change."}))
    assert raised.status_code == 302
    escalation_note = Notification.objects.get(recipient=lead, kind="escalation")
    seen = _everywhere(client, lead)
    newest_first = [(escalation_note.pk, escalation_note.summary), (flag_note.pk, flag_note.summary)]
    assert seen["badge"] == 2 and seen["home"] == seen["list"] == newest_first
    assert escalation_note.summary == "Escalation at stage 1 needs your response"
    row = f'<a href="{escalation_note.link}">{case.reference}</a>: {escalation_note.summary}'
    assert row in seen["home_html"]
    client.post(reverse("dashboards:notifications"))  # mark all read
    seen = _everywhere(client, lead)
    assert seen["badge"] == 0 and seen["home"] == seen["list"] == [] and len(seen["listed"]) == 2


@pytest.mark.django_db
def test_home_lists_the_newest_ten_unread(client, lead):
    case = CaseFactory(lead_professional=lead)
    notes = [_note(lead, case, summary=f"Item {i}") for i in range(12)]
    seen = _everywhere(client, lead)
    assert seen["badge"] == 12 and len(seen["list"]) == 12
    assert seen["home"] == [(note.pk, note.summary) for note in reversed(notes)][:10]


@pytest.mark.django_db
def test_the_badge_is_lazy_and_one_count_query(rf, lead, django_assert_num_queries):
    _note(lead, CaseFactory(lead_professional=lead))
    request = rf.get("/")
    request.user = lead
    with django_assert_num_queries(0):
        context = unread_notifications(request)  # a page that never draws the header never counts
    with django_assert_num_queries(1):
        assert context["unread_notifications"]() == 1
        assert context["unread_notifications"]() == 1  # counted once however often the template asks
    request.user = AnonymousUser()
    assert unread_notifications(request) == {}
