"""The neglect case portal's Django project: settings, URLs, the Celery app, WSGI/ASGI entry points."""

from neglect_portal.celery import app as celery_app

__all__ = ("celery_app",)
