"""Writing audit events.

`record` is for services: it writes on the caller's connection, inside the change's transaction,
so a rolled-back change leaves no audit row. `record_access` and `record_denied` are for reads and
refusals: they write on the separate audit connection (settings.AUDIT_DB_ALIAS), so a request that
later fails still leaves its trace (docs/security.md, R24).
"""

import hashlib
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from audit.models import AuditEvent


def _actor_fields(actor) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_agency_id": None, "actor_role": ""}
    return {"actor": actor, "actor_agency_id": actor.agency_id, "actor_role": actor.principal_role}


def _request_fields(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {}
    session_key = getattr(getattr(request, "session", None), "session_key", None) or ""
    return {
        # Only REMOTE_ADDR: headers like X-Forwarded-For are set by the client unless our own
        # proxy overwrites them, and the proxy is configured to pass the address this way.
        "ip_address": request.META.get("REMOTE_ADDR") or None,
        "session_hash": hashlib.sha256(session_key.encode()).hexdigest() if session_key else "",
    }


def _target_fields(target: models.Model | None) -> dict[str, str]:
    if target is None:
        return {}
    return {"target_type": target._meta.label_lower, "target_id": str(target.pk)}


def record(*, using: str = "default", **fields) -> AuditEvent:
    """Write one audit event (the fields are `unsaved`'s). `data` holds IDs and field names only, never free
    text about a child."""
    event = unsaved(**fields)
    event.save(using=using)
    return event


def unsaved(
    *,
    actor,
    action: str,
    case=None,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    outcome: str = AuditEvent.Outcome.OK,
    data: dict | None = None,
) -> AuditEvent:
    """The event `record` would write, not yet written: for `record_many`."""
    return AuditEvent(
        action=action,
        outcome=outcome,
        case=case,
        data=data or {},
        **_actor_fields(actor),
        **_request_fields(request),
        **_target_fields(target),
    )


def record_many(events: list[AuditEvent], using: str = "default") -> None:
    """Write many events in one INSERT (a bulk service's rows), on the caller's connection and
    transaction like `record`."""
    AuditEvent.objects.using(using).bulk_create(events, batch_size=1000)


def record_access(
    request: HttpRequest, *, case, action: str = AuditEvent.Action.CASE_VIEWED, target: models.Model | None = None
) -> AuditEvent:
    """A permitted read of a case page, on the audit connection."""
    return record(
        actor=request.user,
        action=action,
        case=case,
        target=target,
        request=request,
        data={"path": request.path},
        using=settings.AUDIT_DB_ALIAS,
    )


def record_denied(
    request: HttpRequest, *, requested_case: str, action: str = AuditEvent.Action.ACCESS_DENIED
) -> AuditEvent:
    """A refused attempt to reach a case, on the audit connection."""
    event = AuditEvent(
        action=action,
        outcome=AuditEvent.Outcome.DENIED,
        requested_case=requested_case[:64],
        data={"path": request.path[:300], "method": request.method},
        **_actor_fields(request.user),
        **_request_fields(request),
    )
    event.save(using=settings.AUDIT_DB_ALIAS)
    return event
