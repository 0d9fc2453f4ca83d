"""Dashboard URLs: /cases/caseload/, /cases/manager/ (and …/reallocate/), /cases/search/, /cases/notifications/
and the case page /cases/<reference>/. The practitioner home is `/` (neglect_portal/urls.py)."""

from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("caseload/export.csv", views.caseload_csv, name="caseload_csv"),
    path("manager/", views.manager, name="manager"),
    path("manager/reallocate/", views.reallocate, name="reallocate"),
    path("search/", views.search, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("<caseref:reference>/", views.case_detail, name="detail"),
]
