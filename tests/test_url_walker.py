"""The URL walker: every URL of the project, as every persona (docs/security.md, R1, R2, R23).

Each named URL must appear in PERMISSIONS; a new view that is not listed fails
`test_every_url_is_in_the_permission_table`, so no view ships without an access decision.
"""

from datetime import date, timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AuditEvent
from cases.models import Case, ChildAssessment, HouseholdAddress, Section47Enquiry
from chronology.models import ImportJob
from monitoring import escalations as ladder
from monitoring.models import Escalation, Flag
from plans.models import ChildPlan
from tests.factories import (
    ActionFactory,
    AppointmentFactory,
    AssessmentFactory,
    EntryFactory,
    HouseholdMemberFactory,
    MeetingFactory,
    PlanFactory,
    UserFactory,
    open_episode,
)

# Access class of each URL. Case URLs: "read" (anyone who may see the case), "write" (members who
# may add to it), "manage" (lead professional and managers). Others: "public", "login".
PERMISSIONS = {
    "home": "public",
    "login": "public",
    "logout": "post_only",
    "healthz": "public",
    "healthz_live": "public",
    "healthz_status": "public",
    "glossary": "login",
    "password_reset": "public",
    "password_reset_done": "public",
    "password_reset_confirm": "public",
    "password_reset_complete": "public",
    "password_change": "login",
    "password_change_done": "login",
    "mfa_setup": "login",
    "mfa_verify": "login",
    "mfa_backup_codes": "login_post",
    "confirm_identity": "login",
    "cases:list": "login",
    "cases:create": "login",
    "cases:to_allocate": "login",
    "dashboards:caseload": "login",
    "dashboards:caseload_csv": "login",
    "dashboards:manager": "login",
    "dashboards:reallocate": "login",
    "dashboards:search": "login",
    "dashboards:detail": "read",
    "cases:edit": "manage",
    # The walker's case is allocated already: those who may manage it see that there is nothing to allocate.
    # Allocating a waiting case, for its team's manager only: tests/test_case_opening.py.
    "cases:allocate": "manage",
    "cases:assessment_completed": "manage",
    "plans:close": "manage",
    "cases:household_add": "write",
    "cases:household": "read",
    "cases:household_link": "write_post",
    "cases:household_leave": "write",
    "cases:person_correct": "write",
    "cases:person_census": "write",
    "cases:same_person": "merge",
    "cases:addresses": "read",
    "cases:address_add": "write",
    "cases:address_end": "write",
    "cases:team_add": "manage",
    "cases:team_end": "manage",
    "plans:lead_change": "manage",
    "cases:access_grant": "manage",
    "cases:viewers": "manage",
    "cases:reopen": "reopen",
    "monitoring:flags": "read",
    "monitoring:flag_acknowledge": "manage",
    "dashboards:notifications": "login",
    "monitoring:escalations": "read",
    "monitoring:escalation_raise": "write",
    "monitoring:escalation_respond": "read_post",
    "monitoring:escalation_move_up": "write",
    "plans:timescales": "login",
    "plans:plan": "read",
    "plans:plan_create": "write",
    "plans:plan_edit": "write",
    "plans:outcome_add": "write",
    "plans:action_add": "write",
    "plans:action_update": "write",
    "plans:meetings": "read",
    "plans:meeting_schedule": "write",
    "plans:meeting_record": "write",
    "plans:meeting_detail": "read",
    "plans:supervision_record": "supervise",
    "cases:person_born": "write",
    "plans:child_record": "read",
    "plans:episode_edit": "manage",
    "plans:assessment_add": "manage",
    "plans:assessment_authorise": "manage",
    "plans:section47_add": "manage",
    "plans:section47_edit": "manage",
    "plans:episode_close": "manage",
    "plans:child_death": "manage",
    "plans:child_plan_end": "manage",
    "plans:child_plan_category": "manage",
    "gcp2:overview": "read",
    "gcp2:start": "assess",
    "gcp2:detail": "read",
    "gcp2:details": "assess",
    "gcp2:area": "assess",
    "gcp2:complete": "assess",
    "gcp2:correct": "assess",
    "gcp2:assessment_pdf": "read",
    "gcp2:comparison": "read",
    "gcp2:comparison_pdf": "read",
    "chronology:timeline": "read",
    "chronology:duplicates": "read",
    "chronology:significant": "read",
    "chronology:emotional": "read",
    "chronology:concern": "write",
    "chronology:entry_new": "write",
    "chronology:entry": "read",
    "chronology:amend": "correct",
    "chronology:other_view": "write",
    "chronology:same_event": "write_post",
    "chronology:export_pdf": "write",
    "chronology:export_csv": "write",
    "chronology:export_court_pdf": "write",
    "chronology:import": "write",
    "chronology:import_job": "write",
    "chronology:appointments": "read",
    "chronology:appointment_new": "write",
    "chronology:appointment_outcome": "write",
    "chronology:appointment_outcome_correct": "correct",
    "chronology:child": "read",
    # The front door (referrals/): anyone signed in refers and sees their own; the rest is the MASH's.
    "referrals:new": "login",
    "referrals:mine": "login",
    "referrals:mine_detail": "referrer",
    "referrals:inbox": "mash",
    "referrals:detail": "mash",
    "referrals:check": "mash_post",
    "referrals:decide": "decide_post",
    "referrals:link_person": "mash_post",
    # The children in need census (reporting/): the data officer's alone.
    "reporting:census": "data_officer",
    "reporting:census_readiness": "data_officer",
    "reporting:census_return": "data_officer",
}
# Actions a URL audits after the read itself (exports record which entries left the system).
EXTRA_AUDIT = {
    "chronology:export_pdf": ["chronology.exported"],
    "chronology:export_csv": ["chronology.exported"],
    "chronology:export_court_pdf": ["chronology.exported"],
    "gcp2:assessment_pdf": ["gcp2.assessment.printed"],
    "gcp2:comparison_pdf": ["gcp2.comparison.printed"],
}

# Correction pages refuse, after the case's access check, those who may write to the case but not
# correct this record: the view audits its own refusal after the access row.
REFUSED_IN_VIEW = {
    "chronology:amend": "chronology.entry.correction_refused",
    "chronology:appointment_outcome_correct": "chronology.appointment.outcome_correction_refused",
    "cases:same_person": "access.refused_merge",
}

# Expected GET status for each persona on each case URL access class.
EXPECTED = {
    # POST-only actions: a GET is refused with 405, but only after the access check (outsiders: 404).
    "read_post": {
        "lead": 405,
        "member": 405,
        "reader": 405,
        "manager": 405,
        "senior": 405,
        "colleague": 404,
        "outsider": 404,
    },
    "read": {
        "lead": 200,
        "member": 200,
        "reader": 200,
        "manager": 200,
        "senior": 200,
        "colleague": 404,
        "outsider": 404,
    },
    "write": {
        "lead": 200,
        "member": 200,
        "reader": 403,
        "manager": 200,
        "senior": 200,
        "colleague": 404,
        "outsider": 404,
    },
    # "assess": GCP2 changes: "write" plus a current GCP2 licence. The walker licenses every persona
    # for these URLs, so it checks the case access; tests/test_gcp2_views.py checks the licence.
    "assess": {
        "lead": 200,
        "member": 200,
        "reader": 403,
        "manager": 200,
        "senior": 200,
        "colleague": 404,
        "outsider": 404,
    },
    # POST-only actions that add to the case: readers are refused before the method is looked at.
    "write_post": {
        "lead": 405,
        "member": 405,
        "reader": 403,
        "manager": 405,
        "senior": 405,
        "colleague": 404,
        "outsider": 404,
    },
    "manage": {
        "lead": 200,
        "member": 403,
        "reader": 403,
        "manager": 200,
        "senior": 200,
        "colleague": 404,
        "outsider": 404,
    },
    # Correcting what someone recorded (the walker's records are the lead's): the person who recorded it,
    # their team manager, a senior manager of their agency, or the lead professional.
    "correct": {
        "lead": 200,
        "member": 403,
        "reader": 403,
        "manager": 200,
        "senior": 200,
        "colleague": 404,
        "outsider": 404,
    },
    # Marking two records as the same person: those who may write to the case and hold merge_people
    # (team managers and MASH managers; the senior manager persona holds no such role).
    "merge": {
        "lead": 403,
        "member": 403,
        "reader": 403,
        "manager": 200,
        "senior": 403,
        "colleague": 404,
        "outsider": 404,
    },
    # Case supervision: only the lead professional's team manager and senior managers.
    "supervise": {
        "lead": 403,
        "member": 403,
        "reader": 403,
        "manager": 200,
        "senior": 200,
        "colleague": 404,
        "outsider": 404,
    },
}
# Reopening: the walker's case is open, so everyone who may see it is refused (a closed case's reopening,
# for managers only, is in tests/test_closed_cases.py).
EXPECTED["reopen"] = dict.fromkeys(EXPECTED["manage"], 403) | {"colleague": 404, "outsider": 404}
# Roles alone open no case: a person holding the practitioner and team-manager roles who neither is on the
# team nor manages the lead's team, and an administrator, are outsiders to it (docs/roles.md).
for expected in EXPECTED.values():
    expected["two_roles"] = expected["administrator"] = expected["colleague"]
SIGNED_IN_PERSONAS = [
    "lead",
    "member",
    "reader",
    "manager",
    "senior",
    "colleague",
    "outsider",
    "two_roles",
    "administrator",
]


def _named_patterns(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's own admin has its own staff-only checks.
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_patterns(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def case_url_names() -> list[str]:
    return sorted(name for name, pattern in _named_patterns() if "reference" in pattern.pattern.converters)


def _case_url(name: str, case: Case) -> str:
    kwargs = {"reference": case.reference}
    if name == "cases:team_end":
        kwargs["member_id"] = case.members.filter(ended_on__isnull=True).exclude(role="lead").first().pk
    if name in ("monitoring:escalation_respond", "monitoring:escalation_move_up"):
        kwargs["escalation_id"] = Escalation.objects.get_or_create(
            case=case,
            subject="walker",
            defaults={
                "source": "raised",
                "concern": "x",
                "stage": ladder._stage(),
                "stage_started_on": case.opened_on,
                "stage_due_on": case.opened_on,
                "stage_due_basis": "x",
            },
        )[0].pk
    if name == "monitoring:flag_acknowledge":
        flag, _ = Flag.objects.get_or_create(
            case=case,
            rule=Flag.Rule.NEW_BABY,
            subject="walker",
            defaults={"owner": case.lead_professional, "explanation": "x"},
        )
        kwargs["flag_id"] = flag.pk
    if name in ("plans:plan_edit", "plans:outcome_add", "plans:action_add"):
        kwargs["plan_id"] = (case.plans.first() or PlanFactory(case=case)).pk
    if name == "plans:action_update":
        kwargs["action_id"] = ActionFactory(outcome__plan=case.plans.first() or PlanFactory(case=case)).pk
    if name == "plans:meeting_detail":
        kwargs["meeting_id"] = MeetingFactory(case=case).pk
    if name in ("gcp2:details", "gcp2:area", "gcp2:complete"):
        kwargs["assessment_id"] = AssessmentFactory(case=case).pk  # a draft
    if name in ("gcp2:detail", "gcp2:correct", "gcp2:assessment_pdf"):
        kwargs["assessment_id"] = AssessmentFactory(case=case, grades=2, completed=True).pk
    if name == "gcp2:area":
        kwargs["area"] = "A"
    if name in ("gcp2:comparison", "gcp2:comparison_pdf"):
        kwargs["person_id"] = case.household.get(relationship="child").person_id
    child = case.household.filter(relationship="child").first().person
    if name in ("chronology:entry", "chronology:amend", "chronology:other_view"):
        kwargs["entry_id"] = EntryFactory(case=case, children=[child]).pk
    if name == "chronology:appointment_outcome":
        kwargs["appointment_id"] = AppointmentFactory(case=case, child=child).pk
    if name == "chronology:appointment_outcome_correct":
        kwargs["appointment_id"] = AppointmentFactory(case=case, child=child, outcome="was_not_brought").pk
    if name in ("cases:household_leave", "cases:person_correct"):
        kwargs["member_id"] = case.household.first().pk
    if name == "cases:person_born":
        unborn = case.household.filter(person__is_unborn=True).first() or HouseholdMemberFactory(
            case=case,
            person__first_name="Baby",
            person__date_of_birth=None,
            person__is_unborn=True,
            person__expected_on=case.opened_on + timedelta(days=90),
        )
        kwargs["member_id"] = unborn.pk
    if name == "cases:person_census":
        kwargs["member_id"] = case.household.filter(relationship="child").first().pk
    episode_pages = ("plans:child_record", "plans:episode_edit", "plans:assessment_add", "plans:assessment_authorise")
    episode_pages += ("plans:section47_add", "plans:section47_edit", "plans:episode_close", "plans:child_death")
    if name in episode_pages:
        episode = open_episode(case, child, case.opened_on)
        kwargs["episode_id"] = episode.pk
        if name == "plans:assessment_authorise":
            kwargs["assessment_id"] = ChildAssessment.objects.get_or_create(
                episode=episode, authorised_on=None, defaults={"started_on": episode.started_on}
            )[0].pk
        if name == "plans:section47_edit":
            kwargs["enquiry_id"] = Section47Enquiry.objects.get_or_create(
                episode=episode, defaults={"started_on": episode.started_on, "recorded_by": case.lead_professional}
            )[0].pk
    if name in ("plans:child_plan_end", "plans:child_plan_category"):
        plan = case.plans.filter(ended_on__isnull=True).first() or PlanFactory(case=case, started_on=case.opened_on)
        child_plan = case.child_plans.filter(ended_on__isnull=True).first() or ChildPlan.objects.create(
            plan=plan,
            episode=open_episode(case, child, plan.started_on),
            case=case,
            child=child,
            kind="child_protection",
            started_on=plan.started_on,
            initial_category="NEG",
            latest_category="NEG",
        )
        kwargs["child_plan_id"] = child_plan.pk
    if name == "cases:address_end":
        kwargs["address_id"] = HouseholdAddress.objects.get_or_create(
            case=case,
            to_on=None,
            is_main_home=True,
            defaults={
                "line_1": "1 Test Street",
                "postcode": "ZZ1 1ZZ",
                "from_on": case.opened_on,
                "added_by": case.lead_professional,
            },
        )[0].pk
    if name == "chronology:child":
        kwargs["person_id"] = child.pk
    if name == "chronology:import_job":
        kwargs["job_id"] = ImportJob.objects.create(case=case, uploaded_by=case.lead_professional, file_name="x.csv").pk
    return reverse(name, kwargs=kwargs)


def _license(users) -> None:
    for user in users:
        user.gcp2_trained_on = date(2025, 1, 6)
        user.gcp2_licence_expires_on = date(2099, 12, 31)
        user.save()


def test_every_url_is_in_the_permission_table():
    missing = sorted({name for name, _ in _named_patterns()} - set(PERMISSIONS))
    assert not missing, f"Add these URLs to the walker's PERMISSIONS table: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", case_url_names())
@pytest.mark.parametrize("persona", SIGNED_IN_PERSONAS)
def test_case_url_as_persona(client, personas, case, persona, name):
    if PERMISSIONS[name] == "assess":
        _license(personas.values())
    client.force_login(personas[persona])
    url = _case_url(name, case)
    before = AuditEvent.objects.count()
    response = client.get(url)
    assert response.status_code == EXPECTED[PERMISSIONS[name]][persona], url
    events = list(AuditEvent.objects.order_by("id")[before:])
    expected_action = {200: "case.viewed", 405: "case.viewed", 403: "access.refused_write", 404: "access.denied"}
    extra = EXTRA_AUDIT.get(name, []) if response.status_code == 200 else []
    expected = [expected_action[response.status_code], *extra]
    if name in REFUSED_IN_VIEW and response.status_code == 403 and EXPECTED["write"][persona] == 200:
        expected = ["case.viewed", REFUSED_IN_VIEW[name]]  # in the case, refused by the view
    # Exactly one row for the access (plus, for exports, the export itself), all by this persona.
    assert [e.action for e in events] == expected
    assert {e.actor for e in events} == {personas[persona]}
    assert_security_headers(response, signed_in=True)


def assert_security_headers(response, *, signed_in: bool) -> None:
    """docs/security.md, R19: every response carries the CSP and framing headers."""
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Request-ID"]
    if signed_in:
        assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", [n for n, p in PERMISSIONS.items() if p in ("public", "login") and n != "password_reset_confirm"]
)
def test_every_page_sends_security_headers(client, lead, name):
    assert_security_headers(client.get(reverse(name)), signed_in=False)
    client.force_login(lead)
    response = client.get(reverse(name))
    assert response.status_code < 500
    assert_security_headers(response, signed_in=True)


@pytest.mark.django_db
@pytest.mark.parametrize("name", case_url_names())
@pytest.mark.parametrize("persona", ["colleague", "outsider", "two_roles", "administrator"])
def test_outsiders_get_404_for_every_method(client, personas, case, persona, name):
    client.force_login(personas[persona])
    url = _case_url(name, case)
    for method in ("get", "post", "put", "delete"):
        assert getattr(client, method)(url).status_code == 404, (method, url)
    assert Case.objects.get(pk=case.pk).version == case.version


@pytest.mark.django_db
@pytest.mark.parametrize("name", case_url_names())
def test_anonymous_and_deactivated_go_to_login(client, personas, case, name):
    url = _case_url(name, case)
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(personas["deactivated"])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", [n for n, p in PERMISSIONS.items() if p == "login"])
def test_login_required_pages_send_anonymous_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_removed_member_loses_access_at_once(client, case, member, lead):
    client.force_login(member)
    assert client.get(reverse("dashboards:detail", args=[case.reference])).status_code == 200
    case.members.filter(user=member).update(ended_on=case.opened_on)
    assert client.get(reverse("dashboards:detail", args=[case.reference])).status_code == 404


@pytest.mark.django_db
def test_outsider_list_shows_no_hidden_case(client, case, outsider):
    client.force_login(outsider)
    for url in (reverse("cases:list") + "?status=all", reverse("home")):
        body = client.get(url).content.decode()
        assert case.reference not in body
        assert "Zephyrine" not in body


# Expected GET status on each referral URL, by persona. The referral was made by "member" (a health
# visitor); MASH roles open no case, and case roles open no referral (not even the lead of the family's case).
REFERRAL_EXPECTED = {
    "referrer": {"member": 200, "mash_practitioner": 404, "mash_manager": 404},
    "mash": {"member": 404, "mash_practitioner": 200, "mash_manager": 200},
    "mash_post": {"member": 404, "mash_practitioner": 405, "mash_manager": 405},
    "decide_post": {"member": 404, "mash_practitioner": 404, "mash_manager": 405},
}
for expected in REFERRAL_EXPECTED.values():
    for persona in SIGNED_IN_PERSONAS:
        expected.setdefault(persona, 404)
REFERRAL_PERSONAS = [*SIGNED_IN_PERSONAS, "mash_practitioner", "mash_manager"]


def referral_url_names() -> list[str]:
    return sorted(name for name, pattern in _named_patterns() if "ref" in pattern.pattern.converters)


@pytest.fixture
def walker_referral(member):
    from referrals import services as referral_services

    return referral_services.referral_create(
        by=member,
        children=[
            referral_services.ChildDetails(first_name="Zephyrine", last_name="Walker", date_of_birth=date(2019, 3, 1))
        ],
        adults=[],
        source="3B",
        address="1 Walker Street",
        worries="x",
        consent="given",
        urgency="routine",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["referrals:inbox", *referral_url_names()])
@pytest.mark.parametrize("persona", REFERRAL_PERSONAS)
def test_referral_url_as_persona(client, personas, mash_practitioner, mash_manager, walker_referral, persona, name):
    people = {**personas, "mash_practitioner": mash_practitioner, "mash_manager": mash_manager}
    client.force_login(people[persona])
    kwargs = {} if name == "referrals:inbox" else {"ref": walker_referral.reference}
    url = reverse(name, kwargs=kwargs)
    before = AuditEvent.objects.count()
    response = client.get(url)
    expected = REFERRAL_EXPECTED[PERMISSIONS[name]][persona]
    assert response.status_code == expected, url
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["referral.denied" if expected == 404 else "referral.viewed"]
    assert {e.actor for e in events} == {people[persona]}
    if expected == 404:
        for method in ("post", "put", "delete"):
            assert getattr(client, method)(url).status_code == 404, (method, url)
    assert_security_headers(response, signed_in=True)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["referrals:inbox", *referral_url_names()])
def test_anonymous_go_to_login_from_referral_pages(client, walker_referral, name):
    kwargs = {} if name == "referrals:inbox" else {"ref": walker_referral.reference}
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


CENSUS_PERSONAS = [*REFERRAL_PERSONAS, "data_officer"]
CENSUS_URLS = {
    "reporting:census": {},
    "reporting:census_readiness": {},
    "reporting:census_return": {"year": 2026},
}


@pytest.fixture
def data_officer():
    return UserFactory(username="data_officer_p", role="data_officer", job_title="Data officer")


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CENSUS_URLS))
@pytest.mark.parametrize("persona", CENSUS_PERSONAS)
def test_census_url_as_persona(client, personas, mash_practitioner, mash_manager, data_officer, persona, name):
    """The census pages and the return: 200 for the data officer, a 404 (audited) on every method for the
    rest, case roles, MASH roles and the administrator alike."""
    assert {n for n, p in PERMISSIONS.items() if p == "data_officer"} == set(CENSUS_URLS)
    people = {**personas, "mash_practitioner": mash_practitioner, "mash_manager": mash_manager}
    people["data_officer"] = data_officer
    client.force_login(people[persona])
    url = reverse(name, kwargs=CENSUS_URLS[name])
    before = AuditEvent.objects.count()
    response = client.get(url)
    allowed = persona == "data_officer"
    assert response.status_code == (200 if allowed else 404), url
    actions = [e.action for e in AuditEvent.objects.order_by("id")[before:]]
    assert actions[0] == ("census.viewed" if allowed else "census.denied")
    if not allowed:
        for method in ("post", "put", "delete"):
            assert getattr(client, method)(url).status_code == 404, (method, url)
    assert_security_headers(response, signed_in=True)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CENSUS_URLS))
def test_anonymous_go_to_login_from_census_pages(client, name):
    response = client.get(reverse(name, kwargs=CENSUS_URLS[name]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
