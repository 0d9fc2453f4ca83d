"""The notification outbox: one row per person per thing they must be told about, sent at most once.

The outbox knows nothing of what it carries. The app that has news (monitoring for flags and escalations,
and later the front door, invitations, break-glass notices) queues a row naming the recipient, the kind of
news, the row it is about (`subject_type`, `subject_id`, and `step` when the same row brings news more than
once, as an escalation does at each stage), a one-line summary with no personal data, and the link to the
page that explains it. (recipient, subject, step) is unique: that is the exactly-once key, so a re-run or a
parallel run queues nothing new. notifications/services.py sends the rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

# What "unread" means for one row. dashboards.selectors.unread_notifications_for adds "about a case the person
# can still open" (the access policy is a floor above this app) and is what every page counts and lists.
UNREAD = Q(read_at__isnull=True)


class NotificationQuerySet(models.QuerySet):
    def about(self, subject: models.Model) -> "NotificationQuerySet":
        """Rows queued about one row of another app (a flag, an escalation…)."""
        return self.filter(subject_type=subject._meta.label_lower, subject_id=subject.pk)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(UNREAD)

    def claimable(self, now) -> "NotificationQuerySet":
        """Waiting to be sent and not held by a sender's live lease."""
        return self.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now), status=Notification.Status.PENDING)


class Notification(models.Model):
    """An outbox row. The sender claims it with a lease and marks it sent only once the mail server has
    accepted it, so a crash means a resend, never a loss."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, help_text="What kind of news, named by the app that queued it.")
    # The case the news is about, so lists show only notifications about cases the person can still open.
    # A reference by name, as audit.AuditEvent's is: no Python import of the floor above (docs/architecture.md).
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subject_type = models.CharField(max_length=60, help_text="The model of the row it is about, app.model.")
    subject_id = models.UUIDField()
    step = models.PositiveSmallIntegerField(
        default=0, help_text="Which time the same row brings news (an escalation's stage); 0 when only once."
    )
    summary = models.CharField(max_length=200, help_text="One line for the list page; never personal data.")
    link = models.CharField(max_length=300, help_text="The page that explains it, as a path on this site.")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, help_text="Which sender run holds the lease.")
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "cases_notification"  # the table kept its name when the model left cases
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "subject_type", "subject_id", "step"], name="notification_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "lease_until"], name="cases_notification_outbox")]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.recipient_id} ({self.get_status_display()})"
