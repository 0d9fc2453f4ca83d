"""The front door: making a referral, the decision clock in working days, the MASH's checks and decision,
what the referrer sees (their own, and nothing about the family's records) and what the outbox tells whom."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Agency
from audit.models import AuditEvent
from common.nhs import is_valid_nhs_number
from monitoring import rules
from notifications.models import Notification
from referrals import services
from referrals.models import Decision, PartnerCheck, Referral, ReferralChild, ReferralSettings
from referrals.sources import SourceCode, source_for
from tests.factories import AgencyFactory, CaseFactory, HouseholdMemberFactory, TeamFactory, UserFactory

VALID_NHS = "9434765919"
CHILD_NAME = "Quillon"


def at(year, month, day, hour=15, minute=0) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def make_referral(referrer, *, received_at=None, children=1, **overrides) -> Referral:
    values = {
        "source": SourceCode.SCHOOLS,
        "address": "1 Test Street",
        "worries": "Comes to school hungry.",
        "consent": Referral.Consent.GIVEN,
        "urgency": Referral.Urgency.ROUTINE,
        **overrides,
    }
    return services.referral_create(
        by=referrer,
        children=[
            services.ChildDetails(first_name=f"{CHILD_NAME}{n}", last_name="Testchild", date_of_birth=date(2018, 5, 1))
            for n in range(children)
        ],
        adults=[],
        received_at=received_at,
        **values,
    )


def form_data(**overrides) -> dict:
    data = {
        "source": "2A",
        "address": "1 Test Street",
        "postcode": "TE1 1ST",
        "worries": "Comes to school hungry and in the same clothes all week.",
        "neglect_forms": ["physical"],
        "signs_seen": "Hunger",
        "consent": "refused",
        "consent_reason": "The mother said no.",
        "urgency": "routine",
        "submission_token": "5f1c7a3e-0000-4000-8000-000000000001",
        "children-TOTAL_FORMS": "2",
        "children-INITIAL_FORMS": "0",
        "children-0-first_name": CHILD_NAME,
        "children-0-last_name": "Testchild",
        "children-0-date_of_birth": "2018-05-01",
        "children-0-nhs_number": "943 476 5919",
        "children-0-school_name": "Test Primary",
        "children-1-first_name": "",
        "adults-TOTAL_FORMS": "1",
        "adults-INITIAL_FORMS": "0",
        "adults-0-first_name": "Marla",
        "adults-0-last_name": "Testparent",
        "adults-0-relationship": "Mother",
    }
    data.update(overrides)
    return data


@pytest.fixture
def referrer():
    school = AgencyFactory(name="Test Primary School", kind=Agency.Kind.EDUCATION)
    return UserFactory(username="referrer_p", agency=school, job_title="Designated safeguarding lead")


# --- The clock -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2026, 12, 4, 16, 30), date(2026, 12, 7)),  # Friday afternoon: Monday
        (at(2026, 12, 24, 10), date(2026, 12, 29)),  # Christmas Eve: past Christmas, the weekend, 28 Dec substitute
        (at(2027, 3, 25, 14), date(2027, 3, 30)),  # Thursday before Easter: the Tuesday after Easter Monday
        (at(2026, 12, 1, 9), date(2026, 12, 2)),  # an ordinary Tuesday: Wednesday
    ],
)
def test_the_decision_is_due_one_working_day_after_receipt(referrer, received, due):
    referral = make_referral(referrer, received_at=received)
    assert timezone.localtime(referral.decision_due_at).date() == due
    midnight = timezone.make_aware(datetime.combine(due, datetime.min.time()))
    assert not referral.is_overdue(midnight + timedelta(hours=23))  # still due: any time on the due day
    assert referral.is_overdue(midnight + timedelta(days=1))  # overdue from the start of the next day


@pytest.mark.django_db
def test_the_timescales_are_the_partnerships_settings(referrer):
    ReferralSettings.objects.update_or_create(pk=1, defaults={"decision_within_working_days": 3})
    referral = make_referral(referrer, received_at=at(2026, 12, 1))
    assert timezone.localtime(referral.decision_due_at).date() == date(2026, 12, 4)
    assert referral.assessment_due_on == date(2027, 2, 5)  # DOMAIN.md §4: Tue 1 Dec 2026 + 45 WD


# --- Sending a referral ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_any_signed_in_person_refers_with_their_details_and_source_prefilled(client, referrer):
    client.force_login(referrer)
    response = client.get(reverse("referrals:new"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "call 999" in body and "A refusal never stops a referral" in body
    assert "Test Primary School" in body and "Designated safeguarding lead" in body
    assert response.context["form"]["source"].value() == "2A"


@pytest.mark.parametrize(
    ("kind", "title", "code"),
    [
        ("education", "Teacher", "2A"),
        ("health", "Health visitor", "3B"),
        ("health", "School nurse", "3C"),
        ("health", "GP", "3A"),
        ("health", "Paediatrician", "3F"),
        ("police", "PC", "6"),
        ("housing", "Officer", "4"),
        (None, "", "10"),
    ],
)
def test_the_source_code_follows_agency_and_role(kind, title, code):
    assert source_for(kind, title) == code


@pytest.mark.django_db
def test_a_referral_with_a_refusal_of_consent_is_saved_once_however_often_posted(client, referrer):
    client.force_login(referrer)
    first = client.post(reverse("referrals:new"), form_data())
    referral = Referral.objects.get()
    assert first.status_code == 302 and first.url == reverse("referrals:mine_detail", args=[referral.reference])
    again = client.post(reverse("referrals:new"), form_data())
    assert again.status_code == 302
    assert Referral.objects.count() == 1 and ReferralChild.objects.count() == 1
    assert referral.consent == "refused" and referral.reference.startswith(f"R-{timezone.localdate().year}-")
    child = referral.children.get()
    assert child.nhs_number == VALID_NHS and child.professionals.get().name == "Test Primary"
    assert referral.adults.get().relationship == "Mother"
    page = client.get(first.url).content.decode()
    assert referral.reference in page and "Referral sent" in page
    assert AuditEvent.objects.filter(action="referral.created", actor=referrer).count() == 1


@pytest.mark.django_db
def test_any_number_of_children_and_adults(client, referrer):
    client.force_login(referrer)
    # "Add another child" without JavaScript: the same form back, one more row, nothing saved.
    added = client.post(reverse("referrals:new"), form_data(add_child="1"))
    assert added.status_code == 200 and len(added.context["children"].forms) == 3
    assert not Referral.objects.exists()
    assert 'value="Testchild"' in added.content.decode()
    data = form_data(
        **{
            "children-TOTAL_FORMS": "3",
            "children-1-first_name": "Second",
            "children-1-last_name": "Testchild",
            "children-1-expected_on": (timezone.localdate() + timedelta(days=60)).isoformat(),
            "children-2-first_name": "Third",
            "children-2-last_name": "Testchild",
            "children-2-date_of_birth": "2015-02-03",
            "adults-TOTAL_FORMS": "2",
            "adults-1-first_name": "Dom",
            "adults-1-last_name": "Testparent",
            "adults-1-relationship": "Stepfather",
        }
    )
    assert client.post(reverse("referrals:new"), data).status_code == 302
    referral = Referral.objects.get()
    assert [c.first_name for c in referral.children.order_by("position")] == [CHILD_NAME, "Second", "Third"]
    assert referral.adults.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"children-0-date_of_birth": "2099-01-01"}, "must be today or in the past"),
        ({"children-0-nhs_number": "9434765918"}, "Enter a real NHS number"),
        (
            {"children-0-date_of_birth": "", "children-0-expected_on": "2020-01-01"},
            "more than a month ago",
        ),
        ({"children-0-date_of_birth": ""}, "Enter the date of birth, or the expected date"),
        (
            {
                "children-0-first_name": "",
                "children-0-last_name": "",
                "children-0-date_of_birth": "",
                "children-0-nhs_number": "",
                "children-0-school_name": "",
            },
            "Add at least one child",
        ),
        ({"consent_reason": ""}, "Say why the family has not agreed"),
    ],
)
def test_impossible_values_are_refused_with_the_input_kept(client, referrer, overrides, message):
    client.force_login(referrer)
    response = client.post(reverse("referrals:new"), form_data(**overrides))
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body and "There is a problem" in body
    assert "Comes to school hungry and in the same clothes all week." in body  # what was typed is kept
    assert not Referral.objects.exists() and not ReferralChild.objects.exists()


def test_nhs_numbers_are_checked_with_modulus_11():
    assert is_valid_nhs_number(VALID_NHS) and is_valid_nhs_number("943 476 5919")
    assert not is_valid_nhs_number("9434765918")  # wrong check digit
    assert not is_valid_nhs_number("123456789")  # nine digits
    assert not is_valid_nhs_number("1234567890")  # check digit would be 10: never issued
    assert not is_valid_nhs_number("94347659x9")


# --- What the referrer sees ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_referrer_sees_their_own_and_nothing_about_the_familys_records(
    client, referrer, mash_practitioner, mash_manager, outsider
):
    # The family is already known: an open case with a child of the same name.
    case = CaseFactory()
    HouseholdMemberFactory(case=case, person__first_name=f"{CHILD_NAME}0", person__last_name="Testchild")
    referral = make_referral(referrer)
    health = AgencyFactory(name="Test Community Health", kind="health")
    services.partner_check_record(
        referral=referral, by=mash_practitioner, agency=health, asked_at=timezone.now(), answer="Known to us: WNB x3"
    )
    services.decide(referral=referral, by=mash_manager, outcome="nfa", reasons="Already open to a team (case on file).")
    client.force_login(referrer)
    listing = client.get(reverse("referrals:mine")).content.decode()
    page = client.get(reverse("referrals:mine_detail", args=[referral.reference])).content.decode()
    assert referral.reference in listing and "No further action" in page
    for secret in (case.reference, "Known to us", "Test Community Health", "Already open", "case on file"):
        assert secret not in page and secret not in listing
    # Not the MASH's pages, not anyone else's referral.
    for name in ("referrals:detail", "referrals:check", "referrals:decide"):
        assert client.get(reverse(name, args=[referral.reference])).status_code == 404
    assert client.get(reverse("referrals:inbox")).status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("referrals:mine_detail", args=[referral.reference])).status_code == 404
    assert referral.reference not in client.get(reverse("referrals:mine")).content.decode()
    assert AuditEvent.objects.filter(action="referral.denied", actor=outsider).exists()


# --- The MASH --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_inbox_shows_received_due_and_overdue_in_constant_queries(
    client, referrer, mash_practitioner, django_assert_max_num_queries
):
    late = make_referral(referrer, received_at=timezone.now() - timedelta(days=10))
    make_referral(referrer)
    client.force_login(mash_practitioner)
    client.get(reverse("referrals:inbox"))  # warm the session and the settings row
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("referrals:inbox"))
    for _ in range(5):
        make_referral(referrer, children=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("referrals:inbox"))
    body = response.content.decode()
    assert late.reference in body and "Overdue" in body and "by the end of" in body and " at " in body
    assert response.context["waiting"][0] == late
    assert AuditEvent.objects.filter(action="referral.viewed", actor=mash_practitioner).exists()


@pytest.mark.django_db
def test_the_mash_records_checks_and_the_manager_decides(client, referrer, mash_practitioner, mash_manager):
    referral = make_referral(referrer)
    health = AgencyFactory(name="Test Community Health", kind="health")
    # Early help led by health opens a case its team manager allocates.
    TeamFactory(name="Test Health Visiting", agency=health, manager=UserFactory(agency=health, role="team_manager"))
    client.force_login(mash_practitioner)
    page = client.get(reverse("referrals:detail", args=[referral.reference]))
    assert page.status_code == 200 and page.context["decision_form"] is None  # a practitioner does not decide
    posted = client.post(
        reverse("referrals:check", args=[referral.reference]),
        {"agency": health.pk, "asked_on": timezone.localdate().isoformat(), "answer": "Missed two health checks."},
    )
    assert posted.status_code == 302
    assert Referral.objects.with_status().get().status == Referral.Status.CHECKS
    assert client.post(reverse("referrals:decide", args=[referral.reference]), {}).status_code == 404
    client.force_login(mash_manager)
    refused = client.post(
        reverse("referrals:decide", args=[referral.reference]), {"outcome": "early_help", "reasons": "Needs support."}
    )
    assert refused.status_code == 400 and "Choose the agency that will lead" in refused.content.decode()
    assert not Decision.objects.exists()
    decided = client.post(
        reverse("referrals:decide", args=[referral.reference]),
        {"outcome": "early_help", "reasons": "Needs support.", "lead_agency": health.pk},
    )
    assert decided.status_code == 302
    assert Referral.objects.with_status().get().status == Referral.Status.DECIDED
    assert Decision.objects.get().lead_agency == health


@pytest.mark.django_db
def test_decision_rules(referrer, mash_practitioner, mash_manager):
    referral = make_referral(referrer)
    with pytest.raises(PermissionDenied):
        services.decide(referral=referral, by=mash_practitioner, outcome="nfa", reasons="x")
    with pytest.raises(ValidationError, match="reasons"):
        services.decide(referral=referral, by=mash_manager, outcome="nfa", reasons="  ")
    with pytest.raises(ValidationError, match="lead the early help"):
        services.decide(referral=referral, by=mash_manager, outcome="early_help", reasons="x")
    with pytest.raises(ValidationError, match="allocate"):
        services.decide(referral=referral, by=mash_manager, outcome="assessment", reasons="x")
    decision = services.decide(
        referral=referral,
        by=mash_manager,
        outcome="assessment",
        reasons="Significant concerns.",
        allocating_team=TeamFactory(name="Test Assessment Team", manager=UserFactory(role="team_manager")),
    )
    with pytest.raises(ValidationError, match="already been decided"):
        services.decide(referral=referral, by=mash_manager, outcome="nfa", reasons="Changed my mind.")
    assert Decision.objects.get() == decision
    with pytest.raises(ValidationError, match="decided"):
        services.partner_check_record(
            referral=referral, by=mash_practitioner, agency=referrer.agency, asked_at=timezone.now()
        )


@pytest.mark.django_db
def test_the_records_the_mash_keeps_cannot_be_changed(referrer, mash_manager):
    referral = make_referral(referrer)
    decision = services.decide(referral=referral, by=mash_manager, outcome="nfa", reasons="No concerns.")
    from django.db import connection, transaction

    for table in ("referrals_referral", "referrals_decision"):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET id = id")  # noqa: S608 (a fixed table name)
    assert Decision.objects.get().reasons == decision.reasons
    assert PartnerCheck.objects.count() == 0


@pytest.mark.django_db
def test_the_referrer_is_told_of_the_decision_once_without_personal_data(client, referrer, mash_manager):
    referral = make_referral(referrer)
    client.force_login(mash_manager)
    data = {
        "outcome": "advice",
        "reasons": "Signposted to the family hub.",
        "submission_token": "5f1c7a3e-0000-4000-8000-0000000000aa",
    }
    client.post(reverse("referrals:decide", args=[referral.reference]), data)
    client.post(reverse("referrals:decide", args=[referral.reference]), data)
    note = Notification.objects.get()
    assert note.recipient == referrer and note.case is None
    assert note.summary == f"Your referral {referral.reference} has a decision"
    assert note.link == reverse("referrals:mine_detail", args=[referral.reference])
    assert CHILD_NAME not in note.summary + note.link


@pytest.mark.django_db
def test_an_overdue_decision_is_told_to_the_mash_managers_once(referrer, mash_manager, mash_practitioner):
    other_manager = UserFactory(username="mash_manager_2", agency=mash_manager.agency, role="mash_manager")
    late = make_referral(referrer, received_at=timezone.now() - timedelta(days=10))
    make_referral(referrer)  # not yet due
    decided = make_referral(referrer, received_at=timezone.now() - timedelta(days=10))
    services.decide(referral=decided, by=mash_manager, outcome="nfa", reasons="No concerns.")
    rules.sweep()
    rules.sweep()
    notes = Notification.objects.filter(kind=services.OVERDUE_NOTICE)
    assert sorted(n.recipient_id for n in notes) == sorted([mash_manager.pk, other_manager.pk])
    assert {n.subject_id for n in notes} == {late.pk}
    assert all(n.summary == f"The decision on referral {late.reference} is overdue" for n in notes)
    assert not notes.filter(recipient=mash_practitioner).exists()
