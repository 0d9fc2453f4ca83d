"""The administrator reads no case content (docs/security.md, R23): every page of the admin site, walked as
the demo's administrator (staff and superuser) on a database with a case whose every text field holds a
canary, shows none of them; the chronology has no admin pages at all; and reading people or the audit
trail in the admin leaves an audit row of its own."""

import itertools
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import (
    AccessGrant,
    Case,
    CaseMember,
    CaseOpening,
    CaseReopening,
    ChildAssessment,
    ChildDeath,
    ClosureReason,
    HouseholdAddress,
    HouseholdMember,
    Person,
    PersonCorrection,
    PersonMerge,
    PersonMergeReversal,
)
from chronology.models import Amendment, Appointment, AppointmentOutcome, Entry, ImportJob, OtherView
from gcp2.models import AreaGrade, SubAreaGrade
from monitoring.models import Escalation, EscalationResponse, EscalationStage, FlagAcknowledgement
from plans.models import CategoryChange, MeetingRecord
from referrals.models import (
    Decision,
    PartnerCheck,
    Referral,
    ReferralAdult,
    ReferralChild,
    ReferralChildProfessional,
)
from tests.factories import (
    ActionFactory,
    AmendmentFactory,
    AssessmentFactory,
    CaseFactory,
    EntryFactory,
    FlagFactory,
    HouseholdMemberFactory,
    MeetingFactory,
    OutcomeFactory,
    OutcomeRatingFactory,
    PersonFactory,
    PlanFactory,
    open_episode,
)

CONTENT_APPS = {"cases", "chronology", "gcp2", "plans", "monitoring", "referrals"}
# Reference data and settings in those apps: the administrator's to manage, and no one's case.
REFERENCE_MODELS = {
    "ChronologySettings",
    "Descriptor",
    "Timescale",
    "MonitoringSettings",
    "EscalationStage",
    "ReferralSettings",
}
# Not free text: the case's own identifier (shown as the case in the audit list), and machine keys.
NOT_TEXT = {
    ("cases.Case", "reference"),
    ("referrals.Referral", "reference"),
    ("monitoring.Flag", "subject"),
    ("monitoring.Escalation", "subject"),
}
_numbers = itertools.count(1)


def _content_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in CONTENT_APPS
        and model.__name__ not in REFERENCE_MODELS
        and model._meta.managed
        and not model._meta.proxy
    ]


def _text_fields(model):
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
        and not field.choices
        and (model._meta.label, field.name) not in NOT_TEXT
    ]


def canaries(model) -> dict:
    """A distinctive value for every free-text field of the model, e.g. "Cnry0042"."""
    values = {}
    for field in _text_fields(model):
        values[field.name] = f"Cnry{next(_numbers):04d}"[: field.max_length or 100]
    for field in model._meta.concrete_fields:
        if isinstance(field, models.JSONField):
            values[field.name] = [f"Cnry{next(_numbers):04d}"]
    return values


@pytest.fixture
def demo_like_case(lead, member, manager):
    """A case as the demo has them, with every piece of content the portal keeps."""
    case = CaseFactory(lead_professional=lead, **canaries(Case))
    CaseMember.objects.create(case=case, user=member, role=CaseMember.Role.CORE_GROUP, started_on=case.opened_on)
    child = HouseholdMemberFactory(
        case=case, person=PersonFactory(**canaries(Person)), **canaries(HouseholdMember)
    ).person
    mother = HouseholdMemberFactory(case=case, person=PersonFactory(**canaries(Person)), relationship="mother").person
    earlier_record = PersonFactory(**canaries(Person))
    merge = PersonMerge.objects.create(person=earlier_record, into=mother, merged_by=manager, **canaries(PersonMerge))
    PersonMergeReversal.objects.create(merge=merge, reversed_by=manager, **canaries(PersonMergeReversal))
    PersonCorrection.objects.create(
        person=mother, case=case, field="first_name", corrected_by=lead, **canaries(PersonCorrection)
    )
    HouseholdAddress.objects.create(case=case, from_on=case.opened_on, added_by=lead, **canaries(HouseholdAddress))
    AccessGrant.objects.create(
        case=case, user=member, granted_by=lead, expires_at=timezone.now() + timedelta(days=1), **canaries(AccessGrant)
    )
    entry = EntryFactory(case=case, children=[child], **canaries(Entry))
    AmendmentFactory(entry=entry, **canaries(Amendment))
    OtherView.objects.create(
        entry=entry, written_by=member, agency=member.agency, written_at=timezone.now(), **canaries(OtherView)
    )
    appointment = Appointment.objects.create(
        case=case,
        child=child,
        agency=case.lead_agency,
        kind=Appointment.Kind.DENTAL,
        scheduled_on=timezone.localdate(),
        booked_by=lead,
        **canaries(Appointment),
    )
    AppointmentOutcome.objects.create(
        appointment=appointment,
        outcome=Appointment.Outcome.WAS_NOT_BROUGHT,
        recorded_by=lead,
        recorded_at=timezone.now(),
        **canaries(AppointmentOutcome),
    )
    ImportJob.objects.create(case=case, uploaded_by=member, **canaries(ImportJob))
    assessment = AssessmentFactory(case=case, child=child, grades=3, **canaries(AssessmentFactory._meta.model))
    for grade in SubAreaGrade.objects.filter(assessment=assessment):
        SubAreaGrade.objects.filter(pk=grade.pk).update(**canaries(SubAreaGrade))
    for grade in AreaGrade.objects.filter(assessment=assessment):
        AreaGrade.objects.filter(pk=grade.pk).update(**canaries(AreaGrade))
    plan = PlanFactory(case=case, **canaries(PlanFactory._meta.model))
    outcome = OutcomeFactory(plan=plan, **canaries(OutcomeFactory._meta.model))
    ActionFactory(outcome=outcome, **canaries(ActionFactory._meta.model))
    meeting = MeetingFactory(case=case, held_on=timezone.localdate(), **canaries(MeetingFactory._meta.model))
    MeetingRecord.objects.create(
        meeting=meeting,
        held_on=meeting.held_on,
        recorded_by=lead,
        recorded_at=timezone.now(),
        **canaries(MeetingRecord),
    )
    OutcomeRatingFactory(meeting=meeting, outcome=outcome, **canaries(OutcomeRatingFactory._meta.model))
    flag = FlagFactory(case=case, acknowledged_at=timezone.now(), **canaries(FlagFactory._meta.model))
    FlagAcknowledgement.objects.create(flag=flag, by=lead, at=flag.acknowledged_at, **canaries(FlagAcknowledgement))
    CaseReopening.objects.create(
        case=case,
        reopened_by=manager,
        previous_closed_on=timezone.localdate(),
        previous_closure_reason=ClosureReason.RC7,
        **canaries(CaseReopening),
    )
    escalation = Escalation.objects.create(
        case=case,
        source=Escalation.Source.RAISED,
        subject="raised:test",
        flag=flag,
        raised_by=lead,
        stage=EscalationStage.objects.order_by("order").first(),
        stage_started_on=timezone.localdate(),
        stage_due_on=timezone.localdate() + timedelta(days=5),
        **canaries(Escalation),
    )
    EscalationResponse.objects.create(
        escalation=escalation, stage=escalation.stage, by=manager, **canaries(EscalationResponse)
    )
    CaseOpening.objects.create(case=case, opened_by=manager, how="by_hand", level=case.level, **canaries(CaseOpening))
    episode = open_episode(case, child, case.opened_on)
    ChildAssessment.objects.create(episode=episode, started_on=case.opened_on, **canaries(ChildAssessment))
    ChildDeath.objects.create(
        episode=episode,
        died_on=timezone.localdate(),
        notification_due_on=timezone.localdate(),
        recorded_by=manager,
        **canaries(ChildDeath),
    )
    CategoryChange.objects.create(
        child_plan=plan.children.first(),
        changed_on=timezone.localdate(),
        from_category="NEG",
        to_category="MUL",
        changed_by=lead,
        **canaries(CategoryChange),
    )
    _referral_content(member, manager, case)
    return case


def _referral_content(referrer, manager, case):
    """A referral with a child, their professional, an adult, a partner check and the decision that
    opened the case: the front door's content, which the admin must not show either."""
    now = timezone.now()
    referral = Referral.objects.create(
        referrer=referrer,
        received_at=now,
        decision_due_at=now + timedelta(days=1),
        assessment_due_on=timezone.localdate() + timedelta(days=60),
        **{**canaries(Referral), "reference": "R-2026-09999", "source": "3B", "consent": "given", "urgency": "routine"},
    )
    child = ReferralChild.objects.create(
        referral=referral, date_of_birth=date(2019, 1, 1), **{**canaries(ReferralChild), "nhs_number": ""}
    )
    ReferralChildProfessional.objects.create(child=child, kind="gp", **canaries(ReferralChildProfessional))
    ReferralAdult.objects.create(referral=referral, **canaries(ReferralAdult))
    PartnerCheck.objects.create(
        referral=referral,
        agency=case.lead_agency,
        asked_by=manager,
        asked_at=now,
        answered_at=now,
        **canaries(PartnerCheck),
    )
    Decision.objects.create(referral=referral, outcome="nfa", decided_by=manager, **canaries(Decision))


def _all_canaries() -> set[str]:
    """Every canary now in the database's case content; fails if a content text field was left without one,
    so a new field is covered the day it is added."""
    found, missing = set(), []
    for model in _content_models():
        fields = _text_fields(model)
        json_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
        if not fields + json_fields:
            continue  # links and dates only (an entry's children, a same-event link)
        rows = list(model._default_manager.values(*[f.name for f in fields + json_fields]))
        if not rows:
            missing.append(f"{model._meta.label}: no rows")
        for row in rows:
            for name, value in row.items():
                text = str(value)
                if "Cnry" in text:
                    found.update(part for part in text.replace("'", " ").replace('"', " ").split() if "Cnry" in part)
                elif value not in ("", None, [], {}):
                    missing.append(f"{model._meta.label}.{name} = {value!r}")
    # Rows the portal writes itself (the lead's membership) have no free text: only unexpected gaps fail.
    missing = [
        m
        for m in missing
        if not m.startswith(("cases.CaseReferenceCounter", "cases.CaseMember", "referrals.ReferralReferenceCounter"))
    ]
    assert not missing, "case content without a canary:\n" + "\n".join(missing)
    return {part.strip("[],") for part in found}


def _admin_paths() -> list[str]:
    """Every page the admin offers: the index, each app's index, and each model's list, add page, and its
    first row's change, history and delete pages."""
    paths = [reverse("admin:index")]
    for app_label in sorted({model._meta.app_label for model in admin.site._registry}):
        paths.append(reverse("admin:app_list", args=[app_label]))
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        paths += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            paths += [reverse(f"{prefix}_{page}", args=[first.pk]) for page in ("change", "history", "delete")]
    return paths


@pytest.mark.django_db
def test_no_admin_page_shows_case_content(client, demo_like_case, lead, administrator):
    administrator.is_superuser = True
    administrator.save()
    # The case's pages have been read, and the lead changed: the audit trail and the user pages have rows.
    client.force_login(lead)
    assert client.get(reverse("dashboards:detail", args=[demo_like_case.reference])).status_code == 200
    client.force_login(administrator)
    canary_values = _all_canaries()
    assert len(canary_values) > 50
    paths = _admin_paths()
    # The people involved: the lead's user page lists what they recorded when deleting them is offered.
    paths += [reverse(f"admin:accounts_user_{page}", args=[lead.pk]) for page in ("change", "history", "delete")]
    shown, visited = [], 0
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 302, 403), f"{path}: {response.status_code}"
        body = response.content.decode()
        visited += response.status_code == 200
        shown += [f"{path}: {value}" for value in canary_values if value in body]
    assert visited > 40
    assert not shown, "case content in the admin:\n" + "\n".join(shown)


@pytest.mark.django_db
def test_delete_pages_do_not_name_case_records(client, demo_like_case, lead, administrator):
    """Deleting a person, their agency or their team is refused while their case records exist; the page
    says so without listing the records by name (an entry's name is its date and kind of event)."""
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    entry = Entry.objects.get(case=demo_like_case)
    for path in (
        reverse("admin:accounts_user_delete", args=[lead.pk]),
        reverse("admin:accounts_agency_delete", args=[lead.agency_id]),
        reverse("admin:accounts_team_delete", args=[lead.team_id]),
    ):
        body = client.get(path).content.decode()
        assert str(entry) not in body, path
        assert str(demo_like_case.plans.get()) not in body, path


@pytest.mark.django_db
def test_case_content_has_no_admin_pages(client, demo_like_case, administrator):
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    entry = Entry.objects.get(case=demo_like_case)
    assert client.get(f"/admin/chronology/entry/{entry.pk}/change/").status_code == 404
    assert client.get("/admin/chronology/entry/").status_code == 404
    assert client.get(f"/admin/chronology/amendment/{Amendment.objects.get().pk}/change/").status_code == 404
    for model in _content_models():
        assert model not in admin.site._registry, f"{model._meta.label} has an admin"
        assert client.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/").status_code == 404


@pytest.mark.django_db
def test_the_authenticators_secret_keys_have_no_admin(client, administrator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=administrator, name="Authenticator app", confirmed=True)
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    assert TOTPDevice not in admin.site._registry
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").status_code == 404
    assert device.key not in client.get(reverse("admin:accounts_user_change", args=[administrator.pk])).content.decode()


@pytest.mark.django_db
def test_reading_people_and_the_audit_trail_in_the_admin_is_audited(client, lead, administrator):
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    first_event = AuditEvent.objects.create(action=AuditEvent.Action.CASE_VIEWED)
    pages = {
        reverse("admin:audit_auditevent_changelist"): ("audit.auditevent", ""),
        reverse("admin:audit_auditevent_change", args=[first_event.pk]): ("audit.auditevent", str(first_event.pk)),
        reverse("admin:accounts_user_changelist") + "?q=Surname": ("accounts.user", ""),
        reverse("admin:accounts_user_change", args=[lead.pk]): ("accounts.user", str(lead.pk)),
        reverse("admin:accounts_user_history", args=[lead.pk]): ("accounts.user", str(lead.pk)),
        reverse("admin:accounts_team_changelist"): ("accounts.team", ""),
        reverse("admin:axes_accessattempt_changelist"): ("axes.accessattempt", ""),
    }
    for path, (target_type, target_id) in pages.items():
        assert client.get(path).status_code == 200
        row = AuditEvent.objects.filter(action=AuditEvent.Action.ADMIN_READ).order_by("-id").first()
        assert row is not None, path
        assert (row.actor_id, row.target_type, row.target_id) == (administrator.pk, target_type, target_id), path
        assert row.data["path"] == path.split("?")[0]
        assert "Surname" not in str(row.data)  # the search words can be a name: not kept
