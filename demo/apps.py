"""App config for demo: the demo partnership (seed_demo); never installed in production."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "Demo data"
