"""The partner import as background work: the upload page starts a job, a Celery task runs it.

`start` checks the file as the page always has (size, type, header, row count), keeps its bytes on an
ImportJob and asks for `chronology.tasks.run_import` once the job is committed; the page then shows
the job, so no request waits for the rows to be checked and saved. `run` is what the task does:

- it claims the job with one conditional UPDATE (queued, or running with a heartbeat older than
  STALE_AFTER because its worker died), so two deliveries of the task never run it side by side;
- it checks the rows (chronology.imports.check_rows), writing how many it has checked every few hundred
  rows, each write its own short transaction so the page sees it;
- it saves them with chronology.services.import_rows, whose per-case duplicate check makes a re-run
  after a crash add nothing twice, then keeps the outcome and clears the bytes.

If the broker is down when the page asks for the task, the job stays queued: `resume_waiting`, run
every minute by beat, asks again for jobs queued longer than WAITING_AFTER and for running jobs whose
worker went quiet. A closed case is refused here too, whatever the page saw.
"""

import logging
import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import User
from cases.models import Case
from cases.services import ensure_open
from chronology import imports, services
from chronology.models import ImportJob

log = logging.getLogger(__name__)

# A running job whose worker has written nothing for this long is taken again. Progress is written every
# PROGRESS_EVERY rows (well under a second apart); the save at the end of a 5,000-row file takes seconds.
STALE_AFTER = timedelta(minutes=5)
# A queued job older than this was probably never handed to a worker (broker down at upload).
WAITING_AFTER = timedelta(minutes=1)
# A job that has failed this many claims (each a worker crash or an error) is given up, not retried forever.
MAX_ATTEMPTS = 3
NOT_FINISHED = "The import could not be finished. Nothing from this file was added. Please upload it again."


def start(*, case: Case, by: User, upload) -> ImportJob:
    """Check the file as a whole and queue it; raises imports.UploadRefused, or ValidationError for a
    closed case or someone outside a partner agency. Nothing is added to the chronology here."""
    ensure_open(case)
    if by.agency_id is None:
        raise ValidationError("Only staff of a partner agency can import into the chronology.")
    upload.seek(0)
    rows = imports.read_upload(upload)  # refuses an oversized file before reading it
    upload.seek(0)
    job = ImportJob.objects.create(
        case=case,
        uploaded_by=by,
        file_name=upload.name[:255],
        upload=upload.read(),
        rows_total=len(rows),
    )
    job_id = job.pk
    transaction.on_commit(lambda: enqueue(job_id))
    return job


def enqueue(job_id: uuid.UUID) -> bool:
    """Ask a worker to run the job; with the broker down the job stays queued for resume_waiting."""
    from chronology.tasks import run_import  # the tasks module imports this one

    try:
        run_import.delay(str(job_id))
    except OperationalError:
        log.warning("Broker unavailable: import job %s stays queued until the broker is back", job_id)
        return False
    return True


def _claim(job_id) -> int | None:
    """Take the job for this run; the attempt number, or None if it is finished or another run has it."""
    now = timezone.now()
    takeable = Q(status=ImportJob.Status.QUEUED) | Q(
        status=ImportJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    )
    claimed = (
        ImportJob.objects.filter(takeable, pk=job_id)
        .filter(attempts__lt=MAX_ATTEMPTS)
        .update(
            status=ImportJob.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            rows_checked=0,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return ImportJob.objects.values_list("attempts", flat=True).get(pk=job_id)


def _finish(job: ImportJob, attempt: int, **fields) -> None:
    # Only the run holding the job writes its end: a run that was given up for dead and finishes late
    # (its rows are in; the later run skipped them as duplicates) leaves the later run's outcome alone.
    ImportJob.objects.filter(pk=job.pk, attempts=attempt).update(
        upload=None, finished_at=timezone.now(), heartbeat_at=timezone.now(), **fields
    )


def run(job_id) -> str:
    """Run one job if it can be claimed; returns its status afterwards (for the task's log line)."""
    attempt = _claim(job_id)
    if attempt is None:
        _give_up_if_exhausted(job_id)
        return ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "missing"
    job = ImportJob.objects.select_related("case", "uploaded_by", "uploaded_by__agency").get(pk=job_id)
    try:
        ensure_open(job.case)
    except ValidationError as closed:
        _finish(job, attempt, status=ImportJob.Status.FAILED, failure=" ".join(closed.messages)[:300])
        return ImportJob.Status.FAILED

    def progress(checked: int) -> None:
        # Autocommit: each write is its own short transaction, seen at once by the page.
        ImportJob.objects.filter(pk=job.pk, attempts=attempt).update(rows_checked=checked, heartbeat_at=timezone.now())

    try:
        rows = imports.read_upload(ContentFile(bytes(job.upload), name=job.file_name))
        checked = imports.check_rows(job.case, rows, progress=progress)
        report = services.import_rows(case=job.case, by=job.uploaded_by, rows=checked)
    except imports.UploadRefused as refused:  # the page checked the file already; kept for a changed limit
        _finish(job, attempt, status=ImportJob.Status.FAILED, failure=str(refused)[:300])
        return ImportJob.Status.FAILED
    except ValidationError as refused:  # e.g. the case closed between the check above and the save
        _finish(job, attempt, status=ImportJob.Status.FAILED, failure=" ".join(refused.messages)[:300])
        return ImportJob.Status.FAILED
    # Anything else (the database went away, a bug) propagates: the job stays running, its heartbeat ages
    # and resume_waiting hands it out again, up to MAX_ATTEMPTS claims.
    _finish(job, attempt, status=ImportJob.Status.DONE, failure="", result=_outcome(report))
    return ImportJob.Status.DONE


def _outcome(report: services.ImportReport) -> dict:
    return {
        "imported": [row.number for row in report.imported],
        "skipped": [row.number for row in report.skipped],
        "refused": [
            {"number": row.number, "reference": row.external_reference, "problems": list(row.problems)}
            for row in report.refused
        ],
    }


def _give_up_if_exhausted(job_id) -> None:
    """A job whose every claim ended in a crash is marked failed, with its bytes cleared."""
    ImportJob.objects.filter(
        pk=job_id,
        attempts__gte=MAX_ATTEMPTS,
        status__in=(ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
        heartbeat_at__lt=timezone.now() - STALE_AFTER,
    ).update(status=ImportJob.Status.FAILED, failure=NOT_FINISHED, upload=None, finished_at=timezone.now())


def resume_waiting() -> int:
    """Ask again for the jobs no worker is running: queued for over a minute, or running with a silent
    worker. Asking twice is harmless (the claim lets one run through). Returns how many were asked for."""
    now = timezone.now()
    waiting = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED, created_at__lt=now - WAITING_AFTER)
        | Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    ).values_list("pk", flat=True)
    asked = 0
    for job_id in waiting:
        if ImportJob.objects.filter(pk=job_id, attempts__gte=MAX_ATTEMPTS).exists():
            _give_up_if_exhausted(job_id)
            continue
        if not enqueue(job_id):
            break  # the broker is still down: the next minute's run tries again
        asked += 1
    return asked


def report(job: ImportJob) -> services.ImportReport:
    """A finished job's outcome in the shape the import page has always shown."""
    outcome = job.result or {}
    return services.ImportReport(
        imported=[imports.ImportRow(number=number) for number in outcome.get("imported", [])],
        skipped=[imports.ImportRow(number=number) for number in outcome.get("skipped", [])],
        refused=[
            imports.ImportRow(number=row["number"], external_reference=row["reference"], problems=row["problems"])
            for row in outcome.get("refused", [])
        ],
    )
