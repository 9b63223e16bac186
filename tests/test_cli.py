"""A user's mistake on the command line: one line, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, SEEDS


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, check=False)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_docs_pointing_at_a_file(tmp_path: Path):
    (tmp_path / "docs").write_text("not a folder\n", "utf-8")
    line = one_line_error(run("build", "--docs", str(tmp_path / "docs")))
    assert line == f"{tmp_path / 'docs'}: not a folder (--docs needs the folder to write pages into)"


def test_missing_seeds_folder(tmp_path: Path):
    line = one_line_error(run("build", "--seeds", str(tmp_path / "nope"), "--docs", str(tmp_path / "docs")))
    assert line == f"{tmp_path / 'nope'}: seeds folder not found"
    assert not (tmp_path / "docs").exists()


def test_unknown_option():
    line = one_line_error(run("build", "--stict"))
    assert "unrecognized arguments: --stict" in line


@pytest.mark.parametrize(("content", "expected"), [
    (None, "file not found"),
    ("{not json", "1:2: not JSON"),
    ('{"pages": []}', "not a papers.json export"),
    ("\udcff", "not UTF-8"),
])
def test_changes_with_a_missing_or_broken_export(tmp_path: Path, content: str | None, expected: str, demo_docs: Path):
    good = demo_docs / "papers.json"
    broken = tmp_path / "broken.json"
    if content == "\udcff":
        broken.write_bytes(b"\xff\xfe{")
    elif content is not None:
        broken.write_text(content, "utf-8")
    line = one_line_error(run("changes", str(good), str(broken)))
    assert line.startswith(str(broken)) and expected in line


def test_changes_of_an_export_with_itself(demo_docs: Path):
    good = demo_docs / "papers.json"
    result = run("changes", str(good), str(good))
    assert result.returncode == 0 and "0 added, 0 removed, 0 merged" in result.stdout


def test_docs_under_a_file_cannot_be_created(tmp_path: Path):
    """An OSError while writing (here: a parent that is a file) is one line too."""
    (tmp_path / "afile").write_text("x\n", "utf-8")
    line = one_line_error(run("build", "--seeds", str(SEEDS), "--docs", str(tmp_path / "afile" / "docs")))
    assert line.startswith(str(tmp_path / "afile")) and "Not a directory" in line
