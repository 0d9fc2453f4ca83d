"""App config for reporting: the children in need census return and its readiness checks (docs/census.md)."""

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"
