"""The cache changes nothing but the time: after any sequence of edits, a build that reuses
the cache writes exactly what a cold build writes."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import Options, build
from generator.writer import WriteError
from support import DEMO, ROOT, SEEDS

NEW_ABSTRACTS = [
    "We study reward hacking in reinforcement learning agents trained on proxy objectives, and show how it grows with capability.",
    "Large language models can be steered by activation additions; we measure how reliably the steering transfers across tasks.",
    "We introduce a benchmark of deceptive behaviour in dialogue agents and evaluate ten models, finding deception rises with scale.",
    "Humans are capable of strategically deceptive behavior: behaving helpfully in most situations, but differently when given the chance.",
]
EDITS = ("append", "drop", "reword", "title", "rename")


def tree(docs: Path) -> dict[str, bytes]:
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*") if p.is_file()}


def edit(project: Path, kind: str, rng: random.Random) -> None:
    seeds = sorted((project / "seeds").glob("00[012]_*.txt"))  # `Abstract:` files: any line may go
    path = rng.choice(seeds)
    lines = path.read_text("utf-8").splitlines()
    if kind == "append":
        lines.append(f"Abstract: {rng.choice(NEW_ABSTRACTS)}")
    elif kind == "drop" and len(lines) > 1:
        lines.pop(rng.randrange(len(lines)))
    elif kind == "reword":
        i = rng.randrange(len(lines))
        words = lines[i].split()
        words[rng.randrange(1, len(words))] = rng.choice(["novel", "robust", "surprising"])
        lines[i] = " ".join(words)
    elif kind == "title":
        catalog = project / "catalog.yml"
        text = catalog.read_text("utf-8")
        catalog.write_text(text.replace('title: "', f'title: "{rng.choice(["Revisited: ", "On "])}', 1), "utf-8")
        return
    elif kind == "rename":
        path.rename(path.with_name(f"9{path.name}"))
        return
    path.write_text("\n".join(lines) + "\n", "utf-8")


def seeds_project(project: Path) -> Path:
    """A project folder with the seeds and the catalog, to edit."""
    shutil.copytree(SEEDS, project / "seeds")
    shutil.copy(DEMO / "catalog.yml", project / "catalog.yml")
    return project


def options(project: Path, docs: Path, cache: Path | None, warm: bool = False) -> Options:
    return Options(project / "seeds", docs, project / "catalog.yml", DEMO / "taxonomy.yml", DEMO / "duplicates.yml", cache=cache, warm=warm)


@pytest.mark.parametrize("in_memory", [False, True], ids=["cache on disk", "cache kept in memory (./dev serve)"])
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(EDITS), min_size=1, max_size=3), st.randoms(use_true_random=False))
def test_builds_with_the_cache_equal_cold_builds_after_any_edits(
    tmp_path_factory: pytest.TempPathFactory, in_memory: bool, edits: list[str], rng: random.Random
):
    project = seeds_project(tmp_path_factory.mktemp("edits"))
    cache = project / "cache"
    build(options(project, project / "docs", cache, in_memory))
    for kind in edits:
        edit(project, kind, rng)
        cold = project / f"cold-{kind}"
        shutil.copytree(project / "docs", cold)  # the same previous build: redirects depend on it
        assert build(options(project, cold, None)).reused == 0
        warm = build(options(project, project / "docs", cache, in_memory))
        assert warm.cached or warm.reused > warm.computed, (kind, warm.reused, warm.computed)  # the cache did the work
        assert tree(project / "docs") == tree(cold), kind
        shutil.rmtree(cold)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(EDITS), min_size=1, max_size=3), st.randoms(use_true_random=False))
def test_compressed_exports_made_by_blocks_after_edits_equal_cold_builds(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, edits: list[str], rng: random.Random
):
    """Past exports.LARGE_LIST papers, papers.json and papers.bib are gzip members of blocks,
    each made from its papers only when not cached (in forked workers when there are many):
    here 34 papers in blocks of about 2, so an edit remakes a few, and a cold build many."""
    import generator.exports

    monkeypatch.setattr(generator.exports, "LARGE_LIST", 20)
    monkeypatch.setattr(generator.exports, "GZIP_BLOCK", 2)
    monkeypatch.setenv("READING_LIST_WORKERS", "2")
    project = seeds_project(tmp_path_factory.mktemp("edits"))
    cache = project / "cache"
    build(options(project, project / "docs", cache))
    assert (project / "docs" / "papers.json.gz").is_file()
    for kind in edits:
        edit(project, kind, rng)
        cold = project / f"cold-{kind}"
        shutil.copytree(project / "docs", cold)
        build(options(project, cold, None))
        build(options(project, project / "docs", cache))
        assert tree(project / "docs") == tree(cold), kind
        shutil.rmtree(cold)


@pytest.mark.parametrize("in_memory", [False, True], ids=["cache on disk", "cache kept in memory (./dev serve)"])
def test_a_page_the_cache_knows_by_its_digest_is_made_again_when_its_file_is_gone_or_changed(tmp_path: Path, in_memory: bool):
    """The cache keeps a paper page's digest and size, not its text (`writer.KnownPage`)."""
    project = seeds_project(tmp_path / "project")
    docs, cache = project / "docs", project / "cache"
    build(options(project, docs, cache, in_memory))
    before = tree(docs)
    edit(project, "append", random.Random(1))
    cold = tmp_path / "cold"
    build(options(project, cold, None))
    after = tree(cold)
    # Pages the edit leaves alone: the next build takes them from the cache.
    kept = [name for name in sorted(before) if name.startswith("papers/") and before[name] == after.get(name)]
    gone, changed, same_size = (docs / name for name in kept[:3])
    gone.unlink()
    text = same_size.read_text("utf-8")
    same_size.write_text(text.replace("abstract", "ABSTRACT", 1), "utf-8")  # unnoticed without --force
    assert "abstract" in text
    warm = build(options(project, docs, cache, in_memory))
    assert warm.reused > warm.computed
    assert gone.read_bytes() == (cold / "papers" / gone.name).read_bytes()
    assert same_size.read_bytes() != (cold / "papers" / same_size.name).read_bytes()
    edited = changed.read_text("utf-8") + "a hand edit\n"
    changed.write_text(edited, "utf-8")
    edit(project, "append", random.Random(2))
    with pytest.raises(WriteError, match="changed by hand"):  # a hand edit is not lost
        build(options(project, docs, cache, in_memory))
    assert changed.read_text("utf-8") == edited
    build(Options(project / "seeds", docs, project / "catalog.yml", DEMO / "taxonomy.yml", DEMO / "duplicates.yml", force=True, cache=cache))
    build(Options(project / "seeds", cold, project / "catalog.yml", DEMO / "taxonomy.yml", DEMO / "duplicates.yml", force=True))
    assert tree(docs) == tree(cold)


def test_a_damaged_cache_is_rebuilt_not_trusted(tmp_path: Path):
    cache = tmp_path / "cache"
    reference = build(options(ROOT, tmp_path / "reference", None))
    build(options(ROOT, tmp_path / "first", cache))
    database = cache / "cache.sqlite3"
    data = bytearray(database.read_bytes())
    data[100:4196] = b"\xff" * 4096  # the page after the header: the schema
    database.write_bytes(bytes(data))
    build(Options(DEMO / "seeds", tmp_path / "second", DEMO / "catalog.yml", DEMO / "taxonomy.yml", DEMO / "duplicates.yml", force=True, cache=cache))
    assert tree(tmp_path / "second") == tree(tmp_path / "reference")
    assert reference.papers == 33
    with sqlite3.connect(database) as db:  # rebuilt, and filled again
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] > 30


def test_an_entry_from_another_code_version_is_dropped(tmp_path: Path):
    cache = tmp_path / "cache"
    build(options(ROOT, tmp_path / "first", cache))
    with sqlite3.connect(cache / "cache.sqlite3") as db:
        db.execute("UPDATE meta SET value = 'an-older-version' WHERE name = 'version'")
        db.execute("UPDATE results SET value = ?", (b"not a pickle",))
    build(Options(DEMO / "seeds", tmp_path / "second", DEMO / "catalog.yml", DEMO / "taxonomy.yml", DEMO / "duplicates.yml", force=True, cache=cache))
    assert tree(tmp_path / "second") == tree(tmp_path / "first")


def test_an_added_paper_changes_one_block_of_a_compressed_export():
    """Large exports are gzip members of blocks cut by the papers' slugs: adding a paper
    anywhere changes the block it lands in (and the next, after a run of 1,024 papers with
    no cut), so the others come from the cache. Cut by count, every block after it changed."""
    import gzip

    from generator.exports import block_cuts, compressed
    from generator.work import Work

    slugs = [f"paper-{i * 7919 % 10007:05d}" for i in range(6000)]

    def blocks(slugs: list[str]) -> set[tuple[str, ...]]:
        return {tuple(slugs[start:end]) for start, end in block_cuts(slugs)}

    before = blocks(slugs)
    for position in (0, 1234, 3000, 5999):
        after = blocks(slugs[:position] + ["an-added-paper"] + slugs[position:])
        assert 1 <= len(after - before) <= 2 and len(before - after) == len(after - before), position
    assert 6000 / 256 / 2 < len(before) < 6000 / 256 * 2
    lines = [f'{{"slug": "{slug}"}}' for slug in slugs]
    made = compressed("json", block_cuts(slugs), "[\n", "\n]\n", ",\n", lambda start, end: lines[start:end], lambda start, end: slugs[start:end], Work())
    assert gzip.decompress(made).decode("utf-8") == "[\n" + ",\n".join(lines) + "\n]\n"


def test_a_cache_kept_in_memory_reads_nothing_back_from_disk(tmp_path: Path):
    """./dev serve keeps the cache's results in memory between rebuilds: with the cache file
    gone, an edit still reuses them (a cache on disk only would compute everything again)."""
    project = seeds_project(tmp_path / "project")
    for in_memory in (True, False):
        cache = tmp_path / f"cache-{in_memory}"
        build(options(project, tmp_path / f"docs-{in_memory}", cache, in_memory))
        (cache / "cache.sqlite3").unlink()
        with (project / "seeds" / "new.txt").open("a", encoding="utf-8") as file:
            file.write(f"Abstract: {NEW_ABSTRACTS[0]}\n")
        again = build(options(project, tmp_path / f"docs-{in_memory}", cache, in_memory))
        if in_memory:
            assert again.reused > 3 * again.computed, (again.reused, again.computed)
        else:
            assert again.reused == 0


def test_a_preloaded_cache_serves_the_first_edit_from_memory(tmp_path: Path):
    """./dev serve reads the cache into memory while it waits for the first edit
    (`cache.preload`): that edit reads nothing back from disk, and its pages are a cold
    build's."""
    from generator.incremental import cache as results

    project = seeds_project(tmp_path / "project")
    cache = tmp_path / "cache"
    build(options(project, project / "docs", cache))
    with sqlite3.connect(cache / "cache.sqlite3") as db:
        stored = db.execute("SELECT count(*) FROM results").fetchone()[0]
    results.preload(cache)
    assert len(results.open_cache(cache, warm=True).loaded) == stored > 30  # it waits for the preload
    (cache / "cache.sqlite3").unlink()
    with (project / "seeds" / "new.txt").open("a", encoding="utf-8") as file:
        file.write(f"Abstract: {NEW_ABSTRACTS[0]}\n")
    cold = tmp_path / "cold"
    shutil.copytree(project / "docs", cold)
    build(options(project, cold, None))
    again = build(options(project, project / "docs", cache, warm=True))
    assert again.reused > 3 * again.computed, (again.reused, again.computed)
    assert tree(project / "docs") == tree(cold)


def test_evolve_is_dataclasses_replace():
    """Stages change papers with `model.evolve`, a faster `dataclasses.replace`."""
    from dataclasses import replace

    from generator.build import read_seeds
    from generator.dedupe import cluster_duplicates
    from generator.model import Related, evolve
    from generator.papers import make_papers

    records, _, _ = read_seeds(SEEDS)
    papers = make_papers(cluster_duplicates(records)[0], {})
    changes = {"slug": "x", "topics": ("agents",), "related": (Related("y", "Y", 0.5),)}
    for paper in papers:
        assert evolve(paper, **changes) == replace(paper, **changes)
        assert evolve(paper, slug="x").related == paper.related
    with pytest.raises(TypeError, match="no field 'colour'"):
        evolve(papers[0], colour="red")


@pytest.mark.parametrize("in_memory", [False, True], ids=["cache on disk", "cache kept in memory (./dev serve)"])
def test_the_cache_stays_bounded(tmp_path: Path, in_memory: bool, monkeypatch: pytest.MonkeyPatch):
    """An edit asks the cache only for what it changed and keeps the rest, so the cache
    grows; once it holds state.GROWTH times what the last build from nothing kept, the next
    build starts from nothing and keeps only what it used: what one build of the final
    seeds stores (but for the term sets that build made only to make papers' vectors for
    related papers, `document`, which a later build takes whole)."""
    from generator.incremental import state

    project = seeds_project(tmp_path / "project")
    cache = tmp_path / "cache"
    assert build(options(project, project / "docs", cache, in_memory)).full
    for text in NEW_ABSTRACTS[:2]:
        (project / "seeds" / "new.txt").write_text(f"Abstract: {text}\n", "utf-8")  # each replaces the one before
        assert not build(options(project, project / "docs", cache, in_memory)).full
    grown = entries(cache)
    monkeypatch.setattr(state, "GROWTH", 1.0)
    (project / "seeds" / "new.txt").unlink()
    assert build(options(project, project / "docs", cache, in_memory)).full
    build(options(project, tmp_path / "fresh-docs", tmp_path / "fresh"))
    kept, fresh = entries(cache), entries(tmp_path / "fresh")
    assert len(kept) < len(grown)
    assert kept <= fresh
    assert {entry for entry in fresh if entry[0] != "terms"} <= kept


def entries(folder: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(folder / "cache.sqlite3") as db:
        return set(db.execute("SELECT kind, key FROM results"))


def test_citation_keys_are_numbered_again_after_papers_were_rendered_again_and_one_went(tmp_path: Path):
    """Papers with the same citation base (`anongaussian`: no author, no year, the same first
    long title word) are numbered a, b, c... An edit that only changes their related papers
    renders them again; a later edit that removes one must number the rest as a cold build
    does (once, the render stage lost such papers from its citation index)."""
    project = tmp_path / "project"
    (project / "seeds").mkdir(parents=True)
    shutil.copy(DEMO / "catalog.yml", project / "catalog.yml")
    topics = ["splatting for novel view synthesis of large outdoor scenes under changing light",
              "processes as priors for uncertainty in learned reward models",
              "mixtures for clustering the internal activations of large language models",  # anongaussiana
              "splatting for animating dynamic human avatars from monocular video"]
    for n, topic in enumerate(topics):
        (project / "seeds" / f"00{n}_gaussian.txt").write_text(
            f"Abstract: Gaussian {topic}. We describe the approach in detail and report results on standard tasks.\n", "utf-8")
    cache = project / "cache"
    build(options(project, project / "docs", cache))
    assert "@misc{anongaussiand," in "".join(p.read_text("utf-8") for p in (project / "docs" / "papers").glob("*.md"))
    steps = [
        lambda: (project / "seeds" / "004_related.txt").write_text(
            "Abstract: Splatting scenes and avatars with Gaussian primitives: we evaluate view synthesis on outdoor scenes and human video.\n", "utf-8"),
        lambda: (project / "seeds" / "002_gaussian.txt").unlink(),  # b, c, d become a, b, c
    ]
    for step in steps:
        step()
        cold = tmp_path / "cold"
        shutil.copytree(project / "docs", cold)
        build(options(project, cold, None))
        build(options(project, project / "docs", cache))
        assert tree(project / "docs") == tree(cold)
        shutil.rmtree(cold)


def _edit_then_compare(project: Path, tmp_path: Path, cache: Path, full: bool = False) -> None:
    """An added abstract: the build with the cache writes what a cold build writes (from
    the last build's state, or from nothing when `full`)."""
    (project / "seeds" / "new.txt").write_text(f"Abstract: {NEW_ABSTRACTS[0]}\n", "utf-8")
    cold = tmp_path / "cold"
    shutil.copytree(project / "docs", cold)
    build(options(project, cold, None))
    edited = build(options(project, project / "docs", cache))
    assert edited.full == full and edited.reused > edited.computed
    assert tree(project / "docs") == tree(cold)


def test_a_build_from_nothing_while_the_cache_is_open_elsewhere_keeps_a_whole_state(tmp_path: Path):
    """A build from nothing writes a new cache file and swaps it in; while another process
    has the old one open (its write-ahead log), it writes its state into the old file
    instead, whole: the next build updates it."""
    project = seeds_project(tmp_path / "project")
    cache = project / "cache"
    build(options(project, project / "docs", cache))
    (project / "seeds" / "003_other.txt").write_text(f"Abstract: {NEW_ABSTRACTS[2]}\n", "utf-8")
    edit(project, "title", random.Random(0))  # the catalog changed: a build from nothing
    with sqlite3.connect(cache / "cache.sqlite3") as reader:
        reader.execute("SELECT count(*) FROM results").fetchone()
        assert build(options(project, project / "docs", cache)).full
        assert (cache / "cache.sqlite3-wal").exists()
    reader.close()
    _edit_then_compare(project, tmp_path, cache)


def test_work_started_ahead_is_taken_for_the_keys_it_made_and_the_rest_is_made_here():
    from generator.incremental.cache import Cache

    results = Cache(None)
    results.ahead("kind", ["a", "b", "c"], lambda i: ("ahead", os.getpid(), i))
    values = results.compute("kind", ["c", "a", "d"], lambda missing: [("here", os.getpid(), i) for i in missing])
    assert [(where, i) for where, _, i in values] == [("ahead", 2), ("ahead", 0), ("here", 2)]
    assert values[0][1] != os.getpid() and values[2][1] == os.getpid()
    assert results.compute("kind", ["b"], lambda missing: [("here", os.getpid(), i) for i in missing])[0][0] == "here"  # taken once


def test_work_started_ahead_that_fails_is_made_here():
    from generator.incremental.cache import Cache

    results = Cache(None)
    results.ahead("kind", ["a", "b"], lambda i: 1 / 0)
    assert results.compute("kind", ["a", "b"], lambda missing: [f"here {i}" for i in missing]) == ["here 0", "here 1"]


def test_work_started_ahead_and_not_asked_for_is_stopped():
    import time

    from generator.incremental.cache import Cache

    results = Cache(None)
    results.ahead("kind", ["a"], lambda i: time.sleep(60))
    pid = results._ahead["kind"][1].process.pid
    results.cancel_ahead()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_build_that_works_ahead_writes_what_a_build_in_one_process_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Topic scores and related papers' documents started ahead, from the records (the
    catalog gives some papers other titles: those are made when asked for), change nothing."""
    from generator.incremental import cache as caches
    from generator.incremental import sessions

    project = seeds_project(tmp_path / "project")
    monkeypatch.setenv("READING_LIST_WORKERS", "1")
    build(options(project, tmp_path / "one", None))
    monkeypatch.setenv("READING_LIST_WORKERS", "2")
    monkeypatch.setattr(sessions, "AHEAD", 1)
    taken: dict[str, int] = {}
    made_ahead = caches.Cache._made_ahead

    def counted(self: caches.Cache, kind: str, keys: list[str], missing: list[int]) -> dict[int, object]:
        made = made_ahead(self, kind, keys, missing)
        taken[kind] = taken.get(kind, 0) + len(made)
        return made

    monkeypatch.setattr(caches.Cache, "_made_ahead", counted)
    summary = build(options(project, tmp_path / "ahead", tmp_path / "cache"))
    assert {kind for kind, count in taken.items() if count} == {"document", "topics"}
    assert 0 < taken["document"] < summary.papers  # some papers' titles come from the catalog
    assert tree(tmp_path / "ahead") == tree(tmp_path / "one")
