"""Reporting URLs under /reporting/: the children in need census return and its readiness checks.
No address carries a child's name or id: the census year is the only thing in them."""

from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("census/", views.census_home, name="census"),
    path("census/<int:year>/return.xml", views.census_return, name="census_return"),
    path("census/readiness/", views.readiness, name="census_readiness"),
]
