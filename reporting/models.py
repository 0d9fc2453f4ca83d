"""The census readiness checks' results: one row per run and one per problem found (docs/census.md).

Both are derived from the statutory record and can be made again at any time, so, unlike the records
practice keeps, they are replaced: each run keeps the last few runs of its year and removes older ones.
"""

from django.conf import settings
from django.db import models


class CensusCheck(models.Model):
    """One run of the readiness checks over a census year, asked for by a data officer or by the night job."""

    year = models.PositiveSmallIntegerField("census year ending 31 March")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField("checked as it stood on", null=True, blank=True)
    children = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    queries = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["year", "finished_at"], name="reporting_check_year_done")]

    def __str__(self) -> str:
        return f"Census readiness check {self.pk} ({self.year})"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class CensusProblem(models.Model):
    """One thing wrong with one child's return: the DfE rule, our words for it and the page that fixes it."""

    class Kind(models.TextChoices):
        ERROR = "error", "Error"
        QUERY = "query", "Query"

    class Fix(models.TextChoices):
        CENSUS_DETAILS = "census_details", "The child's census details"
        CHILD_RECORD = "child_record", "The child's statutory record"

    check_run = models.ForeignKey(CensusCheck, on_delete=models.CASCADE, related_name="problems")
    child = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    episode = models.ForeignKey("cases.ChildEpisode", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    code = models.CharField("DfE rule", max_length=6)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    words = models.CharField("what is wrong", max_length=300)
    fix = models.CharField("where to fix it", max_length=20, choices=Fix.choices)

    class Meta:
        ordering = ["check_run", "kind", "child", "code", "pk"]
        indexes = [models.Index(fields=["check_run", "kind", "child"], name="reporting_problem_by_kind")]

    def __str__(self) -> str:
        return f"{self.code}: {self.words}"
