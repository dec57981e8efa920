"""The layers contract (pyproject.toml, [tool.importlinter]) holds on the code and bites on an upward
import: `scripts/run-tests` (so `make test`) runs `lint-imports` before pytest and stops on failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy(tmp_path: Path) -> Path:
    """The package's Python modules and the contract, in a folder of their own."""
    shutil.copytree(ROOT / "dudao", tmp_path / "dudao",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "locale", "*.html"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def _append(module: Path, line: str) -> None:
    module.write_text(module.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_code_keeps_the_layers(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_core_importing_a_domain_app_breaks_the_contract(tmp_path):
    root = _copy(tmp_path)
    _append(root / "dudao/core/errors.py", "import dudao.findings  # noqa")
    result = _lint(root)
    assert result.returncode != 0
    assert "dudao.core.errors -> dudao.findings" in result.stdout


def test_planning_importing_inspections_breaks_the_layers(tmp_path):
    root = _copy(tmp_path)
    _append(root / "dudao/planning/coverage.py", "from dudao.inspections import models  # noqa")
    result = _lint(root)
    assert result.returncode != 0
    assert "dudao.planning is not allowed to import dudao.inspections" in result.stdout
