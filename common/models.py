"""Rows the shared form flow keeps: one per accepted one-time form token."""

from django.conf import settings
from django.db import models


class FormSubmission(models.Model):
    """One row per accepted one-time form token: a form posted twice (double click, resend after a
    timeout) is saved once (docs/security.md, R35). Claimed in the same transaction as the save."""

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "accounts_formsubmission"  # the table kept its name when the model left accounts


class TaskLease(models.Model):
    """Who is running a long background job now, and until when (common/leases.py).

    A task whose worker dies goes back to the queue after the broker's visibility timeout, which is short
    (two minutes) so that work comes back promptly. A run still going after that time would then be
    handed out twice: the lease, renewed while the run lives, tells the second delivery to stand down."""

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.UUIDField()
    expires_at = models.DateTimeField()


class PeriodicRun(models.Model):
    """When each periodic job last completed, and when beat last ticked (common/periodic.py).

    Beat drops the ticks that fall while the broker is down; a worker that (re)connects reads these rows
    and runs at once whatever is older than its interval (neglect_portal/catchup.py)."""

    name = models.CharField(max_length=100, primary_key=True)
    last_completed_at = models.DateTimeField()
