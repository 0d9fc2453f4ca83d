"""The one Celery app. Tasks live in each app's tasks.py; the beat schedule lives in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neglect_portal.settings")

app = Celery("neglect_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Catch up on periodic work whenever a worker (re)connects to the broker (neglect_portal/catchup.py).
from .catchup import CatchUpStep  # noqa: E402  (needs the app above; imports nothing of Django's models)

app.steps["consumer"].add(CatchUpStep)
