"""Partner CSV import: read and check an uploaded file row by row, in plain words.

Nothing here writes: `read_upload` refuses files that are not CSV or are too large, and
`check_rows` turns each row into either a ready-to-save `ImportRow` or a list of problems.
chronology.services.import_rows saves the good rows. The column guide is in the README.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone

from cases.models import Case, HouseholdMember
from chronology.models import Appointment, Entry, EventType, NeglectForm

REQUIRED_COLUMNS = (
    "record_type",
    "external_reference",
    "event_date",
    "child_first_name",
    "child_surname",
    "child_date_of_birth",
)
OPTIONAL_COLUMNS = (
    "event_time",
    "event_type",
    "what_happened",
    "impact",
    "impact_detail",
    "action_taken",
    "significance",
    "neglect_forms",
    "appointment_type",
    "appointment_outcome",
    "hospital",
    "reason_given",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
RECORD_TYPES = {
    "event": "event",
    "appointment": "appointment",
    "ae_attendance": "ae_attendance",
    "a&e": "ae_attendance",
    "a&e attendance": "ae_attendance",
}
MAX_ROWS = 5000
# How often a background import writes how far it has got: often enough to move, rarely enough to cost nothing.
PROGRESS_EVERY = 250
# No event in a child's chronology is older than this; an earlier date is a partner system's "no date".
EARLIEST_EVENT_ON = date(1900, 1, 1)


class UploadRefused(Exception):
    """The file as a whole cannot be read; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class ImportRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    record_type: str = ""
    external_reference: str = ""
    values: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_upload(upload) -> list[dict]:
    """The rows of an uploaded CSV as dicts keyed by lower-case column name.

    Refuses, before reading it, a file over the size limit; then anything that is not UTF-8
    text, has no header row, or has missing or unknown columns.
    """
    limit = settings.CHRONOLOGY_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise UploadRefused(
            f"The file is {upload.size / 1_048_576:.1f} MB; the limit is "
            f"{limit / 1_048_576:.1f} MB. Split it into smaller files.",
            status=413,
        )
    if upload.size == 0:
        raise UploadRefused("The file is empty.")
    if not upload.name.lower().endswith(".csv"):
        raise UploadRefused("Only CSV files can be imported. Save the export as 'CSV (comma delimited)'.")
    raw = upload.read()
    if b"\x00" in raw:
        raise UploadRefused("This is not a CSV file: it contains binary data.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused("The file could not be read as text. Save it as 'CSV UTF-8' and try again.") from None
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = list(reader)
    except csv.Error:
        raise UploadRefused("The file is not a well-formed CSV file.") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise UploadRefused("The file has no header row. The first row must name the columns.")
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c and c not in COLUMNS]
    duplicated = sorted({c for c in header if c and header.count(c) > 1})
    problems = []
    if missing:
        problems.append("missing column(s): " + ", ".join(missing))
    if unknown:
        problems.append("unknown column(s): " + ", ".join(unknown))
    if duplicated:
        problems.append("column(s) given twice: " + ", ".join(duplicated))
    if problems:
        raise UploadRefused(
            "The columns are not the ones the import expects ("
            + "; ".join(problems)
            + "). See the column guide on this page."
        )
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise UploadRefused(f"The file has {len(body)} rows; import at most {MAX_ROWS} at a time.", status=413)
    return [{name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header) if name} for row in body]


def _date(value: str, label: str, problems: list[str]) -> date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    if not value:
        problems.append(f"{label} is missing.")
    else:
        problems.append(f"{label} '{value}' is not a real date (use DD/MM/YYYY, e.g. 28/02/2026).")
    return None


def _time(value: str, problems: list[str]) -> time | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError:
        problems.append(f"event_time '{value}' is not a time (use 24-hour HH:MM, e.g. 14:30).")
        return None


def _choice(value: str, choices, label: str, problems: list[str], *, default: str = "") -> str:
    """Accept a code or its label, in any case: 'was_not_brought' or 'Was not brought'."""
    if not value:
        if default:
            return default
        problems.append(f"{label} is missing.")
        return ""
    wanted = value.strip().lower()
    for code, text in choices.choices:
        if wanted in (code, text.lower()):
            return code
    problems.append(f"{label} '{value}' is not one of: " + ", ".join(code for code in choices.values) + ".")
    return ""


def _children_index(case: Case) -> dict:
    members = HouseholdMember.objects.filter(case=case, relationship=HouseholdMember.Relationship.CHILD).select_related(
        "person"
    )
    return {
        (m.person.first_name.strip().lower(), m.person.last_name.strip().lower(), m.person.date_of_birth): m.person
        for m in members
    }


def check_rows(case: Case, rows: list[dict], progress: Callable[[int], None] | None = None) -> list[ImportRow]:
    """Check every row; each result carries either values ready for the services or problems.

    `progress`, if given, is told how many rows have been checked every PROGRESS_EVERY rows and at the end
    (the background import writes it to its job, chronology/import_jobs.py)."""
    today = timezone.localdate()
    children = _children_index(case)
    seen_refs: dict[str, int] = {}
    results = []
    for index, row in enumerate(rows, start=2):
        if progress is not None and index > 2 and (index - 2) % PROGRESS_EVERY == 0:
            progress(index - 2)
        if not any(row.values()):
            continue  # spreadsheets often end with blank lines
        problems: list[str] = []
        result = ImportRow(number=index, problems=problems)
        record_type = RECORD_TYPES.get(row.get("record_type", "").lower())
        if record_type is None:
            problems.append(f"record_type '{row.get('record_type', '')}' must be event, appointment or ae_attendance.")
        result.record_type = record_type or ""
        ref = row.get("external_reference", "")
        result.external_reference = ref
        if not ref:
            problems.append("external_reference is missing: every row needs your system's own ID.")
        elif len(ref) > 100:
            problems.append("external_reference is longer than 100 characters.")
        elif ref in seen_refs:
            problems.append(f"external_reference '{ref}' is also used on row {seen_refs[ref]}.")
        else:
            seen_refs[ref] = index

        occurred_on = _date(row.get("event_date", ""), "event_date", problems)
        dob = _date(row.get("child_date_of_birth", ""), "child_date_of_birth", problems)
        key = (row.get("child_first_name", "").lower(), row.get("child_surname", "").lower(), dob)
        child = children.get(key)
        if dob and child is None:
            problems.append("No child in this household has that first name, surname and date of birth.")
        if occurred_on is not None and occurred_on < EARLIEST_EVENT_ON:
            # 01/01/0001 is what some systems write for "no date": it must not become an event.
            problems.append(f"event_date '{row.get('event_date', '')}' is before 1900: check the date in your system.")
        elif occurred_on is not None and child is not None and (reason := child.too_early_for(occurred_on)):
            problems.append(f"event_date: {reason}")
        values = {
            "occurred_on": occurred_on,
            "occurred_at": _time(row.get("event_time", ""), problems),
            "children": [child] if child else [],
            "what_happened": row.get("what_happened", ""),
            "impact": _choice(row.get("impact", ""), Entry.Impact, "impact", problems, default=Entry.Impact.NOT_KNOWN),
            "impact_detail": row.get("impact_detail", ""),
            "action_taken": row.get("action_taken", ""),
            "significance": _choice(
                row.get("significance", ""),
                Entry.Significance,
                "significance",
                problems,
                default=Entry.Significance.MEDIUM,
            ),
        }
        forms = [f.strip().lower() for f in row.get("neglect_forms", "").replace(",", ";").split(";") if f.strip()]
        bad_forms = [f for f in forms if f not in NeglectForm.values]
        if bad_forms:
            problems.append(
                "neglect_forms '" + "; ".join(bad_forms) + "' must be physical, emotional, "
                "medical or educational, separated by ';'."
            )
        values["neglect_forms"] = [f for f in forms if f in NeglectForm.values]
        future = occurred_on is not None and occurred_on > today

        if record_type == "event":
            values["event_type"] = _choice(row.get("event_type", ""), EventType, "event_type", problems)
            if not values["what_happened"]:
                problems.append("what_happened is missing: say what happened.")
            if future:
                problems.append("event_date is in the future: only events that have happened can be imported.")
        elif record_type == "ae_attendance":
            values["event_type"] = EventType.AE_ATTENDANCE
            values["hospital"] = row.get("hospital", "")
            values["reason_given"] = row.get("reason_given", "")
            if not values["hospital"]:
                problems.append("hospital is missing for an A&E attendance.")
            if len(values["hospital"]) > 200 or len(values["reason_given"]) > 500:
                problems.append("hospital (200 characters) or reason_given (500 characters) is too long.")
            if future:
                problems.append("event_date is in the future: only attendances that have happened can be imported.")
            if not values["what_happened"] and values["hospital"]:
                values["what_happened"] = f"Attended A&E at {values['hospital']}."
        elif record_type == "appointment":
            values["kind"] = _choice(row.get("appointment_type", ""), Appointment.Kind, "appointment_type", problems)
            outcome = row.get("appointment_outcome", "")
            values["outcome"] = (
                _choice(outcome, Appointment.Outcome, "appointment_outcome", problems) if outcome else ""
            )
            happened = values["outcome"] in (Appointment.Outcome.ATTENDED, Appointment.Outcome.WAS_NOT_BROUGHT)
            if future and happened:
                problems.append("An appointment in the future cannot have been attended or missed yet.")
        result.values = values
        results.append(result)
    if progress is not None:
        progress(len(rows))
    return results
