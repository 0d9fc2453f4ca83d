"""Admin for the local timescales (seeded with the statutory defaults) and local closure days. Changes are
audited. Timescales can be changed but not added or removed: each one is used by the scheduler.

The closure days' admin lives here rather than in workdays because it writes the audit trail, a floor above
the calendar (docs/architecture.md).
"""

from django.contrib import admin

from audit import services as audit
from audit.admin import AuditedSettingsAdmin
from audit.models import AuditEvent
from workdays import calendar
from workdays.models import ClosureDay

from .models import Timescale


@admin.register(Timescale)
class TimescaleAdmin(AuditedSettingsAdmin):
    saved_action = AuditEvent.Action.SETTINGS_TIMESCALE_CHANGED
    list_display = ("__str__", "amount", "unit", "counted_from", "source")
    list_editable = ("amount", "unit")
    readonly_fields = ("key", "source", "updated_at")
    fields = ("key", "amount", "unit", "counted_from", "source", "updated_at")
    list_display_links = ("__str__",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "subtitle": (
                "A change applies to meetings scheduled after it: meetings already scheduled keep their date."
            ),
        }
        return super().changelist_view(request, extra_context)

    def audit_data(self, obj) -> dict:
        return {"key": obj.key}


@admin.register(ClosureDay)
class ClosureDayAdmin(AuditedSettingsAdmin):
    list_display = ("day", "description")
    date_hierarchy = "day"
    saved_action = AuditEvent.Action.SETTINGS_CLOSURE_DAY_SAVED

    def audit_data(self, obj) -> dict:
        return {"day": obj.day.isoformat()}

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        calendar.forget_local_closures()

    def delete_model(self, request, obj) -> None:
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.SETTINGS_CLOSURE_DAY_DELETED,
            target=obj,
            request=request,
            data={"day": obj.day.isoformat()},
        )
        super().delete_model(request, obj)
        calendar.forget_local_closures()

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
