"""Each household child in need or child protection plan becomes a plan for each child on it.

Forward, per statutory plan and per child of the household whose time in it overlaps the plan: the child's plan
starts with the household plan (or on the day the child joined, if later) and ends with it, a child protection
plan's one category becoming both the initial and the latest category. The end reason of a plan ended before
children had their own is "the episode closed" when its case closed that day, otherwise "no longer needed"; a
child who left the household while it ran came off it on leaving. A closed episode that read "closed after
assessment" (RC8, RC9) but had a plan now reads RC7, services ceased: RC8 and RC9 mean no plan followed.
Early help plans stay household plans: early help is outside the census.

Backward, the household plan's category comes back from its children's plans (the first child's latest); a child
protection plan with no child on it reads NEG, the category nearly every plan in this portal has.
"""

from django.db import migrations

STATUTORY = ["child_in_need", "child_protection"]
BATCH = 2000


def child_plans_from_plans(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    HouseholdMember = apps.get_model("cases", "HouseholdMember")
    ChildEpisode = apps.get_model("cases", "ChildEpisode")
    ChildPlan = apps.get_model("plans", "ChildPlan")

    episodes = {(case_id, child_id): pk for pk, case_id, child_id in ChildEpisode.objects.values_list("pk", "case_id", "child_id")}
    children = {}
    for case_id, person_id, joined, left in HouseholdMember.objects.filter(relationship="child").values_list(
        "case_id", "person_id", "joined_on", "left_on"
    ):
        children.setdefault(case_id, []).append((person_id, joined, left))
    rows = []
    plans = Plan.objects.filter(kind__in=STATUTORY).values_list(
        "pk", "case_id", "kind", "category", "started_on", "ended_on", "case__closed_on"
    )
    for plan_id, case_id, kind, category, started, ended, case_closed in plans.iterator():
        for person_id, joined, left in children.get(case_id, []):
            episode_id = episodes.get((case_id, person_id))
            if episode_id is None:
                continue  # a case stepped down to early help since: no episode, outside the census
            if (ended is not None and joined > ended) or (left is not None and left < started):
                continue  # the child was not in the household while the plan ran
            child_started = max(started, joined)
            child_ended, end_reason = ended, ""
            if ended is not None:
                end_reason = "case_closed" if case_closed == ended else "no_longer_needed"
            # A child who left the household while the plan ran came off it then.
            if left is not None and (ended is None or left < ended):
                child_ended, end_reason = max(left, child_started), "no_longer_needed"
            rows.append(
                ChildPlan(
                    plan_id=plan_id,
                    episode_id=episode_id,
                    case_id=case_id,
                    child_id=person_id,
                    kind=kind,
                    started_on=child_started,
                    ended_on=child_ended,
                    end_reason=end_reason,
                    initial_category=category if kind == "child_protection" else "",
                    latest_category=category if kind == "child_protection" else "",
                )
            )
            if len(rows) >= BATCH:
                ChildPlan.objects.bulk_create(rows)
                rows.clear()
    ChildPlan.objects.bulk_create(rows)
    # "Closed after assessment" (RC8, RC9) means no plan followed: a child who was on one closed with RC7.
    ChildEpisode.objects.filter(closure_reason__in=["RC8", "RC9"], plans__isnull=False).update(closure_reason="RC7")


def categories_from_child_plans(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    ChildPlan = apps.get_model("plans", "ChildPlan")
    CategoryChange = apps.get_model("plans", "CategoryChange")

    for plan_id in Plan.objects.filter(kind="child_protection").values_list("pk", flat=True).iterator():
        category = (
            ChildPlan.objects.filter(plan_id=plan_id)
            .order_by("started_on", "child__date_of_birth", "pk")
            .values_list("latest_category", flat=True)
            .first()
        )
        Plan.objects.filter(pk=plan_id).update(category=category or "NEG")
    CategoryChange.objects.all().delete()
    ChildPlan.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("plans", "0004_child_plans"), ("cases", "0015_episodes_from_cases")]

    operations = [migrations.RunPython(child_plans_from_plans, categories_from_child_plans)]
