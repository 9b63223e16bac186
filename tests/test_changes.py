"""The pull-request summary: papers added, removed and merged between two exports."""

from __future__ import annotations

import json
from pathlib import Path

from generator.changes import describe_changes


def export(path: Path, papers: dict[str, list[tuple[str, int]]]) -> Path:
    data = {"papers": [{"slug": slug, "title": slug.title(), "sources": [{"file": f, "line": l} for f, l in sources]}
                       for slug, sources in papers.items()]}
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_added_removed_merged_and_renamed(tmp_path: Path):
    base = export(tmp_path / "base.json", {"a": [("x.txt", 1)], "b": [("x.txt", 2)], "c": [("x.txt", 3)], "gone": [("y.txt", 1)]})
    head = export(tmp_path / "head.json", {"a-renamed": [("x.txt", 1)], "bc": [("x.txt", 2), ("x.txt", 3)], "new": [("z.txt", 1)]})
    text = describe_changes(base, head)
    assert text.startswith("**Reading list:** 4 → 3 papers: 1 added, 1 removed, 1 merged, 0 with new duplicates.")
    assert "- New (`new`)" in text and "- Gone (`gone`)" in text
    assert "- Bc ← `b`, `c`" in text
    assert "A-Renamed" not in text
