"""Faults a partnership will meet (issue #19, items 1–3 and 7): health answers that tell the truth, a
calm 503 while the database is down with one traceback a minute in the log, a cache that may go away,
and a demo that writes only under var/."""

import http.client
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from common.logging import RepeatedTracebackFilter
from neglect_portal.celery import app
from notifications.models import Notification
from tests import servers
from tests.factories import EntryFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def broker_down():
    """The Celery broker at a closed port: a real connection attempt, refused."""
    original = app.conf.broker_write_url
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    yield
    app.conf.broker_write_url = original


def test_liveness_answers_without_touching_anything(client):
    response = client.get(reverse("healthz_live"))
    assert response.status_code == 200 and response.content == b"ok\n"


@pytest.mark.django_db
def test_readiness_is_ok_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.content) == (200, b"ok\n")
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readiness_stays_200_while_only_the_broker_is_down(client, broker_down):
    """A load balancer must not take a portal offline whose pages and saves all still work."""
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.content) == (200, b"degraded: broker\n")
    status = client.get(reverse("healthz_status"))
    assert status.status_code == 200
    assert status.json()["broker"] is False and status.json()["status"] == "degraded: broker"


@pytest.mark.django_db
def test_status_reports_the_age_of_the_oldest_unsent_notification(client, broker_down):
    Notification.objects.create(
        recipient=UserFactory(),
        kind="flag",
        subject_type="monitoring.flag",
        subject_id=uuid.uuid4(),
        summary="A flag needs you",
        link="/",
    )
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=20))
    body = client.get(reverse("healthz_status")).json()
    assert body["database"] is True
    assert 20 * 60 <= body["oldest_unsent_notification_seconds"] < 21 * 60


def test_one_traceback_a_minute_per_kind_however_many_requests_fail():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append((record.getMessage(), record.exc_info))

    logger = logging.getLogger("tests.outage")
    handler = Keep()
    handler.addFilter(RepeatedTracebackFilter())
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for _ in range(50):
            try:
                raise ConnectionRefusedError("connection refused")
            except ConnectionRefusedError:
                logger.exception("Internal Server Error: /cases/")
        try:
            raise KeyError("another kind")
        except KeyError:
            logger.exception("Internal Server Error: /cases/")
    finally:
        logger.removeHandler(handler)
    assert len(records) == 51  # every failure is still counted in the log
    with_traceback = [message for message, exc_info in records if exc_info]
    assert len(with_traceback) == 2  # the first of each kind
    assert "traceback logged at most once a minute" in records[1][0]
    assert "connection refused" not in records[1][0]  # the exception's own text can hold request values


def _start_web(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--workers",
            "1",
            "--threads",
            "2",
            "neglect_portal.wsgi:application",
        ],
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _get(port, "/healthz/live")
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(process.communicate()[0])


def _get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read().decode()
    finally:
        connection.close()


@pytest.mark.slow
def test_with_the_database_down_users_get_a_calm_503_and_the_log_stays_small():
    """A real gunicorn whose database refuses connections (a closed port): readiness says so, pages answer
    503 with Retry-After and a plain message instead of "Something went wrong", and 40 failed requests log
    40 lines but one traceback."""
    port = servers.free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "neglect_portal.settings.test",
        "DATABASE_URL": f"postgres://portal:portal@127.0.0.1:{servers.free_port()}/portal",
        "LOG_FORMAT": "json",
    }
    web = _start_web(env, port)
    try:
        assert _get(port, "/healthz")[::2] == (503, "unavailable: database\n")
        assert _get(port, "/healthz/live")[0] == 200
        assert _get(port, "/healthz/status")[0] == 503
        # A signed-in user's next page: the session lives in the database.
        for _ in range(40):
            status, headers, body = _get(port, "/cases/", headers={"Cookie": "sessionid=" + "a" * 32})
            assert status == 503
        assert headers["Retry-After"] == "60"
        assert "briefly unavailable" in body and "What you saved before is safe" in body
        assert "Something went wrong" not in body
    finally:
        web.send_signal(signal.SIGTERM)
        log = web.communicate(timeout=30)[0]
    failures = [line for line in log.splitlines() if '"Service Unavailable: /cases/' in line]
    assert len(failures) == 40, log[-3000:]
    assert sum('"exception":' in line for line in log.splitlines()) == 1, log[-3000:]
    assert len(log.encode()) < 40 * 1024  # was about 16 KB for each failure


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own, so that stopping it touches no other test."""
    port = servers.free_port()
    server = servers.start_redis(port, tmp_path)
    yield port, server
    servers.stop(server)


@pytest.mark.django_db
def test_pages_keep_working_when_the_cache_server_stops(client, case, lead, private_redis):
    port, server = private_redis
    cache_settings = {
        "default": {
            "BACKEND": "common.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    EntryFactory(case=case)
    client.force_login(lead)
    timeline = reverse("chronology:timeline", args=[case.reference])
    with override_settings(CACHES=cache_settings):
        caches._settings = None  # noqa: SLF001 - let the override's cache be built afresh
        try:
            assert client.get(timeline).status_code == 200
            used = subprocess.run(
                ["redis-cli", "-p", str(port), "dbsize"], capture_output=True, text=True, check=True
            ).stdout.strip()
            assert int(used) > 0  # the page really went through the cache
            servers.stop(server)
            assert client.get(timeline).status_code == 200
            assert client.get(reverse("dashboards:detail", args=[case.reference])).status_code == 200
        finally:
            for alias in list(caches):
                caches[alias].close()
            del caches["default"]
    caches._settings = None  # noqa: SLF001


def test_the_demo_writes_only_under_var(tmp_path):
    """The filesystem broker keeps its exchange tables under var/ too: publishing a task and a control
    message from a clean working directory leaves nothing beside var/."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")},
        "DJANGO_SETTINGS_MODULE": "neglect_portal.settings",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(ROOT),
    }
    script = (
        "import django; django.setup()\n"
        "from neglect_portal.celery import app\n"
        "app.send_task('monitoring.tasks.sweep')\n"
        "app.control.ping(timeout=0.2)\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=True, timeout=60)
    assert sorted(os.listdir(tmp_path)) == ["var"]
    assert (tmp_path / "var" / "celery" / "control").is_dir()
