"""The children in need census return (docs/census.md): made from the demo data and from a generated partnership,
it passes the DfE's rules as local authorities run them (csc-validator-be-cin, in its own environment); it counts
every child whose episode was open in the year, and no other; it has every element the data supports; broken
children give the rule codes the DfE's rules give, on the readiness page too; only a data officer makes it."""

import re
from collections import Counter
from datetime import date, datetime, time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from bench import generator
from cases.models import ChildAssessment, ChildEpisode, Person, Section47Enquiry
from demo import households as demo
from plans.models import ChildPlan
from reporting import census, census_checks, services
from reporting.models import CensusCheck
from reporting.tasks import nightly_census_check, run_census_check
from tests.census_validator import return_xml, validate
from tests.factories import CaseFactory, HouseholdMemberFactory, MeetingFactory, PlanFactory, UserFactory

# Every element of the specification the portal's data can fill. FormerUPN and AssessmentInternalReviewDate
# are not held by the portal (docs/census.md, "What the return leaves out").
ELEMENTS = {
    "LAchildID", "UPN", "UPNunknown", "PersonBirthDate", "ExpectedPersonBirthDate", "Sex", "Ethnicity",
    "Disability", "CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate", "ReasonForClosure",
    "ReferralNFA", "AssessmentActualStartDate", "AssessmentAuthorisationDate", "AssessmentFactors",
    "CINPlanStartDate", "CINPlanEndDate", "S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC",
    "ICPCnotRequired", "CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse",
    "NumberOfPreviousCPP", "CPPreviewDate",
}  # fmt: skip


def _children_open_in(year: int) -> set[str]:
    """The children with an episode open on any day of the year, counted another way: every episode in
    Python, each through the record it now is."""
    starts, ends = date(year - 1, 4, 1), date(year, 3, 31)
    return {
        census.la_child_id(episode.child.merged_into_id or episode.child_id)
        for episode in ChildEpisode.objects.select_related("child")
        if episode.started_on <= ends and (episode.closed_on is None or episode.closed_on >= starts)
    }


def _assert_passes(year: int) -> set[str]:
    result = validate(return_xml(year))
    assert result.errors == [], Counter(issue["code"] for issue in result.errors)
    in_xml = re.findall(r"<LAchildID>(\w+)</LAchildID>", result.xml)
    assert len(in_xml) == len(set(in_xml)) == result.report["children"]
    assert set(in_xml) == _children_open_in(year)
    assert len(in_xml) > 10
    return set(re.findall(r"<(\w+)>[^<]", result.xml))


def _on(time_machine, day: date) -> None:
    """The demo and the generator are made relative to today: pin the day, so the return is the same each run."""
    time_machine.move_to(datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone()), tick=False)


# Mid-year, and the first working days of the return window (when the year just ended is sent).
MID_YEAR, RETURN_WINDOW = date(2026, 12, 4), date(2027, 4, 2)


@pytest.mark.django_db
def test_the_demo_return_passes_the_dfe_rules_for_the_last_and_the_current_year(time_machine):
    _on(time_machine, MID_YEAR)
    demo.seed(timezone.localdate())
    current = census.CensusYear.current(timezone.localdate()).year
    elements = _assert_passes(current - 1) | _assert_passes(current)
    assert ELEMENTS - elements == set()


@pytest.mark.django_db
def test_the_demo_return_made_in_the_return_window_passes_the_dfe_rules(time_machine):
    _on(time_machine, RETURN_WINDOW)
    demo.seed(timezone.localdate())
    _assert_passes(census.CensusYear.current(timezone.localdate()).year - 1)


@pytest.mark.django_db
def test_a_generated_partnership_of_2000_households_passes_the_dfe_rules(time_machine):
    _on(time_machine, MID_YEAR)
    generator.generate(2000, today=timezone.localdate())
    current = census.CensusYear.current(timezone.localdate()).year
    elements = _assert_passes(current - 1) | _assert_passes(current)
    assert ELEMENTS - elements == set()


# --- Broken children give the DfE's rule codes, and the readiness page shows them ---------------------------

YEAR = 2026  # 1 April 2025 to 31 March 2026, checked after it ended (the tests run later than that)


def _child(first_name: str, case, **details):
    fields = {
        "first_name": first_name,
        "date_of_birth": date(2022, 1, 10),
        "sex": "female",
        "ethnicity": "WBRI",
        "disabilities": ["NONE"],
        "upn_unknown_reason": "UN1",
        **details,
    }
    return HouseholdMemberFactory(case=case, **{f"person__{k}": v for k, v in fields.items()}).person


def _episode(case, child, *, closed_on=None, reason=""):
    episode = ChildEpisode.objects.create(
        case=case, child=child, started_on=date(2025, 5, 5), referral_source="2A", primary_need="N1"
    )
    ChildAssessment.objects.create(
        episode=episode,
        started_on=date(2025, 5, 6),
        authorised_on=date(2025, 6, 2),
        authorised_by=case.lead_professional,
        factors=["16A"],
    )
    if closed_on:
        ChildEpisode.objects.filter(pk=episode.pk).update(closed_on=closed_on, closure_reason=reason)
    return episode


def _protected(case, child, episode, *, ended_on=None):
    """A child protection plan from the initial conference of 17 June 2025 (a Tuesday), reviewed in September."""
    Section47Enquiry.objects.create(
        episode=episode,
        started_on=date(2025, 6, 3),
        conference_needed=True,
        conference_on=date(2025, 6, 17),
        recorded_by=case.lead_professional,
    )
    plan = PlanFactory(case=case, kind="child_protection", started_on=date(2025, 6, 17))
    ChildPlan.objects.filter(plan=plan).update(ended_on=ended_on, end_reason="no_longer_needed" if ended_on else "")
    MeetingFactory(case=case, kind="icpc", held_on=date(2025, 6, 17), due_on=date(2025, 6, 17))
    MeetingFactory(case=case, kind="rcpc", held_on=date(2025, 9, 16), due_on=date(2025, 9, 17))


@pytest.fixture
def broken_children(db):
    """One clean child, and two broken as the issue asks: a plan ending on its start day; RC8 with a plan."""
    lead = UserFactory()
    clean_case, same_day_case, rc8_case = (
        CaseFactory(lead_professional=lead, opened_on=date(2025, 5, 5)) for _ in range(3)
    )
    clean = _child("Clean", clean_case)
    _protected(clean_case, clean, _episode(clean_case, clean))
    same_day = _child("Sameday", same_day_case)
    _protected(same_day_case, same_day, _episode(same_day_case, same_day), ended_on=date(2025, 6, 17))
    rc8 = _child("Closedafter", rc8_case)
    episode = _episode(rc8_case, rc8)
    plan = PlanFactory(case=rc8_case, kind="child_in_need", started_on=date(2025, 6, 2), ended_on=date(2025, 7, 31))
    assert ChildPlan.objects.filter(plan=plan, episode=episode).exists()
    ChildEpisode.objects.filter(pk=episode.pk).update(closed_on=date(2025, 8, 1), closure_reason="RC8")
    return {"clean": clean, "same_day": same_day, "rc8": rc8}


def _portal_codes(year: int) -> dict[str, set[str]]:
    ctx = services.context_for(census.CensusYear(year), timezone.localdate())
    return {
        child.la_child_id: {p.code for p in census_checks.problems(child, ctx)}
        for child in census.children_in_year(census.CensusYear(year))
    }


def test_broken_children_give_the_dfe_rule_codes_and_the_portal_finds_the_same(broken_children):
    result = validate(return_xml(YEAR))
    dfe = result.codes_by_child()
    ids = {name: census.la_child_id(person.pk) for name, person in broken_children.items()}
    assert "8840" in dfe[ids["same_day"]]
    assert "2990" in dfe[ids["rc8"]]
    assert dfe[ids["clean"]] == set()
    # The portal's own checks find what the DfE's rules find, child by child.
    ours = _portal_codes(YEAR)
    for name, la_id in ids.items():
        assert ours[la_id] == dfe[la_id], name


def test_each_rule_the_portal_checks_agrees_with_the_dfe_rules_on_a_child_that_breaks_it(broken_children):
    """More broken children, one rule each: the validator and the portal give the same codes for each."""
    case = CaseFactory(opened_on=date(2025, 5, 5))
    no_ethnicity = _child("Noethnicity", case, ethnicity="")
    _episode(case, no_ethnicity)
    waiting_case = CaseFactory(opened_on=date(2025, 5, 5))
    open_assessment = _child("Openassessment", waiting_case)
    episode = _episode(waiting_case, open_assessment, closed_on=date(2025, 9, 1), reason="RC7")
    ChildAssessment.objects.create(episode=episode, started_on=date(2025, 7, 1))
    weekend_case = CaseFactory(opened_on=date(2025, 5, 5))
    weekend = _child("Weekend", weekend_case)
    Section47Enquiry.objects.create(
        episode=_episode(weekend_case, weekend),
        started_on=date(2025, 6, 3),
        conference_needed=True,
        conference_on=date(2025, 6, 14),  # a Saturday
        recorded_by=weekend_case.lead_professional,
    )
    long_case = CaseFactory(opened_on=date(2025, 3, 3))
    long_assessment = _child("Longassessment", long_case)
    long_episode = ChildEpisode.objects.create(
        case=long_case, child=long_assessment, started_on=date(2025, 3, 3), referral_source="2A", primary_need="N1"
    )
    ChildAssessment.objects.create(episode=long_episode, started_on=date(2025, 3, 10))  # never authorised
    dfe = validate(return_xml(YEAR)).codes_by_child()
    ours = _portal_codes(YEAR)
    for person, code in (
        (no_ethnicity, "4220"),
        (open_assessment, "8867"),
        (weekend, "8875"),
        (long_assessment, "8736"),
    ):
        la_id = census.la_child_id(person.pk)
        assert code in dfe[la_id], (code, dfe[la_id])
        assert ours[la_id] == dfe[la_id], (person.first_name, ours[la_id], dfe[la_id])


@pytest.fixture
def data_officer(db):
    return UserFactory(username="data_officer_p", role="data_officer", job_title="Data officer")


def test_the_readiness_page_lists_each_broken_child_with_the_page_that_fixes_it(
    client, data_officer, broken_children, django_capture_on_commit_callbacks
):
    client.force_login(data_officer)
    url = reverse("reporting:census_readiness")
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(url, {"year": YEAR})
    assert response.status_code == 302 and len(queued) == 1
    check = CensusCheck.objects.get()
    assert not check.is_finished
    assert "A new check is waiting to run" in client.get(url, {"year": YEAR}).content.decode()
    client.post(url, {"year": YEAR})  # a second click while it waits asks for nothing more
    assert CensusCheck.objects.count() == 1
    run_census_check(check.pk)  # as the worker does
    check.refresh_from_db()
    assert check.is_finished and check.children == 3 and check.errors == 2
    page = client.get(url, {"year": YEAR}).content.decode()
    assert "Sameday" in page and "8840" in page and "starts and ends on the same day" in page
    assert "Closedafter" in page and "2990" in page
    assert "Clean " not in page
    assert "By rule: how many children each affects" in page
    episode = ChildEpisode.objects.get(child=broken_children["same_day"])
    assert reverse("plans:child_record", args=[episode.case.reference, episode.pk]) in page
    assert AuditEvent.objects.filter(actor=data_officer, action=AuditEvent.Action.CENSUS_CHECK_REQUESTED).exists()


def test_the_return_is_downloaded_streamed_audited_with_its_count_and_marked(client, data_officer, broken_children):
    client.force_login(data_officer)
    response = client.get(reverse("reporting:census_return", args=[YEAR]))
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode()
    assert "OFFICIAL-SENSITIVE" in body and body.count("<Child>") == 3
    for person in broken_children.values():
        assert person.first_name not in body and person.last_name not in body
    event = AuditEvent.objects.get(action=AuditEvent.Action.CENSUS_RETURN_EXPORTED)
    assert event.actor == data_officer and event.data["children"] == 3 and event.data["year"] == YEAR
    assert f"export {event.pk}" in body


def test_only_a_data_officer_makes_the_return_from_the_command(tmp_path, data_officer, broken_children):
    output = tmp_path / "cin.xml"
    practitioner = UserFactory(username="not_a_data_officer")
    with pytest.raises(CommandError, match="may not make the census return"):
        call_command("cin_census", year=YEAR, la="123", username=practitioner.username, output=str(output))
    assert not output.exists()
    call_command("cin_census", year=YEAR, la="123", username=data_officer.username, output=str(output))
    text = output.read_text()
    assert "<LEA>123</LEA>" in text and text.count("<Child>") == 3
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CENSUS_RETURN_EXPORTED, actor=data_officer).count() == 1


@pytest.mark.django_db
def test_a_child_merged_into_another_record_is_returned_once_as_that_record(broken_children):
    canonical = broken_children["clean"]
    alias = Person.objects.create(first_name="Clean", last_name="Alias", date_of_birth=date(2022, 1, 10))
    Person.objects.filter(pk=alias.pk).update(merged_into=canonical)
    ChildEpisode.objects.create(
        case=CaseFactory(opened_on=date(2025, 4, 7)), child=alias, started_on=date(2025, 4, 7),
        closed_on=date(2025, 4, 30), closure_reason="RC7",
    )  # fmt: skip
    xml = return_xml(YEAR)
    assert xml.count(f"<LAchildID>{census.la_child_id(canonical.pk)}</LAchildID>") == 1
    assert census.la_child_id(alias.pk) not in xml


def test_the_night_job_checks_the_current_year_and_runs_a_check_left_waiting(broken_children, data_officer):
    """A data officer asked while the broker was down: the check waited in the database; the night job runs it,
    and its own check of the current year."""
    waiting = CensusCheck.objects.create(year=YEAR, requested_by=data_officer)
    result = nightly_census_check()
    current = census.CensusYear.current(timezone.localdate()).year
    assert waiting.pk in result["ran"] and len(result["ran"]) == 2
    waiting.refresh_from_db()
    assert waiting.is_finished and waiting.errors == 2
    assert CensusCheck.objects.filter(year=current, finished_at__isnull=False).exists()
    assert nightly_census_check()["ran"] != result["ran"]  # a second night makes a new check, not the old again


def test_a_census_year_that_is_not_offered_is_a_clear_error(client, data_officer):
    client.force_login(data_officer)
    for year in ("abc", "1999", "2099"):
        response = client.get(reverse("reporting:census_readiness"), {"year": year})
        assert response.status_code == 400 and "No such census year" in response.content.decode()
    assert client.get(reverse("reporting:census_return", args=[1999])).status_code == 404
    assert CensusCheck.objects.count() == 0


def test_a_baby_born_after_the_census_year_is_returned_as_unborn_on_its_last_day(broken_children):
    """Born on 14 April 2026, after the reference date of 31 March: on that day the baby was still unborn."""
    case = CaseFactory(opened_on=date(2026, 1, 5))
    baby = _child("Aprilbaby", case, expected_on=date(2026, 4, 20), date_of_birth=date(2026, 4, 14), sex="male")
    ChildEpisode.objects.create(case=case, child=baby, started_on=date(2026, 1, 5), referral_source="3B",
                                primary_need="N1")  # fmt: skip
    result = validate(return_xml(YEAR))
    la_id = census.la_child_id(baby.pk)
    block = result.xml[result.xml.index(f"<LAchildID>{la_id}</LAchildID>") :].split("</ChildIdentifiers>")[0]
    assert "<ExpectedPersonBirthDate>2026-04-20</ExpectedPersonBirthDate>" in block and "<Sex>U</Sex>" in block
    assert "PersonBirthDate>2026-04-14" not in block
    assert "8520" not in result.codes_by_child()[la_id]
