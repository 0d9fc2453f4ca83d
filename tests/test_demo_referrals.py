"""The front door's demo data (demo/referrals.py): the MASH logins with their roles, referrals in every state,
and returning families whose children are found in a closed demo case."""

import pytest
from django.utils import timezone

from accounts.models import Capability, User
from cases.matching import find_people
from cases.models import Case
from demo import households as demo
from referrals.models import Decision, Referral


@pytest.mark.django_db
def test_demo_has_mash_logins_and_referrals_in_every_state():
    demo.seed(timezone.localdate())
    for username, role in (("mash", "mash_practitioner"), ("mashmanager", "mash_manager")):
        user = User.objects.get(username=username)
        assert user.check_password(demo.DEMO_PASSWORD)
        assert list(user.roles.values_list("key", flat=True)) == [role]
        assert user.team.name == demo.MASH_TEAM and user.agency.name == demo.CSC
    mash, manager = User.objects.get(username="mash"), User.objects.get(username="mashmanager")
    assert mash.can(Capability.Key.TRIAGE_REFERRALS) and not mash.can(Capability.Key.DECIDE_REFERRALS)
    assert manager.can(Capability.Key.DECIDE_REFERRALS) and manager.team.manager == manager
    assert {login.username for login in demo.DEMO_LOGINS} >= {"mash", "mashmanager"}

    referrals = list(Referral.objects.with_status())
    statuses = [r.status for r in referrals]
    now = timezone.now()
    assert Referral.Status.NEW in statuses and Referral.Status.DECIDED in statuses
    checks = [r for r in referrals if r.status == Referral.Status.CHECKS]
    assert any(c.answer == "" for r in checks for c in r.checks.all())  # asked, waiting for the answer
    assert any(c.answer for r in checks for c in r.checks.all())  # and answered
    assert any(r.is_overdue(now) for r in referrals)
    assert any(r.status == Referral.Status.NEW and not r.is_overdue(now) for r in referrals)
    assert set(Decision.objects.values_list("outcome", flat=True)) == set(Decision.Outcome.values)
    assert set(Decision.objects.values_list("decided_by__username", flat=True)) == {"mashmanager"}
    teacher = User.objects.get(username="teacher")
    assert teacher.agency.kind == "education" and Referral.objects.filter(referrer=teacher).count() >= 3


@pytest.mark.django_db
def test_demo_returning_families_are_found_in_a_closed_case():
    demo.seed(timezone.localdate())
    returning, spelt_differently = 0, 0
    for referral in Referral.objects.prefetch_related("children"):
        for child in referral.children.all():
            found = find_people(child.first_name, child.last_name, child.date_of_birth)
            closed = [
                c
                for c in found
                if c.person.households.filter(case__status=Case.Status.CLOSED).exists()
                and not c.person.households.filter(case__status=Case.Status.OPEN).exists()
            ]
            if closed:
                returning += 1
                spelt_differently += closed[0].person.first_name != child.first_name
    assert returning >= 2 and spelt_differently >= 1


@pytest.mark.django_db
def test_demo_referrals_are_seeded_once():
    today = timezone.localdate()
    demo.seed(today)
    counts = (Referral.objects.count(), Decision.objects.count(), Case.objects.count())
    assert demo.seed(today) == 0
    assert (Referral.objects.count(), Decision.objects.count(), Case.objects.count()) == counts
