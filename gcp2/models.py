"""GCP2 rows: an Assessment of one child, its 13 sub-area and 4 area grades, and licensed descriptors.

A completed assessment is frozen by database triggers (migration 0002): a correction is a new
assessment that `supersedes` it. There is no overall score, and area grades are never derived.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q

from gcp2.structure import AREA_CHOICES, BEST, SUB_AREA_CHOICES, WORST


def _grade_field():
    return models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(BEST), MaxValueValidator(WORST)]
    )


class Descriptor(models.Model):
    """Licensed descriptor text for one sub-area and grade, loaded by an administrator.

    NSPCC copyright: the portal ships none. Shown only to licensed assessors, beside the question.
    """

    sub_area = models.CharField(max_length=2, choices=SUB_AREA_CHOICES)
    grade = models.PositiveSmallIntegerField(validators=[MinValueValidator(BEST), MaxValueValidator(WORST)])
    text = models.TextField()

    class Meta:
        ordering = ["sub_area", "grade"]
        constraints = [
            models.UniqueConstraint(fields=["sub_area", "grade"], name="gcp2_descriptor_once"),
            models.CheckConstraint(condition=Q(grade__gte=BEST, grade__lte=WORST), name="gcp2_descriptor_grade_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.sub_area} grade {self.grade}"


class AssessmentQuerySet(models.QuerySet):
    def completed(self) -> "AssessmentQuerySet":
        return self.filter(status=Assessment.Status.COMPLETED)

    def current(self) -> "AssessmentQuerySet":
        """Completed assessments that no completed correction replaced: what a child's GCP2 record says."""
        replaced = Assessment.objects.filter(supersedes=OuterRef("pk"), status=Assessment.Status.COMPLETED)
        return self.completed().exclude(Exists(replaced))


class Assessment(models.Model):
    class Kind(models.TextChoices):
        BASELINE = "baseline", "Baseline"
        REPEAT = "repeat", "Repeat"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPLETED = "completed", "Completed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="gcp2_assessments")
    child = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="gcp2_assessments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The child's previous completed assessment, for a repeat.
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="repeats")
    # A correction: this assessment replaces a completed one, which stays readable.
    supersedes = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    correction_reason = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)

    observation_started_on = models.DateField("observation started", null=True, blank=True)
    observation_ended_on = models.DateField("observation ended", null=True, blank=True)
    visits = models.PositiveSmallIntegerField("number of visits", null=True, blank=True)
    strengths = models.TextField(blank=True)
    child_views = models.TextField("the child's own views", blank=True)

    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # Computed on completion while the case is open; read by the monitoring jobs.
    repeat_due_on = models.DateField("repeat due", null=True, blank=True)
    # Optimistic lock: every save of a draft says which version it saw.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["observation_ended_on", "completed_at", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "child"], condition=Q(status="draft"), name="gcp2_assessment_one_draft_per_child"
            ),
            models.UniqueConstraint(
                fields=["supersedes"], condition=Q(supersedes__isnull=False), name="gcp2_assessment_one_correction_each"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", completed_at__isnull=True)
                | Q(
                    status="completed",
                    completed_at__isnull=False,
                    completed_by__isnull=False,
                    observation_started_on__isnull=False,
                    observation_ended_on__isnull=False,
                ),
                name="gcp2_assessment_completion_consistent",
            ),
            models.CheckConstraint(
                condition=Q(observation_ended_on__isnull=True)
                | Q(observation_started_on__isnull=True)
                | Q(observation_ended_on__gte=models.F("observation_started_on")),
                name="gcp2_assessment_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind="baseline", previous__isnull=True) | Q(kind="repeat", previous__isnull=False),
                name="gcp2_assessment_repeat_has_previous",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "child", "status"], name="gcp2_assessment_child"),
            models.Index(fields=["repeat_due_on"], name="gcp2_assessment_repeat_due"),
        ]

    def __str__(self) -> str:
        return f"GCP2 {self.get_kind_display().lower()} {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED


class SubAreaGrade(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="sub_area_grades")
    sub_area = models.CharField(max_length=2, choices=SUB_AREA_CHOICES)
    grade = _grade_field()
    evidence = models.TextField("evidence seen", blank=True)

    class Meta:
        ordering = ["sub_area"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "sub_area"], name="gcp2_subareagrade_once"),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=BEST, grade__lte=WORST), name="gcp2_subareagrade_1_to_5"
            ),
        ]


class AreaGrade(models.Model):
    """The assessor's judgement for an area: recorded, never computed from the sub-areas."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="area_grades")
    area = models.CharField(max_length=1, choices=AREA_CHOICES)
    grade = _grade_field()
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["area"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "area"], name="gcp2_areagrade_once"),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=BEST, grade__lte=WORST), name="gcp2_areagrade_1_to_5"
            ),
        ]
