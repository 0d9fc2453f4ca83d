"""Admin for administrators: agencies, teams, roles and people, with their roles and GCP2 licences.

Capabilities are listed, not added: each is something the code checks (docs/roles.md)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Agency, Capability, Role, Team, User


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


@admin.register(Capability)
class CapabilityAdmin(admin.ModelAdmin):
    list_display = ("__str__", "key")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "rank")
    filter_horizontal = ("capabilities",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "job_title", "agency", "team", "is_active")
    list_filter = ("roles", "agency", "is_active")
    filter_horizontal = ("roles", *DjangoUserAdmin.filter_horizontal)
    # Set by sign-in and by the account's creation, never by hand; shown as text, this also spares the
    # page Django's split date-and-time inputs, which have no label of their own (axe: critical).
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Roles in the partnership", {"fields": ("roles", "job_title", "agency", "team")}),
        (
            "Graded Care Profile 2 licence",
            {"fields": ("gcp2_trained_on", "gcp2_licence_area", "gcp2_licence_expires_on")},
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            "Roles in the partnership",
            {"fields": ("first_name", "last_name", "email", "roles", "job_title", "agency", "team")},
        ),
    )
