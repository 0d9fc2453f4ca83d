"""Referral URLs under /referrals/: making one, the referrer's own, and the MASH inbox and its pages.

A referral's address carries its reference (R-2026-00042), never a name."""

from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.referral_new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("mine/<caseref:ref>/", views.mine_detail, name="mine_detail"),
    path("<caseref:ref>/", views.detail, name="detail"),
    path("<caseref:ref>/check/", views.check_record, name="check"),
    path("<caseref:ref>/decide/", views.decide, name="decide"),
    path("<caseref:ref>/people/", views.link_person, name="link_person"),
]
