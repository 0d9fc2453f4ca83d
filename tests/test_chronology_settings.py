"""Chronology settings in the admin: one row (the gap threshold, 90 days unless an administrator changes
it), which can be changed but not duplicated or deleted, and whose every save is audited."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from chronology.models import ChronologySettings
from tests.factories import EntryFactory, UserFactory


@pytest.fixture
def superuser(social_care):
    return UserFactory(username="super_p", agency=social_care, role="administrator", is_staff=True, is_superuser=True)


def _form(row: ChronologySettings, **changes) -> dict:
    return {"gap_days": row.gap_days, "late_after_working_days": row.late_after_working_days, **changes}


@pytest.mark.django_db
def test_gap_threshold_is_90_days_unless_changed():
    assert ChronologySettings.load().gap_days == 90
    assert ChronologySettings.load().late_after_working_days == 10
    assert ChronologySettings.objects.count() == 1


@pytest.mark.django_db
def test_administrator_changes_the_gap_threshold_and_the_change_is_audited(client, superuser):
    row = ChronologySettings.load()
    client.force_login(superuser)
    changelist = client.get(reverse("admin:chronology_chronologysettings_changelist"))
    assert changelist.status_code == 200
    assert "Chronology settings" in changelist.content.decode()
    url = reverse("admin:chronology_chronologysettings_change", args=[row.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "days without any entry that show as a gap" in page.content.decode().lower()

    response = client.post(url, _form(row, gap_days=60))
    assert response.status_code == 302, response.content.decode()[:1000]
    assert ChronologySettings.load().gap_days == 60
    event = AuditEvent.objects.get(action=AuditEvent.Action.SETTINGS_CHRONOLOGY_CHANGED)
    assert event.actor == superuser
    assert (event.target_type, event.target_id) == ("chronology.chronologysettings", str(row.pk))
    assert event.data["fields"] == ["gap_days"]
    assert event.action_label == "Changed the chronology settings"


@pytest.mark.django_db
def test_a_refused_value_is_not_saved_or_audited(client, superuser):
    row = ChronologySettings.load()
    client.force_login(superuser)
    url = reverse("admin:chronology_chronologysettings_change", args=[row.pk])
    response = client.post(url, _form(row, gap_days="-5"))
    assert response.status_code == 200  # the form again, with the error
    assert ChronologySettings.load().gap_days == 90
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SETTINGS_CHRONOLOGY_CHANGED).exists()


@pytest.mark.django_db
def test_there_is_one_row_no_second_and_no_deleting(client, superuser):
    row = ChronologySettings.load()
    client.force_login(superuser)
    assert client.get(reverse("admin:chronology_chronologysettings_add")).status_code == 403
    assert client.post(reverse("admin:chronology_chronologysettings_add"), _form(row)).status_code == 403
    delete = reverse("admin:chronology_chronologysettings_delete", args=[row.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:chronology_chronologysettings_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert ChronologySettings.objects.count() == 1


@pytest.mark.django_db
def test_the_row_added_when_there_is_none_is_the_one_the_portal_reads(client, superuser):
    # An ID the sequence has handed out before (here to a row since removed) must not make the row the
    # administrator adds one that load(), which reads pk 1, ignores.
    ChronologySettings.objects.create().delete()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:chronology_chronologysettings_add"), {"gap_days": 45, "late_after_working_days": 5}
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    assert ChronologySettings.objects.count() == 1
    assert ChronologySettings.load().gap_days == 45
    assert AuditEvent.objects.get(action=AuditEvent.Action.SETTINGS_CHRONOLOGY_CHANGED).data["fields"]


@pytest.mark.django_db
def test_people_without_staff_status_are_sent_to_the_admin_sign_in(client, lead):
    row = ChronologySettings.load()
    client.force_login(lead)
    url = reverse("admin:chronology_chronologysettings_change", args=[row.pk])
    response = client.get(url)
    assert response.status_code == 302 and reverse("admin:login") in response.url
    response = client.post(url, _form(row, gap_days=1))
    assert response.status_code == 302
    assert ChronologySettings.load().gap_days == 90


@pytest.mark.django_db
def test_the_timeline_shows_gaps_longer_than_the_threshold_set_in_the_admin(client, case, lead, superuser):
    child = case.household.filter(relationship="child").first().person
    today = timezone.localdate()
    EntryFactory(case=case, children=[child], occurred_on=today - timedelta(days=72))
    EntryFactory(case=case, children=[child], occurred_on=today - timedelta(days=2))
    url = reverse("chronology:timeline", args=[case.reference])
    client.force_login(lead)
    assert client.get(url).context["gaps"] == []  # 70 days: no gap at the default 90
    client.force_login(superuser)
    row = ChronologySettings.load()
    client.post(reverse("admin:chronology_chronologysettings_change", args=[row.pk]), _form(row, gap_days=60))
    # The same entries as before: the remembered analysis must not hide the new threshold.
    client.force_login(lead)
    response = client.get(url)
    assert [gap.days for gap in response.context["gaps"]] == [70]
    assert "Gap: no entry from any agency for 70 days" in response.content.decode()
