"""Base settings, read from environment variables with safe defaults.

Every variable is read once through `env` (settings/env.py: django-environ's `Env`), typed and with its
default; no module here reads `os.environ` itself.

With no variables set the portal runs the embedded demo: SQLite and Celery's filesystem broker
under var/. Every variable is listed in .env.example and the README.
"""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF

from neglect_portal.settings.env import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# "demo" (default) or "production". Production refuses to start without a real secret key.
DJANGO_ENV = env.str("DJANGO_ENV", default="demo")
if DJANGO_ENV not in ("demo", "production"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_ENV must be 'demo' or 'production'")

DEMO_SECRET_KEY = "demo-only-insecure-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEMO_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The portal's apps, by floor (docs/architecture.md): each imports only its own floor or below.
    "common",
    "workdays",
    "audit",
    "accounts",
    "notifications",
    "cases",
    "chronology",
    "gcp2",
    "plans",
    "referrals",
    "monitoring",
    "dashboards",
    "reporting",
    "demo",
    "bench",  # not in production: settings/production.py leaves it out
]

MIDDLEWARE = [
    "accounts.middleware.RequestIdMiddleware",
    # Outermost after the request id, so it sees every answer last: HEAD answers lose their body.
    "common.middleware.HeadWithoutBodyMiddleware",
    "accounts.middleware.SensitivePostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before sessions, authentication and CSRF, so that nothing reads an oversized body first; after
    # the security headers, so that its 413 carries them too.
    "common.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.AbsoluteSessionLimitMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the 429 page.
    "axes.middleware.AxesMiddleware",
]

# --- Request limits (docs/security.md, R21) ------------------------------------------------------
# gunicorn has no body-size setting, so Django bounds every request: RequestSizeLimitMiddleware refuses a
# declared Content-Length over the limit before reading, and CappedUploadHandler stops a file upload
# past its cap. The largest ordinary form (every text box full) is well under 1 MB.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=1024 * 1024)
# Pages that accept a file, by resolved URL name, each with the setting holding its file cap. Only these
# get a larger body limit (the cap plus REQUEST_MAX_BYTES for the other fields and the envelope).
REQUEST_UPLOAD_PAGES = {"chronology:import": "CHRONOLOGY_IMPORT_MAX_BYTES"}
# Form fields other than files, in memory; the same bound as the body.
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
# Files above this are written to a temporary file while they arrive (never more than the cap).
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
# The largest form (a GCP2 area) has under 100 fields; the import sends one file.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=500)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=5)
FILE_UPLOAD_HANDLERS = [
    "common.uploads.CappedUploadHandler",  # first: counts every file's bytes and stops past the cap
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

ROOT_URLCONF = "neglect_portal.urls"
WSGI_APPLICATION = "neglect_portal.wsgi.application"
ASGI_APPLICATION = "neglect_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboards.context_processors.unread_notifications",
                "common.drafts.saved_drafts",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://portal:secret@127.0.0.1:5432/portal. Default: SQLite under var/.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, worker and beat read while one of them writes; IMMEDIATE takes the
    # write lock at BEGIN so two writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiler switches on for queries its planner thinks are costly, such as the
    # dashboards' per-case subqueries, and then spends ~50 ms compiling a query that runs in ~10 ms
    # (bench/README.md). Short interactive queries are better without it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

# Reads and refusals are audited on their own connection so that a rolled-back request cannot
# erase them (docs/security.md, R24). Same database, separate session.
DATABASES["audit"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
AUDIT_DB_ALIAS = "audit"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth and sessions ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # django-axes: refuses locked-out sign-ins first
    "accounts.backends.PortalBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# 30 minutes idle (renewed on every request), 12 hours absolute (AbsoluteSessionLimitMiddleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_LIMIT_SECONDS = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Sign-in protection (django-axes; docs/security.md, R10) -------------------------------------
# Only a (username, address) pair is locked, after 5 failures, until the cool-off ends: someone
# elsewhere cannot lock a colleague out, whether by guessing their username from another address or
# by spraying from the office's shared address. The wider ceilings (per username from any address, per
# address across usernames) slow rather than lock (accounts.backends.sign_in_delay): 429 with a
# Retry-After of 1, 2, 4 ... seconds, at most LOGIN_SLOW_MAX_SECONDS. A refusal, not a server-side
# sleep, so that an attacker cannot tie up the web server's few threads. A success resets the pair.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURES_BEFORE_LOCKOUT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=30))
AXES_RESET_ON_SUCCESS = True
# A try while the pair is locked checks no password, so it is not counted: hammering one's own locked
# pair must not push the username past its ceiling and slow the real user.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
LOGIN_SLOW_AFTER_PER_USERNAME = env.int("LOGIN_SLOW_AFTER_PER_USERNAME", default=10)
LOGIN_SLOW_AFTER_PER_ADDRESS = env.int("LOGIN_SLOW_AFTER_PER_ADDRESS", default=20)
LOGIN_SLOW_MAX_SECONDS = env.int("LOGIN_SLOW_MAX_SECONDS", default=30)
# An address this username signed in from within this many days is not slowed by the username's ceiling.
LOGIN_KNOWN_ADDRESS_DAYS = 30
# The client address is REMOTE_ADDR only: our reverse proxy sets it, clients cannot forge it.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False

# --- Two-factor authentication (django-otp, TOTP) ---------------------------------------------
# Required for everyone in production; optional (offered, not forced) in the demo.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=DJANGO_ENV == "production")
OTP_TOTP_ISSUER = "Neglect case portal"
MFA_BACKUP_CODE_COUNT = 10
# Step-up (docs/security.md, R15, R22): exports and changing the second factor need a full sign-in this
# recent; each person may export this many times an hour (counted from the audit trail).
STEP_UP_SECONDS = env.int("STEP_UP_SECONDS", default=5 * 60)
EXPORTS_PER_HOUR = env.int("EXPORTS_PER_HOUR", default=20)

# --- Content Security Policy (django-csp): no inline scripts or styles, nothing from elsewhere ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Locale: UK English, UK dates, London time --------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"]

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
# Outside production, serve straight from static/ so the demo and tests need no collectstatic.
WHITENOISE_USE_FINDERS = DJANGO_ENV != "production"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ------------------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:pass@mail.example.org:587. Default: printed to the console.
# Query options other than email_use_tls and email_use_ssl (which Django's email settings do not have) are ignored.
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
    # django-environ drops the leading slash of filemail:///abs/path; keep the path absolute.
    EMAIL_FILE_PATH = "/" + _email["EMAIL_FILE_PATH"].lstrip("/") if _email["EMAIL_FILE_PATH"] else ""
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="neglect-portal@localhost")

# --- Cache ------------------------------------------------------------------------------------
# CACHE_URL, e.g. redis://127.0.0.1:6379/2, shares one cache between the web processes. Only values the
# portal can recompute are cached, and the Redis backend answers as a miss while Redis is down
# (common/cache.py). Without it each process has its own memory cache.
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "common.cache.TolerantRedisCache",
            "LOCATION": CACHE_URL,
            # Half a second to connect or answer: a cache that has gone quiet must not hold up the page.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }

# --- Celery -----------------------------------------------------------------------------------
# CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/0. Default: the filesystem transport under var/,
# which needs no server and is what `make run` uses.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    # The exchange tables too: kombu's default is a "control" folder in the working directory.
    _control_dir = VAR_DIR / "celery" / "control"
    for _dir in (_queue_dir, _processed_dir, _control_dir):
        _dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
else:
    # A task a dead worker took is handed out again after this many seconds, so a crash delays a job by
    # about two minutes. Longer runs are not done twice: the long jobs hold a lease, renewed while they
    # run, that a second delivery respects (common/leases.py, docs/security.md R36). Keep it above any
    # countdown we use.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=120)}
# Tests give each real worker its own queue so that parallel test runs never share tasks.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat's own scheduler, which also records that beat is alive (neglect_portal/catchup.py).
CELERY_BEAT_SCHEDULER = "neglect_portal.catchup:RecordingScheduler"
# The local authority's code in the children in need census return's header (reporting/, docs/census.md).
CENSUS_LA_CODE = env.str("CENSUS_LA_CODE", default="123")

# The single beat schedule (see the README's "Background jobs").
CELERY_BEAT_SCHEDULE = {
    # Every 15 min: run the monitoring rules. Overlapping runs are harmless (unique open flags).
    "sweep": {"task": "cases.tasks.sweep", "schedule": crontab(minute="*/15")},
    # Every 5 min: drain the notification outbox, so nothing waits long after a broker outage.
    "send-notifications": {"task": "cases.tasks.send_notifications", "schedule": crontab(minute="*/5")},
    # Hourly: flags left unacknowledged and long plans escalate; unanswered stages move up.
    "advance-escalations": {"task": "cases.tasks.advance_escalations", "schedule": crontab(minute=5)},
    # Every minute: partner imports still waiting (broker down at upload) or left by a dead worker are
    # asked for again (chronology/import_jobs.py).
    "resume-imports": {"task": "chronology.tasks.resume_imports", "schedule": crontab()},
    # 07:00 each day: one email per person who chose a daily digest.
    "daily-digests": {"task": "cases.tasks.send_daily_digests", "schedule": crontab(hour=7, minute=0)},
    # 02:30 each night: the census readiness checks for the current year, and any check left waiting.
    "census-readiness": {"task": "reporting.tasks.nightly_census_check", "schedule": crontab(hour=2, minute=30)},
}

# Seconds after which a periodic job counts as missed: a worker that (re)connects to the broker runs at
# once each job not completed within its interval (neglect_portal/catchup.py), so no tick is lost to
# an outage. A little longer than each schedule's period, so an ordinary tick is never doubled.
PERIODIC_CATCH_UP = {
    "cases.tasks.sweep": 20 * 60,
    "cases.tasks.send_notifications": 7 * 60,
    "cases.tasks.advance_escalations": 65 * 60,
    "cases.tasks.send_daily_digests": 25 * 60 * 60,
    "reporting.tasks.nightly_census_check": 25 * 60 * 60,
}

# --- Logging: IDs only, never personal data -------------------------------------------------------
# JSON lines with the request id (accounts/logging.py); set LOG_FORMAT=plain for a terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "accounts.logging.RequestIdFilter"},
        # One traceback a minute per kind of failure, however many requests fail (common/logging.py).
        "repeated_tracebacks": {"()": "common.logging.RepeatedTracebackFilter"},
    },
    "formatters": {
        "json": {"()": "accounts.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="json"),
            "filters": ["request_id", "repeated_tracebacks"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request bodies can hold case notes; Django logs only the path and status here.
        "django.request": {"level": "ERROR"},
        # One line per failed sign-in is enough (the audit trail has the detail).
        "axes": {"level": "WARNING"},
    },
}

# --- Portal settings ------------------------------------------------------------------------------
CASE_REFERENCE_PREFIX = env.str("CASE_REFERENCE_PREFIX", default="NP")
# The child and family assessment is due this many working days after the referral was received (Working
# Together 2023: 45). A setting, not a plans Timescale row, because cases (which computes it) sits below plans.
ASSESSMENT_WORKING_DAYS = env.int("ASSESSMENT_WORKING_DAYS", default=45)
# A child's death on an open case: the serious incident notification to Ofsted and the national panel is due
# within this many working days of the local authority learning of it (docs/practice.md, "When a child dies").
SERIOUS_INCIDENT_WORKING_DAYS = env.int("SERIOUS_INCIDENT_WORKING_DAYS", default=5)
# The address people use to reach the portal, for links in emails.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# GCP2 (gcp2/): months from one completed assessment to the next repeat while the case is open,
# and the observation-window warnings (docs/practice.md, "GCP2": 4–6 visits over 2–4 weeks).
GCP2_REPEAT_MONTHS_CHILD_PROTECTION = env.int("GCP2_REPEAT_MONTHS_CHILD_PROTECTION", default=3)
GCP2_REPEAT_MONTHS_OTHER = env.int("GCP2_REPEAT_MONTHS_OTHER", default=6)
GCP2_MIN_VISITS = env.int("GCP2_MIN_VISITS", default=4)
GCP2_MAX_WINDOW_DAYS = env.int("GCP2_MAX_WINDOW_DAYS", default=28)

# --- Chronology (issue #4) -------------------------------------------------------------------------
# The gap threshold is not set here: administrators set it in the admin (Chronology settings).
# Partner CSV imports larger than this are refused before they are read (bytes; default 5 MB).
CHRONOLOGY_IMPORT_MAX_BYTES = env.int("CHRONOLOGY_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
