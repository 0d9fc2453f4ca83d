"""GCP2 comparison over time, the household summary and the PDFs: better / same / worse on
hand-made sequences, constant query counts, siblings without a GCP2, and printed marking and audit."""

import subprocess
from datetime import date, timedelta

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from gcp2 import selectors
from gcp2.structure import AREAS, SUB_AREAS
from tests.factories import AssessmentFactory, HouseholdMemberFactory


def _sequence(case, child, grade_sets, start=date(2025, 1, 31)):
    """Completed assessments, one per grade set, three months apart (oldest first)."""
    made = []
    for index, grades in enumerate(grade_sets):
        ended = start + timedelta(days=91 * index)
        made.append(
            AssessmentFactory(
                case=case,
                child=child,
                grades=grades,
                completed=True,
                kind="repeat" if made else "baseline",
                previous=made[-1] if made else None,
                observation_started_on=ended - timedelta(days=20),
                observation_ended_on=ended,
            )
        )
    return made


def _all(grade):
    return {code: grade for code in [s.code for s in SUB_AREAS] + [a.code for a in AREAS]}


def _row(comparison, code):
    return next(row for row in comparison.rows if row.code == code)


def _child(case):
    return case.household.get(relationship="child").person


@pytest.mark.django_db
@pytest.mark.parametrize(
    "grades, changes, since_baseline",
    [
        ([4, 3, 2], [None, "better", "better"], "better"),  # improving
        ([2, 3, 5], [None, "worse", "worse"], "worse"),  # worsening
        ([3, 2, 4], [None, "better", "worse"], "worse"),  # yo-yo: better, then worse
        ([3, 3], [None, "same"], "same"),  # no change
        ([4, 2, 4], [None, "better", "worse"], "same"),  # back where it started
    ],
)
def test_change_per_area_on_hand_made_sequences(case, grades, changes, since_baseline):
    child = _child(case)
    _sequence(case, child, [_all(g) for g in grades])
    comparison = selectors.comparison_for_child(case, child)
    for code in ("A", "A2", "D", "D4"):
        row = _row(comparison, code)
        assert [cell.grade for cell in row.cells] == grades
        assert [cell.change for cell in row.cells] == changes
        assert row.since_baseline == since_baseline


@pytest.mark.django_db
def test_mixed_sequence_compares_each_line_on_its_own(case):
    child = _child(case)
    baseline = {**_all(3), "A2": 4, "C": 4}
    repeat = {**_all(3), "A2": 2, "C": 5, "B1": 2}
    _sequence(case, child, [baseline, repeat])
    comparison = selectors.comparison_for_child(case, child)
    assert _row(comparison, "A2").cells[1].change == "better"
    assert _row(comparison, "C").cells[1].change == "worse"
    assert _row(comparison, "B1").cells[1].change == "better"
    assert _row(comparison, "D").cells[1].change == "same"
    assert not hasattr(comparison, "overall")


@pytest.mark.django_db
def test_single_assessment_has_nothing_to_compare(client, case, lead):
    child = _child(case)
    _sequence(case, child, [_all(3)])
    comparison = selectors.comparison_for_child(case, child)
    assert all(row.cells[0].change is None and row.since_baseline is None for row in comparison.rows)
    assert len(comparison.trends[0].points) == 1
    client.force_login(lead)
    page = client.get(reverse("gcp2:comparison", args=[case.reference, child.pk])).content.decode()
    assert "nothing to compare with yet" in page
    assert "Since the baseline" not in page


@pytest.mark.django_db
def test_drafts_and_other_children_are_left_out(case):
    child = _child(case)
    sibling = HouseholdMemberFactory(case=case).person
    _sequence(case, child, [_all(4)])
    _sequence(case, sibling, [_all(1)])
    AssessmentFactory(
        case=case, child=child, grades=_all(1), kind="repeat", previous=case.gcp2_assessments.filter(child=child).get()
    )
    comparison = selectors.comparison_for_child(case, child)
    assert [cell.grade for cell in _row(comparison, "A").cells] == [4]


@pytest.mark.django_db
def test_comparison_page_shows_words_not_only_colour_and_an_accessible_chart(client, case, member):
    child = _child(case)
    _sequence(case, child, [_all(4), {**_all(4), "B": 2}, {**_all(4), "B": 3}])
    client.force_login(member)
    page = client.get(reverse("gcp2:comparison", args=[case.reference, child.pk])).content.decode()
    assert "▲</span> Better" in page and "▼</span> Worse" in page and "</span> Same" in page
    assert page.count("<svg") == 4 and 'role="img"' in page
    assert "31 Jan 2025: grade 4 Poor; 2 May 2025: grade 2 Adequate; 1 Aug 2025: grade 3 Borderline" in page
    assert "cdn" not in page.lower() and "<script>" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("n_assessments", [2, 8])
def test_comparison_query_count_does_not_grow(client, case, lead, n_assessments, django_assert_num_queries):
    child = _child(case)
    _sequence(case, child, [_all(1 + i % 5) for i in range(n_assessments)])
    client.force_login(lead)
    url = reverse("gcp2:comparison", args=[case.reference, child.pk])
    # session, user, case (access check), audit row, the child via the household, assessments,
    # their sub-area grades, their area grades, unread notifications (header), then the session
    # save (savepoint, update, release)
    with django_assert_num_queries(12):
        response = client.get(url)
    assert len(response.context["comparison"].assessments) == n_assessments


@pytest.mark.django_db
@pytest.mark.parametrize("n_children", [2, 5])
def test_household_summary_query_count_does_not_grow(client, case, lead, n_children, django_assert_num_queries):
    for _ in range(n_children - 1):
        child = HouseholdMemberFactory(case=case).person
        _sequence(case, child, [_all(2), _all(3)])
    client.force_login(lead)
    # session, user, case, audit row, current children (repeat due), latest per child (repeat due),
    # all children, assessments, sub-area grades, area grades, unread notifications (header),
    # then the session save (3)
    with django_assert_num_queries(14):
        response = client.get(reverse("gcp2:overview", args=[case.reference]))
    assert len(response.context["children"]) == n_children


@pytest.mark.django_db
def test_household_summary_shows_every_child_and_who_has_no_gcp2(client, case, member):
    assessed = _child(case)
    teenager = HouseholdMemberFactory(
        case=case, person__first_name="Tyler", person__date_of_birth=date(2011, 4, 2)
    ).person
    _sequence(case, assessed, [_all(3), _all(2)])
    client.force_login(member)
    response = client.get(reverse("gcp2:overview", args=[case.reference]))
    body = response.content.decode()
    assert "1 child in the household has no completed GCP2" in body
    assert "Tyler" in body and "No GCP2" in body
    summary = {s.member.person_id: s for s in response.context["children"]}
    assert summary[assessed.pk].area_grades == {"A": 2, "B": 2, "C": 2, "D": 2}
    assert summary[teenager.pk].latest is None
    case_page = client.get(reverse("dashboards:detail", args=[case.reference])).content.decode()
    assert "Children with no GCP2" in case_page


def _pdf_text(content: bytes, tmp_path) -> str:
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.django_db
def test_assessment_and_comparison_pdfs_are_marked_and_audited(client, case, member, tmp_path):
    child = _child(case)
    first, second = _sequence(case, child, [_all(4), _all(2)])
    client.force_login(member)
    response = client.get(reverse("gcp2:assessment_pdf", args=[case.reference, second.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert case.reference in response["Content-Disposition"] and child.first_name not in response["Content-Disposition"]
    text = _pdf_text(response.content, tmp_path)
    assert "OFFICIAL-SENSITIVE" in text and f"Case {case.reference}" in text
    assert f"Exported by {member.get_full_name()}" in text and "Page 1 of" in text
    assert "A2 Housing" in text and "2 Adequate" in text
    event = AuditEvent.objects.get(action="gcp2.assessment.printed")
    assert event.actor == member and event.data == {"assessment_ids": [str(second.pk)]}

    response = client.get(reverse("gcp2:comparison_pdf", args=[case.reference, child.pk]))
    text = _pdf_text(response.content, tmp_path)
    assert "OFFICIAL-SENSITIVE" in text and "Better" in text and "Page 1 of" in text
    event = AuditEvent.objects.get(action="gcp2.comparison.printed")
    assert event.data == {"assessment_ids": [str(first.pk), str(second.pk)]}
