"""Changes that grant access are audited in the append-only trail (docs/security.md, R23, R27), made through
the real admin pages: a team's manager, a person's roles, agency, team and status, a role's capabilities, a
two-factor reset. Each writes an AuditEvent with before and after, the administrator as its actor, and the
case's lead sees those that reach their case on the "who viewed this case" page."""

import pytest
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import BackupCode, Capability, Role
from audit.models import AuditEvent
from tests.factories import TeamFactory


@pytest.fixture
def admin_client(client, administrator):
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    return client


def _admin_form(client, url: str, **changes) -> dict:
    """The admin page's form as it would be posted unchanged, with `changes` on top."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name)
        if isinstance(value, Model):
            value = value.pk
        elif isinstance(value, (list, tuple)) or hasattr(value, "all"):
            value = [item.pk if isinstance(item, Model) else item for item in value]
        if value is None or value is False:
            continue
        data[name] = value
    for name, value in changes.items():
        if value is None or value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _viewers_page(_admin_client, lead, case) -> str:
    # The lead's own browser: the admin's "changed successfully" messages stay in the administrator's.
    client = Client()
    client.force_login(lead)
    response = client.get(reverse("cases:viewers", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def _case_page(case) -> str:
    return reverse("dashboards:detail", args=[case.reference])


@pytest.mark.django_db
def test_making_oneself_manager_of_the_leads_team_is_audited_and_shown_to_the_lead(
    admin_client, administrator, manager, lead, lead_team, case
):
    assert admin_client.get(_case_page(case)).status_code == 404
    url = reverse("admin:accounts_team_change", args=[lead_team.pk])
    response = admin_client.post(url, _admin_form(admin_client, url, manager=administrator.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert admin_client.get(_case_page(case)).status_code == 200  # what the administrator gained

    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_TEAM_MANAGER_CHANGED)
    assert event.actor_id == administrator.pk
    assert (event.target_type, event.target_id) == ("accounts.team", str(lead_team.pk))
    assert event.data["before"]["manager"] == {"id": manager.pk}
    assert event.data["after"]["manager"] == {"id": administrator.pk}
    assert event.data["team"] == {"id": lead_team.pk, "name": lead_team.name}

    page = _viewers_page(admin_client, lead, case)
    assert "Changes to people's access that reach this case" in page
    assert "Changed a team&#x27;s manager" in page
    # Escaped as the page escapes it: a name such as O'Brien is written O&#x27;Brien in the HTML.
    assert escape(f"Manager: {manager.get_full_name()} → {administrator.get_full_name()}") in page
    assert administrator.get_full_name() in page


@pytest.mark.django_db
def test_a_role_that_sees_the_agencys_cases_is_audited_and_shown_to_the_lead(
    admin_client, administrator, colleague, lead, case
):
    assert colleague.get_full_name()
    url = reverse("admin:accounts_user_change", args=[colleague.pk])
    senior = Role.objects.standard(Role.Standard.SENIOR_MANAGER)
    response = admin_client.post(url, _admin_form(admin_client, url, roles=[senior.pk]))
    assert response.status_code == 302
    admin_client.force_login(colleague)
    assert admin_client.get(_case_page(case)).status_code == 200

    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_ACCESS_CHANGED)
    assert event.actor_id == administrator.pk
    assert event.data["user_id"] == colleague.pk
    assert event.data["changed"] == ["roles"]
    assert event.data["before"]["roles"] == [{"key": "practitioner", "name": "Practitioner"}]
    assert event.data["after"]["roles"] == [{"key": "senior_manager", "name": "Senior manager"}]
    assert colleague.email not in str(event.data) and colleague.last_name not in str(event.data)

    page = _viewers_page(admin_client, lead, case)
    assert "Roles: Practitioner → Senior manager" in page
    assert colleague.get_full_name() in page


@pytest.mark.django_db
def test_agency_team_and_status_changes_have_before_and_after(
    admin_client, administrator, deactivated, social_care, lead_team, lead, case
):
    url = reverse("admin:accounts_user_change", args=[deactivated.pk])
    data = _admin_form(admin_client, url, is_active=True, is_staff=True, agency=social_care.pk, team=lead_team.pk)
    assert admin_client.post(url, data).status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_ACCESS_CHANGED)
    assert sorted(event.data["changed"]) == ["agency", "is_active", "is_staff", "team"]
    assert event.data["before"]["is_active"] is False and event.data["after"]["is_active"] is True
    assert event.data["after"]["agency"] == {"id": social_care.pk, "name": social_care.name}
    assert event.data["before"]["team"] is None
    assert event.data["after"]["team"] == {"id": lead_team.pk, "name": lead_team.name}
    # Reactivated, a member of the case's team can open it again: the lead sees it.
    assert "Can sign in: no → yes" in _viewers_page(admin_client, lead, case)


@pytest.mark.django_db
def test_saving_without_a_change_to_access_writes_no_access_row(admin_client, colleague, lead_team):
    url = reverse("admin:accounts_user_change", args=[colleague.pk])
    assert admin_client.post(url, _admin_form(admin_client, url, job_title="Senior practitioner")).status_code == 302
    url = reverse("admin:accounts_team_change", args=[lead_team.pk])
    assert admin_client.post(url, _admin_form(admin_client, url, name="Team A renamed")).status_code == 302
    assert not AuditEvent.objects.filter(action__startswith="account.").exists()


@pytest.mark.django_db
def test_a_new_account_and_a_new_team_with_a_manager_are_audited(admin_client, administrator, social_care):
    url = reverse("admin:accounts_user_add")
    data = _admin_form(
        admin_client,
        url,
        username="new_p",
        password1="a-long-enough-passphrase-42",
        password2="a-long-enough-passphrase-42",
        usable_password="true",  # noqa: S106 (the add form's "password-based sign-in" choice)
        agency=social_care.pk,
        roles=[Role.objects.standard(Role.Standard.PRACTITIONER).pk],
    )
    assert admin_client.post(url, data).status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_ACCESS_CHANGED)
    assert event.data["created"] is True
    assert event.data["after"]["roles"] == [{"key": "practitioner", "name": "Practitioner"}]

    url = reverse("admin:accounts_team_add")
    data = {"name": "Team B", "agency": social_care.pk, "manager": administrator.pk}
    assert admin_client.post(url, data).status_code == 302
    team_event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_TEAM_MANAGER_CHANGED)
    assert team_event.data["before"]["manager"] is None and team_event.data["created"] is True


@pytest.mark.django_db
def test_a_roles_new_capability_is_audited_and_shown_to_the_lead(admin_client, administrator, lead, case):
    role = Role.objects.standard(Role.Standard.PRACTITIONER)
    oversee = Capability.objects.get(key=Capability.Key.OVERSEE_AGENCY)
    url = reverse("admin:accounts_role_change", args=[role.pk])
    data = _admin_form(admin_client, url, capabilities=[*role.capabilities.values_list("pk", flat=True), oversee.pk])
    assert admin_client.post(url, data).status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCOUNT_ROLE_CHANGED)
    assert event.actor_id == administrator.pk
    assert "oversee_agency" in event.data["after"]["capabilities"]
    assert "oversee_agency" not in event.data["before"]["capabilities"]
    assert "Changed what a role may do" in _viewers_page(admin_client, lead, case)


@pytest.mark.django_db
def test_resetting_two_factor_in_the_admin_is_audited(admin_client, administrator, member, lead, case):
    TOTPDevice.objects.create(user=member, name="Authenticator app", confirmed=True)
    services.backup_codes_replace(user=member)
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "reset_two_factor", "_selected_action": [member.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not BackupCode.objects.filter(user=member).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.AUTH_MFA_RESET)
    assert event.actor_id == administrator.pk and event.data["user_id"] == member.pk
    assert event.data["before"]["authenticators"] == 1 and event.data["before"]["backup_codes"] > 0
    assert event.data["after"] == {"authenticators": 0, "backup_codes": 0}
    assert "Reset someone&#x27;s two-factor sign-in" in _viewers_page(admin_client, lead, case)


@pytest.mark.django_db
def test_changes_that_do_not_reach_the_case_are_not_shown(admin_client, administrator, outsider, lead, case):
    other_team = TeamFactory(name="Unrelated team", agency=outsider.agency)
    url = reverse("admin:accounts_team_change", args=[other_team.pk])
    assert admin_client.post(url, _admin_form(admin_client, url, manager=administrator.pk)).status_code == 302
    url = reverse("admin:accounts_user_change", args=[outsider.pk])
    assert admin_client.post(url, _admin_form(admin_client, url, is_staff=True)).status_code == 302
    assert AuditEvent.objects.filter(action__startswith="account.").count() == 2
    page = _viewers_page(admin_client, lead, case)
    assert "Unrelated team" not in page and outsider.get_full_name() not in page
    assert "No changes to access recorded." in page


@pytest.mark.django_db
def test_the_viewers_page_asks_the_same_number_of_queries_however_many_changes(
    client, administrator, member, reader, lead, case
):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:viewers", args=[case.reference])).status_code == 200
        return len(queries)

    def reset(person):
        TOTPDevice.objects.create(user=person, name="Authenticator app", confirmed=True)
        services.mfa_reset(by=administrator, user=person)

    client.force_login(lead)
    reset(member)
    one = count_queries()
    for person in (member, reader, member, reader):
        reset(person)
    assert count_queries() == one
