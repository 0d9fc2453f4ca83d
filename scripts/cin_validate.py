"""Run the DfE children in need census rules (csc-validator-be-cin) over a census XML file; print JSON.

This script runs in the validator's own environment (.venv-cin, made by `make .venv-cin/.installed`), never in
the portal's: the validator pins pandas 1.5, which needs numpy below 2. It imports nothing from the portal.

    .venv-cin/bin/python scripts/cin_validate.py RETURN.xml [--ruleset cin2025_26]

The output is one JSON object: the ruleset, how many rules ran, the rules that crashed (a crashed rule has
checked nothing, so a caller must treat it as a failure, not a pass), every issue per child with its rule
code, whether the rule is an error or a query, and the return-level issues (rules about the whole file).
"""

import argparse
import contextlib
import importlib
import io
import json
import re
import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own file, written by the portal, not untrusted input


def ruleset_for(year: int) -> str:
    """The validator's ruleset for the census year ending 31 March `year` (2026 -> cin2025_26)."""
    return f"cin{year - 1}_{year % 100:02d}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("xml_file")
    parser.add_argument("--ruleset", help="for example cin2025_26; by default the one for the header's year")
    args = parser.parse_args()

    from cin_validator import cin_validator

    root = ET.parse(args.xml_file).getroot()  # noqa: S314 - as above
    ruleset = args.ruleset or ruleset_for(int(root.findtext("Header/CollectionDetails/Year")))
    registry = importlib.import_module(f"cin_validator.rules.{ruleset}").registry
    kinds = {str(rule.code): rule.rule_type.name.lower() for _, rule in registry.items()}

    data = cin_validator.process_data(cin_validator.convert_data(root))
    printed = io.StringIO()
    # The validator prints, and then skips, a rule that raised: catch those lines to report them.
    with contextlib.redirect_stdout(printed):
        validator = cin_validator.CinValidator(data, registry)
    crashed = re.findall(r"^Error with rule (\S+):", printed.getvalue(), flags=re.MULTILINE)

    issues = []
    for row in validator.full_issue_df.itertuples(index=False):
        code = str(row.rule_code)
        issues.append(
            {
                "code": code,
                "kind": kinds.get(code, "error"),
                "child": None if _missing(row.child_id) else str(row.child_id),
                "table": None if _missing(row.tables_affected) else str(row.tables_affected),
                "field": None if _missing(row.columns_affected) else str(row.columns_affected),
            }
        )
    return_level = [
        {"code": str(row.rule_code), "kind": kinds.get(str(row.rule_code), "error")}
        for row in validator.multichild_issues.drop_duplicates().itertuples(index=False)
    ]
    children = len(root.findall("Children/Child"))
    json.dump(
        {
            "ruleset": ruleset,
            "rules_run": len(kinds),
            "children": children,
            "crashed": crashed,
            "issues": issues,
            "return_level": return_level,
        },
        sys.stdout,
    )
    return 0


def _missing(value) -> bool:
    return value is None or value != value  # NaN is the only value not equal to itself


if __name__ == "__main__":
    sys.exit(main())
