"""Read-only admin list of audit events for administrators and auditors."""

from django.contrib import admin

from audit import services as audit
from audit.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only rows: the admin lists and shows them, and offers no add, change or delete."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditedSettingsAdmin(admin.ModelAdmin):
    """An admin for a settings table whose every save is audited as `saved_action`, with the fields that
    changed and whatever `audit_data` adds."""

    saved_action: str = ""

    def audit_data(self, obj) -> dict:
        return {}

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=self.saved_action,
            target=obj,
            request=request,
            data={**self.audit_data(obj), "fields": form.changed_data},
        )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "action_label", "outcome", "actor", "case", "ip_address")
    list_filter = ("outcome", "action")
    search_fields = ("action", "actor__username", "case__reference", "requested_case")
    date_hierarchy = "at"

    @admin.display(description="action", ordering="action")
    def action_label(self, event: AuditEvent) -> str:
        """In words, whichever name the row was written with (the trail is append-only: no row is renamed)."""
        return event.action_label
