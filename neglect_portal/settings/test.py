"""Test settings: base settings with fast hashing, in-memory email and eager-free Celery.

The test suite runs on PostgreSQL and Redis (`make test` sets DATABASE_URL and CELERY_BROKER_URL).
"""

from neglect_portal.settings.base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run inside one transaction per test; the separate audit connection is exercised by its
# own transactional test (tests/test_audit.py), which switches this back to "audit".
AUDIT_DB_ALIAS = "default"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
