"""Case URLs: /cases/ and /cases/<reference>/… . References are non-identifying (NP-2026-00042)."""

from django.urls import path, register_converter

from . import views


class CaseReferenceConverter:
    regex = r"[A-Z]{1,5}-[0-9]{4}-[0-9]{5}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(CaseReferenceConverter, "caseref")

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<caseref:reference>/", views.case_detail, name="detail"),
    path("<caseref:reference>/edit/", views.case_edit, name="edit"),
    path("<caseref:reference>/close/", views.case_close, name="close"),
    path("<caseref:reference>/household/add/", views.household_add, name="household_add"),
    path("<caseref:reference>/team/add/", views.team_add, name="team_add"),
    path("<caseref:reference>/team/<int:member_id>/end/", views.team_end, name="team_end"),
    path("<caseref:reference>/lead/", views.lead_change, name="lead_change"),
    path("<caseref:reference>/access/", views.access_grant, name="access_grant"),
    path("<caseref:reference>/viewers/", views.case_viewers, name="viewers"),
    path("<caseref:reference>/flags/", views.case_flags, name="flags"),
    path("<caseref:reference>/flags/<uuid:flag_id>/acknowledge/", views.flag_acknowledge,
         name="flag_acknowledge"),
    path("notifications/", views.notifications, name="notifications"),
]
