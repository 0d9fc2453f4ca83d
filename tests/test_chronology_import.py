"""Partner CSV import: every row checked, good rows in, bad rows reported by number and reason,
the same file twice adds nothing, and bad files get a clear message (never a 500).

The upload page queues a background job (tests/test_import_jobs.py tests the job itself); here `_upload`
runs the job as the worker would and returns the job page, which shows what happened to each row."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from cases.models import Case
from chronology import import_jobs
from chronology.imports import COLUMNS
from chronology.models import Appointment, AppointmentOutcome, Entry, ImportJob
from tests.conftest import SENTINEL_CHILD_NAME
from tests.factories import CaseFactory, EntryFactory

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "sample-import.csv"


def _child(case):
    return case.household.get(person__first_name=SENTINEL_CHILD_NAME).person


def _row(child, n, **extra):
    day = timezone.localdate() - timedelta(days=n + 1)
    row = {
        "record_type": "event",
        "external_reference": f"EXT-{n:04d}",
        "event_date": day.strftime("%d/%m/%Y"),
        "event_type": "home_visit",
        "child_first_name": child.first_name,
        "child_surname": child.last_name,
        "child_date_of_birth": child.date_of_birth.strftime("%d/%m/%Y"),
        "what_happened": f"Imported visit {n}",
        "significance": "medium",
    }
    row.update(extra)
    return row


def _csv(rows, columns=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _upload(client, case, content: bytes, name="export.csv"):
    """Upload as the page does; a file the page accepts is run as the worker runs it, and the job page,
    with its report of every row, is what comes back. A refused file returns the upload page's answer."""
    response = client.post(
        reverse("chronology:import", args=[case.reference]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )
    if response.status_code != 302:
        return response
    job = ImportJob.objects.filter(case=case).latest("created_at")
    assert response.url == reverse("chronology:import_job", args=[case.reference, job.pk])
    import_jobs.run(job.pk)
    return client.get(response.url)


@pytest.mark.django_db
def test_the_same_file_twice_adds_nothing_the_second_time(client, case, member):
    child = _child(case)
    rows = [_row(child, n) for n in range(5)]
    rows.append(
        _row(child, 5, record_type="appointment", appointment_type="dental", appointment_outcome="Was not brought")
    )
    rows.append(
        _row(
            child,
            6,
            record_type="ae_attendance",
            hospital="Northbridge General",
            reason_given="Fell down stairs",
            event_time="21:05",
        )
    )
    content = _csv(rows)
    client.force_login(member)
    first = _upload(client, case, content)
    assert first.status_code == 200
    assert len(first.context["report"].imported) == 7
    counts = (Entry.objects.count(), Appointment.objects.count())
    assert counts == (7, 1)
    second = _upload(client, case, content)
    assert second.status_code == 200
    assert len(second.context["report"].imported) == 0 and len(second.context["report"].skipped) == 7
    assert (Entry.objects.count(), Appointment.objects.count()) == counts
    entry = Entry.objects.get(external_reference="EXT-0000")
    assert (entry.recorded_by, entry.source_agency) == (member, member.agency)
    assert Appointment.objects.with_outcome().get().outcome == "was_not_brought"
    assert Entry.objects.get(event_type="ae_attendance").hospital == "Northbridge General"
    assert AuditEvent.objects.filter(action="chronology.import.completed").count() == 2


@pytest.mark.django_db
def test_three_bad_rows_among_twenty(client, case, member):
    child = _child(case)
    rows = [_row(child, n) for n in range(20)]
    rows[3]["event_date"] = "31/02/2026"  # file row 5
    rows[9]["child_first_name"] = "Nobody"  # file row 11
    rows[14]["event_type"] = "picnic"  # file row 16
    client.force_login(member)
    response = _upload(client, case, _csv(rows))
    assert response.status_code == 200
    report = response.context["report"]
    assert len(report.imported) == 17 and Entry.objects.count() == 17
    assert [(row.number, row.external_reference) for row in report.refused] == [
        (5, "EXT-0003"),
        (11, "EXT-0009"),
        (16, "EXT-0014"),
    ]
    body = response.content.decode()
    assert "&#x27;31/02/2026&#x27; is not a real date" in body
    assert "No child in this household has that first name, surname and date of birth." in body
    assert "event_type &#x27;picnic&#x27; is not one of" in body
    # Fixed rows go in on the next upload; the 17 are skipped, not doubled.
    rows[3]["event_date"], rows[9]["child_first_name"], rows[14]["event_type"] = "01/02/2026", child.first_name, "other"
    again = _upload(client, case, _csv(rows)).context["report"]
    assert (len(again.imported), len(again.skipped), len(again.refused)) == (3, 17, 0)
    assert Entry.objects.count() == 20


@pytest.mark.django_db
def test_rows_checked_for_missing_and_repeated_values(client, case, member):
    child = _child(case)
    future = (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y")
    rows = [
        _row(child, 1),
        _row(child, 2, external_reference="EXT-0001"),
        _row(child, 3, external_reference=""),
        _row(child, 4, event_date=future),
        _row(child, 5, record_type="ae_attendance"),
        _row(child, 6, record_type="letter"),
        _row(child, 7, event_time="25:99"),
        _row(child, 8, neglect_forms="physical;spiritual"),
        _row(child, 9, record_type="ae_attendance", hospital="H" * 201),
    ]
    client.force_login(member)
    report = _upload(client, case, _csv(rows)).context["report"]
    assert len(report.imported) == 1
    problems = {row.number: " ".join(row.problems) for row in report.refused}
    assert "also used on row 2" in problems[3]
    assert "external_reference is missing" in problems[4]
    assert "in the future" in problems[5]
    assert "hospital is missing" in problems[6]
    assert "record_type 'letter'" in problems[7]
    assert "'25:99' is not a time" in problems[8]
    assert "'spiritual'" in problems[9]
    assert "too long" in problems[10]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content, name, status, message",
    [
        (b"x" * (20 * 1024 * 1024), "big.csv", 413, "the limit is 5.0 MB"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "photo.csv", 400, "binary data"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "export.exe", 400, "Only CSV files can be imported"),
        (b"date,child,notes\n01/02/2026,Amy,seen\n", "export.csv", 400, "missing column(s): record_type"),
        ("record_type,external_reference\n".encode("utf-16"), "export.csv", 400, "binary data"),
        (b"\xff\xfe\xfa not utf8", "export.csv", 400, "could not be read as text"),
        (b"", "empty.csv", 400, "The submitted file is empty"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(client, case, member, content, name, status, message):
    client.force_login(member)
    response = _upload(client, case, content, name=name)
    assert response.status_code == status
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_wrong_headers_name_the_columns(client, case, member):
    client.force_login(member)
    columns = [c for c in COLUMNS if c != "child_date_of_birth"] + ["nhs_number"]
    response = _upload(client, case, _csv([], columns=columns))
    body = response.content.decode()
    assert response.status_code == 400
    assert "missing column(s): child_date_of_birth" in body and "unknown column(s): nhs_number" in body


@pytest.mark.django_db
def test_reader_and_outsider_cannot_import(client, case, reader, outsider):
    content = _csv([_row(_child(case), 1)])
    client.force_login(reader)
    assert _upload(client, case, content).status_code == 403
    client.force_login(outsider)
    assert _upload(client, case, content).status_code == 404
    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_demo_seed_fills_chronologies_and_the_sample_file_imports_cleanly(client):
    from demo.households import seed

    today = timezone.localdate()
    seed(today)
    # Cases the demo's MASH decisions just opened wait for allocation, with no chronology yet.
    open_cases = Case.objects.filter(
        status="open", household__relationship="child", awaiting_allocation=False
    ).distinct()
    per_case = [case.entries.count() for case in open_cases]
    assert min(per_case) >= 10 and max(per_case) <= 70
    assert AppointmentOutcome.objects.filter(outcome="was_not_brought").exists()
    assert Entry.objects.filter(event_type="ae_attendance").exists()
    assert Entry.objects.filter(neglect_emotional=True, event_type="observation").exists()
    assert Entry.objects.values("source_agency").distinct().count() >= 5
    sample_case = Case.objects.get(household__person__first_name="Ruby", household__person__last_name="Ashworth")
    client.force_login(User.objects.get(username="practitioner"))
    response = _upload(client, sample_case, SAMPLE.read_bytes(), name="sample-import.csv")
    report = response.context["report"]
    assert report.refused == [] and len(report.imported) == 8


def _checked(case, rows):
    from chronology import imports

    upload = SimpleUploadedFile("export.csv", _csv(rows), content_type="text/csv")
    return imports.check_rows(case, imports.read_upload(upload))


def _mixed_rows(child, n):
    rows = []
    for i in range(n):
        if i % 5 == 3:
            rows.append(
                _row(child, i, record_type="appointment", appointment_type="gp", appointment_outcome="attended")
            )
        elif i % 5 == 4:
            rows.append(_row(child, i, record_type="ae_attendance", hospital="Northbridge General"))
        else:
            rows.append(_row(child, i))
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize("n_rows", [10, 200])
def test_an_import_runs_the_same_queries_for_10_or_200_rows_and_audits_every_row(
    case, member, n_rows, django_assert_max_num_queries
):
    from chronology import services

    checked = _checked(case, _mixed_rows(_child(case), n_rows))
    # the case is still open (cases.services.ensure_open), earlier references (2), household children,
    # transaction, one INSERT per table (appointments, their outcomes, entries, links, audit rows) and the
    # import's own audit row
    with django_assert_max_num_queries(14):
        report = services.import_rows(case=case, by=member, rows=checked)
    assert len(report.imported) == n_rows and report.refused == []
    appointments = n_rows // 5 + (n_rows % 5 > 3)
    assert AppointmentOutcome.objects.filter(appointment__case=case, outcome="attended").count() == appointments
    assert Entry.objects.filter(case=case).count() == n_rows
    assert all(entry.child_links.count() == 1 for entry in Entry.objects.filter(case=case)[:20])
    audited = {
        action: AuditEvent.objects.filter(case=case, action=action).count()
        for action in (
            "chronology.entry.created",
            "chronology.appointment.created",
            "chronology.appointment.outcome_recorded",
        )
    }
    assert audited == {
        "chronology.entry.created": n_rows,
        "chronology.appointment.created": appointments,
        "chronology.appointment.outcome_recorded": appointments,
    }
    entry = Entry.objects.get(case=case, external_reference="EXT-0003")
    event = AuditEvent.objects.get(action="chronology.appointment.outcome_recorded", data__entry_id=str(entry.pk))
    assert event.target_id == str(entry.appointment_id) and event.actor == member


@pytest.mark.django_db
def test_rows_another_upload_saved_meanwhile_are_skipped_and_the_rest_go_in(case, member, monkeypatch):
    """Two uploads of overlapping files at once: the second's look-up of earlier references saw
    nothing, its INSERT then meets the first's rows: those are reported as skipped, not doubled."""
    from chronology import services

    child = _child(case)
    rows = _mixed_rows(child, 10)
    services.import_rows(case=case, by=member, rows=_checked(case, rows[:6]))
    monkeypatch.setattr(services, "_already_imported", lambda case_id, agency_id, refs: set())
    report = services.import_rows(case=case, by=member, rows=_checked(case, rows))
    assert [row.number for row in report.skipped] == [2, 3, 4, 5, 6, 7]
    assert [row.number for row in report.imported] == [8, 9, 10, 11]
    assert Entry.objects.filter(case=case).count() == 10


@pytest.mark.django_db
def test_a_reference_used_in_another_case_neither_blocks_the_row_nor_is_revealed(client, case, lead, member):
    """The duplicate check is per case: the member's agency used EXT-0001 in a case they cannot see."""
    hidden = CaseFactory(lead_professional=lead)
    EntryFactory(case=hidden, source_agency=member.agency, external_reference="EXT-0001")
    client.force_login(member)
    response = _upload(client, case, _csv([_row(_child(case), 1)]))
    report = response.context["report"]
    assert response.status_code == 200
    assert len(report.imported) == 1 and not report.skipped  # nothing says the reference exists elsewhere
    assert Entry.objects.filter(case=case, external_reference="EXT-0001").count() == 1
    # Within the same case the reference is still a re-import, skipped.
    again = _upload(client, case, _csv([_row(_child(case), 1)])).context["report"]
    assert not again.imported and len(again.skipped) == 1


@pytest.mark.django_db
def test_dates_before_1900_before_birth_or_in_the_future_are_refused_per_row(client, case, member):
    child = _child(case)
    before_birth = child.date_of_birth - timedelta(days=400)
    rows = [
        _row(child, 1, event_date="01/01/0001"),
        _row(child, 2, event_date=before_birth.strftime("%d/%m/%Y")),
        _row(child, 3, event_date=(timezone.localdate() + timedelta(days=2)).strftime("%d/%m/%Y")),
        _row(child, 4),
    ]
    client.force_login(member)
    response = _upload(client, case, _csv(rows))
    report = response.context["report"]
    assert [r.number for r in report.imported] == [5]
    problems = {r.number: " ".join(r.problems) for r in report.refused}
    assert "event_date '01/01/0001' is before 1900" in problems[2]
    assert f"{child.first_name} was born on" in problems[3] and "cannot be before that" in problems[3]
    assert "event_date is in the future" in problems[4]
    body = response.content.decode()
    assert "before 1900" in body and "cannot be before that" in body
    assert not Entry.objects.filter(case=case, occurred_on__year=1).exists()
