"""App config for plans: plans, outcomes and actions, meetings and reviews, timescales, supervision,
closing and transfer."""

from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Plans and reviews"
