"""Workflows that write GCP2 assessments: start, save a part of a draft, complete, correct, print.

Each service is atomic, checks the assessor's licence itself (a view's check is not enough), and
writes its audit row in the same transaction. Drafts are saved with a version check: a stale save
raises VersionConflict and writes nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.models import AuditEvent
from cases import access
from cases.models import Case, Level, Person
from cases.services import ensure_open
from chronology import services as chronology
from chronology.models import Entry, EventType
from common.conflicts import VersionConflict
from common.dates import in_words
from gcp2.models import AreaGrade, Assessment, SubAreaGrade
from gcp2.structure import AREA_BY_CODE, AREAS, BEST, SUB_AREAS, WORST
from workdays.calendar import add_months

LICENCE_REQUIRED = (
    "Only a trained GCP2 assessor with a current licence can start, change or complete an "
    "assessment. Ask your manager if your training or licence needs renewing."
)


@dataclass(frozen=True)
class Details:
    observation_started_on: date | None
    observation_ended_on: date | None
    visits: int | None
    strengths: str
    child_views: str


def repeat_interval_months(case: Case) -> int:
    if case.level == Level.CHILD_PROTECTION:
        return settings.GCP2_REPEAT_MONTHS_CHILD_PROTECTION
    return settings.GCP2_REPEAT_MONTHS_OTHER


def _require_assessor(by: User, case: Case) -> None:
    # Closed first: on a closed case everyone is refused, and the page says why.
    ensure_open(case)
    if not by.holds_gcp2_licence(timezone.localdate()) or not access.decision(by, case).can_write:
        raise PermissionDenied(LICENCE_REQUIRED)


def _claim_draft(assessment: Assessment, seen_version: int) -> None:
    """Move the draft to the next version, or raise if someone saved first or it was completed."""
    claimed = Assessment.objects.filter(pk=assessment.pk, version=seen_version, status=Assessment.Status.DRAFT).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not claimed:
        raise VersionConflict(Assessment.objects.get(pk=assessment.pk))


def latest_completed_for(case: Case, child: Person) -> Assessment | None:
    """The child's most recent completed assessment that no correction has replaced."""
    return (
        Assessment.objects.filter(case=case, child=child, status=Assessment.Status.COMPLETED)
        .exclude(corrections__status=Assessment.Status.COMPLETED)
        .order_by("observation_ended_on", "completed_at")
        .last()
    )


def _create_draft(**fields) -> Assessment:
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(**fields)
    except IntegrityError as exc:
        raise ValidationError(
            "There is already a draft GCP2 for this child. Continue that draft from the GCP2 page."
        ) from exc
    return assessment


@transaction.atomic
def assessment_start(*, case: Case, child: Person, by: User) -> Assessment:
    """Start a draft: a baseline for a child's first GCP2 in this case, otherwise a repeat."""
    _require_assessor(by, case)
    previous = latest_completed_for(case, child)
    assessment = _create_draft(
        case=case,
        child=child,
        started_by=by,
        kind=Assessment.Kind.REPEAT if previous else Assessment.Kind.BASELINE,
        previous=previous,
    )
    SubAreaGrade.objects.bulk_create(SubAreaGrade(assessment=assessment, sub_area=s.code) for s in SUB_AREAS)
    AreaGrade.objects.bulk_create(AreaGrade(assessment=assessment, area=a.code) for a in AREAS)
    audit.record(
        actor=by,
        action=AuditEvent.Action.GCP2_ASSESSMENT_STARTED,
        case=case,
        target=assessment,
        data={"child_id": str(child.pk), "kind": assessment.kind},
    )
    return assessment


@transaction.atomic
def assessment_correct(*, assessment: Assessment, by: User, reason: str) -> Assessment:
    """Start a correction: a new draft copied from a completed assessment, which stays readable."""
    _require_assessor(by, assessment.case)
    if not assessment.is_completed:
        raise ValidationError("Only a completed assessment can be corrected; change the draft instead.")
    if not reason.strip():
        raise ValidationError({"reason": "Say what needs correcting and why."})
    if Assessment.objects.filter(supersedes=assessment).exists():
        raise ValidationError("This assessment already has a correction.")
    correction = _create_draft(
        case=assessment.case,
        child=assessment.child,
        kind=assessment.kind,
        previous=assessment.previous,
        supersedes=assessment,
        correction_reason=reason.strip(),
        started_by=by,
        observation_started_on=assessment.observation_started_on,
        observation_ended_on=assessment.observation_ended_on,
        visits=assessment.visits,
        strengths=assessment.strengths,
        child_views=assessment.child_views,
    )
    SubAreaGrade.objects.bulk_create(
        SubAreaGrade(assessment=correction, sub_area=row.sub_area, grade=row.grade, evidence=row.evidence)
        for row in assessment.sub_area_grades.all()
    )
    AreaGrade.objects.bulk_create(
        AreaGrade(assessment=correction, area=row.area, grade=row.grade, rationale=row.rationale)
        for row in assessment.area_grades.all()
    )
    audit.record(
        actor=by,
        action=AuditEvent.Action.GCP2_ASSESSMENT_CORRECTION_STARTED,
        case=assessment.case,
        target=correction,
        data={"supersedes_id": str(assessment.pk)},
    )
    return correction


@transaction.atomic
def assessment_details_save(*, assessment: Assessment, by: User, seen_version: int, details: Details) -> Assessment:
    """Save the observation window, visits, strengths and the child's views of a draft."""
    _require_assessor(by, assessment.case)
    _claim_draft(assessment, seen_version)
    fields = {name: getattr(details, name) for name in Details.__dataclass_fields__}
    changed = sorted(name for name, value in fields.items() if getattr(assessment, name) != value)
    Assessment.objects.filter(pk=assessment.pk).update(**fields)
    audit.record(
        actor=by,
        action=AuditEvent.Action.GCP2_ASSESSMENT_SAVED,
        case=assessment.case,
        target=assessment,
        data={"part": "details", "fields": changed},
    )
    assessment.refresh_from_db()
    return assessment


def _check_grade(grade: int | None, field: str) -> None:
    if grade is not None and not BEST <= grade <= WORST:
        raise ValidationError({field: f"Choose a grade from {BEST} to {WORST}."})


@transaction.atomic
def assessment_area_save(
    *,
    assessment: Assessment,
    by: User,
    seen_version: int,
    area: str,
    sub_areas: dict[str, tuple[int | None, str]],
    area_grade: int | None,
    rationale: str,
) -> Assessment:
    """Save one area of a draft: each sub-area's grade and evidence, and the area's judgement.

    Blank grades are allowed in a draft; completing checks that everything is graded.
    """
    _require_assessor(by, assessment.case)
    codes = [sub.code for sub in AREA_BY_CODE[area].sub_areas]
    if sorted(sub_areas) != sorted(codes):
        raise ValidationError("The sub-areas sent do not match this area.")
    for code, (grade, _evidence) in sub_areas.items():
        _check_grade(grade, f"grade_{code}")
    _check_grade(area_grade, "area_grade")
    _claim_draft(assessment, seen_version)
    for code, (grade, evidence) in sub_areas.items():
        SubAreaGrade.objects.filter(assessment=assessment, sub_area=code).update(grade=grade, evidence=evidence)
    AreaGrade.objects.filter(assessment=assessment, area=area).update(grade=area_grade, rationale=rationale)
    audit.record(
        actor=by,
        action=AuditEvent.Action.GCP2_ASSESSMENT_SAVED,
        case=assessment.case,
        target=assessment,
        data={"part": f"area_{area}"},
    )
    assessment.refresh_from_db()
    return assessment


def missing_for_completion(assessment: Assessment) -> list[str]:
    """Everything still needed before the draft can be completed, in the order of the form."""
    missing = []
    if assessment.observation_started_on is None:
        missing.append("the date the observation started")
    if assessment.observation_ended_on is None:
        missing.append("the date the observation ended")
    if not assessment.visits:
        missing.append("the number of visits")
    subs = {row.sub_area: row for row in assessment.sub_area_grades.all()}
    areas = {row.area: row for row in assessment.area_grades.all()}
    for area in AREAS:
        for sub in area.sub_areas:
            row = subs.get(sub.code)
            if row is None or row.grade is None:
                missing.append(f"a grade for sub-area {sub.label}")
            elif not row.evidence.strip():
                missing.append(f"the evidence for sub-area {sub.label}")
        row = areas.get(area.code)
        if row is None or row.grade is None:
            missing.append(f"a grade for area {area.label}")
        elif not row.rationale.strip():
            missing.append(f"the rationale for area {area.label}")
    return missing


def _record_completion_in_chronology(assessment: Assessment, by: User) -> None:
    """The chronology entry for a completed GCP2 (event type "assessment"), with its area grades,
    so that the timeline shows when care was measured and what was found."""
    audit.record(
        actor=by,
        action=AuditEvent.Action.GCP2_ASSESSMENT_COMPLETED,
        case=assessment.case,
        target=assessment,
        data={
            "child_id": str(assessment.child_id),
            "kind": assessment.kind,
            "supersedes_id": str(assessment.supersedes_id or ""),
        },
    )
    grades = dict(assessment.area_grades.values_list("area", "grade"))
    names = {area.code: area.name.lower() for area in AREAS}
    summary = ", ".join(f"{code} {names[code]} {grades[code]}" for code in sorted(grades))
    kind = "correction of a " if assessment.supersedes_id else ""
    window = (
        f"{in_words(assessment.observation_started_on)} to {in_words(assessment.observation_ended_on)}, "
        f"{assessment.visits} visits"
    )
    chronology.entry_create(
        case=assessment.case,
        by=by,
        event_type=EventType.ASSESSMENT,
        occurred_on=assessment.observation_ended_on,
        children=[assessment.child],
        what_happened=(
            f"Graded Care Profile 2 ({kind}{assessment.get_kind_display().lower()}) completed "
            f"({window}). Area grades (1 best, 5 worst): {summary}."
        ),
        significance=Entry.Significance.HIGH if max(grades.values()) >= 4 else Entry.Significance.MEDIUM,
        impact=Entry.Impact.NEGATIVE if max(grades.values()) >= 3 else Entry.Impact.NOT_KNOWN,
    )


@transaction.atomic
def assessment_complete(*, assessment: Assessment, by: User, seen_version: int) -> Assessment:
    """Check every part is done, lock the assessment and schedule the repeat."""
    _require_assessor(by, assessment.case)
    assessment = Assessment.objects.select_related("case", "supersedes").get(pk=assessment.pk)
    if not assessment.is_draft or assessment.version != seen_version:
        raise VersionConflict(assessment)
    missing = missing_for_completion(assessment)
    if missing:
        raise ValidationError(f"Before completing, add {'; '.join(missing)}.")
    today = timezone.localdate()
    if assessment.supersedes_id:
        # A correction does not move the repeat clock: it records the same visit window again.
        repeat_due_on = assessment.supersedes.repeat_due_on
    elif assessment.case.is_open:
        repeat_due_on = add_months(today, repeat_interval_months(assessment.case))
    else:
        repeat_due_on = None
    completed = Assessment.objects.filter(
        pk=assessment.pk, version=seen_version, status=Assessment.Status.DRAFT
    ).update(
        status=Assessment.Status.COMPLETED,
        completed_at=timezone.now(),
        completed_by=by,
        repeat_due_on=repeat_due_on,
        version=F("version") + 1,
    )
    if not completed:
        raise VersionConflict(Assessment.objects.get(pk=assessment.pk))
    assessment.refresh_from_db()
    _record_completion_in_chronology(assessment, by)
    return assessment


PRINTED_ACTIONS = {
    "assessment": AuditEvent.Action.GCP2_ASSESSMENT_PRINTED,
    "comparison": AuditEvent.Action.GCP2_COMPARISON_PRINTED,
}


def assessment_printed(*, case: Case, by: User, what: str, assessment_ids: list[str], request=None) -> AuditEvent:
    """Audit a printed PDF with the IDs it contained (no content). The row's id is the export ID printed
    on every page, so the row comes first."""
    return audit.record(
        actor=by,
        action=PRINTED_ACTIONS[what],
        case=case,
        request=request,
        data={"assessment_ids": assessment_ids},
        using=settings.AUDIT_DB_ALIAS,
    )
