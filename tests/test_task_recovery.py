"""Jobs come back after a crash and no tick is lost to an outage (issue #19, items 4 and 5): the lease that
keeps a redelivered run from doing the work twice, the record of when each periodic job last completed,
and a worker that runs at once what a broker outage made beat skip."""

import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from common import periodic
from common.leases import lease
from common.models import PeriodicRun, TaskLease
from monitoring import tasks
from monitoring.models import Flag
from neglect_portal.catchup import enqueue_overdue
from notifications.models import Notification
from tests import servers
from tests.factories import UserFactory
from tests.test_celery_worker import _baby_case, _start_worker


@pytest.mark.django_db(transaction=True)
def test_a_live_lease_makes_a_second_run_stand_down_and_an_expired_one_is_taken_over():
    with lease("sweep") as first:
        assert first is True
        with lease("sweep") as second:
            assert second is False
    assert not TaskLease.objects.exists()  # given up at the end
    TaskLease.objects.create(name="sweep", holder=uuid.uuid4(), expires_at=timezone.now() - timedelta(seconds=1))
    with lease("sweep") as after_a_crash:
        assert after_a_crash is True


@pytest.mark.django_db
def test_a_sweep_delivered_again_while_the_first_run_lives_does_nothing():
    _baby_case()
    TaskLease.objects.create(name="sweep", holder=uuid.uuid4(), expires_at=timezone.now() + timedelta(seconds=60))
    assert tasks.sweep() == {"stood_down": "sweep"}
    assert not Flag.objects.exists()
    assert periodic.last_completed("cases.tasks.sweep") is None


@pytest.mark.django_db
def test_each_periodic_job_records_when_it_last_completed():
    tasks.send_notifications()
    assert periodic.last_completed("cases.tasks.send_notifications") is not None
    assert periodic.last_completed("cases.tasks.sweep") is None


@pytest.mark.django_db
def test_only_jobs_older_than_their_interval_are_overdue():
    now = timezone.now()
    PeriodicRun.objects.create(name="cases.tasks.sweep", last_completed_at=now - timedelta(minutes=25))
    PeriodicRun.objects.create(name="cases.tasks.send_notifications", last_completed_at=now - timedelta(minutes=2))
    overdue = periodic.overdue(settings.PERIODIC_CATCH_UP)
    assert "cases.tasks.sweep" in overdue and "cases.tasks.send_notifications" not in overdue
    assert "cases.tasks.send_daily_digests" in overdue  # never ran


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_tick_lost_while_the_broker_is_down_runs_when_it_returns(tmp_path):
    """A real worker on a private redis-server. While Redis is stopped, the sweep's and the drain's
    slots pass (their last completion becomes older than their interval). Within a minute of Redis
    coming back on the same port the worker has reconnected, run the sweep and sent the email."""
    for name in settings.PERIODIC_CATCH_UP:
        periodic.touch(name)  # all up to date: the worker's first connection sends nothing
    port = servers.free_port()
    redis = servers.start_redis(port, tmp_path)
    queue = f"test-{uuid.uuid4().hex}"
    mail_dir = tmp_path / "mail"
    env = servers.worker_env(tmp_path, f"redis://127.0.0.1:{port}/0", queue, mail_dir=mail_dir)
    worker = _start_worker(env, queue)
    try:
        deadline = time.monotonic() + 60
        for line in worker.stdout:
            if "ready." in line:
                break
            assert time.monotonic() < deadline, "the worker never connected"
        _baby_case(lead_professional=UserFactory(email="lead@example.invalid"))
        servers.stop(redis)
        # The outage spans the slots: as far as the record goes, the last runs are long ago.
        PeriodicRun.objects.filter(name__in=["cases.tasks.sweep", "cases.tasks.send_notifications"]).update(
            last_completed_at=timezone.now() - timedelta(hours=1)
        )
        time.sleep(5)
        redis = servers.start_redis(port, tmp_path)
        back_at = time.monotonic()
        while time.monotonic() < back_at + 60:
            if Notification.objects.filter(status=Notification.Status.SENT).exists():
                break
            time.sleep(0.5)
        took = time.monotonic() - back_at
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
        servers.stop(redis)
    assert Flag.objects.filter(rule=Flag.Rule.NEW_BABY).count() == 1, output[-3000:]
    assert Notification.objects.get().status == Notification.Status.SENT, output[-3000:]
    assert took < 60
    assert timezone.now() - periodic.last_completed("cases.tasks.sweep") < timedelta(minutes=2)
    assert len(list(mail_dir.glob("*.log"))) == 1


@pytest.mark.django_db
def test_catch_up_sends_each_overdue_job_once():
    sent = []

    class App:
        def send_task(self, name):
            sent.append(name)

    for name in settings.PERIODIC_CATCH_UP:
        periodic.touch(name)
    PeriodicRun.objects.filter(name="cases.tasks.sweep").update(last_completed_at=timezone.now() - timedelta(hours=1))
    assert enqueue_overdue(App()) == ["cases.tasks.sweep"] and sent == ["cases.tasks.sweep"]
