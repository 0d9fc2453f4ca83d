"""The partner import as background work: the upload page answers at once and adds nothing, a job
checks the rows with its progress on show ("500 of 1,000 rows checked"), then the page shows the result;
a job runs once at a time, a re-run after a crash adds nothing twice, a job queued while the broker was
down is picked up later, a closed case refuses it, and a real worker on Redis runs it all."""

import os
import time
import uuid
from datetime import timedelta

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from cases.models import Case
from chronology import import_jobs, imports, tasks
from chronology.models import Entry, ImportJob
from tests import servers
from tests.test_celery_worker import _start_worker
from tests.test_chronology_import import _child, _csv, _row

pytestmark = pytest.mark.django_db


def _post(client, case, content: bytes, name="export.csv"):
    return client.post(
        reverse("chronology:import", args=[case.reference]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def _upload_file(content: bytes, name="export.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _job_url(job) -> str:
    return reverse("chronology:import_job", args=[job.case.reference, job.pk])


def _rows(case, count, **extra):
    child = _child(case)
    return [_row(child, n % 1500, external_reference=f"EXT-{n:05d}", **extra) for n in range(count)]


def test_a_big_file_is_queued_at_once_and_nothing_is_added_before_the_task_runs(
    client, case, member, django_capture_on_commit_callbacks
):
    content = _csv(_rows(case, imports.MAX_ROWS))
    client.force_login(member)
    with django_capture_on_commit_callbacks() as asked:
        response = _post(client, case, content, name="health-visits.csv")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == _job_url(job)
    assert len(asked) == 1  # the task is asked for once the job is committed
    assert not Entry.objects.exists()
    assert (job.status, job.rows_total, job.rows_checked, job.uploaded_by) == ("queued", 5000, 0, member)
    assert bytes(job.upload) == content
    assert str(job.pk) in response.url and "health-visits" not in response.url  # no file name in the URL
    page = client.get(response.url)
    body = page.content.decode()
    assert "Waiting to start." in body and "0 of 5,000 rows checked." in body
    assert page["Refresh"] == "2"  # reloads itself, no script needed


def test_the_job_page_shows_progress_while_the_rows_are_checked_then_the_result(client, case, member, monkeypatch):
    """Progress is committed as it is written: another database session sees it mid-run, and so does
    the page; at the end the page stops reloading and lists every refusal in plain words."""
    rows = _rows(case, 1000)
    rows[9]["event_date"] = "31/02/2026"  # file row 11
    client.force_login(member)
    _post(client, case, _csv(rows))
    job = ImportJob.objects.get()
    seen = {}
    real_check_rows = imports.check_rows

    def check_rows_and_look(case, rows, progress=None):
        def progress_and_look(checked):
            progress(checked)
            if checked == 500:
                seen["page"] = client.get(_job_url(job))

        return real_check_rows(case, rows, progress=progress_and_look)

    monkeypatch.setattr(imports, "check_rows", check_rows_and_look)
    assert import_jobs.run(job.pk) == "done"
    assert "500 of 1,000 rows checked." in seen["page"].content.decode()
    assert seen["page"]["Refresh"] == "2"
    page = client.get(_job_url(job))
    body = page.content.decode()
    assert "Refresh" not in page
    assert "Finished.</strong> 999 imported; 1 had problems and was not imported." in body
    assert "Row 11" in body and "&#x27;31/02/2026&#x27; is not a real date" in body
    job.refresh_from_db()
    assert (job.status, job.rows_checked, job.upload) == ("done", 1000, None)  # the bytes are not kept
    assert len(job.result["imported"]) == 999 and Entry.objects.filter(case=case).count() == 999


@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_as_it_goes_so_another_session_sees_it(case, member, monkeypatch):
    job = import_jobs.start(case=case, by=member, upload=_upload_file(_csv(_rows(case, 600))))
    seen = []
    other = psycopg2.connect(servers.database_url())
    real_check_rows = imports.check_rows

    def watching(case, rows, progress=None):
        def progress_and_look(checked):
            progress(checked)
            with other.cursor() as cursor:
                cursor.execute("SELECT status, rows_checked FROM chronology_importjob WHERE id = %s", [str(job.pk)])
                seen.append(cursor.fetchone())

        return real_check_rows(case, rows, progress=progress_and_look)

    monkeypatch.setattr(imports, "check_rows", watching)
    try:
        import_jobs.run(job.pk)
    finally:
        other.close()
    assert seen == [("running", 250), ("running", 500), ("running", 600)]


def test_a_job_is_run_once_at_a_time_and_a_rerun_after_a_crash_adds_nothing_twice(case, member, monkeypatch):
    job = import_jobs.start(case=case, by=member, upload=_upload_file(_csv(_rows(case, 20))))
    real_finish = import_jobs._finish

    def crash_after_saving(*args, **kwargs):
        raise RuntimeError("worker lost")  # the rows are in; the job's end was never written

    monkeypatch.setattr(import_jobs, "_finish", crash_after_saving)
    with pytest.raises(RuntimeError):
        import_jobs.run(job.pk)
    monkeypatch.setattr(import_jobs, "_finish", real_finish)
    assert Entry.objects.filter(case=case).count() == 20
    # A second delivery while the first run still looks alive does nothing.
    assert import_jobs.run(job.pk) == "running"
    job.refresh_from_db()
    assert job.attempts == 1 and job.upload is not None
    # Its worker has gone quiet for longer than STALE_AFTER: the job is taken again and finishes, adding nothing.
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - import_jobs.STALE_AFTER - timedelta(1))
    assert import_jobs.run(job.pk) == "done"
    job.refresh_from_db()
    assert job.attempts == 2 and len(job.result["skipped"]) == 20 and job.result["imported"] == []
    assert Entry.objects.filter(case=case).count() == 20
    # A finished job is never run again.
    assert import_jobs.run(job.pk) == "done"
    assert ImportJob.objects.get(pk=job.pk).attempts == 2


def test_a_job_that_keeps_crashing_is_given_up_with_a_plain_message(client, case, member):
    job = import_jobs.start(case=case, by=member, upload=_upload_file(_csv(_rows(case, 2))))
    long_ago = timezone.now() - import_jobs.STALE_AFTER - timedelta(minutes=1)
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", attempts=import_jobs.MAX_ATTEMPTS, heartbeat_at=long_ago
    )
    assert import_jobs.run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.upload is None and not Entry.objects.exists()
    client.force_login(member)
    assert "Nothing from this file was added. Please upload it again." in client.get(_job_url(job)).content.decode()


def test_a_case_closed_before_the_job_runs_gets_nothing(case, member):
    job = import_jobs.start(case=case, by=member, upload=_upload_file(_csv(_rows(case, 3))))
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_on=timezone.localdate())
    assert import_jobs.run(job.pk) == "failed"
    job.refresh_from_db()
    assert "This case is closed" in job.failure and job.upload is None
    assert not Entry.objects.exists()


def test_only_those_who_may_import_into_the_case_see_its_jobs(client, case, member, reader, outsider, lead):
    job = import_jobs.start(case=case, by=member, upload=_upload_file(_csv(_rows(case, 1))))
    client.force_login(outsider)
    assert client.get(_job_url(job)).status_code == 404
    client.force_login(reader)
    assert client.get(_job_url(job)).status_code == 403
    # A job is found only under its own case: another case's reference does not reach it.
    other = Case.objects.exclude(pk=case.pk).first() or _another_case(lead)
    client.force_login(lead)
    assert client.get(reverse("chronology:import_job", args=[other.reference, job.pk])).status_code == 404
    assert client.get(reverse("chronology:import_job", args=[case.reference, uuid.uuid4()])).status_code == 404


def _another_case(lead):
    from tests.factories import CaseFactory

    return CaseFactory(lead_professional=lead)


def test_with_the_broker_down_the_job_stays_queued_and_the_upload_still_answers(
    client, case, member, broker_unreachable, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, case, _csv(_rows(case, 3)))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "queued" and job.upload is not None
    # Still down a minute later: the periodic pickup asks, fails quietly, and the job waits on.
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert import_jobs.resume_waiting() == 0
    assert ImportJob.objects.get(pk=job.pk).status == "queued"


def test_the_periodic_pickup_asks_only_for_jobs_no_worker_is_running(case, member, monkeypatch):
    asked = []
    monkeypatch.setattr(tasks.run_import, "delay", lambda job_id: asked.append(job_id))
    upload = _upload_file(_csv(_rows(case, 1)))
    fresh, waiting, lost, busy = (import_jobs.start(case=case, by=member, upload=upload) for _ in range(4))
    ago = timezone.now() - timedelta(minutes=10)
    ImportJob.objects.filter(pk=waiting.pk).update(created_at=ago)
    ImportJob.objects.filter(pk__in=[lost.pk, busy.pk]).update(status="running", created_at=ago, heartbeat_at=ago)
    ImportJob.objects.filter(pk=busy.pk).update(heartbeat_at=timezone.now())
    assert import_jobs.resume_waiting() == 2
    assert sorted(asked) == sorted([str(waiting.pk), str(lost.pk)])


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_runs_a_job_queued_while_the_broker_was_down(
    client, case, member, tmp_path, monkeypatch
):
    """The upload's request to the broker fails (as when Redis is down); once it is back, the periodic
    pickup, on a real worker, hands the job out and the worker checks and saves every row."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if connection.vendor != "postgresql" or not broker.startswith("redis://"):
        pytest.fail("Run through `make test`: this test needs PostgreSQL and Redis.")

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    rows = _rows(case, 1200)
    rows[0]["record_type"] = "letter"
    client.force_login(member)
    with monkeypatch.context() as patched:
        patched.setattr(tasks.run_import, "delay", broker_down)
        response = _post(client, case, _csv(rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == "queued"
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    queue = f"test-{uuid.uuid4().hex}"
    env = servers.worker_env(tmp_path, broker, queue)
    worker = _start_worker(env, queue, loglevel="WARNING")
    try:
        tasks.resume_imports.apply_async(queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and ImportJob.objects.get(pk=job.pk).status != "done":
            time.sleep(0.5)
        job.refresh_from_db()
        assert job.status == "done", worker.poll()
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert "Traceback" not in output, output
    assert (job.rows_checked, len(job.result["imported"]), job.upload) == (1200, 1199, None)
    assert Entry.objects.filter(case=case).count() == 1199
    body = client.get(_job_url(job)).content.decode()
    assert "1,199 imported; 1 had problems and was not imported." in body
    assert "record_type &#x27;letter&#x27; must be event, appointment or ae_attendance." in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_phone_browser_without_javascript_the_job_page_updates_itself_to_the_result(
    browser, live_server, case, member, monkeypatch, tmp_path
):
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    monkeypatch.setattr(tasks.run_import, "delay", lambda job_id: None)  # the test runs the job itself
    rows = _rows(case, 30)
    rows[4]["child_first_name"] = "Nobody"
    upload = tmp_path / "health-visits.csv"
    upload.write_bytes(_csv(rows))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", member.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.goto(f"{live_server.url}{reverse('chronology:import', args=[case.reference])}")
        page.set_input_files("input[name=file]", str(upload))
        page.click("button:has-text('Import')")
        expect(page.locator("[role=status]")).to_contain_text("Waiting to start. 0 of 30 rows checked.")
        import_jobs.run(ImportJob.objects.get().pk)
        # No script and no click: the page's Refresh header brings the result.
        expect(page.locator("[role=status]")).to_contain_text(
            "Finished. 29 imported; 1 had problems and was not imported.", timeout=10_000
        )
        expect(page.locator("table")).to_contain_text("No child in this household has that first name")
    finally:
        context.close()
