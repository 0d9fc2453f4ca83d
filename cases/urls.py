"""Case URLs: /cases/ and /cases/<reference>/… for the case itself, its household (people, addresses, the same person),
team and access.

References are non-identifying (NP-2026-00042); the `caseref` converter is registered by the common app.
The case page itself is served by dashboards (it gathers sections from apps above cases).
"""

from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("to-allocate/", views.to_allocate, name="to_allocate"),
    path("<caseref:reference>/allocate/", views.allocate, name="allocate"),
    path("<caseref:reference>/assessment-completed/", views.assessment_completed, name="assessment_completed"),
    path("<caseref:reference>/edit/", views.case_edit, name="edit"),
    path("<caseref:reference>/household/", views.household, name="household"),
    path("<caseref:reference>/household/add/", views.household_add, name="household_add"),
    path("<caseref:reference>/household/link/", views.household_link, name="household_link"),
    path("<caseref:reference>/household/<int:member_id>/leave/", views.household_leave, name="household_leave"),
    path("<caseref:reference>/household/<int:member_id>/correct/", views.person_correct, name="person_correct"),
    path("<caseref:reference>/household/<int:member_id>/born/", views.person_born, name="person_born"),
    path("<caseref:reference>/household/<int:member_id>/census/", views.person_census, name="person_census"),
    path("<caseref:reference>/household/same-person/", views.same_person, name="same_person"),
    path("<caseref:reference>/addresses/", views.addresses, name="addresses"),
    path("<caseref:reference>/addresses/add/", views.address_add, name="address_add"),
    path("<caseref:reference>/addresses/<int:address_id>/end/", views.address_end, name="address_end"),
    path("<caseref:reference>/team/add/", views.team_add, name="team_add"),
    path("<caseref:reference>/team/<int:member_id>/end/", views.team_end, name="team_end"),
    path("<caseref:reference>/access/", views.access_grant, name="access_grant"),
    path("<caseref:reference>/reopen/", views.case_reopen, name="reopen"),
    path("<caseref:reference>/viewers/", views.case_viewers, name="viewers"),
]
