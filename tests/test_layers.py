"""The generator's layers (pyproject.toml, `[tool.importlinter]`): the command line and the
MkDocs hooks over the build, the build over the incremental layer, that over the stages,
and those over the model and text helpers. Every import counts, those inside functions
too, and no two modules import each other, even through others."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import ROOT


def lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-logo", "--no-cache", *args],
                          cwd=ROOT, capture_output=True, text=True, check=False)


def test_every_module_keeps_to_its_layer_and_no_import_goes_round():
    result = lint_imports()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_an_import_of_the_incremental_layer_by_a_stage_breaks_the_contract(tmp_path: Path):
    """The contract catches what it is for: a copy of the generator where a stage imports
    the cache, inside a function."""
    import shutil

    copy = tmp_path / "generator"
    shutil.copytree(ROOT / "generator", copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / "topics.py").open("a", encoding="utf-8") as file:
        file.write("\n\ndef _peek() -> None:\n    from .incremental import cache  # noqa: F401\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-logo", "--no-cache"], cwd=tmp_path,
                            capture_output=True, text=True, check=False, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "generator.topics is not allowed to import generator.incremental" in result.stdout
