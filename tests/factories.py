"""factory_boy factories, one per model, and form helpers. Every value is synthetic."""

import uuid
from datetime import date, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Agency, Role, Team, User
from cases.models import Case, CaseMember, ChildEpisode, HouseholdMember, Person
from chronology import services as chronology_services
from chronology.models import Amendment, Appointment, Entry, EntryChild, EventType
from gcp2.models import AreaGrade, Assessment, Descriptor, SubAreaGrade
from gcp2.structure import AREAS, SUB_AREAS
from monitoring.models import Flag, FlagAcknowledgement
from plans.models import Action, ChildPlan, Meeting, Outcome, OutcomeRating, Plan
from workdays.models import ClosureDay


class AgencyFactory(DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Test Agency {n}")
    kind = Agency.Kind.CHILDRENS_SOCIAL_CARE


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    agency = factory.SubFactory(AgencyFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    agency = factory.SubFactory(AgencyFactory)
    job_title = "Social worker"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        obj._role_key = extracted or Role.Standard.PRACTITIONER  # given to `roles` below

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        """`role=` names one of the standard roles (practitioner by default); `roles=` gives several.
        The person comes back as the sign-in backend loads one: with capabilities and senior role read."""
        if not create:
            return
        keys = extracted or [obj._role_key]
        obj.roles.set([Role.objects.standard(key) for key in keys])
        loaded = User.objects.with_roles_loaded().get(pk=obj.pk)
        obj._capability_keys, obj._principal_role = loaded._capability_keys, loaded._principal_role


class CaseFactory(DjangoModelFactory):
    """A case with its lead professional on the team, as cases.services.case_create makes it."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"NP-2026-{n + 1:05d}")
    level = "child_protection"
    lead_professional = factory.SubFactory(UserFactory)
    lead_agency = factory.SelfAttribute("lead_professional.agency")
    opened_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=60))

    @factory.post_generation
    def lead_membership(obj, create, extracted, **kwargs):
        if create:
            CaseMember.objects.create(
                case=obj, user=obj.lead_professional, role=CaseMember.Role.LEAD, started_on=obj.opened_on
            )


class CaseMemberFactory(DjangoModelFactory):
    class Meta:
        model = CaseMember

    case = factory.SubFactory(CaseFactory)
    user = factory.SubFactory(UserFactory)
    role = CaseMember.Role.CORE_GROUP
    started_on = factory.SelfAttribute("case.opened_on")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.LazyFunction(lambda: date(2019, 5, 17))


class HouseholdMemberFactory(DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    case = factory.SubFactory(CaseFactory)
    person = factory.SubFactory(PersonFactory)
    relationship = HouseholdMember.Relationship.CHILD
    joined_on = factory.SelfAttribute("case.opened_on")


class ChildEpisodeFactory(DjangoModelFactory):
    """A child's episode of need, as cases.services.episodes_start opens one."""

    class Meta:
        model = ChildEpisode

    case = factory.SubFactory(CaseFactory)
    child = factory.SubFactory(PersonFactory)
    started_on = factory.SelfAttribute("case.opened_on")


def open_episode(case: Case, person: Person, on: date) -> ChildEpisode:
    """The child's open episode on the case, opened from `on` if they have none yet."""
    episode = ChildEpisode.objects.filter(case=case, child=person, closed_on__isnull=True).first()
    return episode or ChildEpisodeFactory(case=case, child=person, started_on=min(on, case.opened_on))


class PlanFactory(DjangoModelFactory):
    """A household plan. A child in need or child protection plan is also each child's, as plan_create makes
    it: every child in the household goes on it (a child is added to a household with none), a child
    protection plan under `category` (neglect unless told) as both its initial and latest category."""

    class Meta:
        model = Plan
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    kind = "child_protection"
    started_on = factory.SelfAttribute("case.opened_on")
    created_by = factory.SelfAttribute("case.lead_professional")

    @factory.post_generation
    def category(obj, create, extracted, **kwargs):
        if not create or obj.kind == "early_help":
            return
        category = (extracted or "NEG") if obj.kind == "child_protection" else ""
        children = [m.person for m in obj.case.household.filter(relationship="child").select_related("person")]
        if not children:
            children = [HouseholdMemberFactory(case=obj.case, joined_on=obj.case.opened_on).person]
        for person in children:
            ChildPlan.objects.create(
                plan=obj,
                episode=open_episode(obj.case, person, obj.started_on),
                case=obj.case,
                child=person,
                kind=obj.kind,
                started_on=obj.started_on,
                ended_on=obj.ended_on,
                end_reason="no_longer_needed" if obj.ended_on else "",
                initial_category=category,
                latest_category=category,
            )


class OutcomeFactory(DjangoModelFactory):
    class Meta:
        model = Outcome

    plan = factory.SubFactory(PlanFactory)
    number = factory.Sequence(lambda n: n + 1)
    what_must_change = "The children have clean clothes and eat breakfast every school day"
    by_when = factory.LazyAttribute(lambda o: o.plan.started_on + timedelta(days=90))
    how_we_will_know = "School reports it each week"


class ActionFactory(DjangoModelFactory):
    class Meta:
        model = Action

    outcome = factory.SubFactory(OutcomeFactory)
    description = "Health visitor visits weekly"
    owner_user = factory.SelfAttribute("outcome.plan.case.lead_professional")
    due_on = factory.LazyAttribute(lambda a: a.outcome.plan.started_on + timedelta(days=30))
    created_by = factory.SelfAttribute("outcome.plan.created_by")


class MeetingFactory(DjangoModelFactory):
    """A review conference waiting to be held, due in a fortnight."""

    class Meta:
        model = Meeting

    case = factory.SubFactory(CaseFactory)
    kind = "rcpc"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))
    due_basis = "date set by the test"


class OutcomeRatingFactory(DjangoModelFactory):
    class Meta:
        model = OutcomeRating

    meeting = factory.SubFactory(MeetingFactory, held_on=factory.LazyFunction(timezone.localdate))
    outcome = factory.SubFactory(OutcomeFactory)
    rating = OutcomeRating.Rating.PROGRESSING


class ClosureDayFactory(DjangoModelFactory):
    class Meta:
        model = ClosureDay
        django_get_or_create = ("day",)

    day = date(2027, 1, 4)
    description = "Council office closure"


def once(data: dict) -> dict:
    """Form data with a fresh one-time submission token, as the page would render it."""
    return {**data, "submission_token": str(uuid.uuid4())}


# --- GCP2 -------------------------------------------------------------------------------------------


class DescriptorFactory(DjangoModelFactory):
    class Meta:
        model = Descriptor

    sub_area = "A1"
    grade = 1
    text = "Synthetic descriptor text for tests."


class AssessmentFactory(DjangoModelFactory):
    """A draft with all 17 grade rows, blank. `grades=` fills them: an int for every sub-area and
    area, or a dict of code -> grade (missing codes stay blank). `completed=True` then locks it."""

    class Meta:
        model = Assessment
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    child = factory.LazyAttribute(lambda a: a.case.household.filter(relationship="child").first().person)
    kind = Assessment.Kind.BASELINE
    started_by = factory.SelfAttribute("case.lead_professional")
    observation_started_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=20))
    observation_ended_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=2))
    visits = 4
    strengths = "Warm relationship with the child."
    child_views = "Likes school."

    @factory.post_generation
    def grades(obj, create, extracted, **kwargs):
        if not create:
            return
        values = (
            extracted
            if isinstance(extracted, dict)
            else {code: extracted for code in [s.code for s in SUB_AREAS] + [a.code for a in AREAS]}
            if extracted
            else {}
        )
        SubAreaGrade.objects.bulk_create(
            SubAreaGrade(
                assessment=obj,
                sub_area=s.code,
                grade=values.get(s.code),
                evidence="Seen on visits." if values.get(s.code) else "",
            )
            for s in SUB_AREAS
        )
        AreaGrade.objects.bulk_create(
            AreaGrade(
                assessment=obj,
                area=a.code,
                grade=values.get(a.code),
                rationale="Judged on all visits." if values.get(a.code) else "",
            )
            for a in AREAS
        )

    @factory.post_generation
    def completed(obj, create, extracted, **kwargs):
        if create and extracted:
            Assessment.objects.filter(pk=obj.pk).update(
                status=Assessment.Status.COMPLETED,
                completed_at=timezone.now(),
                completed_by=obj.started_by,
                version=obj.version + 1,
            )
            obj.refresh_from_db()


class EntryFactory(DjangoModelFactory):
    """A chronology entry by the case's lead. Pass children=[person, ...] to link children."""

    class Meta:
        model = Entry
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    occurred_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))
    recorded_at = factory.LazyFunction(timezone.now)
    recorded_by = factory.SelfAttribute("case.lead_professional")
    source_agency = factory.SelfAttribute("recorded_by.agency")
    author_role = factory.SelfAttribute("recorded_by.display_role")
    event_type = EventType.CONCERN
    what_happened = "Home was cold; no food in the fridge."
    significance = Entry.Significance.MEDIUM

    @factory.post_generation
    def children(obj, create, extracted, **kwargs):
        if create and extracted:
            EntryChild.objects.bulk_create([EntryChild(entry=obj, person=p) for p in extracted])


class EntryChildFactory(DjangoModelFactory):
    class Meta:
        model = EntryChild

    entry = factory.SubFactory(EntryFactory)
    person = factory.SubFactory(PersonFactory)


class AmendmentFactory(DjangoModelFactory):
    class Meta:
        model = Amendment

    entry = factory.SubFactory(EntryFactory)
    text = "Corrected: the fridge had milk but no food."
    reason = "Visit note misread."
    amended_by = factory.SelfAttribute("entry.recorded_by")
    amended_by_agency = factory.SelfAttribute("amended_by.agency")
    amended_by_role = "Social worker"
    amended_at = factory.LazyFunction(timezone.now)


class AppointmentFactory(DjangoModelFactory):
    class Meta:
        model = Appointment
        skip_postgeneration_save = True  # appointments are append-only: saved once, never again

    case = factory.SubFactory(CaseFactory)
    child = factory.SubFactory(PersonFactory)
    agency = factory.SelfAttribute("case.lead_agency")
    kind = Appointment.Kind.DENTAL
    scheduled_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    booked_by = factory.SelfAttribute("case.lead_professional")

    @factory.post_generation
    def outcome(appointment, create, extracted, **kwargs):
        """`outcome="was_not_brought"` records it as the portal does: an outcome row and its chronology entry."""
        if create and extracted:
            chronology_services.appointment_record_outcome(
                appointment=appointment, by=kwargs.get("by", appointment.booked_by), outcome=extracted
            )


class FlagFactory(DjangoModelFactory):
    """An open, unacknowledged flag owned by the case's lead."""

    class Meta:
        model = Flag
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    rule = Flag.Rule.NEW_BABY
    subject = factory.Sequence(lambda n: f"test:{n}")
    owner = factory.SelfAttribute("case.lead_professional")
    explanation = "Raised by a test."

    @factory.post_generation
    def acknowledged_by(flag, create, user, **kwargs):
        """`acknowledged_by=user` (with `acknowledged_at`) also writes the acknowledgement's own row."""
        if user is not None and create:
            FlagAcknowledgement.objects.create(
                flag=flag, by=user, at=flag.acknowledged_at, note=kwargs.get("note", "Acknowledged in a test.")
            )


def correction_post(entry, **changes) -> dict:
    """The correction form's POST for `entry` as it reads now, with `changes` (form field names)."""
    from chronology.forms import CorrectionForm
    from chronology.models import EffectiveEntry, EffectiveEntryChild

    now = EffectiveEntry.objects.get(pk=entry.pk)
    children = [link.person for link in EffectiveEntryChild.objects.filter(entry_id=entry.pk).select_related("person")]
    values = {**CorrectionForm.initial_for(now, children), "reason": "", "submission_token": str(uuid.uuid4())}
    values.update(changes)
    post = {}
    for key, value in values.items():
        if value is None:
            post[key] = ""
        elif isinstance(value, list):
            post[key] = [str(getattr(item, "pk", item)) for item in value]
        elif hasattr(value, "isoformat"):
            post[key] = value.isoformat()
        else:
            post[key] = str(getattr(value, "pk", value))
    return post
