"""The GCP2 structure as code: 4 areas, 13 sub-areas and the 1–5 scale with our own one-line meanings.

Only codes, names and the scale ship with the portal. The NSPCC's descriptors and item wording are
copyright; a licensed partnership loads its descriptor text in the admin (gcp2.models.Descriptor).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SubArea:
    code: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    sub_areas: tuple[SubArea, ...]

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


AREAS: tuple[Area, ...] = (
    Area(
        "A",
        "Physical care",
        (
            SubArea("A1", "Nutrition"),
            SubArea("A2", "Housing"),
            SubArea("A3", "Clothing"),
            SubArea("A4", "Hygiene"),
            SubArea("A5", "Health"),
        ),
    ),
    Area(
        "B",
        "Care of safety",
        (
            SubArea("B1", "Safety in carer's presence"),
            SubArea("B2", "Safety in carer's absence"),
        ),
    ),
    Area(
        "C",
        "Emotional care",
        (
            SubArea("C1", "Carer's responsiveness"),
            SubArea("C2", "Mutual engagement"),
        ),
    ),
    Area(
        "D",
        "Developmental care",
        (
            SubArea("D1", "Stimulation (including education)"),
            SubArea("D2", "Approval"),
            SubArea("D3", "Disapproval"),
            SubArea("D4", "Acceptance"),
        ),
    ),
)

AREA_BY_CODE: dict[str, Area] = {area.code: area for area in AREAS}
SUB_AREAS: tuple[SubArea, ...] = tuple(sub for area in AREAS for sub in area.sub_areas)
SUB_AREA_BY_CODE: dict[str, SubArea] = {sub.code: sub for sub in SUB_AREAS}

AREA_CHOICES = [(area.code, area.label) for area in AREAS]
SUB_AREA_CHOICES = [(sub.code, sub.label) for sub in SUB_AREAS]

BEST, WORST = 1, 5

# Our own meanings, the same in every area (docs/practice.md, "GCP2"); never the NSPCC's text.
GRADES: dict[int, tuple[str, str]] = {
    1: ("Best", "all needs met; child always first."),
    2: ("Adequate", "essential needs met; child usually first."),
    3: ("Borderline", "some essential needs unmet; child's and carer's needs weighed equally."),
    4: ("Poor", "most essential needs unmet; child comes second."),
    5: ("Worst", "essential needs unmet or care hostile; child not considered."),
}
GRADE_CHOICES = [(grade, f"{grade} {word}: {meaning}") for grade, (word, meaning) in GRADES.items()]


def grade_word(grade: int | None) -> str:
    return GRADES[grade][0] if grade in GRADES else "Not graded"
