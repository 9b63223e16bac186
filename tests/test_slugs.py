"""URLs that do not move: slugs depend only on the paper; a changed URL leaves a redirect."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.dedupe import cluster_duplicates
from generator.model import Record, Source
from generator.papers import make_papers
from support import DEMO, ROOT, SEEDS, generate, make_project, mkdocs_build, parse_html

WORDS = [f"w{i}" for i in range(3000)]
TITLES = ["Scaling Laws", "Reward Hacking", "Sleeper Agents", None]
"""Few titles, so papers share titles (and title slugs) all the time."""


def record(seed: int, file: str, line: int) -> Record:
    rng = random.Random(seed)
    text = " ".join(rng.choice(WORDS) for _ in range(40)) + "."
    return Record(Source(file, line, "listing"), text, "en", title=TITLES[seed % len(TITLES)])


def slugs(records: list[Record]) -> dict[str, str]:
    """abstract -> slug of the paper that holds it."""
    clusters, _ = cluster_duplicates(records)
    return {m.record.abstract: paper.slug for paper in make_papers(clusters, {}) for m in paper.cluster.members}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(st.integers(0, 10_000), min_size=1, max_size=25), st.sets(st.integers(0, 10_000), max_size=25), st.randoms())
def test_adding_or_reordering_papers_never_changes_a_slug(existing: set[int], added: set[int], rng: random.Random):
    before = [record(seed, "a.txt", n) for n, seed in enumerate(sorted(existing), 1)]
    after = before + [record(seed, "b.txt", n) for n, seed in enumerate(sorted(added - existing), 1)]
    rng.shuffle(after)
    old, new = slugs(before), slugs(after)
    assert all(new[abstract] == slug for abstract, slug in old.items())
    assert len(set(new.values())) == len(new)  # unique, however many titles are shared


def test_seed_slugs_are_readable_and_carry_the_identity():
    data = json.loads((ROOT / "docs/papers.json").read_text("utf-8"))
    sleeper = next(p for p in data["papers"] if p["arxiv"] == "2401.05566")
    assert sleeper["slug"] == "sleeper-agents-training-deceptive-llms-that-persist-through-accc7f"


def retitle(catalog: str, old: str, new: str) -> str:
    assert f'title: "{old}"' in catalog
    return catalog.replace(f'title: "{old}"', f'title: "{new}"', 1)


def test_a_changed_title_leaves_a_redirect_at_the_old_url(tmp_path: Path):
    project = make_project(tmp_path / "project")
    docs = project / "docs"
    old = next(docs.glob("papers/sleeper-agents-*.md")).stem
    catalog = tmp_path / "catalog.yml"
    text = (DEMO / "catalog.yml").read_text("utf-8")
    catalog.write_text(retitle(text, "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training", "Sleeper Agents"), "utf-8")
    assert generate(SEEDS, docs, "--catalog", str(catalog)).returncode == 0
    new = next(p.stem for p in docs.glob("papers/sleeper-agents-*.md") if p.stem != old)
    assert new == "sleeper-agents-accc7f"  # same identity, new title
    moved = json.loads((docs / ".generated.json").read_text("utf-8"))["moved"]
    assert moved == {old: new}

    # A second change: the first old URL now leads to the newest page, and so does the second.
    catalog.write_text(retitle(text, "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training", "Sleeper Agents Persist"), "utf-8")
    assert generate(SEEDS, docs, "--catalog", str(catalog)).returncode == 0
    moved = json.loads((docs / ".generated.json").read_text("utf-8"))["moved"]
    assert moved == {old: "sleeper-agents-persist-accc7f", new: "sleeper-agents-persist-accc7f"}

    # Back to the first title: its URL is a page again, and no longer a redirect.
    catalog.write_text(text, "utf-8")
    assert generate(SEEDS, docs, "--catalog", str(catalog)).returncode == 0
    moved = json.loads((docs / ".generated.json").read_text("utf-8"))["moved"]
    assert moved == {"sleeper-agents-accc7f": old, "sleeper-agents-persist-accc7f": old}

    shutil.copy(catalog, project / "catalog.yml")
    for flavour, env, page, target in (
        ("site", {}, f"papers/{new}/index.html", f'content="0; url=../{old}/"'),
        ("site-offline", {"OFFLINE": "true"}, f"papers/{new}.html", f'content="0; url={old}.html"'),
    ):
        result = mkdocs_build(project, "--site-dir", str(project / flavour), env=env)
        assert result.returncode == 0, result.stderr
        tree = parse_html(project / flavour / page)
        refresh = next(m.get("content") for m in tree.iter("meta") if m.get("http-equiv") == "refresh")
        canonical = next(link.get("href") for link in tree.iter("link") if link.get("rel") == "canonical")
        assert f'content="{refresh}"' == target and target.endswith(f'{canonical}"')
        assert any(m.get("content") == "noindex" for m in tree.iter("meta"))
