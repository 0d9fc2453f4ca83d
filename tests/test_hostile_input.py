"""The hostile-input walker (docs/security.md, R41, E7): every form that writes, posted with hostile and
malformed values by the lead professional (who may use them all), never gets a 500; a refused post
changes nothing; a script tag comes back escaped, never as markup."""

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import once
from tests.test_url_walker import PERMISSIONS, _case_url, case_url_names

SCRIPT = "<script>alert('xss')</script>"
HOSTILE_VALUES = [
    SCRIPT,
    "\x00",
    "abc\x00def",
    "\u202egnp.exe",
    "' OR 1=1 --",
    "'; DROP TABLE cases_case; --",
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "2026-02-29",
    "29/02/2023",
    "31/02/2026",
    "2024-02-29",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "",
    " ",
    "[]",
    "{}",
    "true",
    "null",
    "A" * 5000,
    "\u00e9\u0301" * 100,
    "🙂" * 50,
    "../../etc/passwd",
    "%00",
    "\r\n\r\nX-Injected: 1",
]
# Tables that a refused request must leave alone (the audit trail, sessions and sign-in counters
# legitimately record the attempt).
IGNORED_APPS = {"audit", "sessions", "axes", "admin", "contenttypes", "auth"}
POST_PAGES = [name for name in case_url_names() if PERMISSIONS[name] in ("write", "manage", "correct")]


SNAPSHOT_MODELS = [
    model
    for model in apps.get_models(include_auto_created=True)  # with the many-to-many tables
    # Unmanaged models are database views (the chronology's effective values): derived from the tables
    # snapshotted here, and one has a composite key the snapshot cannot order by.
    if model._meta.app_label not in IGNORED_APPS and not model._meta.proxy and model._meta.managed
]


def _snapshot() -> dict[str, str | None]:
    """Every row of those tables with the values of all its columns, so an update shows as well as an
    insert or a delete: each table as one JSON array in primary-key order, all in one query (the suite
    runs on PostgreSQL)."""
    qn = connection.ops.quote_name
    tables = ", ".join(
        f"(SELECT json_agg(t ORDER BY t.{qn(model._meta.pk.column)})::text FROM {qn(model._meta.db_table)} t)"
        for model in SNAPSHOT_MODELS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {tables}")  # table and column names from the models, no input
        return dict(zip([model._meta.label for model in SNAPSHOT_MODELS], cursor.fetchone(), strict=True))


def _changed_tables(before, after) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def _hostile_forms(field_names):
    return st.fixed_dictionaries(
        {name: st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=300)) for name in field_names}
    )


def _check(response, before):
    assert response.status_code < 500, response.status_code
    body = response.content.decode(errors="replace")
    assert SCRIPT not in body, "a script tag came back unescaped"
    if response.status_code >= 400:
        after = _snapshot()
        assert after == before, f"a refused request changed saved data in {_changed_tables(before, after)}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_PAGES)
def test_case_forms_survive_hostile_input(client, case, lead, name):
    client.force_login(lead)
    url = _case_url(name, case)
    page = client.get(url)
    # A page without a form (a list, or a chooser) still gets hostile posts: 405 or a clear 4xx.
    has_form = page.context is not None and "form" in page.context  # CSV exports render no template
    fields = list(page.context["form"].fields) if has_form else ["kind", "x"]

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=_hostile_forms(fields))
    def post(data):
        before = _snapshot()
        _check(client.post(url, data), before)

    post()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["cases:create", "password_change", "mfa_verify", "mfa_setup"])
def test_account_and_create_forms_survive_hostile_input(client, lead, name):
    client.force_login(lead)
    url = reverse(name)
    form = client.get(url).context["form"]

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=_hostile_forms(list(form.fields)))
    def post(data):
        before = _snapshot()
        _check(client.post(url, data), before)

    post()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["A" * 5000, "\x00", "é\u0301" * 200])
def test_overlong_or_odd_usernames_get_the_normal_refusal(client, username):
    response = client.post(reverse("login"), {"username": username, "password": "x"}, REMOTE_ADDR="192.0.2.51")
    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.django_db
@given(data=_hostile_forms(["username", "password"]))
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_login_survives_hostile_input(client, data):
    response = client.post(reverse("login"), data, REMOTE_ADDR="192.0.2.50")
    assert response.status_code in (200, 429)


@pytest.mark.django_db
def test_duplicate_submission_of_a_new_child_is_refused_the_second_time(client, case, lead):
    """The same household form posted twice (double click) adds the child once."""
    client.force_login(lead)
    url = reverse("cases:household_add", args=[case.reference])
    data = once(
        {
            "first_name": "Orla",
            "last_name": "Vance",
            "relationship": "child",
            "date_of_birth": "2020-02-02",
            "joined_on": case.opened_on.isoformat(),
        }
    )
    assert client.post(url, data).status_code == 302
    second = client.post(url, data, follow=True)
    assert b"was already added" in second.content
    assert case.household.filter(person__first_name="Orla").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/cases/not-a-reference/", "/cases/NP-2026-0000X/edit/", "/cases/NP-2026-00001/team/abc/end/", "/cases/%00/"],
)
def test_malformed_ids_are_404(client, lead, path):
    client.force_login(lead)
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_double_submitted_meeting_is_recorded_once(client, case, lead):
    """A core group recorded twice by a double click (same one-time token) is saved once."""
    client.force_login(lead)
    url = reverse("plans:meeting_record", args=[case.reference]) + "?kind=core_group"
    form = client.get(url).context["form"]
    data = once(
        {
            "held_on": case.opened_on.isoformat(),
            "attendees": "Lead, health visitor",
            "decisions": "Continue the plan",
            "schedule_next": "on",
        }
    )
    data.update({name: "" for name in form.fields if name not in data and name.startswith("rating_")})
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:500]
    second = client.post(url, data, follow=True)
    assert b"it was not saved twice" in second.content
    assert case.meetings.filter(kind="core_group", held_on__isnull=False).count() == 1
