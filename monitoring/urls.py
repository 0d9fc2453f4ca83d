"""Monitoring URLs under a case: /cases/<reference>/flags/… and …/escalations/…."""

from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("<caseref:reference>/flags/", views.case_flags, name="flags"),
    path("<caseref:reference>/flags/<uuid:flag_id>/acknowledge/", views.flag_acknowledge, name="flag_acknowledge"),
    path("<caseref:reference>/escalations/", views.escalations, name="escalations"),
    path("<caseref:reference>/escalations/raise/", views.escalation_raise, name="escalation_raise"),
    path(
        "<caseref:reference>/escalations/<uuid:escalation_id>/respond/",
        views.escalation_respond,
        name="escalation_respond",
    ),
    path(
        "<caseref:reference>/escalations/<uuid:escalation_id>/move-up/",
        views.escalation_move_up,
        name="escalation_move_up",
    ),
]
