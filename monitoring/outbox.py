"""What monitoring puts in the notification outbox (one row per new flag for its owner, one per person who
must answer an escalation's stage) and draining it with the partnership's setting for how often a failed
email is retried (Monitoring settings in the admin). The outbox itself lives in the notifications app."""

from django.db.models import Exists, OuterRef
from django.urls import reverse

from accounts.models import User
from cases.models import Case
from notifications import services as outbox
from notifications.models import Notification

from .models import Escalation, Flag, MonitoringSettings


def send_due(preference: str = User.NotificationPreference.IMMEDIATE) -> int:
    """Email everyone with pending notifications who wants them at this cadence; how many were sent."""
    return outbox.send_due(preference, max_attempts=MonitoringSettings.load().notification_max_attempts)


def _case_path(url_name: str):
    """A function from a case reference to the page's path, reversed once rather than once per row."""
    placeholder = "XX-0000-00000"
    pattern = reverse(url_name, kwargs={"reference": placeholder})
    return lambda reference: pattern.replace(placeholder, reference)


def queue_for_flags(rule: str) -> None:
    """One outbox row per open flag of a rule for its owner, unless queued already."""
    missing = (
        Flag.objects.open()
        # Nobody is asked to act on a closed case (docs/security.md R42).
        .filter(rule=rule, case__status=Case.Status.OPEN)
        .exclude(
            Exists(
                Notification.objects.filter(
                    subject_type=Flag._meta.label_lower, subject_id=OuterRef("pk"), recipient=OuterRef("owner")
                )
            )
        )
        .values_list("pk", "owner_id", "case_id", "case__reference")
    )
    flags_page, summary = _case_path("monitoring:flags"), Flag.Rule(rule).label
    outbox.queue(
        [
            Notification(
                recipient_id=owner_id,
                kind="flag",
                case_id=case_id,
                subject_type=Flag._meta.label_lower,
                subject_id=pk,
                summary=summary,
                link=flags_page(reference),
            )
            for pk, owner_id, case_id, reference in missing
        ]
    )


def queue_for_escalation(escalation: Escalation, recipients) -> None:
    """One outbox row per person who must answer the escalation's current stage."""
    order = escalation.stage.order
    link = _case_path("monitoring:escalations")(escalation.case.reference)
    outbox.queue(
        [
            Notification(
                recipient=user,
                kind="escalation",
                case_id=escalation.case_id,
                subject_type=Escalation._meta.label_lower,
                subject_id=escalation.pk,
                step=order,
                summary=f"Escalation at stage {order} needs your response",
                link=link,
            )
            for user in recipients
        ]
    )
