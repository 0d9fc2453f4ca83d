"""Read-only admin list of audit events for administrators and auditors."""

from django.contrib import admin

from audit.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only rows: the admin lists and shows them, and offers no add, change or delete."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
