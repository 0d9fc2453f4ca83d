"""Celery tasks for the census readiness checks: thin wrappers taking ids (reporting/services.py does the work).

`run_census_check` runs one check a data officer asked for. `nightly_census_check` asks for one for the
current census year each night and runs any left waiting (a broker that was down when a data officer
asked), so a check is delayed by an outage, never lost.
"""

from celery import shared_task
from django.utils import timezone

from common.periodic import recorded

from . import census, services
from .models import CensusCheck


@shared_task(name="reporting.tasks.run_census_check", acks_late=True)
def run_census_check(check_id: int) -> dict:
    check = services.readiness_check_run(check_id)
    if check is None:
        return {"stood_down": check_id}
    return {"check": check.pk, "children": check.children, "errors": check.errors, "queries": check.queries}


@shared_task(name="reporting.tasks.nightly_census_check", acks_late=True)
def nightly_census_check() -> dict:
    ran = []
    with recorded("reporting.tasks.nightly_census_check"):
        year = census.CensusYear.current(timezone.localdate()).year
        CensusCheck.objects.create(year=year)
        for check_id in CensusCheck.objects.filter(started_at__isnull=True).values_list("pk", flat=True):
            if services.readiness_check_run(check_id):
                ran.append(check_id)
    return {"ran": ran}
