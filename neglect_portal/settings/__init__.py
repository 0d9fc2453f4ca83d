"""Settings entry point: base settings, plus production hardening when DJANGO_ENV=production."""

from neglect_portal.settings.base import *  # noqa: F401,F403
from neglect_portal.settings.base import DJANGO_ENV

if DJANGO_ENV == "production":
    from neglect_portal.settings.production import *  # noqa: F401,F403
