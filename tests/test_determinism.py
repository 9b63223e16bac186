"""Determinism: the same seeds give the same pages, whatever order files and records come in."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import generator.build as build_module
from generator.build import Options, build
from support import CORPUS, DEMO, SEEDS, corpus_seeds, generate


def options(seeds: Path, docs: Path) -> Options:
    return Options(seeds, docs, DEMO / "catalog.yml", DEMO / "taxonomy.yml", DEMO / "duplicates.yml", force=True)


def tree(docs: Path) -> dict[str, bytes]:
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    docs = tmp_path_factory.mktemp("reference") / "docs"
    build(options(SEEDS, docs))
    return tree(docs)


SORTED_SEED_FILES = build_module.list_seed_files


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.permutations(range(5)))
def test_reading_files_in_any_order_gives_identical_docs(reference, tmp_path_factory, monkeypatch, order: list[int]):
    def shuffled(seeds: Path) -> list[Path]:
        files = SORTED_SEED_FILES(seeds)
        return [files[i] for i in order]

    monkeypatch.setattr(build_module, "list_seed_files", shuffled)
    docs = tmp_path_factory.mktemp("shuffled") / "docs"
    build(options(SEEDS, docs))
    assert tree(docs) == reference


def papers_by_content(docs: Path) -> set[tuple[str, tuple[str, ...]]]:
    import json

    data = json.loads((docs / "papers.json").read_text("utf-8"))
    return {(p["title"], tuple(sorted(s.get("abstract", p["abstract"]) for s in p["sources"]))) for p in data["papers"]}


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=2**32))
def test_shuffling_records_within_files_gives_the_same_papers(reference, tmp_path_factory, seed: int):
    rng = random.Random(seed)
    root = tmp_path_factory.mktemp("records")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
    for path in seeds.glob("00[012]_*.txt"):  # one abstract a line: any order is valid
        lines = path.read_text("utf-8").splitlines()
        rng.shuffle(lines)
        path.write_text("\n".join(lines) + "\n", "utf-8")
    build(options(seeds, root / "docs"))
    reference_docs = root / "reference"
    reference_docs.mkdir()
    for name, data in reference.items():
        (reference_docs / name).parent.mkdir(parents=True, exist_ok=True)
        (reference_docs / name).write_bytes(data)
    assert papers_by_content(root / "docs") == papers_by_content(reference_docs)


@pytest.mark.skipif(not CORPUS.exists(), reason="needs ../shared/corpora")
def test_worker_processes_give_the_same_docs_as_one_process(tmp_path: Path):
    """Past 4 MB of seeds, 2,000 texts and 1,000 papers, reading, per-text features and
    rendering run in worker processes (`incremental.processes`), and topic scores and
    documents are made ahead: the pages are the same bytes as with $READING_LIST_WORKERS=1,
    and the next run takes every result from the cache."""
    seeds = corpus_seeds(tmp_path / "seeds", 4000)
    for seed in SEEDS.iterdir():
        shutil.copy(seed, seeds / seed.name)
    assert sum(f.stat().st_size for f in seeds.iterdir()) > 4_000_000
    trees = []
    for workers in ("1", "2"):
        docs = tmp_path / f"docs{workers}"
        result = generate(seeds, docs, "--cache", str(tmp_path / f"cache{workers}"), env={"READING_LIST_WORKERS": workers})
        assert result.returncode == 0, result.stderr
        trees.append(tree(docs))
    assert len(trees[0]) > 2000 and trees[0] == trees[1]
    assert b"encoder cosine" in trees[0]["duplicates.md"]  # translations matched
    again = generate(seeds, tmp_path / "docs-again", "--cache", str(tmp_path / "cache2"), env={"READING_LIST_WORKERS": "2"})
    assert again.returncode == 0 and " 0 computed" in again.stdout, again.stdout
    assert tree(tmp_path / "docs-again") == trees[1]
