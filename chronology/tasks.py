"""Celery tasks for the chronology: thin wrappers taking ids (the work is in chronology/import_jobs.py).

Both are safe to run twice at once and to run again after a crash: the job is claimed with one
conditional UPDATE, and the import's per-case duplicate check skips rows already saved.
"""

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="chronology.tasks.run_import", acks_late=True)
def run_import(job_id: str) -> str:
    from chronology import import_jobs  # imported here: the worker imports tasks before Django apps are ready

    status = import_jobs.run(job_id)
    log.info("Import job %s: %s", job_id, status)
    return status


@shared_task(name="chronology.tasks.resume_imports", acks_late=True)
def resume_imports() -> int:
    from chronology import import_jobs

    return import_jobs.resume_waiting()
