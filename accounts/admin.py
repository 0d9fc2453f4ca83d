"""Admin for administrators: agencies, teams and people, with roles and GCP2 licences."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Agency, Team, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "agency", "manager")
    list_filter = ("agency",)
    search_fields = ("name", "agency__name")
    autocomplete_fields = ("manager",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "job_title", "agency", "team", "is_active")
    list_filter = ("role", "agency", "is_active")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Role in the partnership", {"fields": ("role", "job_title", "agency", "team")}),
        (
            "Graded Care Profile 2 licence",
            {"fields": ("gcp2_trained_on", "gcp2_licence_area", "gcp2_licence_expires_on")},
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            "Role in the partnership",
            {"fields": ("first_name", "last_name", "email", "role", "job_title", "agency", "team")},
        ),
    )
