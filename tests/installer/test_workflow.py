"""The Windows workflow file is valid YAML and does the steps the README promises.

It can only run on a GitHub-hosted Windows runner; here it is parsed, not run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "windows.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    yaml = pytest.importorskip("yaml")
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_runs_on_windows_with_python_311(workflow: dict[Any, Any]) -> None:
    # YAML 1.1 reads the bare key "on" as True.
    assert set(workflow[True]) >= {"push", "pull_request", "workflow_dispatch"}
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == "windows-latest"
    setup_python = next(
        s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/setup-python")
    )
    assert setup_python["with"]["python-version"] == "3.11"


def test_tests_installer_build_and_upload_in_order(workflow: dict[Any, Any]) -> None:
    (job,) = workflow["jobs"].values()
    runs = [str(step.get("run", "")) for step in job["steps"]]
    order = [
        next(i for i, run in enumerate(runs) if ".[test,freeze]" in run),
        next(i for i, run in enumerate(runs) if "pytest" in run),
        next(i for i, run in enumerate(runs) if "choco install innosetup" in run),
        next(i for i, run in enumerate(runs) if run.strip() == "python installer/build.py"),
    ]
    assert order == sorted(order)
    upload = job["steps"][-1]
    assert str(upload["uses"]).startswith("actions/upload-artifact")
    assert "dist/NanoStudio-*-setup.exe" in upload["with"]["path"]
    assert upload["with"]["if-no-files-found"] == "error"
