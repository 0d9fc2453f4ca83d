"""Chronology URLs, under a case: /cases/<reference>/chronology/…, …/appointments/, …/children/<id>/."""

from django.urls import path

from chronology import views

app_name = "chronology"
urlpatterns = [
    path("<caseref:reference>/chronology/", views.timeline, name="timeline"),
    path("<caseref:reference>/chronology/duplicates/", views.duplicates, name="duplicates"),
    path("<caseref:reference>/chronology/significant/", views.significant, name="significant"),
    path("<caseref:reference>/chronology/emotional-neglect/", views.emotional, name="emotional"),
    path("<caseref:reference>/chronology/concern/", views.concern, name="concern"),
    path("<caseref:reference>/chronology/new/", views.entry_new, name="entry_new"),
    path("<caseref:reference>/chronology/entries/<uuid:entry_id>/", views.entry_detail, name="entry"),
    path("<caseref:reference>/chronology/entries/<uuid:entry_id>/amend/", views.entry_amend, name="amend"),
    path("<caseref:reference>/chronology/entries/<uuid:entry_id>/another-view/", views.other_view, name="other_view"),
    path("<caseref:reference>/chronology/duplicates/same-event/", views.same_event, name="same_event"),
    path("<caseref:reference>/chronology/export.pdf", views.export_pdf, name="export_pdf"),
    path("<caseref:reference>/chronology/export.csv", views.export_csv, name="export_csv"),
    path("<caseref:reference>/chronology/court.pdf", views.export_court_pdf, name="export_court_pdf"),
    path("<caseref:reference>/chronology/import/", views.import_csv, name="import"),
    path("<caseref:reference>/chronology/import/<uuid:job_id>/", views.import_job, name="import_job"),
    path("<caseref:reference>/appointments/", views.appointments, name="appointments"),
    path("<caseref:reference>/appointments/new/", views.appointment_new, name="appointment_new"),
    path(
        "<caseref:reference>/appointments/<uuid:appointment_id>/outcome/",
        views.appointment_outcome,
        name="appointment_outcome",
    ),
    path(
        "<caseref:reference>/appointments/<uuid:appointment_id>/outcome/correct/",
        views.appointment_outcome_correct,
        name="appointment_outcome_correct",
    ),
    path("<caseref:reference>/children/<uuid:person_id>/", views.child, name="child"),
]
