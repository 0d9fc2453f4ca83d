"""App config for gcp2."""

from django.apps import AppConfig


class Gcp2Config(AppConfig):
    name = "gcp2"
    verbose_name = "Graded Care Profile 2"
