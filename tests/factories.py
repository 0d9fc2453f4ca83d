"""factory_boy factories, one per model. Every value is synthetic."""

from datetime import date, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Agency, Team, User
from cases.models import Case, CaseMember, HouseholdMember, Person
from chronology.models import Amendment, Appointment, Entry, EntryChild, EventType


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
    role = User.Role.PRACTITIONER
    job_title = "Social worker"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


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
            CaseMember.objects.create(case=obj, user=obj.lead_professional, role=CaseMember.Role.LEAD,
                                      started_on=obj.opened_on)


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

    case = factory.SubFactory(CaseFactory)
    child = factory.SubFactory(PersonFactory)
    agency = factory.SelfAttribute("case.lead_agency")
    kind = Appointment.Kind.DENTAL
    scheduled_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    booked_by = factory.SelfAttribute("case.lead_professional")
