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
