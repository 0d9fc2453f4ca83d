"""Admin for the chronology: read-only lists of entries and amendments (they are never changed or
removed), and the one row of chronology settings, whose changes are audited."""

from django.contrib import admin

from audit.admin import AuditedSettingsAdmin, ReadOnlyAdmin
from audit.models import AuditEvent
from chronology.models import Amendment, ChronologySettings, Entry


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("occurred_on", "event_type", "case", "source_agency", "significance", "recorded_at")
    list_filter = ("event_type", "significance")
    search_fields = ("case__reference", "external_reference")
    list_select_related = ("case", "source_agency")


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdmin):
    list_display = ("amended_at", "entry", "amended_by", "amended_by_agency")
    list_select_related = ("entry", "amended_by", "amended_by_agency")


@admin.register(ChronologySettings)
class ChronologySettingsAdmin(AuditedSettingsAdmin):
    """One row: the gap threshold and when an entry counts as recorded late (docs/practice.md)."""

    list_display = ("__str__", "gap_days", "late_after_working_days")
    saved_action = AuditEvent.Action.SETTINGS_CHRONOLOGY_CHANGED

    # The code reads the one row through ChronologySettings.load(); a second row would be ignored and a
    # deleted one silently come back with the defaults, so the admin offers neither.
    def has_add_permission(self, request) -> bool:
        return not ChronologySettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        # load() reads the row with pk 1: an added row takes it, whatever the ID sequence says.
        if not change:
            obj.pk = 1
        super().save_model(request, obj, form, change)
