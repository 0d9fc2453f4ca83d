"""The timescales the table is seeded with: statutory (Working Together 2023) and local defaults
(listed in the README). Plain data: migration cases/0004 seeded the table from a copy of it, and
administrators change the table."""

WD, MONTHS = "working_days", "months"

# key: (amount, unit, counted from, source)
DEFAULTS = {
    "initial_conference": (15, WD, "the strategy discussion that starts the section 47 enquiry", "statutory"),
    "first_review_conference": (3, MONTHS, "the initial child protection conference", "statutory"),
    "review_conference": (6, MONTHS, "the previous review conference", "statutory"),
    "first_core_group": (10, WD, "the initial child protection conference", "statutory"),
    "assessment": (45, WD, "the referral", "statutory"),
    "core_group": (20, WD, "the previous core group (4 weeks)", "local"),
    "cin_review": (60, WD, "the start of the child-in-need plan, then the previous review (12 weeks)", "local"),
    "early_help_review": (30, WD, "the start of the early-help plan, then the previous review (6 weeks)", "local"),
    "cp_visit": (10, WD, "the previous child protection visit", "local"),
    "cin_visit": (20, WD, "the previous child-in-need visit", "local"),
    "supervision": (20, WD, "the case opening, then the previous supervision", "local"),
    "closing_review": (20, WD, "the closing review, up to the day the case closes or transfers", "local"),
}


def as_fields(key: str) -> dict:
    amount, unit, counted_from, source = DEFAULTS[key]
    return {"amount": amount, "unit": unit, "counted_from": counted_from, "source": source}
