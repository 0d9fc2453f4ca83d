"""Case URLs: /cases/ and /cases/<reference>/… . References are non-identifying (NP-2026-00042)."""

from django.urls import path, register_converter

from . import dashboard_views, plan_views, views


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
    # Dashboards and search (cases/dashboard_views.py); the practitioner home is `/`.
    path("caseload/", dashboard_views.caseload, name="caseload"),
    path("caseload/export.csv", dashboard_views.caseload_csv, name="caseload_csv"),
    path("manager/", dashboard_views.manager, name="manager"),
    path("search/", dashboard_views.search, name="search"),
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
    path("<caseref:reference>/escalations/", views.escalations, name="escalations"),
    path("<caseref:reference>/escalations/raise/", views.escalation_raise, name="escalation_raise"),
    path("<caseref:reference>/escalations/<uuid:escalation_id>/respond/", views.escalation_respond,
         name="escalation_respond"),
    path("<caseref:reference>/escalations/<uuid:escalation_id>/move-up/", views.escalation_move_up,
         name="escalation_move_up"),
    # Plans, meetings and supervision (cases/plan_views.py)
    path("timescales/", plan_views.timescales, name="timescales"),
    path("<caseref:reference>/plan/", plan_views.plan, name="plan"),
    path("<caseref:reference>/plan/new/", plan_views.plan_create, name="plan_create"),
    path("<caseref:reference>/plan/<uuid:plan_id>/edit/", plan_views.plan_edit, name="plan_edit"),
    path("<caseref:reference>/plan/<uuid:plan_id>/actions/add/", plan_views.action_add, name="action_add"),
    path("<caseref:reference>/plan/actions/<int:action_id>/", plan_views.action_update, name="action_update"),
    path("<caseref:reference>/meetings/", plan_views.meetings, name="meetings"),
    path("<caseref:reference>/meetings/schedule/", plan_views.meeting_schedule, name="meeting_schedule"),
    path("<caseref:reference>/meetings/record/", plan_views.meeting_record, name="meeting_record"),
    path("<caseref:reference>/meetings/<uuid:meeting_id>/", plan_views.meeting_detail, name="meeting_detail"),
    path("<caseref:reference>/supervision/record/", plan_views.supervision_record, name="supervision_record"),
]
