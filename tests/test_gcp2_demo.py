"""GCP2 demo data: three families with a baseline and a repeat per child, one improving, one getting
worse and one unchanged, all visible to the demo health visitor."""

from datetime import date

import pytest

from cases.models import Case
from demo import households as demo
from gcp2 import selectors
from gcp2.models import Assessment


@pytest.mark.django_db
def test_demo_has_improving_worsening_and_unchanged_families():
    demo.seed(date(2026, 11, 25))
    cases = Case.objects.filter(gcp2_assessments__isnull=False).distinct().order_by("reference")
    assert cases.count() == 3
    stories = []
    for case in cases:
        assert case.members.filter(user__username="practitioner", ended_on=None).exists()
        children = {a.child for a in case.gcp2_assessments.all()}
        directions = set()
        for child in children:
            comparison = selectors.comparison_for_child(case, child)
            assert [a.kind for a in comparison.assessments] == ["baseline", "repeat"]
            directions |= {row.since_baseline for row in comparison.rows if row.is_area}
        stories.append(directions)
    assert stories == [{"better"}, {"worse"}, {"same"}]
    assert not Assessment.objects.filter(status="draft").exists()
    assert all(a.repeat_due_on and a.completed_by.username == "lead" for a in Assessment.objects.all())
