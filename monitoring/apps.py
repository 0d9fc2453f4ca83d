"""App config for monitoring: monitoring rules and flags, the escalation ladder, the Celery tasks."""

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring and escalation"
