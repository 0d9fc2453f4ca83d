"""The DfE referral source codes (children in need census, docs: DOMAIN.md §5) and the code a referrer's
agency and role suggest. The suggestion is only a default: the referrer may change it on the form."""

from django.db import models

from accounts.models import Agency


class SourceCode(models.TextChoices):
    FAMILY = "1A", "1A Individual: family member or carer"
    ACQUAINTANCE = "1B", "1B Individual: acquaintance (including neighbours)"
    SELF = "1C", "1C Individual: self"
    OTHER_PERSON = "1D", "1D Individual: other"
    SCHOOLS = "2A", "2A Schools"
    EDUCATION_SERVICES = "2B", "2B Education services"
    GP = "3A", "3A Health: GP"
    HEALTH_VISITOR = "3B", "3B Health: health visitor"
    SCHOOL_NURSE = "3C", "3C Health: school nurse"
    OTHER_PRIMARY_HEALTH = "3D", "3D Health: other primary health services"
    A_AND_E = "3E", "3E Health: A&E (emergency department)"
    OTHER_HEALTH = "3F", "3F Health: other (for example hospital, mental health)"
    HOUSING = "4", "4 Housing"
    LA_SOCIAL_CARE = "5A", "5A Local authority: social care"
    LA_OTHER_INTERNAL = "5B", "5B Local authority: other internal department"
    LA_EXTERNAL = "5C", "5C Local authority: another local authority"
    LA_EARLY_HELP = "5D", "5D Local authority: early help"
    POLICE = "6", "6 Police"
    OTHER_LEGAL = "7", "7 Other legal agency (courts, probation, Cafcass)"
    OTHER = "8", "8 Other"
    ANONYMOUS = "9", "9 Anonymous"
    UNKNOWN = "10", "10 Unknown"


# Words in a health practitioner's job title that name the census's health sources, most specific first.
HEALTH_TITLES = (
    ("school nurse", SourceCode.SCHOOL_NURSE),
    ("health visitor", SourceCode.HEALTH_VISITOR),
    ("a&e", SourceCode.A_AND_E),
    ("emergency", SourceCode.A_AND_E),
    ("gp", SourceCode.GP),
    ("general practi", SourceCode.GP),
    ("midwife", SourceCode.OTHER_PRIMARY_HEALTH),
    ("practice nurse", SourceCode.OTHER_PRIMARY_HEALTH),
    ("dental", SourceCode.OTHER_PRIMARY_HEALTH),
)

BY_AGENCY_KIND = {
    Agency.Kind.EDUCATION: SourceCode.SCHOOLS,
    Agency.Kind.HEALTH: SourceCode.OTHER_HEALTH,
    Agency.Kind.POLICE: SourceCode.POLICE,
    Agency.Kind.HOUSING: SourceCode.HOUSING,
    Agency.Kind.CHILDRENS_SOCIAL_CARE: SourceCode.LA_SOCIAL_CARE,
    Agency.Kind.VOLUNTARY: SourceCode.OTHER,
    Agency.Kind.OTHER: SourceCode.OTHER,
}


def source_for(agency_kind: str | None, job_title: str = "") -> str:
    """The source code a referrer's agency (its kind) and job title suggest; 10 (unknown) with no agency."""
    if not agency_kind:
        return SourceCode.UNKNOWN
    title = f" {job_title.lower()} "
    if agency_kind == Agency.Kind.HEALTH:
        for words, code in HEALTH_TITLES:
            if words in title.split() or (len(words) > 3 and words in title):
                return code
    if agency_kind == Agency.Kind.EDUCATION and "school" not in title and "education" in title:
        return SourceCode.EDUCATION_SERVICES
    if agency_kind == Agency.Kind.CHILDRENS_SOCIAL_CARE and "early help" in title:
        return SourceCode.LA_EARLY_HELP
    return BY_AGENCY_KIND.get(agency_kind, SourceCode.OTHER)
