"""What a change to the seeds did to the list: papers added, removed and merged.

Compares two `papers.json` exports (main and a pull request). Papers are matched through
their source records (file and line), so a paper whose title changed is not 'added'.
"""

from __future__ import annotations

import json
from pathlib import Path


class ChangesError(ValueError):
    """An export that cannot be compared: missing, unreadable, or not a papers.json."""


def _load(path: Path) -> dict[str, dict[str, object]]:
    from .writer import read_papers_export

    try:
        papers = read_papers_export(path)
        return {paper["slug"]: {**paper, "sources": list(paper["sources"])} for paper in papers}
    except FileNotFoundError:
        raise ChangesError(f"{path}: file not found") from None
    except OSError as error:  # a directory, no permission, a broken .gz
        raise ChangesError(f"{path}: cannot read it ({error.strerror or error})") from None
    except (UnicodeDecodeError, EOFError):
        raise ChangesError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise ChangesError(f"{path}:{error.lineno}:{error.colno}: not JSON: {error.msg}") from None
    except (KeyError, TypeError) as error:
        raise ChangesError(f"{path}: not a papers.json export (no {error} field where one was expected)") from None


def _sources(paper: dict[str, object]) -> set[tuple[str, int]]:
    return {(s["file"], s["line"]) for s in paper["sources"]}  # type: ignore[index, union-attr]


def describe_changes(base: Path, head: Path) -> str:
    """A Markdown summary for a pull-request comment."""
    old, new = _load(base), _load(head)
    owner = {source: slug for slug, paper in old.items() for source in _sources(paper)}
    seen_old: set[str] = set()
    added, merged, grown = [], [], []
    for slug, paper in sorted(new.items()):
        before = sorted({owner[s] for s in _sources(paper) if s in owner})
        seen_old.update(before)
        if not before:
            added.append(paper)
        elif len(before) > 1:
            merged.append((paper, before))
        elif len(_sources(paper)) > len(_sources(old[before[0]])):
            grown.append(paper)
    removed = [old[slug] for slug in sorted(set(old) - seen_old)]
    lines = [
        f"**Reading list:** {len(old)} → {len(new)} papers: "
        f"{len(added)} added, {len(removed)} removed, {len(merged)} merged, {len(grown)} with new duplicates.",
        "",
    ]
    for title, items in (("Added", added), ("Removed", removed)):
        if items:
            lines.append(f"{title}:")
            lines += [f"- {p['title']} (`{p['slug']}`)" for p in items[:50]]
            lines += [f"- … and {len(items) - 50} more"] if len(items) > 50 else []
            lines.append("")
    if merged:
        lines.append("Merged:")
        lines += [f"- {p['title']} ← " + ", ".join(f"`{s}`" for s in before) for p, before in merged[:50]]
        lines.append("")
    if grown:
        lines.append("New duplicates found for:")
        lines += [f"- {p['title']}" for p in grown[:50]]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
