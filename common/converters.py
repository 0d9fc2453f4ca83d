"""The `caseref` URL converter: case addresses use the non-identifying reference (NP-2026-00042).

Registered by common's app config, so every app's URLconf can use `<caseref:reference>` whatever order
the URLconfs are imported in.
"""


class CaseReferenceConverter:
    regex = r"[A-Z]{1,5}-[0-9]{4}-[0-9]{5}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)
