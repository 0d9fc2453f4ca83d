"""Settings, health check, sessions and sign-out: what an operator and a signed-in person notice."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.models import Case, CaseMember

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # A deployment has neither the test settings nor the browser tests' async override.
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_passes_check_deploy_with_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("secret", ["", "short-key", "a" * 60])
def test_production_mode_refuses_a_default_or_weak_secret_key(secret):
    env = {**PRODUCTION_ENV, "SECRET_KEY": secret}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_does_not_install_the_benchmark():
    script = "from django.apps import apps; print(sorted(a.name for a in apps.get_app_configs()))"
    result = _manage("shell", "-c", script, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "'dashboards'" in result.stdout and "'bench'" not in result.stdout
    assert "Unknown command: 'bench_data'" in _manage("bench_data", env=PRODUCTION_ENV).stderr
    # The demo and test settings install it: `make bench` (DJANGO_ENV=demo) and tests/test_bench.py use it.
    assert "bench" in settings.INSTALLED_APPS
    demo = _manage("help", "bench_data", env={**PRODUCTION_ENV, "DJANGO_ENV": "demo"})
    assert demo.returncode == 0 and "--households" in demo.stdout


def test_seed_demo_refuses_in_production():
    result = _manage("seed_demo", env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "refuses to run in production" in result.stderr


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_gives_practitioner_some_cases_only():
    call_command("seed_demo")
    counts = (User.objects.count(), Case.objects.count(), CaseMember.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Case.objects.count(), CaseMember.objects.count()) == counts
    assert 35 <= counts[1] <= 50
    with_practitioner = Case.objects.filter(members__user__username="practitioner").distinct().count()
    assert 0 < with_practitioner < counts[1]
    for username in ("practitioner", "teacher", "lead", "manager", "senior", "admin"):
        assert User.objects.get(username=username).check_password("demo")
    manager = User.objects.get(username="manager")
    assert User.objects.get(username="lead").team.manager == manager


@pytest.mark.django_db
def test_health_status_reports_database_and_broker_without_login(client):
    response = client.get(reverse("healthz_status"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["database"], body["broker"]) == ("ok", True, True)
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_logout_is_post_only(client, lead):
    client.force_login(lead)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("cases:list")).status_code == 200  # still signed in
    client.post(reverse("logout"))
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def _sign_in(client):
    return client.post(reverse("login"), {"username": "lead_p", "password": "correct-horse-battery"})


@pytest.mark.django_db
def test_idle_session_ends_after_30_minutes(client, lead, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    assert _sign_in(client).status_code == 302
    time_machine.shift(timedelta(minutes=29))
    assert client.get(reverse("cases:list")).status_code == 200
    time_machine.shift(timedelta(minutes=31))
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_session_ends_12_hours_after_sign_in_however_active(client, lead, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _sign_in(client)
    for _ in range(71):  # a request every 10 minutes for 11 h 50 min
        time_machine.shift(timedelta(minutes=10))
        assert client.get(reverse("cases:list")).status_code == 200
    time_machine.shift(timedelta(minutes=11))
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_home_is_the_login_page_before_sign_in_and_home_after(client, lead):
    response = client.get("/")
    assert response.status_code == 200 and b"Sign in" in response.content
    _sign_in(client)
    response = client.get("/")
    assert b"Cases I am on the team for" in response.content
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_new_session_key_at_login(client, lead):
    client.get("/")
    client.cookies["sessionid"] = "attacker-chosen-key"
    _sign_in(client)
    assert client.cookies["sessionid"].value != "attacker-chosen-key"


def test_settings_are_safe_by_default():
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_AGE == 1800 and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.X_FRAME_OPTIONS == "DENY"


@override_settings(DEBUG=False)
@pytest.mark.django_db
def test_unknown_page_is_a_plain_404(client, lead):
    client.force_login(lead)
    response = client.get("/cases/NP-2026-99999/")
    assert response.status_code == 404
    assert b"There is no page at this address" in response.content


def _env(**variables):
    from neglect_portal.settings.env import Env

    reader = Env()
    reader.ENVIRON = variables
    return reader


def test_env_booleans_are_true_false_1_or_0_and_anything_else_stops_start_up():
    from django.core.exceptions import ImproperlyConfigured

    assert _env(A="TRUE", B="1", C="false", D="0").bool("A") is True
    assert [_env(X=raw).bool("X", default=None) for raw in ("True", "1", "False", "0")] == [True, True, False, False]
    for typo in ("ture", "yes", "on", "2", " true"):  # django-environ alone reads these as true or false
        with pytest.raises(ImproperlyConfigured, match="MFA_REQUIRED must be 'true' or 'false'"):
            _env(MFA_REQUIRED=typo).bool("MFA_REQUIRED", default=True)


def test_env_empty_typed_values_take_their_default_and_empty_strings_stay_empty():
    reader = _env(MFA_REQUIRED="", LOGIN_COOLOFF_MINUTES="", ALLOWED_HOSTS="", SECRET_KEY="")
    assert reader.bool("MFA_REQUIRED", default=True) is True
    assert reader.int("LOGIN_COOLOFF_MINUTES", default=30) == 30
    assert reader.list("ALLOWED_HOSTS", default=["localhost"]) == ["localhost"]
    assert reader.str("SECRET_KEY", default="demo") == ""  # production then refuses it
    assert reader.str("UNSET", default="demo") == "demo"


def test_env_numbers_lists_and_dollar_values():
    from django.core.exceptions import ImproperlyConfigured

    assert _env(N=" 7 ").int("N", default=1) == 7
    with pytest.raises(ImproperlyConfigured, match="GCP2_MIN_VISITS must be a whole number, not '1.5'"):
        _env(GCP2_MIN_VISITS="1.5").int("GCP2_MIN_VISITS", default=4)
    assert _env(H=" a.example , b.example,,").list("H", default=[]) == ["a.example", "b.example"]
    # A value is read as written: django-environ alone would read "$HOME…" as the variable HOME.
    assert _env(KEY="$HOME-x", HOME="/root").str("KEY", default="demo") == "$HOME-x"
    assert _env(DATABASE_URL="sqlite:////srv/x.sqlite3").db_url("DATABASE_URL")["NAME"] == "/srv/x.sqlite3"
