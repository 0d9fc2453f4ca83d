"""The portal's own checks of the DfE's children in need census rules, per child, in plain words.

The DfE's rules (run by the validator local authorities use, csc-validator-be-cin) are written against the
XML; these check the same facts as the portal reads them (reporting/census.py), so the readiness page can
run them all year without the validator (docs/census.md, "Readiness"). Each check carries the DfE rule code,
whether the rule is an error (the return is refused) or a query (it must be explained), what is wrong in our
words, and which page fixes it. tests/test_census_return.py runs the validator and these checks over the same
broken children and expects the same codes.

Rules the portal's own forms and constraints already make impossible (codes outside their lists, an episode
closed without a reason, two open episodes of one child in one case, a UPN with a wrong check letter) are not
repeated here; the validator run in the tests still checks them on every return.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from cases.census import AFTER_ASSESSMENT_ONLY, ClosureReason

from .census import CensusYear, Child, Episode

ERROR, QUERY = "error", "query"

# Which page fixes a problem: the child's census details (ethnicity, disabilities, UPN, sex), or the child's
# statutory record (episodes, assessments, enquiries, plans).
CENSUS_DETAILS, CHILD_RECORD = "census_details", "child_record"

# An unborn baby's referral may come at most 40 weeks before the birth.
PREGNANCY = timedelta(weeks=40)


@dataclass(frozen=True)
class Problem:
    code: str
    kind: str
    words: str
    fix: str
    episode_id: int | None = None
    case_reference: str = ""


@dataclass(frozen=True)
class Context:
    year: CensusYear
    # The day the checks are about: today during the year, the reference date once it is over. A query about
    # time passing ("started more than 45 working days ago") waits for the day it becomes true.
    as_of: date
    # The working day 45 (and 15) working days before `as_of`, counted the validator's way.
    assessment_overdue_before: date
    conference_overdue_before: date


def _school_age(child: Child, year: CensusYear) -> bool:
    """Of compulsory school age by the autumn after the reference date (the rule's own cut-off)."""
    if child.born_on is None:
        return False
    cut_off = date(year.reference_date.year - 6, 8, 31)
    return child.born_on <= cut_off


def _year_over(ctx: Context) -> bool:
    return ctx.as_of >= ctx.year.reference_date


def _expected_date_query(expected_on: date, ctx: Context) -> bool:
    """Rule 8530Q judges the expected date against the reference date. During the year a baby due before then
    may still be born in time, so until the year is over only a date already more than 30 days past counts."""
    reference = ctx.year.reference_date
    if expected_on >= date(reference.year, 12, 31):  # 9 months after 31 March
        return True
    judged_on = reference if _year_over(ctx) else ctx.as_of
    return expected_on <= judged_on - timedelta(days=30)


def child_checks(child: Child, ctx: Context) -> Iterator[Problem]:
    if not child.ethnicity:
        yield Problem("4220", ERROR, "Ethnicity is not recorded.", CENSUS_DETAILS)
    if not child.disabilities and child.born_on is not None:
        yield Problem("8540", ERROR, "Disabilities are not recorded (choose “No disability” if none).", CENSUS_DETAILS)
    if not child.sex:
        yield Problem("4180", ERROR, "Sex is not recorded.", CENSUS_DETAILS)
    if not child.upn and child.upn_unknown in ("", "UN1") and _school_age(child, ctx.year):
        yield Problem(
            "8770Q",
            QUERY,
            "The child is of school age but has no unique pupil number, and no reason it is not known.",
            CENSUS_DETAILS,
        )
    if child.born_on is None and child.expected_on is None:
        yield Problem(
            "8525Q", QUERY, "Neither a date of birth nor an expected date of birth is recorded.", CHILD_RECORD
        )
    if child.expected_on is not None and _expected_date_query(child.expected_on, ctx):
        yield Problem(
            "8530Q",
            QUERY,
            "The unborn baby's expected date of birth is more than 30 days before the census year's end, or more "
            "than 9 months after it: check whether the baby has been born.",
            CHILD_RECORD,
        )
    died_on_reason = any(e.closure_reason == ClosureReason.RC2 for e in child.episodes)
    if died_on_reason and child.died_on is None:
        yield Problem("8585Q", QUERY, "An episode closed because the child died, but no date of death is recorded.",
                      CHILD_RECORD)  # fmt: skip
    open_episodes = [e for e in child.episodes if e.closed_on is None]
    if len(open_episodes) > 1:
        yield Problem("8815", ERROR, "The child has more than one open episode of need (in different cases).",
                      CHILD_RECORD)  # fmt: skip
    ordered = sorted(child.episodes, key=lambda e: e.referral_on)
    for earlier, later in zip(ordered, ordered[1:]):
        if earlier.closed_on is None or earlier.closed_on > later.referral_on:
            yield Problem("8820", ERROR, "Two of the child's episodes of need overlap.", CHILD_RECORD, later.id,
                          later.case_reference)  # fmt: skip
    for episode in child.episodes:
        for problem in episode_checks(child, episode, ctx):
            yield Problem(problem.code, problem.kind, problem.words, problem.fix, episode.id, episode.case_reference)


def episode_checks(child: Child, episode: Episode, ctx: Context) -> Iterator[Problem]:
    born = child.born_on or child.expected_on
    if born is not None and episode.referral_on < born - PREGNANCY:
        yield Problem("8606", ERROR, "The referral date is more than 40 weeks before the (expected) date of birth.",
                      CHILD_RECORD)  # fmt: skip
    if child.died_on and episode.referral_on > child.died_on:
        yield Problem("8555Q", QUERY, "The referral date is after the child's date of death.", CHILD_RECORD)
    if episode.closure_reason in AFTER_ASSESSMENT_ONLY:
        if episode.cin_plans or episode.protection_plans or episode.enquiries or episode.conference_on:
            yield Problem(
                "2990",
                ERROR,
                f"The episode closed as {episode.closure_reason} (closed after assessment), but the child had a plan, "
                "an enquiry or a conference in it: choose the reason that says why the services ended.",
                CHILD_RECORD,
            )
        if not episode.assessments:
            yield Problem("8825Q", QUERY, f"The episode closed as {episode.closure_reason} (closed after assessment), "
                          "but has no assessment.", CHILD_RECORD)  # fmt: skip
    if episode.closed_on:
        if any(a.authorised_on is None for a in episode.assessments):
            yield Problem("8867", ERROR, "The episode is closed but an assessment in it was never authorised.",
                          CHILD_RECORD)  # fmt: skip
        if any(e.conference_on is None and e.conference_needed is not False for e in episode.enquiries):
            yield Problem("8868", ERROR, "The episode is closed but a section 47 enquiry in it has no finding.",
                          CHILD_RECORD)  # fmt: skip
    yield from _assessment_checks(episode, ctx)
    yield from _enquiry_checks(episode, ctx)
    yield from _plan_checks(child, episode, ctx)
    if episode.enquiries and not episode.assessments:
        yield Problem("2991Q", QUERY, "A section 47 enquiry is recorded but the episode has no assessment.",
                      CHILD_RECORD)  # fmt: skip


def _assessment_checks(episode: Episode, ctx: Context) -> Iterator[Problem]:
    waiting = [a for a in episode.assessments if a.authorised_on is None]
    if len(waiting) > 1:
        yield Problem("8896", ERROR, "More than one assessment in the episode is not yet authorised.", CHILD_RECORD)
    for assessment in episode.assessments:
        if assessment.started_on < episode.referral_on:
            yield Problem("1103", ERROR, "An assessment started before the referral date.", CHILD_RECORD)
        if assessment.authorised_on is None and assessment.started_on < ctx.year.starts_on and _year_over(ctx):
            yield Problem("8736", ERROR, "An assessment started before the census year and was still not authorised "
                          "at its end.", CHILD_RECORD)  # fmt: skip
        if assessment.authorised_on is None and assessment.started_on < ctx.assessment_overdue_before:
            yield Problem(
                "8670Q",
                QUERY,
                "An assessment started more than 45 working days ago and is not yet authorised.",
                CHILD_RECORD,
            )
        if assessment.authorised_on is not None:
            if not assessment.factors:
                yield Problem("8897Q", QUERY, "An authorised assessment has no factors recorded (choose “21 No "
                              "factors identified” if none).", CHILD_RECORD)  # fmt: skip
            elif "21" in assessment.factors and len(assessment.factors) > 1:
                yield Problem("8869", ERROR, "“21 No factors identified” is recorded with other factors.", CHILD_RECORD)
            for code, instead in (("18A", "18B or 18C"), ("19A", "19B or 19C")):
                if code in assessment.factors:
                    yield Problem("8945Q" if code == "18A" else "8950Q", QUERY,
                                  f"Factor {code} is no longer used: choose {instead}.", CHILD_RECORD)  # fmt: skip


def _enquiry_checks(episode: Episode, ctx: Context) -> Iterator[Problem]:
    waiting = [e for e in episode.enquiries if e.conference_on is None and e.conference_needed is None]
    if len(waiting) > 1:
        yield Problem("8839", ERROR, "More than one section 47 enquiry in the episode has no finding yet.",
                      CHILD_RECORD)  # fmt: skip
    for enquiry in episode.enquiries:
        if enquiry.started_on < episode.referral_on:
            yield Problem("2889", ERROR, "A section 47 enquiry started before the referral date.", CHILD_RECORD)
        if (
            enquiry.conference_on is None
            and enquiry.conference_needed is not False
            and enquiry.started_on < ctx.year.starts_on
            and _year_over(ctx)
        ):
            yield Problem("8740", ERROR, "A section 47 enquiry started before the census year and had no initial "
                          "conference or finding by its end.", CHILD_RECORD)  # fmt: skip
        if enquiry.conference_on is not None and enquiry.conference_on.weekday() >= 5:
            yield Problem("8875", ERROR, "An initial child protection conference is recorded on a weekend.",
                          CHILD_RECORD)  # fmt: skip
        if (
            enquiry.conference_on is None
            and enquiry.conference_needed is not False
            and enquiry.started_on < ctx.conference_overdue_before
        ):
            yield Problem("8675Q", QUERY, "A section 47 enquiry started more than 15 working days ago and no initial "
                          "conference is recorded.", CHILD_RECORD)  # fmt: skip


def _overlap(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    return a_start < (b_end or date.max) and b_start < (a_end or date.max)


def _plan_checks(child: Child, episode: Episode, ctx: Context) -> Iterator[Problem]:
    year = ctx.year
    conferences = {e.conference_on for e in episode.enquiries if e.conference_on} | (
        {episode.conference_on} if episode.conference_on else set()
    )
    protection = episode.protection_plans
    for plan in episode.cin_plans:
        if plan.started_on < episode.referral_on:
            yield Problem("4015", ERROR, "A child in need plan started before the referral date.", CHILD_RECORD)
        if plan.ended_on == plan.started_on:
            yield Problem("4012Q", QUERY, "A child in need plan starts and ends on the same day.", CHILD_RECORD)
        if child.died_on and plan.started_on > child.died_on:
            yield Problem("4008", ERROR, "A child in need plan starts after the child's date of death.", CHILD_RECORD)
        if any(_overlap(plan.started_on, plan.ended_on, cp.started_on, cp.ended_on) for cp in protection):
            yield Problem("4001", ERROR, "A child in need plan and a child protection plan are open at the same time.",
                          CHILD_RECORD)  # fmt: skip
    if sum(1 for plan in episode.cin_plans if plan.ended_on is None) > 1:
        yield Problem("4004", ERROR, "The child has more than one open child in need plan.", CHILD_RECORD)
    if sum(1 for plan in protection if plan.ended_on is None) > 1:
        yield Problem("8935", ERROR, "The child has more than one open child protection plan.", CHILD_RECORD)
    for plan in protection:
        if plan.ended_on == plan.started_on:
            yield Problem("8840", ERROR, "A child protection plan starts and ends on the same day.", CHILD_RECORD)
        if plan.started_on < episode.referral_on:
            yield Problem("1105", ERROR, "A child protection plan started before the referral date.", CHILD_RECORD)
        if child.died_on and plan.started_on > child.died_on:
            yield Problem("8915", ERROR, "A child protection plan starts after the child's date of death.",
                          CHILD_RECORD)  # fmt: skip
        if plan.started_on >= year.starts_on and plan.started_on not in conferences:
            yield Problem(
                "2885",
                ERROR,
                "A child protection plan starts on a day with no initial child protection conference for the child: "
                "a plan starts at the conference that decides it.",
                CHILD_RECORD,
            )
        for review in plan.reviews:
            if review <= plan.started_on:
                yield Problem("8841", ERROR, "A review conference is on or before the plan's start.", CHILD_RECORD)
            if any(p.started_on <= review and (p.ended_on is None or review < p.ended_on) for p in episode.cin_plans):
                yield Problem("4003", ERROR, "A review conference is held while a child in need plan is open.",
                              CHILD_RECORD)  # fmt: skip
    ordered = sorted(protection, key=lambda p: p.started_on)
    for earlier, later in zip(ordered, ordered[1:]):
        if _overlap(earlier.started_on, earlier.ended_on, later.started_on, later.ended_on):
            yield Problem("8940", ERROR, "Two child protection plans overlap.", CHILD_RECORD)


CHECKS: tuple[Callable[[Child, Context], Iterator[Problem]], ...] = (child_checks,)


def problems(child: Child, ctx: Context) -> list[Problem]:
    """Every problem with one child's return, errors first."""
    found = [problem for check in CHECKS for problem in check(child, ctx)]
    return sorted(found, key=lambda p: (p.kind != ERROR, p.code))
