"""App config for accounts; connects the login/logout audit receivers."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and agencies"

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (registers the auth event receivers)
