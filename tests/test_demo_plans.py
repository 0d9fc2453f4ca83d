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
    households = demo.seed(today)
    # The MASH manager's decisions for early help, an assessment and a strategy discussion opened three
    # more, waiting for their team manager to allocate them (no plan yet: that is the lead's first work).
    from_referrals = Case.objects.filter(opening__how="from_referral")
    assert from_referrals.count() == 3 and all(case.awaiting_allocation for case in from_referrals)
    assert households + 3 == Case.objects.count() and households >= demo.HOUSEHOLDS
    open_cases = Case.objects.filter(status="open", awaiting_allocation=False)
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
