"""App config for referrals: the front door. Referrals to the MASH, checks with partner agencies, the
decision and its clock."""

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals (the MASH front door)"
