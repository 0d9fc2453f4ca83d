"""Reads for GCP2: a case's assessments by child, one child's comparison over time, the household
summary and the repeat due dates. Nothing here writes; every read is a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from cases.models import Case, HouseholdMember, Person
from gcp2.models import AreaGrade, Assessment, Descriptor, SubAreaGrade
from gcp2.structure import AREAS, Area

BETTER, SAME, WORSE = "better", "same", "worse"


def child_of_case(case: Case, person_id) -> Person:
    """A child of this case's household (current or past), or 404: a person from elsewhere is hidden."""
    member = get_object_or_404(
        case.household.select_related("person"),
        person_id=person_id,
        relationship=HouseholdMember.Relationship.CHILD,
    )
    return member.person


def assessments_for_case(case: Case) -> QuerySet[Assessment]:
    """Every assessment of the case with its grades, people and whether a completed correction
    replaced it (`is_superseded`): four queries whatever the number of assessments."""
    replaced = Assessment.objects.filter(supersedes=OuterRef("pk"), status=Assessment.Status.COMPLETED)
    return (
        case.gcp2_assessments.annotate(is_superseded=Exists(replaced))
        .select_related("child", "started_by", "completed_by")
        .prefetch_related(
            Prefetch("sub_area_grades", queryset=SubAreaGrade.objects.order_by("sub_area")),
            Prefetch("area_grades", queryset=AreaGrade.objects.order_by("area")),
        )
        .order_by("observation_ended_on", "completed_at", "started_at")
    )


def assessment_in_case(case: Case, assessment_id) -> Assessment:
    """One assessment of this case with its grades; an ID from another case is a 404."""
    return get_object_or_404(assessments_for_case(case).select_related("supersedes", "previous"), pk=assessment_id)


def descriptors_by_sub_area() -> dict[str, dict[int, str]]:
    texts: dict[str, dict[int, str]] = {}
    for row in Descriptor.objects.all():
        texts.setdefault(row.sub_area, {})[row.grade] = row.text
    return texts


def grades_of(assessment: Assessment) -> tuple[dict[str, SubAreaGrade], dict[str, AreaGrade]]:
    """The assessment's grade rows by code, from the prefetched rows."""
    return (
        {row.sub_area: row for row in assessment.sub_area_grades.all()},
        {row.area: row for row in assessment.area_grades.all()},
    )


def change(before: int | None, after: int | None) -> str | None:
    """Grade 1 is best, so a lower grade is better."""
    if before is None or after is None:
        return None
    return BETTER if after < before else WORSE if after > before else SAME


@dataclass
class Cell:
    grade: int | None
    change: str | None  # since the assessment before


@dataclass
class Row:
    code: str
    label: str
    is_area: bool
    cells: list[Cell]
    since_baseline: str | None


@dataclass
class TrendPoint:
    x: float
    y: float
    grade: int
    on: date


@dataclass
class Trend:
    area: Area
    points: list[TrendPoint]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass
class Comparison:
    child: Person
    assessments: list[Assessment]
    rows: list[Row] = field(default_factory=list)
    trends: list[Trend] = field(default_factory=list)


# The trend chart's drawing area, in SVG units (templates/gcp2/_trend_chart.html).
CHART = {"width": 320, "height": 170, "left": 40, "right": 20, "top": 15, "bottom": 35}
CHART["x_end"] = CHART["width"] - CHART["right"]


def _y_for(grade: int) -> float:
    plot = CHART["height"] - CHART["top"] - CHART["bottom"]
    return CHART["top"] + (grade - 1) * plot / 4


def chart_grade_lines() -> list[tuple[int, float]]:
    return [(grade, _y_for(grade)) for grade in range(1, 6)]


def _x_positions(days: list[date]) -> list[float]:
    """Place assessments by date so the gaps between repeats show; a single one sits centred."""
    left, right = CHART["left"], CHART["width"] - CHART["right"]
    if len(days) == 1:
        return [(left + right) / 2]
    span = (days[-1] - days[0]).days if days else 0
    if span == 0:  # same-day assessments: spread them evenly instead of stacking them
        return [left + i * (right - left) / max(len(days) - 1, 1) for i in range(len(days))]
    return [left + (day - days[0]).days * (right - left) / span for day in days]


def comparison_for_child(case: Case, child: Person) -> Comparison:
    """All completed, current (not superseded) assessments of one child, oldest first, compared."""
    assessments = [
        a
        for a in assessments_for_case(case).filter(child=child, status=Assessment.Status.COMPLETED)
        if not a.is_superseded
    ]
    comparison = Comparison(child=child, assessments=assessments)
    grades = [grades_of(a) for a in assessments]
    for area in AREAS:
        lines = [(area.code, area.label, True, lambda g, code=area.code: g[1][code].grade)]
        lines += [(sub.code, sub.label, False, lambda g, code=sub.code: g[0][code].grade) for sub in area.sub_areas]
        for code, label, is_area, pick in lines:
            values = [pick(g) for g in grades]
            cells = [Cell(v, change(values[i - 1], v) if i else None) for i, v in enumerate(values)]
            since_baseline = change(values[0], values[-1]) if len(values) > 1 else None
            comparison.rows.append(Row(code, label, is_area, cells, since_baseline))
        xs = _x_positions([a.observation_ended_on for a in assessments])
        points = [
            TrendPoint(x, _y_for(g[1][area.code].grade), g[1][area.code].grade, a.observation_ended_on)
            for x, g, a in zip(xs, grades, assessments)
        ]
        comparison.trends.append(Trend(area, points))
    return comparison


@dataclass
class ChildSummary:
    member: HouseholdMember
    latest: Assessment | None
    draft: Assessment | None
    history: list[Assessment]

    @property
    def area_grades(self) -> dict[str, int | None]:
        return {code: row.grade for code, row in grades_of(self.latest)[1].items()} if self.latest else {}

    @property
    def sub_area_grades(self) -> dict[str, int | None]:
        return {code: row.grade for code, row in grades_of(self.latest)[0].items()} if self.latest else {}


def household_summary(case: Case) -> list[ChildSummary]:
    """Every child in the household (current first) with their latest completed assessment, any
    draft and the full history, so that no sibling is overlooked. Five queries in all."""
    children = list(
        case.household.filter(relationship=HouseholdMember.Relationship.CHILD)
        .select_related("person")
        .order_by("left_on", "person__date_of_birth", "person__first_name")
    )
    by_child: dict = {}
    for assessment in assessments_for_case(case):
        by_child.setdefault(assessment.child_id, []).append(assessment)
    summaries = []
    for member in children:
        history = by_child.get(member.person_id, [])
        current = [a for a in history if a.is_completed and not a.is_superseded]
        drafts = [a for a in history if a.is_draft]
        summaries.append(ChildSummary(member, current[-1] if current else None, drafts[0] if drafts else None, history))
    return summaries


def repeat_due(case: Case) -> tuple[date | None, int]:
    """The earliest repeat due date across the household's current children, and how many of them
    have no completed GCP2 yet. Two queries; no date while the case is closed."""
    if not case.is_open:
        return None, 0
    children = set(
        case.household.filter(relationship=HouseholdMember.Relationship.CHILD, left_on__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    latest: dict = {}
    rows = (
        case.gcp2_assessments.current()
        .filter(child_id__in=children)
        .order_by("observation_ended_on", "completed_at")
        .values_list("child_id", "repeat_due_on")
    )
    for child_id, due_on in rows:
        latest[child_id] = due_on  # oldest first, so the last one written is the latest
    due_dates = [d for d in latest.values() if d]
    return (min(due_dates) if due_dates else None), len(children - set(latest))


def window_warnings(assessment: Assessment) -> list[str]:
    """Warnings, not errors: GCP2 expects 4–6 visits over 2–4 weeks (local settings)."""
    warnings = []
    if assessment.visits is not None and assessment.visits < settings.GCP2_MIN_VISITS:
        warnings.append(
            f"Only {assessment.visits} visit{'s' if assessment.visits != 1 else ''}: "
            f"a GCP2 usually rests on at least {settings.GCP2_MIN_VISITS}."
        )
    start, end = assessment.observation_started_on, assessment.observation_ended_on
    if start and end and (end - start).days > settings.GCP2_MAX_WINDOW_DAYS:
        warnings.append(
            f"The observation window is {(end - start).days} days: a GCP2 usually covers "
            f"no more than {settings.GCP2_MAX_WINDOW_DAYS} days."
        )
    return warnings
