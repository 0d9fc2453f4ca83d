"""Background jobs for real: a Celery worker process on Redis runs the sweep and sends the email;
with the broker unreachable, work carries on and each notification is sent exactly once later."""

import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from common import periodic
from monitoring import tasks
from monitoring.models import Flag
from monitoring.outbox import send_due
from notifications.models import Notification
from tests import servers
from tests.factories import CaseFactory, EntryFactory, HouseholdMemberFactory, PersonFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


def _baby_case(**kwargs):
    case = CaseFactory(opened_on=date(2026, 9, 1), **kwargs)
    HouseholdMemberFactory(
        case=case, person=PersonFactory(date_of_birth=date(2026, 10, 1)), joined_on=date(2026, 10, 2)
    )
    # Recent contact, so that only the new-baby rule fires (not "no recent contact").
    EntryFactory(case=case, occurred_on=timezone.localdate())
    return case


@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_runs_the_sweep_and_sends_the_email(tmp_path):
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if connection.vendor != "postgresql" or not broker.startswith("redis://"):
        pytest.fail("Run through `make test`: this test needs PostgreSQL and Redis.")
    lead = UserFactory(email="lead@example.invalid")
    _baby_case(lead_professional=lead)
    queue = f"test-{uuid.uuid4().hex}"
    mail_dir = tmp_path / "mail"
    env = servers.worker_env(tmp_path, broker, queue, mail_dir=mail_dir)
    worker = _start_worker(env, queue, loglevel="WARNING")
    try:
        tasks.sweep.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Notification.objects.filter(status=Notification.Status.SENT).exists():
                break
            time.sleep(0.5)
        assert Flag.objects.filter(rule=Flag.Rule.NEW_BABY).count() == 1
        note = Notification.objects.get()
        assert note.status == Notification.Status.SENT, worker.poll()
        sent = list(mail_dir.glob("*.log"))
        assert len(sent) == 1 and "lead@example.invalid" in sent[0].read_text()
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert "Traceback" not in output, output


@pytest.mark.django_db
def test_broker_down_delays_notifications_but_loses_and_duplicates_nothing(client, lead, broker_unreachable):
    case = _baby_case(lead_professional=lead)
    result = tasks.sweep()  # as beat would run it; the follow-up enqueue fails quietly
    assert result["raised"] == 1
    client.force_login(lead)
    assert client.get(reverse("dashboards:detail", args=[case.reference])).status_code == 200
    assert (
        client.post(
            reverse("cases:household_add", args=[case.reference]),
            {
                "first_name": "Ava",
                "last_name": "Stone",
                "relationship": "child",
                "date_of_birth": "2020-01-01",
                "joined_on": "2026-10-01",
                "submission_token": str(uuid.uuid4()),
            },
        ).status_code
        == 302
    )
    assert client.get(reverse("healthz")).content == b"degraded: broker\n"
    assert Notification.objects.get().status == Notification.Status.PENDING
    # The broker is back: the next scheduled drain sends each notification exactly once.
    assert send_due() == 1
    assert send_due() == 0
    assert Notification.objects.get().status == Notification.Status.SENT


def _start_worker(env: dict, queue: str, loglevel: str = "INFO") -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "neglect_portal",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            f"--loglevel={loglevel}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killing_a_worker_during_a_sweep_loses_and_duplicates_nothing(tmp_path):
    """SIGKILL the worker as soon as it has taken the sweep, with the default visibility timeout and
    lease: the unacknowledged task goes back to the queue after two minutes, a second worker that is
    already running takes it (the dead run's lease has lapsed by then) and completes it, and the end
    state is exactly one flag and one notification per condition, as after one clean run."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if connection.vendor != "postgresql" or not broker.startswith("redis://"):
        pytest.fail("Run through `make test`: this test needs PostgreSQL and Redis.")
    for _ in range(60):
        _baby_case()
    # Every periodic job has just run, so the workers' catch-up on connecting sends nothing: the sweep
    # below can only be completed by the broker handing the killed worker's task out again.
    for name in settings.PERIODIC_CATCH_UP:
        periodic.touch(name)
    swept_before = periodic.last_completed("cases.tasks.sweep")
    queue = f"test-{uuid.uuid4().hex}"
    env = servers.worker_env(tmp_path, broker, queue, mail_dir=tmp_path / "mail")
    env.pop("CELERY_VISIBILITY_TIMEOUT", None)  # the defaults, as deployed
    first = _start_worker(env, queue)
    second = None
    try:
        tasks.sweep.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        for line in first.stdout:  # kill the moment it reports taking the task
            if "cases.tasks.sweep" in line and "received" in line.lower():
                break
            assert time.monotonic() < deadline, "the first worker never took the task"
        first.kill()
        first.wait(timeout=30)
        killed_at = time.monotonic()
        second = _start_worker(env, queue, loglevel="WARNING")
        deadline = killed_at + 4 * 60
        while time.monotonic() < deadline:
            if (
                periodic.last_completed("cases.tasks.sweep") != swept_before
                and not Notification.objects.filter(status=Notification.Status.PENDING).exists()
            ):
                break
            time.sleep(1)
        took = time.monotonic() - killed_at
    finally:
        if first.poll() is None:
            first.kill()
        if second is not None:
            second.terminate()
            second.communicate(timeout=30)
    from monitoring import rules as monitoring

    assert periodic.last_completed("cases.tasks.sweep") != swept_before, "no worker completed the sweep"
    assert took < 4 * 60
    assert Flag.objects.filter(rule=Flag.Rule.NEW_BABY).count() == 60
    assert monitoring.sweep().raised == 0  # nothing was lost: a clean sweep finds nothing new
    assert Notification.objects.count() == 60  # one per flag, none twice
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 60
