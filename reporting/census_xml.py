"""The children in need census return as XML, in the structure of the DfE's specification (docs/census.md).

One `<Child>` is built and written at a time, so a return of any size streams in constant memory. Elements
follow the specification's order; an element with nothing to say is left out, as the specification allows.
The file carries its protective marking and export id in a comment and holds only codes and dates.
"""

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from .census import Child, Episode

SOFTWARE = "Neglect case portal"
RELEASE = "1"
FLAG = {True: "1", False: "0"}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _add(parent: ET.Element, tag: str, text: str | None) -> None:
    if text not in (None, ""):
        ET.SubElement(parent, tag).text = text


def header(*, year: int, la_code: str, made_at: datetime, export_id) -> str:
    """The declaration, the marking and the Header, up to the opening of `<Children>`."""
    root = ET.Element("Header")
    details = ET.SubElement(root, "CollectionDetails")
    _add(details, "Collection", "CIN")
    _add(details, "Year", str(year))
    _add(details, "ReferenceDate", date(year, 3, 31).isoformat())
    source = ET.SubElement(root, "Source")
    _add(source, "SourceLevel", "L")
    _add(source, "LEA", la_code)
    _add(source, "SoftwareCode", SOFTWARE)
    _add(source, "Release", RELEASE)
    _add(source, "SerialNo", "001")
    _add(source, "DateTime", made_at.strftime("%Y-%m-%dT%H:%M:%S"))
    marking = (
        f"OFFICIAL-SENSITIVE: personal data about children. Children in need census return {year}, "
        f"export {export_id}. Send only through the DfE's secure service; do not copy or forward."
    )
    ET.indent(root)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<!-- {marking} -->\n"
        "<Message>\n" + ET.tostring(root, encoding="unicode") + "\n<Children>\n"
    )


FOOTER = "</Children>\n</Message>\n"


def child_element(child: Child) -> ET.Element:
    element = ET.Element("Child")
    identifiers = ET.SubElement(element, "ChildIdentifiers")
    _add(identifiers, "LAchildID", child.la_child_id)
    _add(identifiers, "UPN", child.upn)
    _add(identifiers, "UPNunknown", child.upn_unknown)
    _add(identifiers, "PersonBirthDate", _day(child.born_on))
    _add(identifiers, "ExpectedPersonBirthDate", _day(child.expected_on))
    _add(identifiers, "Sex", child.sex)
    _add(identifiers, "PersonDeathDate", _day(child.died_on))

    characteristics = ET.SubElement(element, "ChildCharacteristics")
    _add(characteristics, "Ethnicity", child.ethnicity)
    if child.disabilities:
        disabilities = ET.SubElement(characteristics, "Disabilities")
        for code in child.disabilities:
            _add(disabilities, "Disability", code)

    for episode in child.episodes:
        element.append(_episode_element(episode))
    return element


def _episode_element(episode: Episode) -> ET.Element:
    details = ET.Element("CINdetails")
    _add(details, "CINreferralDate", _day(episode.referral_on))
    _add(details, "ReferralSource", episode.referral_source)
    _add(details, "PrimaryNeedCode", episode.primary_need)
    _add(details, "CINclosureDate", _day(episode.closed_on))
    _add(details, "ReasonForClosure", episode.closure_reason)
    _add(details, "DateOfInitialCPC", _day(episode.conference_on))
    # Every episode here is a referral that went on to an assessment: referrals the MASH closed with no
    # further action open no episode (docs/census.md, "What the return leaves out").
    _add(details, "ReferralNFA", FLAG[False])
    for assessment in episode.assessments:
        block = ET.SubElement(details, "Assessments")
        _add(block, "AssessmentActualStartDate", _day(assessment.started_on))
        _add(block, "AssessmentAuthorisationDate", _day(assessment.authorised_on))
        if assessment.factors:
            factors = ET.SubElement(block, "FactorsIdentifiedAtAssessment")
            for code in assessment.factors:
                _add(factors, "AssessmentFactors", code)
    for plan in episode.cin_plans:
        block = ET.SubElement(details, "CINPlanDates")
        _add(block, "CINPlanStartDate", _day(plan.started_on))
        _add(block, "CINPlanEndDate", _day(plan.ended_on))
    for enquiry in episode.enquiries:
        block = ET.SubElement(details, "Section47")
        _add(block, "S47ActualStartDate", _day(enquiry.started_on))
        _add(block, "InitialCPCtarget", _day(enquiry.conference_target))
        _add(block, "DateOfInitialCPC", _day(enquiry.conference_on))
        _add(block, "ICPCnotRequired", FLAG[enquiry.conference_needed is False])
    for plan in episode.protection_plans:
        block = ET.SubElement(details, "ChildProtectionPlans")
        _add(block, "CPPstartDate", _day(plan.started_on))
        _add(block, "CPPendDate", _day(plan.ended_on))
        _add(block, "InitialCategoryOfAbuse", plan.initial_category)
        _add(block, "LatestCategoryOfAbuse", plan.latest_category)
        _add(block, "NumberOfPreviousCPP", str(plan.previous_plans))
        for review in plan.reviews:
            _add(ET.SubElement(block, "Reviews"), "CPPreviewDate", _day(review))
    return details


def stream(children: Iterable[Child], *, year: int, la_code: str, made_at: datetime, export_id) -> Iterator[str]:
    """The return as text, one child at a time."""
    yield header(year=year, la_code=la_code, made_at=made_at, export_id=export_id)
    for child in children:
        ET.indent(element := child_element(child))
        yield ET.tostring(element, encoding="unicode") + "\n"
    yield FOOTER
