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
# pytest-django empties the tables between transactional tests with TRUNCATE, which the append-only
# tables refuse unless their owner's session says so (audit/append_only.py). Only the test
# connections say so; the application's role could set it too but is not the owner and holds no
# TRUNCATE privilege.
for _alias in ("default", "audit"):
    if DATABASES[_alias]["ENGINE"] != "django.db.backends.sqlite3":  # noqa: F405
        _options = {**DATABASES[_alias].get("OPTIONS", {})}  # noqa: F405  (a copy: the aliases share one)
        _options["options"] = (_options.get("options", "") + " -c portal.allow_truncate=on").strip()
        DATABASES[_alias]["OPTIONS"] = _options  # noqa: F405
