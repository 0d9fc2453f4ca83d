"""Admin for administrators: agencies, teams, roles and people, with their roles and GCP2 licences.

Capabilities are listed, not added: each is something the code checks (docs/roles.md).

A change that widens or narrows what someone can open (a person's roles, agency, team or status, a team's
manager, a role's capabilities, a two-factor reset) writes an audit row with before and after, through
accounts.services; reading people, teams and sign-in records writes one too (docs/security.md, R23, R27).

Third-party admins: django-otp's authenticator admin is removed (it shows each device's secret key and
QR code, enough to sign in as its owner); a lost phone is handled by the people list's "Reset two-factor
sign-in" action instead. django-axes' sign-in records stay (unlocking someone is deleting their
attempt), re-registered so that reading them is audited. Django's groups stay: a group's permissions
decide which admin pages a staff member may use, and a person's groups are in their audited snapshot.
"""

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import Agency, Capability, Role, Team, User
from audit.admin import AuditedReadsMixin


class AccessAttemptAdmin(AuditedReadsMixin, axes_admin.AccessAttemptAdmin):
    pass


class AccessLogAdmin(AuditedReadsMixin, axes_admin.AccessLogAdmin):
    pass


class AccessFailureLogAdmin(AuditedReadsMixin, axes_admin.AccessFailureLogAdmin):
    pass


# accounts comes after django_otp and axes in INSTALLED_APPS, so their admins are registered by now (axes
# leaves its own out when AXES_ENABLE_ADMIN is off; then there is nothing to replace).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
for _model, _admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
        admin.site.register(_model, _admin)


class NoCaseRecordsOnDeletePagesMixin:
    """Django's delete page lists every record that would go or that blocks the deletion, by its name: for
    a person, agency or team that is their chronology entries, plans and flags ("2 December 2026 Concern").
    Those are case content, so the page names only the record being deleted, with Django's count of each
    kind that would go, and says that case records block it (R23)."""

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            protected = ["Records in cases (chronology entries, plans and others) that must stay"]
        return [str(obj) for obj in objs], model_count, perms_needed, protected


@admin.register(Agency)
class AgencyAdmin(NoCaseRecordsOnDeletePagesMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)


@admin.register(Team)
class TeamAdmin(AuditedReadsMixin, NoCaseRecordsOnDeletePagesMixin, admin.ModelAdmin):
    list_display = ("name", "agency", "manager")
    list_filter = ("agency",)
    search_fields = ("name", "agency__name")
    autocomplete_fields = ("manager",)

    def save_model(self, request, obj, form, change) -> None:
        # Read from the database: by now `obj` already holds the form's values.
        before = services.team_snapshot(obj.pk) if change else {}
        super().save_model(request, obj, form, change)
        services.team_manager_record(by=request.user, team=obj, before=before, request=request)


@admin.register(Capability)
class CapabilityAdmin(admin.ModelAdmin):
    list_display = ("__str__", "key")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AccessChangesAuditedMixin:
    """Audits a saved change to what the record grants, with before and after (accounts/services.py).

    Many-to-many fields (roles, capabilities, groups) are saved with the related fields, after the record
    itself: the snapshot is read from the database before the record's save (by then `obj` already holds
    the form's values) and compared after the related fields'. Each admin using it defines
    `access_snapshot(pk)` and `access_record(request, obj, before)`."""

    def save_model(self, request, obj, form, change) -> None:
        form._access_before = self.access_snapshot(obj.pk) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        self.access_record(request, form.instance, form._access_before)


@admin.register(Role)
class RoleAdmin(AccessChangesAuditedMixin, admin.ModelAdmin):
    list_display = ("name", "key", "rank")
    filter_horizontal = ("capabilities",)
    access_snapshot = staticmethod(services.role_snapshot)

    def access_record(self, request, obj, before: dict) -> None:
        services.role_record(by=request.user, role=obj, before=before, request=request)


@admin.register(User)
class UserAdmin(AccessChangesAuditedMixin, AuditedReadsMixin, NoCaseRecordsOnDeletePagesMixin, DjangoUserAdmin):
    actions = ["reset_two_factor"]
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

    access_snapshot = staticmethod(services.user_access_snapshot)

    def access_record(self, request, obj, before: dict) -> None:
        services.user_access_record(by=request.user, user=obj, before=before, request=request)

    @admin.action(description="Reset two-factor sign-in (they set it up again at their next sign-in)")
    def reset_two_factor(self, request, queryset) -> None:
        people = list(queryset)
        for person in people:
            services.mfa_reset(by=request.user, user=person, request=request)
        self.message_user(request, f"Two-factor sign-in reset for {len(people)} people.", messages.SUCCESS)
