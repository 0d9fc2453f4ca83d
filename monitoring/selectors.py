"""Reads for a case's monitoring pages: its flags and its escalations."""

from django.db.models import QuerySet

from cases.models import Case

from .models import Escalation, Flag


def flags_for(case: Case) -> list[Flag]:
    """Open flags first (unacknowledged at the top), then the last resolved ones."""
    flags = case.flags.select_related("owner", "acknowledgement__by")
    open_flags = list(flags.filter(resolved_at__isnull=True).order_by("acknowledged_at", "-raised_at"))
    return open_flags + list(flags.filter(resolved_at__isnull=False).order_by("-resolved_at")[:20])


def escalations_for(case: Case) -> QuerySet[Escalation]:
    return (
        case.escalations.select_related("stage", "raised_by", "resolved_by", "flag")
        .prefetch_related("responses__by", "responses__stage")
        .order_by("status", "-created_at")
    )
