"""The one reader of environment variables for every settings module: django-environ's `Env`.

Settings read each variable once, typed and with its default: `env.str`, `env.bool`, `env.int`, `env.list`,
`env.db_url`, `env.email_url`. Four of django-environ's own rules would change what a variable already means
here, so this `Env` keeps the rules the portal has always had:

- **A boolean is `true`, `false`, `1` or `0`** (any case); anything else stops start-up with the variable's
  name. django-environ reads every other word as false, so `MFA_REQUIRED=ture` would turn two-factor sign-in
  off in production without a word.
- **An empty boolean, number or list is unset** and takes its default (`MFA_REQUIRED=` in production is still
  true); django-environ reads an empty boolean as false and fails on an empty number. An empty string stays
  empty (`SECRET_KEY=` is refused by production, not replaced by the demo key).
- **A number that is not a whole number** stops start-up with the variable's name, not a bare `ValueError`.
- **List items are trimmed** (`ALLOWED_HOSTS=a.example, b.example`) and empty items dropped.
- **Values are read as written.** django-environ takes a value that starts with `$` as the name of another
  variable to read instead; a secret key made by Django's `get_random_secret_key` can start with `$`. URLs
  (`DATABASE_URL`, `EMAIL_URL`) go through django-environ unchanged, as they always have.
"""

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE, _FALSE = ("true", "1"), ("false", "0")
_EXPECTED = {bool: "'true' or 'false'", int: "a whole number"}


class Env(environ.Env):
    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        if cast not in (str, bool, int, list):
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        raw = self.ENVIRON.get(f"{self.prefix}{var}")
        if raw is None or (raw == "" and cast is not str):
            if default is self.NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable")
            return default
        try:
            return self.parse_value(raw, cast)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{var} must be {_EXPECTED[cast]}, not {raw!r}") from exc

    @classmethod
    def parse_value(cls, value, cast):
        if cast is bool:
            if value.lower() not in _TRUE + _FALSE:
                raise ValueError(value)
            return value.lower() in _TRUE
        if cast is list:
            return [item.strip() for item in value.split(",") if item.strip()]
        return super().parse_value(value, cast)


env = Env()
