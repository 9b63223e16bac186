"""An incremental build equals a build from nothing, after any edits of any input: records
in every reader's format, every field of a catalog entry, the taxonomy and duplicates.yml.

The project holds the demo seeds and the files of tests/data/formats (BibTeX, CSL-JSON, an
arXiv API response, an arXiv RSS feed, a CSV and a Markdown list). After each edit, a build
that keeps the last build's state (on disk, or in memory as under `./dev serve`) must write
what a build with no cache writes into a copy of the same docs folder. Large changes are
let through the incremental path here (`LARGE_CHANGE`), so every edit exercises it."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import Options, build
from generator.incremental import sessions
from support import DEMO, ROOT, SEEDS

FORMATS = ROOT / "tests" / "data" / "formats"
ABSTRACTS = [
    "We study reward hacking in reinforcement learning agents trained on proxy objectives, and show how it grows with capability.",
    "Large language models can be steered by activation additions; we measure how reliably the steering transfers across tasks.",
    "We introduce a benchmark of deceptive behaviour in dialogue agents and evaluate ten models, finding deception rises with scale.",
]
EDITS = ("abstract-lines", "bibtex", "csl-json", "feed", "rss", "table", "links", "catalog", "taxonomy", "duplicates")


def tree(docs: Path) -> dict[str, bytes]:
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*") if p.is_file()}


def project_of(folder: Path) -> Path:
    shutil.copytree(SEEDS, folder / "seeds")
    for path in FORMATS.iterdir():
        shutil.copy(path, folder / "seeds" / path.name)
    for name in ("catalog.yml", "taxonomy.yml", "duplicates.yml"):
        shutil.copy(DEMO / name, folder / name)
    return folder


def options(project: Path, docs: Path, cache: Path | None, warm: bool = False) -> Options:
    return Options(project / "seeds", docs, project / "catalog.yml", project / "taxonomy.yml", project / "duplicates.yml", cache=cache, warm=warm)


def words_of(project: Path, rng: random.Random) -> str:
    """A phrase of eight words from one of the seeds' English abstracts."""
    lines = [line for path in sorted((project / "seeds").glob("00[0-2]_*.txt")) for line in path.read_text("utf-8").splitlines()]
    words = rng.choice([line for line in lines if len(line.split()) > 20]).split()[5:]
    start = rng.randrange(len(words) - 8)
    return " ".join(words[start : start + 8]).strip(".,;:")


def edit(project: Path, kind: str, rng: random.Random) -> None:
    seeds = project / "seeds"
    if kind == "abstract-lines":
        path = rng.choice(sorted(seeds.glob("00[012]_*.txt")))
        lines = path.read_text("utf-8").splitlines()
        choice = rng.randrange(3)
        if choice == 0:
            lines.append(f"Abstract: {rng.choice(ABSTRACTS)}")
        elif choice == 1 and len(lines) > 1:
            lines.pop(rng.randrange(len(lines)))
        else:
            i = rng.randrange(len(lines))
            words = lines[i].split()
            words[rng.randrange(1, len(words))] = rng.choice(["novel", "robust", "surprising"])
            lines[i] = " ".join(words)
        path.write_text("\n".join(lines) + "\n", "utf-8")
    elif kind == "bibtex":
        path = seeds / "zotero.bib"
        entries = re.split(r"\n(?=@)", path.read_text("utf-8").strip())
        i = rng.randrange(len(entries))
        choice = rng.randrange(3)
        if choice == 0 and len(entries) > 1:
            entries.pop(i)
        elif choice == 1:
            entries[i] = re.sub(r"title = \{", "title = {Revisited: ", entries[i], count=1)
        else:
            entries.append(re.sub(r"^@(\w+)\{([^,]+),", r"@\1{\2_copy,", entries[i], count=1).replace("year = {", "year = {1"))
        path.write_text("\n".join(entries) + "\n", "utf-8")
    elif kind == "csl-json":
        path = seeds / "zotero-csl.json"
        items = json.loads(path.read_text("utf-8"))
        i = rng.randrange(len(items))
        choice = rng.randrange(3)
        if choice == 0 and len(items) > 1:
            items.pop(i)
        elif choice == 1:
            items[i]["title"] = "On " + items[i].get("title", "a paper")
        else:
            items.append({**items[i], "id": items[i].get("id", "x") + "-copy", "abstract": rng.choice(ABSTRACTS)})
        path.write_text(json.dumps(items, ensure_ascii=False, indent=2), "utf-8")
    elif kind in ("feed", "rss"):
        path = seeds / ("arxiv-api.xml" if kind == "feed" else "arxiv-rss.xml")
        tag = "entry" if kind == "feed" else "item"
        text = path.read_text("utf-8")
        blocks = list(re.finditer(rf"<{tag}>.*?</{tag}>\s*", text, re.S))
        block = rng.choice(blocks)
        if rng.randrange(2) and len(blocks) > 1:
            text = text[: block.start()] + text[block.end():]
        else:
            changed = re.sub(r"<title>", "<title>Revisited: ", block[0], count=1)
            text = text[: block.start()] + changed + text[block.end():]
        path.write_text(text, "utf-8")
    elif kind == "table":
        path = seeds / "reading-list.csv"
        rows = list(csv.reader(io.StringIO(path.read_text("utf-8"))))
        i = rng.randrange(1, len(rows))
        if rng.randrange(2) and len(rows) > 2:
            rows.pop(i)
        else:
            rows[i][0] = "Revisited: " + rows[i][0]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), "utf-8")
    elif kind == "links":
        path = seeds / "papers.md"
        lines = path.read_text("utf-8").splitlines()
        if rng.randrange(2):
            lines.append(f"- [A paper added to the list](https://arxiv.org/abs/2402.{rng.randrange(10000, 99999)})")
        else:
            linked = [i for i, line in enumerate(lines) if "arxiv" in line.lower() or "doi" in line.lower()]
            lines.pop(rng.choice(linked))
        path.write_text("\n".join(lines) + "\n", "utf-8")
    elif kind == "catalog":
        path = project / "catalog.yml"
        data = yaml.safe_load(path.read_text("utf-8"))
        entries = data["papers"]
        entry = rng.choice(entries)
        field = rng.choice(["title", "authors", "year", "notes", "topics", "url", "doi", "source", "drop", "add"])
        if field == "title":
            entry["title"] = "Revisited: " + entry.get("title", "a paper")
        elif field == "authors":
            entry["authors"] = [*entry.get("authors", [])[:2], "Added Author"]
        elif field == "year":
            entry["year"] = str(2000 + rng.randrange(25))
        elif field == "notes":
            entry["notes"] = "A note added in an edit."
        elif field == "topics":
            entry["topics"] = [rng.choice(["rlhf", "deception", "interpretability", "evaluations"])]
        elif field == "url":
            entry["url"] = "https://example.org/paper"
        elif field == "doi":
            entry["doi"] = f"10.1234/edit.{rng.randrange(1000)}"
        elif field == "source":  # a record named by file and line, in place of a phrase
            name = rng.choice(sorted(p.name for p in (project / "seeds").glob("00[0-4]_*.txt")))
            entries.append({"source": f"{name}:{rng.randrange(1, 12)}", "title": "A paper named by its record"})
        elif field == "drop" and len(entries) > 1:
            entries.remove(entry)
        else:
            entries.append({"match": words_of(project, rng), "title": "A paper described in an edit"})
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    elif kind == "taxonomy":
        path = project / "taxonomy.yml"
        data = yaml.safe_load(path.read_text("utf-8"))
        topic = rng.choice(data["topics"])
        choice = rng.randrange(3)
        if choice == 0:
            terms = topic.setdefault("terms", {"en": []})  # "Other" has none
            (terms["en"] if isinstance(terms, dict) else terms).append(rng.choice(["language model", "safety", "agents"]))
        elif choice == 1:
            topic["name"] = "Renamed: " + topic["name"]
        else:
            data["topics"].insert(0, {"name": "Added topic", "slug": f"added-{rng.randrange(100)}", "terms": {"en": ["model"]}})
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    elif kind == "duplicates":
        path = project / "duplicates.yml"
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        data.setdefault(rng.choice(["same", "different"]), []).append([words_of(project, rng), words_of(project, rng)])
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.mark.parametrize("in_memory", [False, True], ids=["state on disk", "state kept in memory (./dev serve)"])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(EDITS), min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_builds_with_the_state_equal_builds_from_nothing_after_any_edits(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, in_memory: bool, edits: list[str], rng: random.Random
):
    monkeypatch.setattr(sessions, "LARGE_CHANGE", float("inf"))
    project = project_of(tmp_path_factory.mktemp("edits"))
    cache = project / "cache"
    assert build(options(project, project / "docs", cache, in_memory)).full
    for kind in edits:
        edit(project, kind, rng)
        cold = project / "cold"
        shutil.copytree(project / "docs", cold)  # the same previous build: redirects depend on it
        assert build(options(project, cold, None)).full
        updated = build(options(project, project / "docs", cache, in_memory))
        if kind not in ("catalog", "taxonomy", "duplicates"):  # a changed curated file starts the state from nothing
            assert not updated.full, kind
        assert tree(project / "docs") == tree(cold), kind
        shutil.rmtree(cold)
