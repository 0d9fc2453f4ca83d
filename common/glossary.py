"""The portal's words explained in plain English: one entry per term, in our own words (never the NSPCC's
GCP2 text, which is copyright). The glossary page (dashboards) lists them all; `{% term %}`
(common/templatetags/glossary_tags.py) and `explained()` (for a form's help text) explain one where a page
first uses it, in visible text with a link to its entry, because a hover tooltip never shows on a phone.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Term:
    key: str  # the entry's anchor on the glossary page: /glossary/#<key>
    word: str  # as pages write it
    short: str  # a few words shown beside the word where a page first uses it
    meaning: str  # the glossary's explanation
    abbreviation: str = ""  # the letters marked up as an abbreviation where the word is shown


TERMS: tuple[Term, ...] = (
    Term(
        "gcp2",
        "GCP2",
        "Graded Care Profile 2",
        "A structured way for a trained practitioner to look at the everyday care one child receives. Over a "
        "few visits (usually 4 to 6, across 2 to 4 weeks, some of them unannounced) they observe and talk with "
        "the family, then grade 13 sub-areas of care, grouped in 4 areas, from 1 (the best) to 5 (the worst). "
        "Each area also gets a grade of its own: a judgement, not an average. There is no overall score. It "
        "shows what the care is like, not why; the reasons belong in the analysis. Only someone with a current "
        "GCP2 licence can complete one, and each child has their own.",
        "GCP2",
    ),
    Term(
        "gcp2-grid",
        "A–D grid",
        "latest GCP2 grade of each area, one row per child",
        "On the caseload, a small table for each case: one row for each child and one column for each GCP2 "
        "area (A physical care, B care of safety, C emotional care, D developmental care). Each cell holds the "
        "area grade of the child's latest completed GCP2, from 1 (best) to 5 (worst); a dash means the area "
        "has not been graded for that child yet. Colours only repeat what the number says.",
    ),
    Term(
        "early-help",
        "Early help",
        "support before needs grow",
        "Support that any agency can lead, with the family's agreement, when a child has needs that are not "
        "yet serious enough for children's social care. It uses the same record as the other levels.",
    ),
    Term(
        "cin",
        "CIN",
        "child in need",
        "A child in need (section 17 of the Children Act 1989) is a child who is unlikely to stay healthy or "
        "develop well without help from the local authority, or who is disabled. A social worker leads a child "
        "in need plan and it is reviewed regularly at child in need reviews.",
        "CIN",
    ),
    Term(
        "child-protection",
        "Child protection",
        "a plan to keep a child safe from significant harm",
        "When enquiries find that a child is suffering, or likely to suffer, significant harm, a child "
        "protection conference can decide on a child protection plan. The plan names its category (here, "
        "usually neglect). A core group of professionals and the family carries it out between conferences, "
        "and review conferences decide whether it continues.",
    ),
    Term(
        "lead-professional",
        "Lead professional",
        "the person who co-ordinates the case",
        "The one named person who co-ordinates the work with the family, keeps the plan moving and receives "
        "the portal's alerts about the case. For child in need and child protection cases it is a social "
        "worker; in early help it can be someone from any agency.",
    ),
    Term(
        "core-group",
        "Core group",
        "those who carry out a child protection plan",
        "The social worker, the family and the key professionals who meet between child protection "
        "conferences to carry out the plan and check how it is going.",
    ),
    Term(
        "chronology",
        "Chronology",
        "every agency's significant events, in date order",
        "The significant events in the child's life recorded by every agency, on one timeline. Read together, "
        "single events show patterns and harm that builds up over time. Entries are never changed or deleted: "
        "a correction is added beside the original, and the portal shows what the entry says now.",
    ),
    Term(
        "was-not-brought",
        "Was not brought",
        "a child missed an appointment because no adult took them",
        "A child who depends on adults missed an appointment (a GP, health visitor or hospital appointment, "
        "for example) because no one brought them. It is recorded as the carer's failure, not the child's. "
        "Did not attend is kept for a young person who was expected to come alone. Repeated missed "
        "appointments can be a sign of neglect.",
    ),
    Term(
        "drift",
        "drift",
        "the case stays open with no real change for the child",
        "A case drifts when it stays open, often for a long time, without measurable change for the child: "
        "plans are repeated, reviews slip and nobody steps back. The portal's checks raise drift flags (for "
        "example no improvement between GCP2 assessments, a long child protection plan, frequent changes of "
        "lead professional, or no contact for too long) so that someone decides what happens next.",
    ),
    Term(
        "flag",
        "Flag",
        "something the portal's checks found that needs attention",
        "The portal's checks run every 15 minutes and raise a flag when something needs attention (a review "
        "overdue, a missed appointment, drift). Each flag says which check raised it, what it found and how it "
        "clears. The lead professional acknowledges it by saying what they will do.",
    ),
    Term(
        "escalation",
        "Escalation",
        "taking a stuck case or a disagreement up, stage by stage",
        "When a case is stuck or professionals disagree, anyone on it can raise an escalation. It starts with "
        "the people involved and moves up to their managers, then senior managers, each stage with a time "
        "limit in working days.",
    ),
    Term(
        "working-days",
        "Working days",
        "Monday to Friday, not counting bank holidays",
        "Monday to Friday, leaving out bank holidays in England and Wales and any local closure days. The day "
        "something happens is day 0: day 1 is the next working day. Many timescales (for example 15 working "
        "days to an initial child protection conference) are counted this way; others are in calendar months "
        "and say so.",
    ),
    Term(
        "rc-codes",
        "RC codes",
        "the census reasons for closing a case",
        "The reasons for closing a case that the Department for Education's children in need census uses, "
        "from RC1 to RC9. Closing a case needs one of them, so that the yearly census return is right.",
        "RC",
    ),
)

TERM_BY_KEY: dict[str, Term] = {term.key: term for term in TERMS}


def explained(key: str, text: str = "") -> SafeString:
    """The term as written on the page (`text`, or the glossary's own word), then its short explanation as
    a link to its glossary entry: "<abbr>GCP2</abbr> (<a href="/glossary/#gcp2">Graded Care Profile 2</a>)".
    An unknown key fails loudly: a misspelt term would explain nothing."""
    entry = TERM_BY_KEY[key]
    shown = text or entry.word
    href = f"{reverse('glossary')}#{entry.key}"
    if entry.abbreviation and entry.abbreviation in shown:
        before, after = shown.split(entry.abbreviation, 1)
        shown = format_html("{}<abbr>{}</abbr>{}", before, entry.abbreviation, after)
    return format_html('{} (<a href="{}">{}</a>)', shown, href, entry.short)
