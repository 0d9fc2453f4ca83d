"""Top-level URLs: home, sign-in and passwords, two-factor, health check, admin and each app's pages."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from dashboards.views import glossary, home
from neglect_portal import health

# The admin site's sign-in goes through the same throttle as the portal's (read when admin.site.urls
# builds its patterns below).
admin.site.login = account_views.sign_in_throttled(admin.site.login)

# A database outage is a calm 503, anything else the 500 page (common/errors.py).
handler500 = "common.errors.server_error"

urlpatterns = [
    path("", home, name="home"),
    # Sign-in (Django's view behind our throttle), sign-out (POST only), password change and reset
    # views, with our templates.
    path("accounts/login/", account_views.sign_in, name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/mfa/setup/", account_views.mfa_setup, name="mfa_setup"),
    path("accounts/mfa/verify/", account_views.mfa_verify, name="mfa_verify"),
    path("accounts/confirm/", account_views.confirm_identity, name="confirm_identity"),
    path("accounts/mfa/backup-codes/", account_views.mfa_backup_codes, name="mfa_backup_codes"),
    # Readiness for load balancers, liveness, and a status for monitoring (neglect_portal/health.py).
    path("healthz", health.ready, name="healthz"),
    path("healthz/live", health.live, name="healthz_live"),
    path("healthz/status", health.status, name="healthz_status"),
    path("glossary/", glossary, name="glossary"),
    path("cases/", include("cases.urls")),
    path("cases/", include("dashboards.urls")),
    path("cases/", include("plans.urls")),
    path("cases/", include("monitoring.urls")),
    path("cases/<caseref:reference>/gcp2/", include("gcp2.urls")),
    path("cases/", include("chronology.urls")),
    path("referrals/", include("referrals.urls")),
    path("reporting/", include("reporting.urls")),
    path("admin/", admin.site.urls),
]
