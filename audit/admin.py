"""Read-only admin list of audit events for administrators and auditors, and the admin mixins the other
apps use: read-only rows, audited settings and audited reads."""

from django.conf import settings
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


class AuditedReadsMixin:
    """For a ModelAdmin whose pages show people or the trail itself: each list, record, history or delete
    page opened writes an `admin.read` row (docs/security.md, R23: every read audited, the admin site
    included). Written on the audit connection like other reads (R24), so it stays even if the page fails
    later. The search box's words are not kept: they can be a person's name."""

    def _record_read(self, request, response, object_id=None):
        if request.method in ("GET", "HEAD"):
            event = audit.unsaved(
                actor=request.user,
                action=AuditEvent.Action.ADMIN_READ,
                request=request,
                data={"path": request.path[:300], "status": response.status_code},
            )
            event.target_type = self.model._meta.label_lower
            event.target_id = str(object_id or "")[:64]
            event.save(using=settings.AUDIT_DB_ALIAS)
        return response

    def changelist_view(self, request, extra_context=None):
        return self._record_read(request, super().changelist_view(request, extra_context))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._record_read(request, super().change_view(request, object_id, form_url, extra_context), object_id)

    def history_view(self, request, object_id, extra_context=None):
        return self._record_read(request, super().history_view(request, object_id, extra_context), object_id)

    def delete_view(self, request, object_id, extra_context=None):
        return self._record_read(request, super().delete_view(request, object_id, extra_context), object_id)


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
class AuditEventAdmin(AuditedReadsMixin, ReadOnlyAdmin):
    """Rows carry IDs, paths and names of agencies, teams and roles, never case content (R23): the case
    shows as its reference."""

    list_display = ("at", "action_label", "outcome", "actor", "case", "ip_address")
    list_filter = ("outcome", "action")
    search_fields = ("action", "actor__username", "case__reference", "requested_case")
    date_hierarchy = "at"

    @admin.display(description="action", ordering="action")
    def action_label(self, event: AuditEvent) -> str:
        """In words, whichever name the row was written with (the trail is append-only: no row is renamed)."""
        return event.action_label
