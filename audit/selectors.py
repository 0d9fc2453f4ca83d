"""Reads of the audit trail: who viewed a case. Nothing here writes."""

from django.db.models import QuerySet

from audit.models import AuditEvent


def case_viewers(case) -> QuerySet[AuditEvent]:
    """Views of a case's pages, newest first, with the viewer and their agency loaded."""
    return (
        AuditEvent.objects.filter(case=case, outcome=AuditEvent.Outcome.OK)
        .filter(action__endswith=".viewed")
        .select_related("actor", "actor__agency")
        .order_by("-at", "-id")
    )
