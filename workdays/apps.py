"""App config for workdays: the working-day calendar, local closure days and due status."""

from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "workdays"
    verbose_name = "Working days"
