"""The DfE children in need census codes a child's record is counted by (docs/practice.md, "Census codes").

The codes are the census's; the words beside them are ours, short enough for a select on a phone. They live
here, on the case file's floor, because a child's episode, assessments and plans carry them; the front door
(referrals/sources.py) reads the referral sources from here too.
"""

from django.db import models


class ReferralSource(models.TextChoices):
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


class PrimaryNeed(models.TextChoices):
    """The main reason the child needs services, as the assessment found it."""

    N1 = "N1", "N1 Abuse or neglect"
    N2 = "N2", "N2 Child's disability or illness"
    N3 = "N3", "N3 Parental illness or disability"
    N4 = "N4", "N4 Family in acute stress"
    N5 = "N5", "N5 Family dysfunction"
    N6 = "N6", "N6 Socially unacceptable behaviour"
    N7 = "N7", "N7 Low income"
    N8 = "N8", "N8 Absent parenting"
    N9 = "N9", "N9 Cases other than children in need"
    N0 = "N0", "N0 Not stated"


class ClosureReason(models.TextChoices):
    """Why a child's episode of need closed."""

    RC1 = "RC1", "RC1 Adopted"
    RC2 = "RC2", "RC2 Died"
    RC3 = "RC3", "RC3 Child arrangements order"
    RC4 = "RC4", "RC4 Special guardianship order"
    RC5 = "RC5", "RC5 Moved to another local authority"
    RC6 = "RC6", "RC6 Moved to adult social care"
    RC7 = "RC7", "RC7 Services ceased, including no longer in need"
    RC8 = "RC8", "RC8 Closed after assessment, no further action"
    RC9 = "RC9", "RC9 Closed after assessment, referred to early help"


# Closing "after assessment" means the assessment found no plan was needed (docs/practice.md, "Census codes").
AFTER_ASSESSMENT_ONLY = frozenset({ClosureReason.RC8, ClosureReason.RC9})


class AssessmentFactor(models.TextChoices):
    """Factors identified at the end of an assessment. "Child", "parent" and "other" say whose the concern is:
    the child's own, a parent's or carer's, or another person's in the household."""

    ALCOHOL_CHILD = "1A", "1A Alcohol misuse: the child"
    ALCOHOL_PARENT = "1B", "1B Alcohol misuse: a parent or carer"
    ALCOHOL_OTHER = "1C", "1C Alcohol misuse: another person in the household"
    DRUGS_CHILD = "2A", "2A Drug misuse: the child"
    DRUGS_PARENT = "2B", "2B Drug misuse: a parent or carer"
    DRUGS_OTHER = "2C", "2C Drug misuse: another person in the household"
    DOMESTIC_ABUSE_CHILD = "3A", "3A Domestic abuse: the child"
    DOMESTIC_ABUSE_PARENT = "3B", "3B Domestic abuse: a parent or carer"
    DOMESTIC_ABUSE_OTHER = "3C", "3C Domestic abuse: another person in the household"
    MENTAL_HEALTH_CHILD = "4A", "4A Mental health: the child"
    MENTAL_HEALTH_PARENT = "4B", "4B Mental health: a parent or carer"
    MENTAL_HEALTH_OTHER = "4C", "4C Mental health: another person in the household"
    LEARNING_DISABILITY_CHILD = "5A", "5A Learning disability: the child"
    LEARNING_DISABILITY_PARENT = "5B", "5B Learning disability: a parent or carer"
    LEARNING_DISABILITY_OTHER = "5C", "5C Learning disability: another person in the household"
    PHYSICAL_DISABILITY_CHILD = "6A", "6A Physical disability or illness: the child"
    PHYSICAL_DISABILITY_PARENT = "6B", "6B Physical disability or illness: a parent or carer"
    PHYSICAL_DISABILITY_OTHER = "6C", "6C Physical disability or illness: another person in the household"
    YOUNG_CARER = "7A", "7A Young carer"
    PRIVATE_FOSTERING_RETURN = "8B", "8B Privately fostered: from overseas, intending to return"
    PRIVATE_FOSTERING_STAY = "8C", "8C Privately fostered: from overseas, intending to stay"
    PRIVATE_FOSTERING_EDUCATION = "8D", "8D Privately fostered: UK child in an educational placement"
    PRIVATE_FOSTERING_FAMILY = "8E", "8E Privately fostered: UK child, other family arrangement"
    PRIVATE_FOSTERING_OTHER = "8F", "8F Privately fostered: other"
    UNACCOMPANIED = "9A", "9A Unaccompanied asylum-seeking child"
    MISSING = "10A", "10A Going or being missing"
    SEXUAL_EXPLOITATION = "11A", "11A Child sexual exploitation"
    TRAFFICKING = "12A", "12A Trafficking"
    GANGS = "13A", "13A Gangs"
    BEHAVIOUR = "14A", "14A Socially unacceptable behaviour"
    SELF_HARM = "15A", "15A Self-harm"
    NEGLECT = "16A", "16A Neglect"
    EMOTIONAL_ABUSE = "17A", "17A Emotional abuse"
    PHYSICAL_ABUSE = "18A", "18A Physical abuse"
    PHYSICAL_ABUSE_ADULT = "18B", "18B Physical abuse: by an adult"
    PHYSICAL_ABUSE_CHILD = "18C", "18C Physical abuse: by another child"
    SEXUAL_ABUSE = "19A", "19A Sexual abuse"
    SEXUAL_ABUSE_ADULT = "19B", "19B Sexual abuse: by an adult"
    SEXUAL_ABUSE_CHILD = "19C", "19C Sexual abuse: by another child"
    OTHER = "20", "20 Other"
    NO_FACTORS = "21", "21 No factors identified"
    FGM = "22A", "22A Female genital mutilation"
    FAITH_OR_BELIEF = "23A", "23A Abuse linked to faith or belief"
    CRIMINAL_EXPLOITATION = "24A", "24A Child criminal exploitation"


# Factors the census no longer takes for a new assessment (queries 8945Q and 8950Q): each was split in two.
# Kept above for assessments authorised before the split; the forms offer only FACTOR_CHOICES.
RETIRED_FACTORS = {AssessmentFactor.PHYSICAL_ABUSE: "18B or 18C", AssessmentFactor.SEXUAL_ABUSE: "19B or 19C"}
FACTOR_CHOICES = [(code, label) for code, label in AssessmentFactor.choices if code not in RETIRED_FACTORS]
