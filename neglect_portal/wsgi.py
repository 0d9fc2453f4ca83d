"""WSGI entry point for production servers."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neglect_portal.settings")
application = get_wsgi_application()


def freeze_startup_objects() -> None:
    """Move everything loaded at start-up (Django, the apps, the URL patterns) out of the garbage
    collector's reach. A worker never frees those objects, yet every full collection walked all of
    them: 60-90 ms pauses that landed on random requests (bench/README.md). Python's documentation
    recommends `gc.freeze()` for pre-fork servers such as gunicorn."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- import the URLconf now, not on the first request
    gc.collect()
    gc.freeze()


freeze_startup_objects()
