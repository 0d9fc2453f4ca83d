"""Health answers for load balancers, for monitoring and for operators (README "Operations").

- ``/healthz/live``: liveness. The process serves requests; nothing else is touched.
- ``/healthz``: readiness, for a load balancer. 200 "ok"; 200 "degraded: broker" while only the Celery
  broker is down (pages and saves keep working; background work waits and catches up); 503
  "unavailable: database" when the database cannot be reached, the one fault that stops the portal.
- ``/healthz/status``: for monitoring and operators, as JSON: the database and broker, how long ago the
  sweep last completed, the age of the oldest notification waiting to be sent, and when beat was last seen.

No login, and no personal data in any of them: only yes/no and ages in seconds.
Project plumbing, not a part of any app: it needs the Celery app, which only the project may import.
"""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common import periodic
from notifications.models import Notification

from .celery import app as celery_app


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # any failure means "not reachable"; the details go to the log, not the client
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return True
    except Exception:
        return False


def _seconds_since(moment) -> int | None:
    return None if moment is None else max(0, int((timezone.now() - moment).total_seconds()))


def _plain(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")


@login_not_required
@never_cache
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. A restart is the cure if this fails."""
    return _plain("ok")


@login_not_required
@never_cache
@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness, for a load balancer: 503 only when the database cannot be reached."""
    if not _database_ok():
        return _plain("unavailable: database", status=503)
    if not _broker_ok():
        return _plain("degraded: broker")
    return _plain("ok")


@login_not_required
@never_cache
@require_GET
def status(request: HttpRequest) -> JsonResponse:
    """For monitoring: each part, and the ages that show background work falling behind."""
    database = _database_ok()
    broker = _broker_ok()
    body: dict = {"database": database, "broker": broker}
    if database:
        oldest_waiting = (
            Notification.objects.filter(status=Notification.Status.PENDING)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        body["oldest_unsent_notification_seconds"] = _seconds_since(oldest_waiting)
        body["last_sweep_seconds"] = _seconds_since(periodic.last_completed("cases.tasks.sweep"))
        body["beat_last_seen_seconds"] = _seconds_since(periodic.beat_last_seen())
    body["status"] = "ok" if database and broker else ("degraded: broker" if database else "unavailable: database")
    return JsonResponse(body, status=200 if database else 503)
