"""The DfE referral source codes (children in need census, docs: DOMAIN.md §5) and the code a referrer's
agency and role suggest. The suggestion is only a default: the referrer may change it on the form."""

from accounts.models import Agency
from cases.census import ReferralSource

# The codes themselves belong to the case file (a child's episode carries one); the front door suggests one.
SourceCode = ReferralSource


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
