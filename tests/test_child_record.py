"""Each child's statutory record (docs/practice.md, "Each child's record"): the census's consistency rules,
refused in plain words; siblings' plans that part ways; a category that changes and keeps both initial and
latest; a child's death and what must follow it; the record pages, to the lead and a manager only."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases import services as case_services
from cases.models import Case, ChildAssessment, ChildDeath, ChildEpisode, HouseholdMember, Person
from chronology.models import Entry
from notifications.models import Notification
from plans import children as child_services
from plans import services as plan_services
from plans.models import CategoryChange, ChildPlan, Plan
from tests.factories import (
    CaseFactory,
    CaseMemberFactory,
    HouseholdMemberFactory,
    OutcomeFactory,
    PlanFactory,
    open_episode,
)

TODAY = timezone.localdate


def _outcome(on):
    return [plan_services.OutcomeDetails("Meals every day", on + timedelta(days=90), "Seen on visits")]


@pytest.fixture
def family(lead):
    """A child protection case opened 200 days ago with two children, each with an open episode."""
    case = CaseFactory(lead_professional=lead, opened_on=TODAY() - timedelta(days=200))
    amy, ben = (
        HouseholdMemberFactory(case=case, person__first_name=name, person__date_of_birth=date(2018, 4, 2)).person
        for name in ("Amy", "Ben")
    )
    return case, open_episode(case, amy, case.opened_on), open_episode(case, ben, case.opened_on)


def _authorised_assessment(episode, by, on=None):
    on = on or episode.started_on + timedelta(days=20)
    return ChildAssessment.objects.create(
        episode=episode, started_on=episode.started_on, authorised_on=on, authorised_by=by, factors=["16A"]
    )


def _close(episode, by, reason, on=None):
    episode.refresh_from_db()
    return child_services.episode_close(
        episode=episode, by=by, seen_version=episode.version, closed_on=on or TODAY(), reason=reason
    )


# --- Consistency the census asks for ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_early_help_has_no_episodes_and_takes_no_closure_code(lead, manager):
    case = case_services.case_create(by=lead, level="early_help", opened_on=TODAY() - timedelta(days=30))
    case_services.household_member_add(
        case=case,
        by=lead,
        details=case_services.PersonDetails("Cara", "Dale", date_of_birth=date(2019, 1, 1)),
        relationship="child",
        joined_on=case.opened_on,
    )
    assert not case.episodes.exists()
    plan_services.meeting_record(
        case=case, by=lead, kind="eh_review", held_on=TODAY(), is_closing_review=True, schedule_next=False
    )
    with pytest.raises(ValidationError, match="Early help is outside the children in need census"):
        plan_services.case_close(case=case, by=lead, seen_version=case.version, closed_on=TODAY(), reasons={1: "RC7"})
    with pytest.raises(ValidationError, match="step the case up first"):
        plan_services.plan_create(
            case=case, by=lead, kind="child_protection", category="NEG", started_on=TODAY(), outcomes=_outcome(TODAY())
        )
    closed = plan_services.case_close(case=case, by=lead, seen_version=case.version, closed_on=TODAY())
    assert closed.status == Case.Status.CLOSED


@pytest.mark.django_db
def test_stepping_up_from_early_help_starts_each_childs_episode(lead, manager):
    case = case_services.case_create(by=lead, level="early_help", opened_on=TODAY() - timedelta(days=30))
    for name in ("Cara", "Dan"):
        case_services.household_member_add(
            case=case,
            by=lead,
            details=case_services.PersonDetails(name, "Dale", date_of_birth=date(2019, 1, 1)),
            relationship="child",
            joined_on=case.opened_on,
        )
    case_services.case_update(
        case=case, by=manager, seen_version=case.version, level="child_in_need", opened_on=case.opened_on
    )
    episodes = list(case.episodes.all())
    assert len(episodes) == 2 and {(e.started_on, e.referral_source) for e in episodes} == {(TODAY(), "5D")}
    with pytest.raises(ValidationError, match="open episodes of need"):
        case.refresh_from_db()
        case_services.case_update(
            case=case, by=manager, seen_version=case.version, level="early_help", opened_on=case.opened_on
        )


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["RC8", "RC9"])
def test_closed_after_assessment_needs_an_assessment_and_no_plan(family, lead, reason):
    case, amy, ben = family
    with pytest.raises(ValidationError, match="has no authorised assessment"):
        _close(amy, lead, reason)
    _authorised_assessment(amy, lead)
    _authorised_assessment(ben, lead)
    PlanFactory(case=case, kind="child_in_need", started_on=case.opened_on + timedelta(days=30))
    with pytest.raises(ValidationError, match="has been on a plan in this episode"):
        _close(amy, lead, reason)
    assert ChildEpisode.objects.filter(pk=amy.pk, closed_on__isnull=True).exists()


@pytest.mark.django_db
def test_closed_after_assessment_is_accepted_when_no_plan_followed(family, lead):
    case, amy, ben = family
    _authorised_assessment(amy, lead)
    closed = _close(amy, lead, "RC8")
    assert (closed.closure_reason, closed.closed_on, closed.closed_by) == ("RC8", TODAY(), lead)
    assert case.episodes.open().get() == ben  # the sibling stays open, and so does the case
    assert Case.objects.get(pk=case.pk).is_open


@pytest.mark.django_db
def test_the_last_open_child_closes_with_the_case_not_alone(family, lead):
    case, amy, ben = family
    _close(amy, lead, "RC5")
    with pytest.raises(ValidationError, match="Ben is the last child open on this case: close the case"):
        _close(ben, lead, "RC7")


@pytest.mark.django_db
def test_the_last_child_can_close_when_the_family_goes_on_with_early_help(family, lead):
    case, amy, ben = family
    plan = PlanFactory(case=case, kind="child_in_need", started_on=case.opened_on + timedelta(days=20))
    _close(amy, lead, "RC5")
    with pytest.raises(ValidationError, match="Other children still have open episodes"):
        amy_again = open_episode(case, HouseholdMemberFactory(case=case).person, case.opened_on)
        child_services.episode_close(
            episode=amy_again,
            by=lead,
            seen_version=amy_again.version,
            closed_on=TODAY(),
            reason="RC7",
            continue_as_early_help=True,
        )
    ChildEpisode.objects.filter(pk=amy_again.pk).delete()
    ben.refresh_from_db()
    child_services.episode_close(
        episode=ben, by=lead, seen_version=ben.version, closed_on=TODAY(), reason="RC7", continue_as_early_help=True
    )
    case.refresh_from_db()
    plan.refresh_from_db()
    assert (case.level, case.is_open, plan.ended_on) == ("early_help", True, TODAY())
    assert not case.episodes.open().exists()


@pytest.mark.django_db
def test_a_sibling_closed_on_their_own_stays_closed_when_someone_joins(family, lead):
    case, amy, ben = family
    _close(amy, lead, "RC3")
    case_services.household_member_add(
        case=case,
        by=lead,
        details=case_services.PersonDetails("Cal", "Dale", date_of_birth=TODAY() - timedelta(days=10)),
        relationship="child",
        joined_on=TODAY() - timedelta(days=10),
    )
    case.refresh_from_db()
    case_services.case_update(case=case, by=lead, seen_version=case.version, level=case.level, opened_on=case.opened_on)
    assert ChildEpisode.objects.filter(case=case, child=amy.child).count() == 1
    cal = case.episodes.get(child__first_name="Cal")
    assert cal.started_on == TODAY() - timedelta(days=10)


@pytest.mark.django_db
def test_an_episode_cannot_close_before_a_plan_it_held_ended(family, lead):
    case, amy, _ = family
    plan = PlanFactory(case=case, started_on=case.opened_on + timedelta(days=20))
    amy_plan = plan.children.get(child=amy.child)
    child_services.child_plan_end(
        child_plan=amy_plan, by=lead, seen_version=amy_plan.version, ended_on=TODAY(), reason="no_longer_needed"
    )
    with pytest.raises(ValidationError, match="the episode cannot close before that"):
        _close(amy, lead, "RC7", on=TODAY() - timedelta(days=5))


@pytest.mark.django_db
def test_a_plan_ends_after_the_day_it_starts(family, lead):
    case, amy, ben = family
    plan = PlanFactory(case=case, started_on=TODAY())
    amy_plan = plan.children.get(child=amy.child)
    for day, message in ((TODAY(), "it can end from the next day"), (TODAY() - timedelta(days=1), "next day")):
        with pytest.raises(ValidationError, match=message):
            child_services.child_plan_end(
                child_plan=amy_plan, by=lead, seen_version=amy_plan.version, ended_on=day, reason="no_longer_needed"
            )
    with pytest.raises(ValidationError, match="cannot end before it starts or on that day"):
        plan_services.plan_update(
            plan=plan,
            by=lead,
            seen_version=plan.version,
            kind=plan.kind,
            started_on=TODAY(),
            ended_on=TODAY(),
            outcomes=[plan_services.OutcomeDetails("x", TODAY(), "y")],
        )
    with pytest.raises(ValidationError, match="the episode can close from the next day"):
        _close(amy, lead, "RC7")


@pytest.mark.django_db
def test_dates_must_agree_with_birth_and_death(family, lead):
    case, amy, _ = family
    with pytest.raises(ValidationError, match="Amy was born on 2 April 2018: the date cannot be before that"):
        case_services.episode_update(
            episode=amy,
            by=lead,
            seen_version=amy.version,
            started_on=date(2018, 3, 1),
            referral_source="2A",
            primary_need="N1",
        )
    with pytest.raises(ValidationError, match="cannot be in the future"):
        case_services.section47_record(
            episode=amy, by=lead, started_on=TODAY() + timedelta(days=1), conference_needed=None, conference_on=None
        )
    with pytest.raises(ValidationError, match="Amy was born on"):
        _record_death(amy, lead, died_on=date(2018, 4, 1))
    with pytest.raises(ValidationError, match="cannot be in the future"):
        _record_death(amy, lead, died_on=TODAY() + timedelta(days=1))


@pytest.mark.django_db
def test_a_birth_must_be_near_the_expected_date_and_is_kept_as_a_correction(lead):
    case = CaseFactory(lead_professional=lead, opened_on=TODAY() - timedelta(days=60))
    baby = HouseholdMemberFactory(
        case=case,
        person__first_name="Baby",
        person__date_of_birth=None,
        person__is_unborn=True,
        person__expected_on=TODAY() - timedelta(days=3),
    ).person
    with pytest.raises(ValidationError, match="too far from that"):
        case_services.record_birth(by=lead, case=case, person=baby, born_on=TODAY() - timedelta(days=200))
    with pytest.raises(ValidationError, match="cannot be in the future"):
        case_services.record_birth(by=lead, case=case, person=baby, born_on=TODAY() + timedelta(days=1))
    case_services.record_birth(by=lead, case=case, person=baby, born_on=TODAY() - timedelta(days=5))
    baby.refresh_from_db()
    assert (baby.is_unborn, baby.date_of_birth, baby.expected_on) == (
        False,
        TODAY() - timedelta(days=5),
        TODAY() - timedelta(days=3),
    )
    correction = baby.corrections.get()
    assert (correction.field, correction.old_value, correction.corrected_by) == ("date_of_birth", "", lead)
    with pytest.raises(ValidationError, match="already recorded"):
        case_services.record_birth(by=lead, case=case, person=baby, born_on=TODAY() - timedelta(days=5))


@pytest.mark.django_db
def test_the_birth_page_asks_the_babys_sex_which_the_census_needs(client, lead):
    case = CaseFactory(lead_professional=lead, opened_on=TODAY() - timedelta(days=60))
    member = HouseholdMemberFactory(
        case=case, person__first_name="Baby", person__date_of_birth=None, person__is_unborn=True, person__sex="",
        person__expected_on=TODAY() - timedelta(days=3),
    )  # fmt: skip
    client.force_login(lead)
    url = reverse("cases:person_born", args=[case.reference, member.pk])
    born = (TODAY() - timedelta(days=2)).strftime("%d/%m/%Y")
    response = client.post(url, {"born_on": born})
    assert response.status_code == 400 and "Give the baby" in response.content.decode()
    member.person.refresh_from_db()
    assert member.person.is_unborn
    assert client.post(url, {"born_on": born, "sex": "female"}).status_code == 302
    member.person.refresh_from_db()
    assert (member.person.is_unborn, member.person.sex) == (False, "female")
    assert set(member.person.corrections.values_list("field", flat=True)) == {"date_of_birth", "sex"}


@pytest.mark.django_db
def test_factors_are_census_codes_and_no_factors_stands_alone(family, lead):
    _, amy, _ = family
    for factors, message in (
        (["99Z"], "from the list"),
        (["21", "16A"], "cannot be chosen with another"),
        # Retired by the census (queries 8945Q, 8950Q): each was split into "by an adult" and "by another child".
        (["18A"], "18A is no longer used: choose 18B or 18C"),
        (["19A", "16A"], "19A is no longer used: choose 19B or 19C"),
    ):
        with pytest.raises(ValidationError, match=message):
            case_services.child_assessment_record(
                episode=amy, by=lead, started_on=amy.started_on, authorised_on=TODAY(), factors=factors
            )
    with pytest.raises(ValidationError, match="choose at least one factor"):
        case_services.child_assessment_record(
            episode=amy, by=lead, started_on=amy.started_on, authorised_on=TODAY(), factors=[]
        )
    assert not ChildAssessment.objects.exists()


@pytest.mark.django_db
def test_an_authorised_assessment_cannot_be_changed_even_by_the_application(family, lead):
    _, amy, _ = family
    assessment = _authorised_assessment(amy, lead)
    with pytest.raises(DatabaseError), transaction.atomic():
        ChildAssessment.objects.filter(pk=assessment.pk).update(factors=["21"])
    with pytest.raises(ValidationError, match="already been authorised"):
        case_services.child_assessment_authorise(assessment=assessment, by=lead, authorised_on=TODAY(), factors=["21"])


@pytest.mark.django_db
def test_only_the_lead_or_a_manager_changes_the_record(family, member):
    _, amy, _ = family
    with pytest.raises(PermissionDenied):
        case_services.section47_record(
            episode=amy, by=member, started_on=amy.started_on, conference_needed=None, conference_on=None
        )


# --- Siblings on one plan ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_sibling_comes_off_the_plan_while_the_other_stays(family, lead):
    case, amy, ben = family
    started = case.opened_on + timedelta(days=20)
    plan = plan_services.plan_create(
        case=case, by=lead, kind="child_protection", category="NEG", started_on=started, outcomes=_outcome(started)
    )
    amy_plan, ben_plan = plan.children.get(child=amy.child), plan.children.get(child=ben.child)
    assert (amy_plan.initial_category, amy_plan.latest_category, amy_plan.started_on) == ("NEG", "NEG", started)
    child_services.child_plan_end(
        child_plan=amy_plan, by=lead, seen_version=amy_plan.version, ended_on=TODAY(), reason="no_longer_needed"
    )
    plan.refresh_from_db()
    assert plan.is_current and ChildPlan.objects.current().get() == ben_plan
    ben_plan.refresh_from_db()
    child_services.child_plan_end(
        child_plan=ben_plan, by=lead, seen_version=ben_plan.version, ended_on=TODAY(), reason="stepped_down"
    )
    plan.refresh_from_db()
    assert plan.ended_on == TODAY()  # the household plan ends with its last child
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CASE_CHILD_PLAN_CHANGED).count() == 2


@pytest.mark.django_db
def test_a_category_change_keeps_the_initial_category_and_the_history(family, lead, manager):
    case, amy, ben = family
    plan = PlanFactory(case=case, started_on=case.opened_on + timedelta(days=20))
    ben_plan = plan.children.get(child=ben.child)
    with pytest.raises(ValidationError, match="Say why the category changed"):
        child_services.child_plan_change_category(
            child_plan=ben_plan, by=lead, seen_version=ben_plan.version, category="MUL", changed_on=TODAY(), reason=""
        )
    child_services.child_plan_change_category(
        child_plan=ben_plan,
        by=lead,
        seen_version=ben_plan.version,
        category="MUL",
        changed_on=TODAY() - timedelta(days=10),
        reason="Review conference added emotional harm.",
    )
    ben_plan.refresh_from_db()
    child_services.child_plan_change_category(
        child_plan=ben_plan,
        by=manager,
        seen_version=ben_plan.version,
        category="EMO",
        changed_on=TODAY(),
        reason="Review conference.",
    )
    ben_plan.refresh_from_db()
    assert (ben_plan.initial_category, ben_plan.latest_category) == ("NEG", "EMO")
    assert list(CategoryChange.objects.values_list("from_category", "to_category", "changed_by")) == [
        ("NEG", "MUL", lead.pk),
        ("MUL", "EMO", manager.pk),
    ]
    assert plan.children.get(child=amy.child).latest_category == "NEG"  # the sister's stays
    # The initial category is the initial conference's: not even the application may change it.
    with pytest.raises(DatabaseError), transaction.atomic():
        ChildPlan.objects.filter(pk=ben_plan.pk).update(initial_category="PHY")
    with pytest.raises(DatabaseError), transaction.atomic():
        CategoryChange.objects.all().delete()


@pytest.mark.django_db
def test_closing_the_case_closes_each_child_with_their_own_reason(family, lead):
    case, amy, ben = family
    plan = PlanFactory(case=case, started_on=case.opened_on + timedelta(days=20))
    OutcomeFactory(plan=plan)
    plan_services.meeting_record(
        case=case,
        by=lead,
        kind="rcpc",
        held_on=TODAY(),
        is_closing_review=True,
        schedule_next=False,
        ratings={o.pk: plan_services.Rating("achieved") for o in plan.outcomes.all()},
    )
    with pytest.raises(ValidationError, match="Give a closure reason for Ben"):
        plan_services.case_close(
            case=case, by=lead, seen_version=case.version, closed_on=TODAY(), reasons={amy.pk: "RC7"}
        )
    with pytest.raises(ValidationError, match="recorded from Amy's own record"):
        plan_services.case_close(
            case=case, by=lead, seen_version=case.version, closed_on=TODAY(), reasons={amy.pk: "RC2", ben.pk: "RC7"}
        )
    plan_services.case_close(
        case=case, by=lead, seen_version=case.version, closed_on=TODAY(), reasons={amy.pk: "RC4", ben.pk: "RC7"}
    )
    assert dict(case.episodes.values_list("child__first_name", "closure_reason")) == {"Amy": "RC4", "Ben": "RC7"}
    assert set(ChildPlan.objects.values_list("end_reason", "ended_on")) == {("case_closed", TODAY())}
    assert Plan.objects.get().ended_on == TODAY()


# --- When a child dies ----------------------------------------------------------------------------------------


def _record_death(episode, by, died_on=None, who="The police and the GP."):
    episode.refresh_from_db()
    return child_services.child_death_record(
        episode=episode,
        by=by,
        seen_version=episode.version,
        died_on=died_on or TODAY() - timedelta(days=1),
        who_was_told=who,
    )


@pytest.mark.django_db
def test_a_death_is_not_just_a_closure(family, lead, manager):
    case, amy, ben = family
    PlanFactory(case=case, started_on=case.opened_on + timedelta(days=20))
    with pytest.raises(ValidationError, match="Say who has been told"):
        _record_death(amy, lead, who="  ")
    with pytest.raises(ValidationError, match="Record a death"):
        _close(amy, lead, "RC2")
    death = _record_death(amy, lead)
    amy.refresh_from_db()
    child = Person.objects.get(pk=amy.child_id)
    # The date and who was told are kept; the notification is due in 5 working days of being told.
    assert (death.died_on, death.who_was_told, death.recorded_by) == (
        TODAY() - timedelta(days=1),
        "The police and the GP.",
        lead,
    )
    assert death.notification_due_on > TODAY()
    # The chronology says so, for every agency to read.
    entry = Entry.objects.get(case=case, occurred_on=death.died_on)
    assert entry.significance == "high" and "Amy died" in entry.what_happened
    assert "Serious incident notification due by" in entry.action_taken
    # The episode closes with RC2, the child's plan ends, the record is locked, the sibling's stays open.
    assert (amy.closure_reason, child.died_on) == ("RC2", death.died_on)
    assert ChildPlan.objects.get(child=child).end_reason == "died"
    assert ChildPlan.objects.get(child=ben.child).is_current
    assert HouseholdMember.objects.get(case=case, person=child).left_to == "Died"
    assert Case.objects.get(pk=case.pk).is_open
    # The team manager is told what must follow, with no personal data in the line.
    note = Notification.objects.get(kind=child_services.DEATH_NOTICE)
    assert note.recipient == manager and case.reference in note.summary and "Amy" not in note.summary
    assert note.link == reverse("plans:child_record", args=[case.reference, amy.pk])
    with pytest.raises(ValidationError, match="Amy has died: their record is closed to change"):
        case_services.section47_record(
            episode=amy, by=lead, started_on=amy.started_on, conference_needed=None, conference_on=None
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        ChildDeath.objects.filter(pk=death.pk).update(who_was_told="Nobody")


@pytest.mark.django_db
def test_the_death_of_the_last_open_child_closes_the_case(family, lead):
    case, amy, ben = family
    _close(amy, lead, "RC5")
    death = _record_death(ben, lead)
    case.refresh_from_db()
    ben.refresh_from_db()
    # Closed on the day of death, not the day it was recorded; the notification counts from the recording.
    assert (case.status, case.closed_on, ben.closed_on) == (Case.Status.CLOSED, death.died_on, death.died_on)


# --- The pages --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_record_page_shows_each_childs_own_facts(client, family, lead, member, outsider):
    case, amy, ben = family
    CaseMemberFactory(case=case, user=member, role="core_group")
    plan = PlanFactory(case=case, started_on=case.opened_on + timedelta(days=20))
    ben_plan = plan.children.get(child=ben.child)
    child_services.child_plan_change_category(
        child_plan=ben_plan, by=lead, seen_version=ben_plan.version, category="MUL", changed_on=TODAY(), reason="RCPC."
    )
    url = reverse("plans:child_record", args=[case.reference, ben.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(member)  # on the team: reads the record, has no buttons to change it
    page = client.get(url).content.decode()
    assert "Category at the start: Neglect. Category now: Multiple categories." in page
    assert "Change the category" not in page
    client.force_login(lead)
    page = client.get(url).content.decode()
    assert "Change the category" in page and "Record a death" in page
    case_page = client.get(reverse("dashboards:detail", args=[case.reference])).content.decode()
    assert "Child protection plan (multiple categories)" in case_page and "Child protection plan (neglect)" in case_page


@pytest.mark.django_db
def test_closing_an_episode_from_the_browser_keeps_what_was_typed_when_refused(client, family, lead):
    case, amy, _ = family
    client.force_login(lead)
    url = reverse("plans:episode_close", args=[case.reference, amy.pk])
    response = client.post(url, {"closed_on": TODAY().isoformat(), "reason": "RC8", "version": amy.version})
    assert response.status_code == 400
    assert "has no authorised assessment" in response.content.decode()
    assert response.context["form"]["reason"].value() == "RC8"
    assert ChildEpisode.objects.get(pk=amy.pk).is_open
    response = client.post(url, {"closed_on": TODAY().isoformat(), "reason": "RC1", "version": amy.version})
    assert response.status_code == 302
    assert ChildEpisode.objects.get(pk=amy.pk).closure_reason == "RC1"
    stale = client.post(
        url.replace(str(amy.pk), str(amy.pk)),
        {"closed_on": TODAY().isoformat(), "reason": "RC1", "version": amy.version},
    )
    assert stale.status_code == 400 and "Someone else changed" in stale.content.decode()


@pytest.mark.django_db
def test_two_people_adding_an_enquirys_finding_do_not_overwrite_each_other(client, family, lead, manager):
    case, amy, _ = family
    enquiry = case_services.section47_record(
        episode=amy, by=lead, started_on=amy.started_on, conference_needed=None, conference_on=None
    )
    url = reverse("plans:section47_edit", args=[case.reference, amy.pk, enquiry.pk])
    seen = {"started_on": amy.started_on.isoformat(), "conference_on": "", "version": enquiry.version}
    client.force_login(lead)
    assert client.post(url, {**seen, "conference_needed": "yes"}).status_code == 302
    client.force_login(manager)
    stale = client.post(url, {**seen, "conference_needed": "no"})  # opened before the lead saved
    assert stale.status_code == 400 and "Someone else changed" in stale.content.decode()
    enquiry.refresh_from_db()
    assert (enquiry.conference_needed, enquiry.version) == (True, 2)
