"""The pull-request preview: the offline build, light enough to upload for every pull request.

Up to `exports.LARGE_LIST` papers, the preview is the whole offline build. Past that, a copy
per pull request would not fit anywhere (70,000 papers make a 950 MB site), so the preview
keeps every page that is not a paper's, and of the papers' pages only those the pull request
adds or changes (a new title, a merge, a new source): what a reviewer opens. Links to the
pages left out do not open in the preview; the comment on the pull request lists the changes.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .exports import large
from .writer import read_papers_export


@dataclass(frozen=True)
class Preview:
    papers: int
    kept: int
    """Paper pages in the preview (all of them for a small list)."""
    bytes: int


def changed_slugs(base: Path, head: Path) -> set[str]:
    """Papers of `head` that `base` has not, or has with any field different."""
    before = {str(p["slug"]): p for p in read_papers_export(base)}
    return {str(p["slug"]) for p in read_papers_export(head) if before.get(str(p["slug"])) != p}


def make_preview(site: Path, base: Path, head: Path, out: Path) -> Preview:
    """Copy the offline build `site` into `out`, leaving out unchanged papers' pages when the
    list is large."""
    papers = len(read_papers_export(head))
    keep = changed_slugs(base, head) if large(papers) else None
    shutil.rmtree(out, ignore_errors=True)

    def ignore(folder: str, names: list[str]) -> set[str]:
        if keep is None or Path(folder).resolve() != (site / "papers").resolve():
            return set()
        return {name for name in names if name.removesuffix(".html") not in keep}  # papers/x.html or papers/x/

    shutil.copytree(site, out, ignore=ignore)
    kept = sum(1 for _ in (out / "papers").iterdir()) if (out / "papers").is_dir() else 0
    return Preview(papers, kept, sum(p.stat().st_size for p in out.rglob("*") if p.is_file()))
