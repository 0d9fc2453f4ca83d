"""Read-only admin lists of chronology entries and amendments: they are never changed or removed."""

from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from chronology.models import Amendment, Entry


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
