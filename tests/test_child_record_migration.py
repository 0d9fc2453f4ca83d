"""The household's plan, category and closure reason became each child's (cases 0014-0016, plans 0004-0006),
on a copy of the demo data, and back: what the household held before is what each child holds after, counted
child by child, and undoing the migrations gives each household its one category and reason again."""

from collections import Counter

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from demo import households as demo

BEFORE = [("plans", "0003_meeting_records_append_only"), ("cases", "0014_child_statutory_record")]
STATUTORY = ("child_in_need", "child_protection")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_demo_data_moves_to_each_child_and_back():
    demo.seed(timezone.localdate())
    old = _migrate(BEFORE)
    Case, Plan, Member = (
        old.get_model(*name) for name in (("cases", "Case"), ("plans", "Plan"), ("cases", "HouseholdMember"))
    )
    reasons = dict(Case.objects.filter(status="closed").values_list("pk", "closure_reason"))
    categories = dict(Plan.objects.filter(kind="child_protection").values_list("pk", "category"))
    assert reasons and all(reasons.values()), "every closed household has its one reason back"
    assert categories and all(categories.values()), "every child protection plan has its one category back"
    statutory = set(Case.objects.filter(level__in=STATUTORY).values_list("pk", flat=True))
    children = Counter(
        Member.objects.filter(relationship="child", case_id__in=statutory).values_list("case_id", flat=True)
    )
    closed_statutory = {pk: reason for pk, reason in reasons.items() if pk in statutory}

    new = _migrate(_leaf_nodes())
    Episode, ChildPlan = new.get_model("cases", "ChildEpisode"), new.get_model("plans", "ChildPlan")
    NewPlan, NewMember = new.get_model("plans", "Plan"), new.get_model("cases", "HouseholdMember")
    # One episode for every child of every statutory household, none for early help.
    assert Counter(Episode.objects.values_list("case_id", flat=True)) == children
    assert not Episode.objects.exclude(case_id__in=statutory).exists()
    # A closed household's reason is each of its children's who were there when it closed; a child who left
    # before closed on leaving (RC7); "closed after assessment" with a plan reads RC7.
    for episode in Episode.objects.filter(case_id__in=statutory).select_related("case"):
        member = NewMember.objects.get(case_id=episode.case_id, person_id=episode.child_id)
        if member.left_on is not None and (episode.case.closed_on is None or member.left_on < episode.case.closed_on):
            assert (episode.closure_reason, episode.closed_on) == ("RC7", max(member.left_on, episode.started_on))
        elif episode.case_id in closed_statutory:
            reason = closed_statutory[episode.case_id]
            on_plan = ChildPlan.objects.filter(episode=episode).exists()
            assert episode.closure_reason == ("RC7" if reason in ("RC8", "RC9") and on_plan else reason)
        else:
            assert episode.closed_on is None
    # A household's child protection plan is each child's who was there, its category initial and latest.
    for plan in NewPlan.objects.filter(kind="child_protection"):
        rows = list(ChildPlan.objects.filter(plan=plan).values_list("initial_category", "latest_category"))
        there = NewMember.objects.filter(
            case_id=plan.case_id, relationship="child", joined_on__lte=plan.ended_on or timezone.localdate()
        )
        assert len(rows) == there.exclude(left_on__lt=plan.started_on).count()
        assert set(rows) <= {(categories[plan.pk], categories[plan.pk])}
    assert not ChildPlan.objects.filter(plan__kind="early_help").exists()
