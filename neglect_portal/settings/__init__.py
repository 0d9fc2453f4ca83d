"""Settings entry point: base settings, plus production hardening when DJANGO_ENV=production."""

from .base import *  # noqa: F401,F403
from .base import DJANGO_ENV

if DJANGO_ENV == "production":
    from .production import *  # noqa: F401,F403
