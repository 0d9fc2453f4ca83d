"""App config for common: the shared form flow, one-time tokens and the `caseref` URL converter."""

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Shared form flow"

    def ready(self) -> None:
        from django.urls import register_converter

        from .converters import CaseReferenceConverter

        register_converter(CaseReferenceConverter, "caseref")
