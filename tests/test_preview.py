"""Pull-request previews: the whole offline build for a small list, only the changed papers'
pages for a large one."""

from __future__ import annotations

import json
from pathlib import Path

import generator.exports
from generator.preview import changed_slugs, make_preview



def exports(tmp_path: Path, docs: Path) -> tuple[Path, Path]:
    """main's papers.json (the demo's, in `docs`), and a head where one paper changed title and one is new."""
    papers = generator.writer.read_papers_export(docs / "papers.json")
    head = [dict(p) for p in papers]
    head[3]["title"] = "A new title for the fourth paper"
    head.append({**head[0], "slug": "a-new-paper-123abc", "sources": [{"file": "new.txt", "line": 1}]})
    base_path, head_path = tmp_path / "base.json", tmp_path / "head.json"
    base_path.write_text(json.dumps({"papers": papers}), "utf-8")
    head_path.write_text(json.dumps({"papers": head}), "utf-8")
    return base_path, head_path


def offline_site(folder: Path, slugs: list[str]) -> Path:
    (folder / "papers").mkdir(parents=True)
    (folder / "index.html").write_text("<p>home</p>", "utf-8")
    for slug in slugs:
        (folder / "papers" / f"{slug}.html").write_text(f"<p>{slug}</p>", "utf-8")
    return folder


def test_changed_slugs_are_new_and_altered_papers(tmp_path: Path, demo_docs: Path):
    base, head = exports(tmp_path, demo_docs)
    papers = json.loads(head.read_text("utf-8"))["papers"]
    assert changed_slugs(base, head) == {papers[3]["slug"], "a-new-paper-123abc"}


def test_a_small_list_previews_the_whole_site(tmp_path: Path, demo_docs: Path):
    base, head = exports(tmp_path, demo_docs)
    slugs = [p["slug"] for p in json.loads(head.read_text("utf-8"))["papers"]]
    result = make_preview(offline_site(tmp_path / "site", slugs), base, head, tmp_path / "preview")
    assert (result.papers, result.kept) == (34, 34)


def test_a_large_list_previews_only_the_changed_papers(tmp_path: Path, monkeypatch, demo_docs: Path):
    monkeypatch.setattr(generator.exports, "LARGE_LIST", 20)
    base, head = exports(tmp_path, demo_docs)
    slugs = [p["slug"] for p in json.loads(head.read_text("utf-8"))["papers"]]
    result = make_preview(offline_site(tmp_path / "site", slugs), base, head, tmp_path / "preview")
    assert (result.papers, result.kept) == (34, 2)
    assert sorted(p.name for p in (tmp_path / "preview" / "papers").iterdir()) == sorted(f"{s}.html" for s in (slugs[3], "a-new-paper-123abc"))
    assert (tmp_path / "preview" / "index.html").is_file()
