"""Sending the notification outbox: one email per person per run, with counts and a link only.

Rows are claimed with a compare-and-set lease, so two senders never send the same row; a row is
marked sent only after the mail server accepted the email, so a crash means a resend, not a loss.
Apps queue rows with `queue`; the (recipient, subject, step) unique key makes queueing idempotent.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User

from .models import Notification

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)


def queue(notes: list[Notification]) -> None:
    """Put rows in the outbox. A row already there for the same recipient, subject and step is skipped,
    so a re-run or a parallel run queues nothing twice."""
    Notification.objects.bulk_create(notes, ignore_conflicts=True)


def recipients_due(preference: str) -> list[int]:
    """People with unsent notifications who want them at this cadence."""
    return list(
        Notification.objects.claimable(timezone.now())
        .filter(recipient__notification_preference=preference)
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def email_text(count: int) -> tuple[str, str]:
    """The email's subject (one line) and body for `count` new items: the count and the link only, never a
    name or a detail of a case. From templates/notifications/, singular or plural by `{% blocktranslate count %}`
    (which needs no translation machinery: with USE_I18N off it picks the English form)."""
    # The list page is served by the dashboards app; its address is looked up by name, not imported.
    context = {"count": count, "link": settings.PORTAL_BASE_URL.rstrip("/") + reverse("dashboards:notifications")}
    subject = " ".join(render_to_string("notifications/email_subject.txt", context).split())
    return subject, render_to_string("notifications/email_body.txt", context)


def notifications_send_for(*, recipient_id: int, max_attempts: int) -> int:
    """Claim and email every pending notification of one person. Returns how many were sent.

    A row whose sending failed `max_attempts` times is marked failed and not tried again."""
    now = timezone.now()
    token = uuid.uuid4()
    claimed = (
        Notification.objects.claimable(now)
        .filter(recipient_id=recipient_id)
        .update(lease_until=now + LEASE, claim=token, attempts=F("attempts") + 1)
    )
    if not claimed:
        return 0  # another sender holds them
    recipient = User.objects.get(pk=recipient_id)
    ours = Notification.objects.filter(claim=token, status=Notification.Status.PENDING)
    count = ours.count()
    subject, body = email_text(count)
    try:
        send_mail(
            subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [recipient.email],
            fail_silently=False,
        )
    except Exception:
        log.exception("Sending notifications to user %s failed", recipient_id)
        ours.filter(attempts__gte=max_attempts).update(status=Notification.Status.FAILED)
        ours.update(lease_until=None, claim=None)  # the next run tries again
        return 0
    # Mark sent only after the mail server accepted: a crash before this line means a resend,
    # and a duplicate reminder is better than a lost one.
    return ours.update(status=Notification.Status.SENT, sent_at=timezone.now(), lease_until=None)


def send_due(preference: str, *, max_attempts: int) -> int:
    return sum(notifications_send_for(recipient_id=pk, max_attempts=max_attempts) for pk in recipients_due(preference))


def mark_all_read(*, user: User) -> int:
    return Notification.objects.unread().filter(recipient=user).update(read_at=timezone.now())
