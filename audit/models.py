"""AuditEvent: one append-only row per read, write, refusal or sign-in event.

Rows keep IDs, not copies of case content. Foreign keys carry no database constraint so that
a read can be recorded on the separate audit connection before the request's own transaction
commits, and so that the trail outlives anything it points at.
"""

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a row that may only ever be added."""


class AppendOnlyModel(models.Model):
    """Rows that may be added, never changed or removed. The model refuses here; the database
    refuses too (audit/append_only.py triggers), so raw SQL and queryset updates are stopped as well."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name} rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name} rows cannot be deleted.")


class AuditEvent(AppendOnlyModel):
    class Outcome(models.TextChoices):
        OK = "ok", "Allowed"
        DENIED = "denied", "Refused"
        FAILED = "failed", "Failed"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    # Snapshot at the time of the event: agencies and roles change, the trail must not.
    actor_agency_id = models.BigIntegerField(null=True)
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=60)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    # For refusals the case may not exist at all: keep what was asked for.
    requested_case = models.CharField(max_length=64, blank=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True)
    session_hash = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case", "action", "-at"], name="audit_case_action_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} ({self.outcome})"
