"""Print and export: the PDF carries the marking, the case, page numbers and who printed it;
the CSV neutralises formulas; both are permission-checked and audited with the entry IDs."""

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
        assert f"Printed by {lead.get_full_name()}" in text
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
@pytest.mark.parametrize("name", ["chronology:export_pdf", "chronology:export_csv"])
def test_outsider_gets_404_and_reader_403_for_exports(client, case, outsider, colleague, reader, name):
    EntryFactory(case=case, children=[_child(case)])
    url = reverse(name, args=[case.reference])
    for person in (outsider, colleague):
        client.force_login(person)
        assert client.get(url).status_code == 404
    client.force_login(reader)
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="chronology.exported").exists()
