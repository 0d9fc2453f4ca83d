"""The demo data (demo/households.py) gives every open case its plan and reviews, some overdue, and every
closed case the closing review it needed before it closed."""

import pytest
from django.utils import timezone

from cases.models import Case
from demo import households as demo
from plans.models import Action, Meeting


@pytest.mark.django_db
def test_demo_cases_have_plans_reviews_and_closing_reviews():
    today = timezone.localdate()
    assert demo.seed(today) == Case.objects.count() >= demo.HOUSEHOLDS
    open_cases = Case.objects.filter(status="open")
    for case in open_cases.exclude(level="child_protection"):
        assert case.plans.filter(ended_on__isnull=True).exists(), case.reference
        assert case.meetings.filter(kind__in=["cin_review", "eh_review"]).exists(), case.reference
    for case in open_cases.filter(level="child_protection"):
        assert case.meetings.filter(kind="icpc").exists(), case.reference
    for case in Case.objects.filter(status="closed"):
        assert case.meetings.filter(is_closing_review=True, held_on__lte=case.closed_on).exists()
    assert Meeting.objects.filter(case__status="open", held_on__isnull=True, due_on__lt=today).exists()
    assert Action.objects.filter(due_on__lt=today).exclude(status="done").exists()
    assert Meeting.objects.filter(kind="supervision").exists()
