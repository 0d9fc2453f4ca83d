"""Workflows that write monitoring rows a person acts on: acknowledging a flag. (Escalations: escalations.py.)"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit import services as audit
from audit.models import AuditEvent
from cases import access
from cases.models import Case
from cases.services import ensure_open

from .models import Flag, FlagAcknowledgement


@transaction.atomic
def flag_acknowledge(*, case: Case, by: User, flag: Flag, note: str) -> Flag:
    """The lead professional (or a manager) says what they will do about a flag."""
    ensure_open(case)
    if not access.decision(by, case).can_manage:
        raise PermissionDenied("Only the lead professional or a manager can acknowledge a flag.")
    if not note.strip():
        raise ValidationError({"note": "Say what you will do about this."})
    now = timezone.now()
    # The marker first: of two people acknowledging at once, one updates it and the other stops here.
    updated = Flag.objects.filter(pk=flag.pk, case=case, acknowledged_at__isnull=True).update(acknowledged_at=now)
    if not updated:
        raise ValidationError("This flag has already been acknowledged.")
    FlagAcknowledgement.objects.create(flag_id=flag.pk, by=by, at=now, note=note.strip())
    audit.record(
        actor=by, action=AuditEvent.Action.CASE_FLAG_ACKNOWLEDGED, case=case, target=flag, data={"rule": flag.rule}
    )
    flag.refresh_from_db()
    return flag
