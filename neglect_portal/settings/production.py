"""Production hardening, applied on top of base when DJANGO_ENV=production.

Refuses to start without a real SECRET_KEY, leaves the benchmark out and passes `manage.py check --deploy`.
"""

from django.core.exceptions import ImproperlyConfigured

from neglect_portal.settings.base import DEMO_SECRET_KEY, INSTALLED_APPS, SECRET_KEY
from neglect_portal.settings.env import env

if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "DJANGO_ENV=production needs SECRET_KEY set to a random value of at least 50 characters."
    )

DEBUG = False
# The benchmark (bench/: its synthetic-data command and trivial page) is for the demo and the tests only;
# `make bench` runs with DJANGO_ENV=demo.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "bench"]
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
