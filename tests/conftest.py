"""Personas (one user per role, docs/security.md, "Personas and the URL walker"), a shared case, and the browser set-up.

LEAD leads `case`; MEMBER and READER are on its team (READER read-only); COLLEAGUE works in the
lead's agency but not on the case; OUTSIDER is in another agency; MANAGER manages the lead's
team; SENIOR is a senior manager in the lead agency; DEACTIVATED was on the team but is disabled. MASH_PRACTITIONER and
MASH_MANAGER work the front door (referrals/): they see the MASH inbox and open no case by their roles alone.
"""

import os

import pytest

from cases.models import CaseMember
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    CaseMemberFactory,
    HouseholdMemberFactory,
    TeamFactory,
    UserFactory,
)

# pytest-django's database set-up runs inside Playwright's event loop in browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"
SENTINEL_CHILD_NAME = "Zephyrine"


@pytest.fixture
def social_care():
    return AgencyFactory(name="Test Children's Social Care")


@pytest.fixture
def other_agency():
    return AgencyFactory(name="Test Community Health", kind="health")


@pytest.fixture
def lead_team(social_care):
    return TeamFactory(name="Team A", agency=social_care)


@pytest.fixture
def manager(social_care, lead_team):
    user = UserFactory(
        username="manager_p", agency=social_care, team=lead_team, role="team_manager", job_title="Team manager"
    )
    lead_team.manager = user
    lead_team.save()
    return user


@pytest.fixture
def lead(social_care, lead_team, manager):
    return UserFactory(username="lead_p", agency=social_care, team=lead_team)


@pytest.fixture
def member(other_agency):
    return UserFactory(username="member_p", agency=other_agency, job_title="Health visitor")


@pytest.fixture
def reader(other_agency):
    return UserFactory(username="reader_p", agency=other_agency, job_title="GP")


@pytest.fixture
def colleague(social_care):
    return UserFactory(username="colleague_p", agency=social_care)


@pytest.fixture
def outsider(other_agency):
    return UserFactory(username="outsider_p", agency=AgencyFactory(name="Test Police", kind="police"))


@pytest.fixture
def senior(social_care):
    return UserFactory(username="senior_p", agency=social_care, role="senior_manager", job_title="Head of service")


@pytest.fixture
def two_roles(social_care):
    """A practitioner who is also a team manager (of no team the case's lead is in)."""
    return UserFactory(username="two_roles_p", agency=social_care, roles=["practitioner", "team_manager"])


@pytest.fixture
def administrator(social_care):
    return UserFactory(username="admin_p", agency=social_care, role="administrator", is_staff=True)


@pytest.fixture
def deactivated(other_agency):
    return UserFactory(username="deactivated_p", agency=other_agency, is_active=False)


@pytest.fixture
def case(lead, member, reader, deactivated):
    case = CaseFactory(lead_professional=lead)
    CaseMemberFactory(case=case, user=member, role=CaseMember.Role.CORE_GROUP)
    CaseMemberFactory(case=case, user=reader, role=CaseMember.Role.READ_ONLY)
    CaseMemberFactory(case=case, user=deactivated, role=CaseMember.Role.CONTRIBUTOR)
    HouseholdMemberFactory(case=case, person__first_name=SENTINEL_CHILD_NAME)
    return case


@pytest.fixture
def mash_agency():
    return AgencyFactory(name="Test MASH", kind="social_care")


@pytest.fixture
def mash_practitioner(mash_agency):
    """Works the MASH inbox: reads referrals and checks with partners, but does not decide."""
    return UserFactory(
        username="mash_practitioner_p", agency=mash_agency, role="mash_practitioner", job_title="MASH social worker"
    )


@pytest.fixture
def mash_manager(mash_agency):
    """Decides referrals at the MASH."""
    return UserFactory(username="mash_manager_p", agency=mash_agency, role="mash_manager", job_title="MASH manager")


@pytest.fixture
def personas(lead, member, reader, colleague, outsider, manager, senior, deactivated, two_roles, administrator):
    return {
        "two_roles": two_roles,
        "administrator": administrator,
        "lead": lead,
        "member": member,
        "reader": reader,
        "colleague": colleague,
        "outsider": outsider,
        "manager": manager,
        "senior": senior,
        "deactivated": deactivated,
    }


# --- Browser tests (Playwright driving Debian's Chromium; never `playwright install`) --------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


def _drop_broker_connections() -> None:
    """Forget pooled broker connections so the next publish connects to the configured URL.

    The pools live in kombu's process-wide registry, one per broker URL: closing the app's pool
    alone would leave a closed pool registered for the real broker, and every later publish in this
    process (the worker tests, in whatever order they run) would fail with "Acquire on closed pool".
    So close them all and empty the registry."""
    from kombu import pools as kombu_pools

    from neglect_portal.celery import app

    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_unreachable():
    """Publishing goes to a closed port: a real connection refused, as when the broker is down."""
    from neglect_portal.celery import app

    original = app.conf.broker_write_url
    _drop_broker_connections()
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    yield
    app.conf.broker_write_url = original
    _drop_broker_connections()
