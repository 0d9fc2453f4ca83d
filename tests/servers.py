"""Real servers the outage tests start and stop themselves, never the shared ones other tests use."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def start_redis(port: int, directory: Path) -> subprocess.Popen:
    """A redis-server of the test's own on ``port``, keeping nothing on disk."""
    server = subprocess.Popen(
        [
            shutil.which("redis-server"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return server


def stop(server: subprocess.Popen) -> None:
    server.kill()
    server.wait(timeout=10)


def database_url() -> str:
    """The test database this process uses, as a URL for a worker started beside it."""
    from django.db import connection

    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_env(tmp_path: Path, broker: str, queue: str, *, mail_dir: Path | None = None) -> dict:
    """The environment of a real Celery worker on the production settings, sharing this test's database
    and broker but consuming its own queue, with its own var folder (and mail folder when given)."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")},
        "DJANGO_SETTINGS_MODULE": "neglect_portal.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
    }
    if mail_dir is not None:
        env["EMAIL_URL"] = f"filemail://{mail_dir}"
    return env
