"""The manager's ranking: `StuckRanking` computes `stuck_score` in SQL, a page at a time.

A varied team of cases is built from known facts (flags of known ages, overdue reviews, supervision,
escalations, plans of known length) and the ranking must give exactly the order and the inputs that
the Python rule gives for those facts: on PostgreSQL here, and on the demo's SQLite in a subprocess.
"""

import os
import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Role, User
from dashboards import selectors as dash
from monitoring import escalations
from monitoring.models import Flag
from plans.models import MeetingKind
from tests.factories import (
    CaseFactory,
    FlagFactory,
    HouseholdMemberFactory,
    MeetingFactory,
    PlanFactory,
    TeamFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parent.parent
DRIFT_RULE, OTHER_RULE = Flag.Rule.NO_CONTACT, Flag.Rule.NEW_BABY


def build_team(seed: int = 7, cases: int = 30) -> tuple[User, list[dash.StuckInputs]]:
    """A manager and `cases` open cases with random facts; returns the expected ranking, most stuck first."""
    rng, now, today = random.Random(seed), timezone.now(), timezone.localdate()
    team = TeamFactory()
    manager = UserFactory(role=Role.Standard.TEAM_MANAGER, agency=team.agency, team=team)
    team.manager = manager
    team.save()
    lead = UserFactory(agency=team.agency, team=team)
    expected = []
    for _ in range(cases):
        case = CaseFactory(lead_professional=lead)
        HouseholdMemberFactory(case=case)  # an escalation is logged on the chronology, about the children
        unacknowledged, oldest, drift = 0, None, 0
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            raised = now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
            acknowledged = rng.random() < 0.3
            rule = rng.choice([DRIFT_RULE, OTHER_RULE])
            flag = FlagFactory(
                case=case,
                rule=rule,
                acknowledged_at=now if acknowledged else None,
                acknowledged_by=lead if acknowledged else None,
            )
            Flag.objects.filter(pk=flag.pk).update(raised_at=raised)
            drift += rule == DRIFT_RULE
            if not acknowledged:
                unacknowledged += 1
                day = timezone.localdate(raised)
                oldest = day if oldest is None else min(oldest, day)
        if rng.random() < 0.3:  # resolved flags never count
            FlagFactory(case=case, rule=DRIFT_RULE, resolved_at=now)
        reviews, oldest_review = 0, None
        for kind in (MeetingKind.CORE_GROUP, MeetingKind.REVIEW_CONFERENCE):
            late = rng.choice([None, None, 0, 3, 30])  # 0: due today, not yet overdue
            if late is not None:
                MeetingFactory(case=case, kind=kind, due_on=today - timedelta(days=late))
                if late:
                    reviews += 1
                    due = today - timedelta(days=late)
                    oldest_review = due if oldest_review is None else min(oldest_review, due)
        MeetingFactory(
            case=case,
            kind=MeetingKind.CIN_REVIEW,
            due_on=today - timedelta(days=90),
            held_on=today - timedelta(days=80),
        )  # held: never overdue
        if rng.random() < 0.3:  # overdue, but a conference, not a review
            MeetingFactory(case=case, kind=MeetingKind.INITIAL_CONFERENCE, due_on=today - timedelta(days=9))
        supervision = rng.random() < 0.3
        if supervision:
            MeetingFactory(case=case, kind=MeetingKind.SUPERVISION, due_on=today - timedelta(days=2))
        waiting = 0
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            escalations.escalation_raise(case=case, by=lead, concern="The plan is not working.")
            waiting += 1
        started = None
        if rng.random() < 0.7:
            started = today - timedelta(days=rng.randint(0, 900))
            PlanFactory(case=case, started_on=started)
        inputs = dash.StuckInputs(
            pk=case.pk,
            reference=case.reference,
            unacknowledged_flags=unacknowledged,
            oldest_unacknowledged=oldest,
            drift_flags=drift,
            waiting_escalations=waiting,
            overdue_reviews=reviews,
            oldest_overdue_review=oldest_review,
            overdue_supervision=int(supervision),
            plan_started_on=started,
            score=0,
        )
        score, _ = dash.stuck_score(inputs, today)
        expected.append(dash.StuckInputs(**{**inputs.__dict__, "score": score}))
    expected.sort(key=lambda inputs: (-inputs.score, inputs.reference))
    return manager, expected


def check_ranking_matches_the_rule() -> None:
    """Build a team and compare the SQL ranking, whole and by pages, with the Python rule, with the
    grouped reads restricted to the team (as for a team manager) or not (as for a senior manager)."""
    manager, expected = build_team()
    CaseFactory.create_batch(3)  # other teams' cases, some with flags: never in this team's ranking
    FlagFactory.create_batch(2)
    for narrow in (True, False):
        _check_ranking(dash.StuckRanking(dash.managed_cases(manager), timezone.localdate(), narrow=narrow), expected)


def _check_ranking(ranking: dash.StuckRanking, expected: list[dash.StuckInputs]) -> None:
    today = ranking.today
    page, counts = ranking.page(1, len(expected))
    assert list(page.object_list) == expected
    assert counts.total == len(expected) and counts.by_level == {
        "child_protection": len(expected),
        "child_in_need": 0,
        "early_help": 0,
    }
    assert counts.long_plans == sum(
        1 for inputs in expected if (dash.plan_months(inputs.plan_started_on, today) or 0) >= 12
    )
    page, _ = ranking.page("2", 10)
    assert list(page.object_list) == expected[10:20] and page.paginator.num_pages == 3
    page, _ = ranking.page("99", 10)  # past the end: the last page, as Paginator.get_page does
    assert page.number == 3 and list(page.object_list) == expected[20:30]
    page, _ = ranking.page("not a number", 10)
    assert page.number == 1
    assert len({inputs.score for inputs in expected}) > 10  # the population really varies
    assert any(inputs.overdue_supervision and inputs.waiting_escalations for inputs in expected)


@pytest.mark.django_db
def test_sql_ranking_gives_the_rules_order_and_scores_on_postgresql():
    check_ranking_matches_the_rule()


def test_sql_ranking_gives_the_rules_order_and_scores_on_sqlite(tmp_path):
    """The one-command demo runs on SQLite, whose date arithmetic differs."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "PORTAL_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_SETTINGS_MODULE": "neglect_portal.settings.test",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    script = (
        "from tests.test_stuck_ranking import check_ranking_matches_the_rule as check; check(); print('ranking agrees')"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ranking agrees" in result.stdout
