"""GCP2 assessments through the assessor's pages: licence checks, saving per part, completing with
everything graded, the lock on completed assessments, corrections, conflicts and the repeat date."""

import threading
from datetime import date, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case
from gcp2 import services
from gcp2.models import AreaGrade, Assessment, SubAreaGrade
from gcp2.structure import AREAS
from tests.factories import AssessmentFactory, CaseFactory, HouseholdMemberFactory, UserFactory


def _license(user, expires_on=date(2099, 12, 31)):
    user.gcp2_trained_on = date(2025, 1, 6)
    user.gcp2_licence_expires_on = expires_on
    user.save()
    return user


def _url(name, case, assessment=None, **kwargs):
    if assessment is not None:
        kwargs["assessment_id"] = assessment.pk
    return reverse(f"gcp2:{name}", kwargs={"reference": case.reference, **kwargs})


def _child(case):
    return case.household.get(relationship="child").person


def _area_post(area_code, grade, version, **overrides):
    area = next(a for a in AREAS if a.code == area_code)
    data = {"version": version, "area_grade": grade, "rationale": f"Area {area_code} judged over all visits."}
    for sub in area.sub_areas:
        data[f"grade_{sub.code}"] = grade
        data[f"evidence_{sub.code}"] = f"Seen for {sub.code}."
    return {**data, **overrides}


def _details_post(version, **overrides):
    today = timezone.localdate()
    return {
        "version": version,
        "observation_started_on": (today - timedelta(days=21)).isoformat(),
        "observation_ended_on": (today - timedelta(days=1)).isoformat(),
        "visits": 5,
        "strengths": "Mum is warm with the baby.",
        "child_views": "Says she likes her room.",
        **overrides,
    }


@pytest.fixture
def assessor(lead):
    return _license(lead)


@pytest.fixture
def draft(case, assessor):
    return services.assessment_start(case=case, child=_child(case), by=assessor)


# --- Who may assess --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("licence", ["none", "expired"])
def test_unlicensed_member_cannot_start_save_or_complete(client, case, member, lead, licence):
    if licence == "expired":
        _license(member, expires_on=timezone.localdate() - timedelta(days=1))
    draft = services.assessment_start(case=case, child=_child(case), by=_license(lead))
    client.force_login(member)
    start = client.post(_url("start", case), {"child": _child(case).pk})
    assert start.status_code == 403
    assert "current licence" in start.content.decode()
    assert client.get(_url("details", case, draft)).status_code == 403
    assert client.post(_url("details", case, draft), _details_post(draft.version)).status_code == 403
    assert client.post(_url("area", case, draft, area="A"), _area_post("A", 2, draft.version)).status_code == 403
    assert client.post(_url("complete", case, draft), {"version": draft.version}).status_code == 403
    draft.refresh_from_db()
    assert (draft.version, draft.status, draft.visits) == (1, "draft", None)
    assert Assessment.objects.count() == 1
    assert AuditEvent.objects.filter(action="gcp2.licence_refused", actor=member).count() == 5
    # Reading stays open to the whole team.
    assert client.get(_url("detail", case, draft)).status_code == 200
    assert client.get(_url("overview", case)).status_code == 200


@pytest.mark.django_db
def test_licensed_read_only_member_cannot_assess(client, case, reader):
    _license(reader)
    client.force_login(reader)
    assert client.post(_url("start", case), {"child": _child(case).pk}).status_code == 403
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_licensed_outsider_gets_404(client, case, outsider):
    _license(outsider)
    client.force_login(outsider)
    assert client.post(_url("start", case), {"child": _child(case).pk}).status_code == 404


@pytest.mark.django_db
def test_service_refuses_without_licence_even_if_called_directly(case, member):
    with pytest.raises(services.PermissionDenied):
        services.assessment_start(case=case, child=_child(case), by=member)


@pytest.mark.django_db
def test_child_from_another_case_is_refused(client, case, assessor):
    stranger = HouseholdMemberFactory(case=CaseFactory(lead_professional=assessor)).person
    client.force_login(assessor)
    response = client.post(_url("start", case), {"child": stranger.pk})
    assert response.status_code == 400
    assert not Assessment.objects.exists()
    assert client.get(reverse("gcp2:comparison", args=[case.reference, stranger.pk])).status_code == 404


# --- Drafting, part by part ------------------------------------------------------------------------


@pytest.mark.django_db
def test_assessor_records_a_full_gcp2_part_by_part(client, case, assessor):
    client.force_login(assessor)
    response = client.post(_url("start", case), {"child": _child(case).pk})
    assessment = Assessment.objects.get()
    assert response.url == _url("details", case, assessment)
    assert assessment.kind == "baseline" and assessment.sub_area_grades.count() == 13

    response = client.post(_url("details", case, assessment), _details_post(1))
    assert response.status_code == 302 and response.url == _url("area", case, assessment, area="A")
    for version, code in enumerate("ABCD", start=2):
        response = client.post(_url("area", case, assessment, area=code), _area_post(code, 3, version))
        assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == _url("complete", case, assessment)

    page = client.get(_url("complete", case, assessment)).content.decode()
    assert "Still to do" not in page
    response = client.post(_url("complete", case, assessment), {"version": 6})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == "completed" and assessment.completed_by == assessor
    assert assessment.visits == 5
    assert set(assessment.area_grades.values_list("grade", flat=True)) == {3}
    assert AuditEvent.objects.filter(action="gcp2.assessment.completed", case=case).count() == 1
    assert AuditEvent.objects.filter(action="gcp2.assessment.saved", case=case).count() == 5
    # Completing writes the assessment into the case's chronology, with its area grades.
    entry = case.entries.get(event_type="assessment")
    assert list(entry.children.all()) == [assessment.child]
    assert "Graded Care Profile 2 (baseline) completed" in entry.what_happened
    assert "A physical care 3" in entry.what_happened and "D developmental care 3" in entry.what_happened
    assert entry.recorded_by == assessor


@pytest.mark.django_db
def test_area_grade_is_never_prefilled_from_sub_areas(client, case, assessor, draft):
    client.force_login(assessor)
    client.post(_url("area", case, draft, area="A"), _area_post("A", 4, 1, area_grade="", rationale=""))
    assert draft.area_grades.get(area="A").grade is None
    page = client.get(_url("area", case, draft, area="A")).content.decode()
    assert 'name="area_grade" value="4"' in page and 'name="area_grade" value="4" checked' not in page
    assert "overall" not in client.get(_url("detail", case, draft)).content.decode().lower().replace(
        "there is no overall score", ""
    )


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["0", "6", "-1", "three", "3.5"])
def test_grade_outside_1_to_5_is_refused_and_typed_text_kept(client, case, assessor, draft, bad):
    client.force_login(assessor)
    data = _area_post("A", 2, draft.version, grade_A2=bad, evidence_A2="Damp in the children's room.")
    response = client.post(_url("area", case, draft, area="A"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please correct the problems shown below" in body
    assert "Damp in the children&#x27;s room." in body  # what was typed is still on the page
    assert "grade_A2" in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.version == 1 and not draft.sub_area_grades.exclude(grade=None).exists()


@pytest.mark.django_db
def test_service_refuses_out_of_range_grade(case, assessor, draft):
    with pytest.raises(services.ValidationError):
        services.assessment_area_save(
            assessment=draft,
            by=assessor,
            seen_version=1,
            area="B",
            sub_areas={"B1": (6, ""), "B2": (2, "")},
            area_grade=2,
            rationale="",
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        SubAreaGrade.objects.filter(assessment=draft, sub_area="B1").update(grade=9)


@pytest.mark.django_db
def test_completing_with_missing_grades_names_what_is_missing(client, case, assessor, draft):
    client.force_login(assessor)
    client.post(_url("details", case, draft), _details_post(1))
    client.post(_url("area", case, draft, area="A"), _area_post("A", 2, 2, grade_A2="", area_grade=""))
    client.post(_url("area", case, draft, area="B"), _area_post("B", 2, 3))
    client.post(_url("area", case, draft, area="C"), _area_post("C", 2, 4))
    response = client.post(_url("complete", case, draft), {"version": 5})
    assert response.status_code == 400
    body = response.content.decode()
    for missing in (
        "a grade for sub-area A2 Housing",
        "a grade for area A Physical care",
        "a grade for sub-area D1 Stimulation",
        "a grade for area D Developmental care",
    ):
        assert missing in body
    assert "a grade for area B" not in body
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.version == 5


@pytest.mark.django_db
def test_failed_save_keeps_everything_already_saved(client, case, assessor, draft):
    client.force_login(assessor)
    client.post(_url("area", case, draft, area="C"), _area_post("C", 2, 1))
    response = client.post(_url("area", case, draft, area="C"), _area_post("C", 7, 2))
    assert response.status_code == 400
    assert list(draft.sub_area_grades.filter(sub_area__startswith="C").values_list("grade", flat=True)) == [2, 2]


# --- The lock, corrections ------------------------------------------------------------------------


@pytest.mark.django_db
def test_completed_assessment_cannot_be_changed_in_the_database(case, assessor):
    done = AssessmentFactory(case=case, grades=2, completed=True)
    done.strengths = "Rewritten"
    with pytest.raises(DatabaseError), transaction.atomic():
        done.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        Assessment.objects.filter(pk=done.pk).update(visits=9)
    with pytest.raises(DatabaseError), transaction.atomic():
        AreaGrade.objects.filter(assessment=done).update(grade=5)
    with pytest.raises(DatabaseError), transaction.atomic():
        SubAreaGrade.objects.filter(assessment=done).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Assessment.objects.filter(pk=done.pk).delete()
    done.refresh_from_db()
    assert done.strengths != "Rewritten" and set(done.area_grades.values_list("grade", flat=True)) == {2}


@pytest.mark.django_db
def test_completed_assessment_cannot_be_changed_through_the_pages(client, case, assessor):
    done = AssessmentFactory(case=case, grades=2, completed=True)
    client.force_login(assessor)
    assert client.get(_url("area", case, done, area="A")).status_code == 302
    response = client.post(_url("area", case, done, area="A"), _area_post("A", 5, done.version))
    assert response.status_code == 409
    assert "completed and is locked" in response.content.decode()
    assert "Seen for A1." in response.content.decode()  # what they typed is not lost
    assert client.post(_url("details", case, done), _details_post(done.version, visits=9)).status_code == 409
    assert client.post(_url("complete", case, done), {"version": done.version}).status_code == 409
    done.refresh_from_db()
    assert done.visits == 4 and set(done.sub_area_grades.values_list("grade", flat=True)) == {2}


@pytest.mark.django_db
def test_correction_is_a_new_version_and_the_old_stays_readable(client, case, assessor):
    done = AssessmentFactory(case=case, grades=3, completed=True, repeat_due_on=date(2030, 1, 31))
    client.force_login(assessor)
    assert client.post(_url("correct", case, done), {"reason": ""}).status_code == 400
    response = client.post(_url("correct", case, done), {"reason": "A2 graded against the wrong visit."})
    correction = Assessment.objects.get(supersedes=done)
    assert response.url == _url("details", case, correction)
    assert correction.correction_reason == "A2 graded against the wrong visit."
    assert set(correction.sub_area_grades.values_list("grade", flat=True)) == {3}
    client.post(_url("area", case, correction, area="A"), _area_post("A", 2, correction.version))
    assert client.post(_url("complete", case, correction), {"version": correction.version + 1}).status_code == 302
    correction.refresh_from_db()
    assert correction.is_completed and correction.repeat_due_on == date(2030, 1, 31)

    old_page = client.get(_url("detail", case, done)).content.decode()
    assert "Replaced by a correction" in old_page and "See the correction" in old_page
    done.refresh_from_db()
    assert done.area_grades.get(area="A").grade == 3  # untouched
    # A second correction of the same original is refused; the comparison shows only the correction.
    assert client.post(_url("correct", case, done), {"reason": "Again"}).status_code == 400
    client.force_login(assessor)
    comparison = client.get(reverse("gcp2:comparison", args=[case.reference, done.child_id])).context["comparison"]
    assert [a.pk for a in comparison.assessments] == [correction.pk]


@pytest.mark.django_db
def test_repeat_links_to_the_previous_assessment(case, assessor):
    baseline = AssessmentFactory(case=case, grades=3, completed=True)
    repeat = services.assessment_start(case=case, child=baseline.child, by=assessor)
    assert (repeat.kind, repeat.previous) == ("repeat", baseline)
    with pytest.raises(services.ValidationError):
        services.assessment_start(case=case, child=baseline.child, by=assessor)  # one draft at a time


# --- Optimistic locking ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_second_person_saving_the_same_draft_gets_a_conflict_and_loses_nothing(client, case, assessor, draft, member):
    _license(member)
    client.force_login(assessor)
    first = client.post(_url("area", case, draft, area="B"), _area_post("B", 2, 1))
    assert first.status_code == 302
    client.force_login(member)
    second = client.post(
        _url("area", case, draft, area="B"), _area_post("B", 4, 1, evidence_B1="Left alone with an unsafe adult.")
    )
    assert second.status_code == 409
    body = second.content.decode()
    assert "Your changes were not saved" in body
    assert "Left alone with an unsafe adult." in body and "4 Poor" in body  # what they typed
    assert "2 Adequate" in body  # the draft now
    draft.refresh_from_db()
    assert draft.version == 2
    assert list(draft.sub_area_grades.filter(sub_area__startswith="B").values_list("grade", flat=True)) == [2, 2]
    assert AuditEvent.objects.filter(action="gcp2.assessment.save_conflict", actor=member).count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_draft_saves_on_postgres_one_wins():
    if connection.vendor != "postgresql":
        pytest.fail("This test needs PostgreSQL: run it through `make test`.")
    assessor = _license(UserFactory(username="race_assessor"))
    case = CaseFactory(lead_professional=assessor)
    HouseholdMemberFactory(case=case)
    draft = services.assessment_start(case=case, child=_child(case), by=assessor)
    barrier = threading.Barrier(2)
    results = {}

    def save(grade: int) -> None:
        from django.db import connections

        try:
            barrier.wait()
            services.assessment_area_save(
                assessment=draft,
                by=assessor,
                seen_version=1,
                area="C",
                sub_areas={"C1": (grade, "x"), "C2": (grade, "y")},
                area_grade=grade,
                rationale="z",
            )
            results[grade] = "saved"
        except services.VersionConflict:
            results[grade] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(grade,)) for grade in (1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == ["conflict", "saved"]
    winner = next(grade for grade, outcome in results.items() if outcome == "saved")
    grades = set(
        SubAreaGrade.objects.filter(assessment=draft, sub_area__startswith="C").values_list("grade", flat=True)
    )
    assert grades == {winner} and Assessment.objects.get(pk=draft.pk).version == 2


# --- Repeat schedule ------------------------------------------------------------------------------


@pytest.mark.django_db  # the working calendar reads the local closure days (none here)
@pytest.mark.parametrize(
    "start, months, due",
    [
        (date(2026, 11, 30), 3, date(2027, 2, 26)),  # 28 Feb 2027 is a Sunday: back to Friday
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # clamped to the leap day, a Tuesday
        (date(2026, 1, 15), 3, date(2026, 4, 15)),
        (date(2026, 12, 31), 6, date(2027, 6, 30)),
    ],
)
def test_repeat_due_dates_use_calendar_months_and_working_days(start, months, due):
    assert services.add_months(start, months) == due


@pytest.mark.django_db
@pytest.mark.parametrize("level, months", [("child_protection", 3), ("child_in_need", 6), ("early_help", 6)])
def test_completion_sets_the_repeat_due_date_shown_on_the_case(client, case, assessor, level, months, time_machine):
    time_machine.move_to("2026-11-30 10:00")
    Case.objects.filter(pk=case.pk).update(level=level)
    case.refresh_from_db()
    draft = AssessmentFactory(case=case, grades=2)
    services.assessment_complete(assessment=draft, by=assessor, seen_version=draft.version)
    draft.refresh_from_db()
    assert draft.repeat_due_on == services.add_months(date(2026, 11, 30), months)
    client.force_login(assessor)
    page = client.get(reverse("dashboards:detail", args=[case.reference])).content.decode()
    assert f"{draft.repeat_due_on:%-d %b %Y}" in page


@pytest.mark.django_db
def test_repeat_interval_is_a_setting(case, assessor, settings):
    settings.GCP2_REPEAT_MONTHS_CHILD_PROTECTION = 1
    draft = AssessmentFactory(case=case, grades=2)
    done = services.assessment_complete(assessment=draft, by=assessor, seen_version=draft.version)
    assert done.repeat_due_on == services.add_months(timezone.localdate(), 1)


@pytest.mark.django_db
def test_a_draft_on_a_closed_case_cannot_be_completed(case, assessor):
    """A closed case is read-only (docs/security.md R42): its draft stays a draft until a manager reopens it."""
    draft = AssessmentFactory(case=case, grades=2)
    Case.objects.filter(pk=case.pk).update(status="closed", closed_on=timezone.localdate())
    case.refresh_from_db()
    draft.case = case
    with pytest.raises(services.ValidationError, match="This case is closed"):
        services.assessment_complete(assessment=draft, by=assessor, seen_version=draft.version)
    draft.refresh_from_db()
    assert draft.is_draft and draft.repeat_due_on is None


# --- Licensed descriptors -------------------------------------------------------------------------


@pytest.mark.django_db
def test_descriptor_text_is_shown_beside_the_question_to_assessors_only(client, case, assessor, draft, member):
    from tests.factories import DescriptorFactory

    DescriptorFactory(sub_area="A2", grade=3, text="Licensed wording <b>loaded</b> by the admin")
    client.force_login(assessor)
    page = client.get(_url("area", case, draft, area="A")).content.decode()
    assert "Licensed descriptors for A2 Housing" in page
    assert "Licensed wording &lt;b&gt;loaded&lt;/b&gt; by the admin" in page
    assert "Licensed wording" not in client.get(_url("detail", case, draft)).content.decode()
    assert "Licensed descriptors" not in client.get(_url("area", case, draft, area="B")).content.decode()
