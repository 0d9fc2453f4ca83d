"""Roles are data (docs/roles.md): a person holds several, each grants capabilities, the code checks
capabilities. A new role made in the admin works without new code; the sign-in backend loads a person's
capabilities with them; the audit trail keeps the most senior role."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.backends import PortalBackend
from accounts.models import Capability, Role, User
from audit.models import AuditEvent
from cases.access import cases_visible_to
from monitoring import escalations as ladder
from monitoring.models import Escalation, EscalationStage

from .factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_person_with_several_roles_has_the_union_of_their_capabilities(social_care):
    person = UserFactory(agency=social_care, roles=["practitioner", "team_manager", "senior_manager"])
    assert set(person.roles.values_list("key", flat=True)) == {"practitioner", "team_manager", "senior_manager"}
    assert person.capabilities == {
        Capability.Key.OVERSEE_AGENCY,
        Capability.Key.USE_MANAGER_VIEW,
        Capability.Key.MERGE_PEOPLE,
    }
    assert person.principal_role == "senior_manager"  # the highest rank


def test_mash_roles_grant_triage_and_the_manager_also_decides(social_care):
    practitioner = UserFactory(agency=social_care, role="mash_practitioner")
    manager = UserFactory(agency=social_care, role="mash_manager")
    assert practitioner.capabilities == {Capability.Key.TRIAGE_REFERRALS}
    assert manager.capabilities == {
        Capability.Key.TRIAGE_REFERRALS,
        Capability.Key.DECIDE_REFERRALS,
        Capability.Key.MERGE_PEOPLE,
    }
    assert UserFactory(agency=social_care).capabilities == frozenset()  # a practitioner's role grants none


def test_a_role_added_as_data_grants_what_its_capabilities_say(social_care, lead):
    case = CaseFactory(lead_professional=lead)
    auditor = UserFactory(agency=social_care, role="practitioner")
    assert not cases_visible_to(auditor).filter(pk=case.pk).exists()

    role = Role.objects.create(key="case_auditor", name="Case auditor", rank=15)
    role.capabilities.add(Capability.objects.get(key=Capability.Key.OVERSEE_AGENCY))
    auditor = User.objects.get(pk=auditor.pk)  # a new request's user
    auditor.roles.add(role)
    assert cases_visible_to(User.objects.get(pk=auditor.pk)).filter(pk=case.pk).exists()
    assert list(User.objects.with_capability(Capability.Key.OVERSEE_AGENCY)) == [auditor]


def test_senior_escalations_go_to_whoever_holds_the_capability(social_care, lead, senior):
    case = CaseFactory(lead_professional=lead)
    stage = EscalationStage.objects.get(responder=EscalationStage.Responder.SENIOR_MANAGER)
    escalation = Escalation(case=case, stage=stage)
    assert list(ladder.responders(escalation)) == [senior]


def test_the_request_user_comes_with_capabilities_and_role_in_one_query(social_care, django_assert_num_queries):
    person = UserFactory(agency=social_care, roles=["practitioner", "team_manager"])
    with django_assert_num_queries(1):
        loaded = PortalBackend().get_user(person.pk)
        assert loaded.can(Capability.Key.USE_MANAGER_VIEW) and not loaded.can(Capability.Key.OVERSEE_AGENCY)
        assert loaded.principal_role == "team_manager"


def test_the_audit_trail_keeps_the_most_senior_role(client, social_care):
    person = UserFactory(agency=social_care, roles=["practitioner", "team_manager"])
    client.force_login(person)
    client.get(reverse("dashboards:manager"))
    assert AuditEvent.objects.filter(actor=person).exclude(actor_role="").values_list("actor_role", flat=True)[0] == (
        "team_manager"
    )


def test_only_capable_people_reach_the_managers_view(client, social_care):
    practitioner = UserFactory(agency=social_care)
    client.force_login(practitioner)
    assert client.get(reverse("dashboards:manager")).status_code == 403
    practitioner.roles.add(Role.objects.standard("team_manager"))
    assert client.get(reverse("dashboards:manager")).status_code == 200  # takes effect on the next request


@pytest.mark.django_db(transaction=True)
def test_each_person_keeps_the_role_they_had_before_roles_became_data():
    executor = MigrationExecutor(connection)
    old = executor.loader.project_state([("accounts", "0005_formsubmission_moved_to_common")]).apps
    executor.migrate([("accounts", "0005_formsubmission_moved_to_common")])
    OldUser, Agency = old.get_model("accounts", "User"), old.get_model("accounts", "Agency")
    agency = Agency.objects.create(name=f"Roles Migration {uuid.uuid4().hex[:6]}", kind="social_care")
    for key in ("practitioner", "team_manager", "senior_manager", "administrator"):
        OldUser.objects.create(username=f"was_{key}", role=key, agency=agency)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    for key in ("practitioner", "team_manager", "senior_manager", "administrator"):
        assert list(User.objects.get(username=f"was_{key}").roles.values_list("key", flat=True)) == [key]
    assert User.objects.get(username="was_senior_manager").can(Capability.Key.OVERSEE_AGENCY)
