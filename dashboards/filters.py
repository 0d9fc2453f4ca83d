"""The caseload's filters and sort order (django-filter), shared by the page and its CSV export."""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.models import Level
from monitoring.models import Flag
from workdays import calendar as workdays


class EmptyLastOrdering(django_filters.OrderingFilter):
    """Cases without a deadline or a contact date go last, whichever way the column is sorted."""

    def get_ordering_value(self, param: str):
        value = super().get_ordering_value(param)
        column = F(value.lstrip("-"))
        return column.desc(nulls_last=True) if value.startswith("-") else column.asc(nulls_last=True)


class CaseloadFilter(django_filters.FilterSet):
    """Filters a queryset from dashboard_selectors.with_dashboard_columns (it needs its annotations)."""

    level = django_filters.ChoiceFilter(label="Level of need", choices=Level.choices, empty_label="Any level")
    flag_kind = django_filters.ChoiceFilter(
        label="Open flag", choices=Flag.Rule.choices, empty_label="Any or none", method="filter_flag_kind"
    )
    led_by_me = django_filters.BooleanFilter(
        label="Only cases I lead", widget=forms.CheckboxInput, method="filter_led_by_me"
    )
    overdue = django_filters.BooleanFilter(
        label="Only cases with something overdue", widget=forms.CheckboxInput, method="filter_overdue"
    )
    no_contact_days = django_filters.NumberFilter(
        label="No contact for at least (working days)",
        method="filter_no_contact",
        min_value=0,
        max_value=3650,
        help_text="Working days since the latest chronology entry. Cases with no entry at all are included.",
    )
    sort = EmptyLastOrdering(
        label="Sort by",
        fields=(("next_due", "deadline"), ("last_contact", "contact"), ("reference", "reference"), ("level", "level")),
        field_labels={
            "deadline": "Next deadline",
            "contact": "Last contact",
            "reference": "Case reference",
            "level": "Level of need",
        },
        empty_label="Next deadline, soonest first",
    )

    def filter_flag_kind(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        open_flag = Flag.objects.filter(case=OuterRef("pk"), rule=value, resolved_at__isnull=True)
        return queryset.filter(Exists(open_flag))

    def filter_led_by_me(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(lead_professional=self.request.user) if value else queryset

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(next_due__lt=timezone.localdate()) if value else queryset

    def filter_no_contact(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # Working days, as the "no recent contact" rule and the caseload's column count them.
        since = workdays.subtract_working_days(timezone.localdate(), int(value))
        return queryset.filter(Q(last_contact__isnull=True) | Q(last_contact__lte=since))

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        # Without a chosen order, the most urgent deadline comes first; the reference breaks ties.
        if not (self.is_bound and self.form.is_valid() and self.form.cleaned_data.get("sort")):
            queryset = queryset.order_by("next_due", "reference")
        return queryset
