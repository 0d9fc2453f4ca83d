"""Finding people already known, so that a returning family is linked to its earlier record, not re-typed.

`find_people` narrows candidates in SQL (one query, on indexed columns: the NHS number, the date of birth and
its likely mistypings, the surname's first letters with the first name's first letter), then scores them in
Python, the same on PostgreSQL and SQLite. What it tolerates and refuses (docs/practice.md, "Finding people"):

- spelling: names are compared after folding case, accents, and the spellings that sound alike (y/i, ph/f,
  double letters), then by similarity, so Jayden finds Jaiden and Smith finds Smyth;
- dates of birth typed with the day and month swapped, or known only as month and year;
- an NHS number that matches is the strongest evidence and comes first; two different NHS numbers are two
  different people, whatever their names;
- twins: the same surname and date of birth with a different first name is never offered as the same person
  with a high score: only a first name the same once folded can be "likely"; a close one (Jack, Jake) is at
  most "possible", and a different one (Amy, Ben) with the same birthday is not offered at all.

Aliases (records merged into another) are resolved: each candidate is the canonical person, once.
"""

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from cases.models import Case, Person
from common.nhs import is_valid_nhs_number, normalise_nhs_number

MAX_CANDIDATE_ROWS = 200  # what SQL may hand to the scorer: the narrowing keeps the real number far below
LIKELY = 70  # a score at or above this is "likely the same person"
POSSIBLE = 40  # below this a candidate is not shown
SAME_FIRST_NAME = 0.85  # first names at least this similar count as the same name spelt differently
CLOSE_FIRST_NAME = 0.6  # below this, with the same date of birth, the candidate is a sibling, not a match


@dataclass
class Candidate:
    person: Person  # the canonical record
    score: int
    reasons: list[str] = field(default_factory=list)
    nhs_match: bool = False

    @property
    def strength(self) -> str:
        if self.nhs_match:
            return "Same NHS number"
        return "Likely the same person" if self.score >= LIKELY else "Possibly the same person"


def fold(name: str) -> str:
    """A name as compared: lower case, accents and punctuation removed, sound-alike spellings made one."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"[^a-z]", "", text)
    text = text.replace("ph", "f").replace("y", "i").replace("ck", "k").replace("ou", "u")
    return re.sub(r"(.)\1+", r"\1", text)  # double letters: Phillip / Philip, Jackk


def similarity(a: str, b: str) -> float:
    """0 to 1: how alike two names are once folded. One a prefix of the other (Tom, Thomas) counts as close."""
    a, b = fold(a), fold(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    if len(min(a, b, key=len)) >= 3 and (a.startswith(b) or b.startswith(a)):
        ratio = max(ratio, 0.7)
    return ratio


def _swapped(day: date) -> date | None:
    if day.day > 12 or day.day == day.month:
        return None
    try:
        return date(day.year, day.day, day.month)
    except ValueError:
        return None


def _birth_condition(date_of_birth: date | None, month_only: bool) -> Q | None:
    if date_of_birth is None:
        return None
    if month_only:
        return Q(date_of_birth__year=date_of_birth.year, date_of_birth__month=date_of_birth.month)
    days = [date_of_birth]
    if swapped := _swapped(date_of_birth):
        days.append(swapped)
    return Q(date_of_birth__in=days)


def _birth_score(wanted: date | None, month_only: bool, found: date | None) -> tuple[int, str]:
    if wanted is None or found is None:
        return 0, ""
    if month_only:
        if (found.year, found.month) == (wanted.year, wanted.month):
            return 30, "born in the same month"
        return 0, ""
    if found == wanted:
        return 40, "same date of birth"
    if found == _swapped(wanted):
        return 30, "date of birth with day and month swapped"
    if (found.year, found.month) == (wanted.year, wanted.month):
        return 15, "born in the same month"
    return -20, ""


def candidates_query(
    first_name: str, last_name: str, date_of_birth: date | None, nhs_number: str, month_only: bool
) -> Q:
    """The SQL narrowing: who could be this person at all."""
    condition = Q(pk__in=[])
    if nhs_number:
        condition |= Q(nhs_number=nhs_number)
    births = _birth_condition(date_of_birth, month_only)
    surname, first = (last_name or "").strip(), (first_name or "").strip()
    if births is not None and surname:
        condition |= births & Q(last_name__istartswith=surname[:1])
    if births is not None and first:
        condition |= births & Q(first_name__istartswith=first[:1])  # a surname changed since (marriage)
    if len(surname) >= 2 and first:
        condition |= Q(last_name__istartswith=surname[:2], first_name__istartswith=first[:1])
    return condition


def find_people(
    first_name: str,
    last_name: str,
    date_of_birth: date | None = None,
    nhs_number: str | None = None,
    *,
    month_only: bool = False,
    limit: int = 10,
    among_cases: QuerySet[Case] | None = None,
    exclude_ids=(),
) -> list[Candidate]:
    """People who may be the one described, best first: canonical records only, each once.

    `month_only`: only the month and year of `date_of_birth` are known (its day is ignored).
    `among_cases`: only people of these cases' households (the cases the searcher may open).
    Two queries at most, whatever the number of people: the candidates with their canonical records, and
    (with `among_cases`) nothing more, since the restriction is part of the first.
    """
    nhs = normalise_nhs_number(nhs_number or "")
    nhs = nhs if is_valid_nhs_number(nhs) else ""
    rows = Person.objects.filter(candidates_query(first_name, last_name, date_of_birth, nhs, month_only))
    if among_cases is not None:
        rows = rows.filter(households__case__in=among_cases.values("pk"))
    if exclude_ids:
        rows = rows.exclude(pk__in=list(exclude_ids)).exclude(merged_into__in=list(exclude_ids))
    rows = rows.select_related("merged_into").distinct().order_by("pk")[:MAX_CANDIDATE_ROWS]

    best: dict = {}
    for row in rows:
        candidate = _score(row, first_name, last_name, date_of_birth, nhs, month_only)
        if candidate is None:
            continue
        canonical = row.merged_into or row
        if canonical.pk in exclude_ids:
            continue
        candidate.person = canonical
        held = best.get(canonical.pk)
        if held is None or (candidate.nhs_match, candidate.score) > (held.nhs_match, held.score):
            best[canonical.pk] = candidate
    ranked = sorted(best.values(), key=lambda c: (not c.nhs_match, -c.score, c.person.last_name, c.person.first_name))
    return ranked[:limit]


def _score(
    row: Person, first_name: str, last_name: str, date_of_birth: date | None, nhs: str, month_only: bool
) -> Candidate | None:
    if nhs and row.nhs_number:
        if row.nhs_number == nhs:
            return Candidate(person=row, score=100, reasons=["same NHS number"], nhs_match=True)
        return None  # two NHS numbers: two people, whatever else they share
    first = similarity(first_name, row.first_name)
    surname = similarity(last_name, row.last_name)
    birth, birth_reason = _birth_score(date_of_birth, month_only, row.date_of_birth)
    if birth >= 30 and first < CLOSE_FIRST_NAME:
        return None  # a sibling born the same day (twins) or a cousin: not the same person
    score = round(first * 35 + surname * 25 + birth)
    reasons = [birth_reason] if birth_reason else []
    if first == 1.0:
        reasons.append("same first name")
    elif first >= SAME_FIRST_NAME:
        reasons.append("first name spelt differently")
    if surname == 1.0:
        reasons.append("same surname")
    elif surname >= SAME_FIRST_NAME:
        reasons.append("surname spelt differently")
    if fold(first_name) != fold(row.first_name):
        # Not the same first name once spellings are folded (Tom and Thomas, Leah and Lea, or Jack and Jake:
        # twins' names are often alike): a practitioner must look, so never "likely".
        score = min(score, LIKELY - 1)
    if score < POSSIBLE:
        return None
    return Candidate(person=row, score=min(score, 99), reasons=reasons)
