"""Running the DfE's census rules validator (csc-validator-be-cin) from the tests, in its own environment.

`make test` makes .venv-cin (Makefile, requirements-cin.txt); a test that needs it fails, never skips, when it
is missing, so a machine without it cannot pass the census tests by leaving them out.
"""

import json
import subprocess  # nosec B404 - runs our own script with our own arguments
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from reporting import census, census_xml

VALIDATOR_PYTHON = Path(settings.BASE_DIR) / ".venv-cin" / "bin" / "python"
RUNNER = Path(settings.BASE_DIR) / "scripts" / "cin_validate.py"


@dataclass
class Result:
    xml: str
    report: dict

    @property
    def errors(self) -> list[dict]:
        return [i for i in self.report["issues"] + self.report["return_level"] if i["kind"] == "error"]

    def codes_by_child(self, kind: str | None = None) -> dict[str, set[str]]:
        found = defaultdict(set)
        for issue in self.report["issues"]:
            if issue["child"] and (kind is None or issue["kind"] == kind):
                found[issue["child"]].add(issue["code"])
        return found


def return_xml(year: int, la_code: str = "123") -> str:
    parts = census_xml.stream(
        census.children_in_year(census.CensusYear(year)), year=year, la_code=la_code, made_at=timezone.now(),
        export_id=0,
    )  # fmt: skip
    return "".join(parts)


def validate(xml: str) -> Result:
    assert VALIDATOR_PYTHON.exists(), f"{VALIDATOR_PYTHON} is missing: run `make .venv-cin/.installed`"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "return.xml"
        path.write_text(xml, encoding="utf-8")
        done = subprocess.run(  # nosec B603 - fixed executable and arguments
            [str(VALIDATOR_PYTHON), str(RUNNER), str(path)], capture_output=True, text=True, cwd=folder, timeout=900
        )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["crashed"] == [], f"validator rules crashed (they checked nothing): {report['crashed']}"
    assert report["rules_run"] > 100
    return Result(xml=xml, report=report)
