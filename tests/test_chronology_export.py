"""Print and export: the PDF carries the marking, the case, page numbers and who printed it;
the CSV neutralises formulas; both are permission-checked and audited with the entry IDs. The court
version of the PDF holds the high-significance entries of the last 2 years and says so on every page."""

import csv
import io
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from chronology.models import Entry, EntryChild
from tests.factories import AmendmentFactory, EntryFactory
from workdays.calendar import months_later

COURT_MARKING = "Court version: significant events of the last 2 years"


def _child(case):
    return case.household.first().person


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "chronology.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.django_db
def test_pdf_of_500_entries_has_marking_page_numbers_and_printer_on_every_page(client, case, lead, tmp_path):
    child = _child(case)
    today = timezone.localdate()
    entries = Entry.objects.bulk_create(
        [
            Entry(
                case=case,
                occurred_on=today - timedelta(days=i),
                recorded_at=timezone.now(),
                recorded_by=lead,
                source_agency=lead.agency,
                author_role="Social worker",
                event_type="home_visit",
                what_happened=f"Visit number {i}: kitchen seen, food in cupboards.",
                significance="medium",
            )
            for i in range(500)
        ]
    )
    EntryChild.objects.bulk_create([EntryChild(entry=e, person=child) for e in entries])
    client.force_login(lead)
    response = client.get(reverse("chronology:export_pdf", args=[case.reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pages = _pdf_text(response.content, tmp_path).split("\f")
    pages = [" ".join(p.split()) for p in pages if p.strip()]
    assert len(pages) > 10
    for number, text in enumerate(pages, start=1):
        assert "OFFICIAL-SENSITIVE" in text
        assert f"Page {number} of {len(pages)}" in text
        assert case.reference in text
        assert f"Exported by {lead.get_full_name()}" in text
    everything = "".join(pages)
    assert "Visit number 0:" in everything and "Visit number 499:" in everything
    export = AuditEvent.objects.get(action="chronology.exported")
    assert export.actor == lead and export.data["format"] == "pdf"
    assert len(export.data["entry_ids"]) == 500


@pytest.mark.django_db
def test_pdf_follows_the_filters_and_shows_corrections(client, case, lead, tmp_path):
    child = _child(case)
    kept = EntryFactory(case=case, children=[child], significance="high", what_happened="Kept in the print")
    AmendmentFactory(entry=kept, text="Corrected account for the conference", reason="Wrong date of visit")
    EntryFactory(case=case, children=[child], significance="low", what_happened="Left out of the print")
    client.force_login(lead)
    response = client.get(reverse("chronology:export_pdf", args=[case.reference]), {"significance": "high"})
    text = _pdf_text(response.content, tmp_path)
    assert "Corrected account for the conference" in text and "Kept in the print" in text
    assert "Left out of the print" not in text


@pytest.mark.django_db
def test_csv_export_neutralises_formulas(client, case, lead):
    child = _child(case)
    EntryFactory(
        case=case,
        children=[child],
        what_happened='=HYPERLINK("http://evil.invalid","click")',
        action_taken="+44 7700 900123",
        impact_detail="@SUM(A1)",
    )
    client.force_login(lead)
    response = client.get(reverse("chronology:export_csv", args=[case.reference]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    first_line, rest = text.split("\r\n", 1)
    watermark = next(csv.reader([first_line]))[0]
    export = AuditEvent.objects.get(action="chronology.exported")
    assert watermark.startswith("OFFICIAL-SENSITIVE. Exported by " + lead.get_full_name())
    assert f"export {export.pk}" in watermark
    rows = list(csv.DictReader(io.StringIO(rest)))
    assert len(rows) == 1
    assert rows[0]["what_happened"].startswith("'=HYPERLINK")
    assert rows[0]["action_taken"] == "'+44 7700 900123"
    assert rows[0]["impact_detail"] == "'@SUM(A1)"
    assert rows[0]["case_reference"] == case.reference
    assert AuditEvent.objects.get(action="chronology.exported").data["format"] == "csv"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["chronology:export_pdf", "chronology:export_csv", "chronology:export_court_pdf"])
def test_outsider_gets_404_and_reader_403_for_exports(client, case, outsider, colleague, reader, name):
    EntryFactory(case=case, children=[_child(case)])
    url = reverse(name, args=[case.reference])
    for person in (outsider, colleague):
        client.force_login(person)
        assert client.get(url).status_code == 404
    client.force_login(reader)
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="chronology.exported").exists()


def _pages(content: bytes, tmp_path) -> list[str]:
    pages = _pdf_text(content, tmp_path).split("\f")
    return [" ".join(p.split()) for p in pages if p.strip()]


@pytest.mark.django_db
def test_court_version_has_the_significant_entries_of_the_last_two_years_only(client, case, lead, tmp_path):
    child = _child(case)
    today = timezone.localdate()
    since = months_later(today, -24)
    wanted = [
        EntryFactory(
            case=case,
            children=[child],
            significance="high",
            occurred_on=today - timedelta(days=365),
            what_happened="High of last year",
        ),
        EntryFactory(
            case=case,
            children=[child],
            significance="high",
            occurred_on=since,
            what_happened="High of two years ago to the day",
        ),
    ]
    EntryFactory(
        case=case,
        children=[child],
        significance="medium",
        occurred_on=today - timedelta(days=300),
        what_happened="Medium of last year",
    )
    EntryFactory(
        case=case,
        children=[child],
        significance="low",
        occurred_on=today - timedelta(days=30),
        what_happened="Low of last month",
    )
    EntryFactory(
        case=case,
        children=[child],
        significance="high",
        occurred_on=months_later(today, -36),
        what_happened="High of three years ago",
    )
    EntryFactory(
        case=case,
        children=[child],
        significance="high",
        occurred_on=since - timedelta(days=1),
        what_happened="High of the day before the two years",
    )
    client.force_login(lead)
    # The timeline's filters do not change the court version.
    response = client.get(reverse("chronology:export_court_pdf", args=[case.reference]), {"significance": "low"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and "court-version" in response["Content-Disposition"]
    text = " ".join(_pages(response.content, tmp_path))
    assert "High of last year" in text and "High of two years ago to the day" in text
    for left_out in ("Medium of last year", "Low of last month", "High of three years ago", "the day before"):
        assert left_out not in text
    assert COURT_MARKING in text
    assert f"from {since.day} {since:%B %Y}" in text  # the first day in words, e.g. "from 3 March 2024"
    export = AuditEvent.objects.get(action="chronology.exported")
    assert export.actor == lead
    assert export.data["format"] == "pdf" and export.data["version"] == "court"
    assert sorted(export.data["entry_ids"]) == sorted(str(e.pk) for e in wanted)
    assert export.data["filters"] == ["date_from", "significance"]


@pytest.mark.django_db
def test_every_page_of_the_court_version_says_it_is_the_court_version(client, case, lead, tmp_path):
    child = _child(case)
    today = timezone.localdate()
    entries = Entry.objects.bulk_create(
        [
            Entry(
                case=case,
                occurred_on=today - timedelta(days=i),
                recorded_at=timezone.now(),
                recorded_by=lead,
                source_agency=lead.agency,
                author_role="Social worker",
                event_type="home_visit",
                what_happened=f"Significant visit {i}: no food in the house, child unwashed, heating off. " * 3,
                significance="high",
            )
            for i in range(120)
        ]
    )
    EntryChild.objects.bulk_create([EntryChild(entry=e, person=child) for e in entries])
    client.force_login(lead)
    response = client.get(reverse("chronology:export_court_pdf", args=[case.reference]))
    pages = _pages(response.content, tmp_path)
    assert len(pages) > 3
    for number, text in enumerate(pages, start=1):
        assert COURT_MARKING in text, number
        assert text.count("Court version") >= 2, number  # at the top of the page and in its footer
        assert "OFFICIAL-SENSITIVE" in text
        assert f"Page {number} of {len(pages)}" in text
        assert case.reference in text
        assert f"Exported by {lead.get_full_name()}" in text


@pytest.mark.django_db
def test_the_filtered_print_is_not_marked_as_the_court_version(client, case, lead, tmp_path):
    EntryFactory(case=case, children=[_child(case)], significance="high", what_happened="Seen at home")
    client.force_login(lead)
    response = client.get(reverse("chronology:export_pdf", args=[case.reference]))
    text = " ".join(_pages(response.content, tmp_path))
    assert "Seen at home" in text and "Court version" not in text
    assert "court" not in response["Content-Disposition"]
    assert "version" not in AuditEvent.objects.get(action="chronology.exported").data


@pytest.mark.django_db
def test_court_version_with_nothing_significant_says_so(client, case, lead, tmp_path):
    EntryFactory(case=case, children=[_child(case)], significance="medium")
    client.force_login(lead)
    response = client.get(reverse("chronology:export_court_pdf", args=[case.reference]))
    text = " ".join(_pages(response.content, tmp_path))
    assert "No entries of high significance in the last 2 years." in text and COURT_MARKING in text
    assert AuditEvent.objects.get(action="chronology.exported").data["entry_ids"] == []
