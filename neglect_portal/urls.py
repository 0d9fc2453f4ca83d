"""Top-level URLs: home, sign-in, health check, admin and each app's pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import healthz
from cases.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("cases/", include("cases.urls")),
    path("cases/", include("chronology.urls")),
    path("admin/", admin.site.urls),
]
