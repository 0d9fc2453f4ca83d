"""Plan, meeting and supervision URLs under a case, closing and transfer, and /cases/timescales/."""

from django.urls import path

from . import child_views, views

app_name = "plans"
urlpatterns = [
    path("timescales/", views.timescales, name="timescales"),
    path("<caseref:reference>/close/", views.case_close, name="close"),
    path("<caseref:reference>/lead/", views.lead_change, name="lead_change"),
    path("<caseref:reference>/plan/", views.plan, name="plan"),
    path("<caseref:reference>/plan/new/", views.plan_create, name="plan_create"),
    path("<caseref:reference>/plan/<uuid:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("<caseref:reference>/plan/<uuid:plan_id>/outcomes/add/", views.outcome_add, name="outcome_add"),
    path("<caseref:reference>/plan/<uuid:plan_id>/actions/add/", views.action_add, name="action_add"),
    path("<caseref:reference>/plan/actions/<int:action_id>/", views.action_update, name="action_update"),
    path("<caseref:reference>/meetings/", views.meetings, name="meetings"),
    path("<caseref:reference>/meetings/schedule/", views.meeting_schedule, name="meeting_schedule"),
    path("<caseref:reference>/meetings/record/", views.meeting_record, name="meeting_record"),
    path("<caseref:reference>/meetings/<uuid:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("<caseref:reference>/supervision/record/", views.supervision_record, name="supervision_record"),
    path("<caseref:reference>/children/<int:episode_id>/", child_views.child_record, name="child_record"),
    path("<caseref:reference>/children/<int:episode_id>/episode/", child_views.episode_edit, name="episode_edit"),
    path(
        "<caseref:reference>/children/<int:episode_id>/assessments/add/",
        child_views.assessment_add,
        name="assessment_add",
    ),
    path(
        "<caseref:reference>/children/<int:episode_id>/assessments/<int:assessment_id>/authorise/",
        child_views.assessment_authorise,
        name="assessment_authorise",
    ),
    path("<caseref:reference>/children/<int:episode_id>/section-47/", child_views.section47, name="section47_add"),
    path(
        "<caseref:reference>/children/<int:episode_id>/section-47/<int:enquiry_id>/",
        child_views.section47,
        name="section47_edit",
    ),
    path("<caseref:reference>/children/<int:episode_id>/close/", child_views.episode_close, name="episode_close"),
    path("<caseref:reference>/children/<int:episode_id>/death/", child_views.child_death, name="child_death"),
    path(
        "<caseref:reference>/children/plans/<uuid:child_plan_id>/end/",
        child_views.child_plan_end,
        name="child_plan_end",
    ),
    path(
        "<caseref:reference>/children/plans/<uuid:child_plan_id>/category/",
        child_views.child_plan_category,
        name="child_plan_category",
    ),
]
