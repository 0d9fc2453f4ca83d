"""The floors hold: `lint-imports` passes on the code as it is, fails as soon as an app imports a floor above
it, and its contract names every one of the portal's apps (docs/architecture.md)."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contract() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _copy_of_the_code(tmp_path: Path) -> Path:
    """The project's packages (Python files only) and pyproject.toml, so a probe never touches the real tree."""
    for package in _contract()["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint_imports(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=where, capture_output=True, text=True, timeout=120)


def test_every_app_of_the_portal_is_on_a_floor():
    floors = {name.strip() for layer in _contract()["contracts"][0]["layers"] for name in layer.split("|")}
    ours = {config.name for config in apps.get_app_configs() if (ROOT / config.name).is_dir()}
    assert ours <= floors, f"apps missing from the layers contract: {sorted(ours - floors)}"


@pytest.mark.parametrize(
    ("lower_app", "upward_import"),
    [
        ("cases", "from monitoring import rules"),  # the ground floor reaching up to monitoring
        ("chronology", "from gcp2.models import Assessment"),
        ("plans", "import gcp2.models"),  # two apps on one floor stay independent
        ("referrals", "from monitoring import rules"),  # the front door reaching up to what watches it
        ("referrals", "import plans.models"),  # beside plans, not above it
        ("dashboards", "from reporting import census"),  # reporting reads every floor; none reads it
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, lower_app, upward_import):
    code = _copy_of_the_code(tmp_path)
    assert _lint_imports(code).returncode == 0, "the code as it is must keep the contract"
    (code / lower_app / "upward_probe.py").write_text(f'"""An import the floors forbid."""\n\n{upward_import}\n')
    result = _lint_imports(code)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and f"{lower_app}.upward_probe" in result.stdout
