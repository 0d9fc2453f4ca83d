"""App config for dashboards: the practitioner home, caseload, manager's view, search and the case page."""

from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Dashboards"
