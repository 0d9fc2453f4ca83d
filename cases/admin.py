"""Admin for administrators: the local timescales (seeded with the statutory defaults), local closure days,
the monitoring thresholds and the escalation ladder.

Changes are audited. Timescales can be changed but not added or removed: each one is used by the scheduler.
"""

from django.contrib import admin

from audit import services as audit

from . import workdays
from .models import ClosureDay, EscalationStage, MonitoringSettings, Timescale


@admin.register(Timescale)
class TimescaleAdmin(admin.ModelAdmin):
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
        extra_context = {**(extra_context or {}), "subtitle": (
            "A change applies to meetings scheduled after it: meetings already scheduled keep their date.")}
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action="cases.timescale.changed", target=obj, request=request,
                     data={"key": obj.key, "fields": form.changed_data})


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ("day", "description")
    date_hierarchy = "day"

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        workdays.forget_local_closures()
        audit.record(actor=request.user, action="cases.closure_day.saved", target=obj, request=request,
                     data={"day": obj.day.isoformat()})

    def delete_model(self, request, obj) -> None:
        audit.record(actor=request.user, action="cases.closure_day.deleted", target=obj, request=request,
                     data={"day": obj.day.isoformat()})
        super().delete_model(request, obj)
        workdays.forget_local_closures()

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(MonitoringSettings)
class MonitoringSettingsAdmin(admin.ModelAdmin):
    """One row of thresholds for the monitoring rules (the README lists each rule and its setting)."""

    def has_add_permission(self, request) -> bool:
        return not MonitoringSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action="cases.monitoring_settings.changed", target=obj,
                     data={"fields": form.changed_data})


@admin.register(EscalationStage)
class EscalationStageAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "responder", "respond_within_working_days")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action="cases.escalation_stage.changed", target=obj,
                     data={"fields": form.changed_data})
