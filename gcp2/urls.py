"""GCP2 URLs, mounted at /cases/<reference>/gcp2/. Assessments and children are addressed by UUID."""

from django.urls import path

from gcp2 import views

app_name = "gcp2"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("start/", views.start, name="start"),
    path("<uuid:assessment_id>/", views.detail, name="detail"),
    path("<uuid:assessment_id>/details/", views.details, name="details"),
    path("<uuid:assessment_id>/area/<str:area>/", views.area, name="area"),
    path("<uuid:assessment_id>/complete/", views.complete, name="complete"),
    path("<uuid:assessment_id>/correct/", views.correct, name="correct"),
    path("<uuid:assessment_id>/pdf/", views.assessment_pdf, name="assessment_pdf"),
    path("child/<uuid:person_id>/", views.comparison, name="comparison"),
    path("child/<uuid:person_id>/pdf/", views.comparison_pdf, name="comparison_pdf"),
]
