"""A build killed at any moment leaves every file old or new, and the next build repairs all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support import ROOT, generate


def seeds(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"Abstract: Paper {i} studies question {i * 7919 % 10007} with method {i * 104729 % 9973}; {version}." for i in range(2500)]
    (folder / "list.txt").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


def snapshot(docs: Path) -> dict[str, bytes]:
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*") if p.is_file()}


def kill_while_writing(seeds: Path, docs: Path) -> bool:
    """Start a build and SIGKILL it as soon as it has written a page; False if it finished first."""
    start = time.time()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "build", "--seeds", str(seeds), "--docs", str(docs), "--quiet"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    killed = False
    while process.poll() is None and time.time() - start < 120:
        if any(p.stat().st_mtime > start for p in (docs / "papers").glob("*.md")):
            os.kill(process.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.01)
    process.wait()
    return killed


def test_killed_build_leaves_old_or_new_files_and_next_build_repairs(tmp_path: Path):
    docs = tmp_path / "docs"
    assert generate(seeds(tmp_path / "v1", "first version"), docs).returncode == 0
    old = snapshot(docs)
    assert generate(seeds(tmp_path / "v2", "second version"), tmp_path / "reference").returncode == 0
    new = snapshot(tmp_path / "reference")

    assert kill_while_writing(tmp_path / "v2", docs), "the build finished before it could be killed"

    after = snapshot(docs)
    mixed = {"old": 0, "new": 0}
    for name, data in after.items():
        if Path(name).name.startswith("."):
            continue  # the manifest (old until the end) and temporary files (removed next time)
        assert data == old.get(name) or data == new.get(name), f"{name} is neither old nor new"
        mixed["new" if data == new.get(name) and data != old.get(name) else "old"] += 1
    assert mixed["new"] > 0 and mixed["old"] > 0, mixed  # really killed midway

    assert generate(tmp_path / "v2", docs).returncode == 0
    assert snapshot(docs) == new


def test_files_of_a_killed_build_stay_owned_when_the_seeds_change_again(tmp_path: Path):
    """A page written by a killed build, then no longer needed or needed with other text,
    is removed or rewritten by the next build rather than mistaken for a hand-written file."""
    docs = tmp_path / "docs"
    assert generate(seeds(tmp_path / "v1", "first version"), docs).returncode == 0
    kill_while_writing(seeds(tmp_path / "v2", "second version"), docs)
    result = generate(seeds(tmp_path / "v3", "third version"), docs)
    assert result.returncode == 0, result.stderr
    assert generate(tmp_path / "v3", tmp_path / "reference").returncode == 0
    assert snapshot(docs) == snapshot(tmp_path / "reference")


def test_a_generated_page_edited_by_hand_stops_the_build_until_forced(tmp_path: Path):
    """A page the generator wrote and someone edited is not silently replaced: the build
    stops with one line naming it and writes nothing; `--force` puts the generated text back.
    (The writer skips reading pages whose digest and size match what it wrote last time, so
    an edit of the same size is found by `--force` only.)"""
    folder = seeds(tmp_path / "seeds", "v1")
    docs = tmp_path / "docs"
    assert generate(folder, docs).returncode == 0
    page = sorted((docs / "papers").glob("*.md"))[0]
    original = page.read_bytes()
    page.write_bytes(original + b"\nedited by hand\n")
    before = snapshot(docs)
    result = generate(folder, docs)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and str(page) in result.stderr and "changed by hand" in result.stderr
    assert snapshot(docs) == before
    assert generate(folder, docs, "--force").returncode == 0
    assert page.read_bytes() == original
    same_size = original.replace(b"Abstract", b"Abstrakt", 1)
    assert same_size != original and len(same_size) == len(original)
    page.write_bytes(same_size)
    assert generate(folder, docs).returncode == 0 and page.read_bytes() == same_size  # not read: not known
    assert generate(folder, docs, "--force").returncode == 0
    assert page.read_bytes() == original


def test_a_first_build_killed_while_writing_is_repaired_by_the_next(tmp_path: Path):
    """A first build writes its pages in place, not through temporary files (the docs
    folder had none of them): killed meanwhile, it leaves pages the pending list claims,
    the last perhaps cut short, and the next build makes them whole."""
    folder = seeds(tmp_path / "seeds", "v1")
    docs = tmp_path / "docs"
    assert kill_while_writing(folder, docs), "the build finished before it could be killed"
    assert (docs / ".generated.pending.json").exists()
    written = sorted((docs / "papers").glob("*.md"))
    assert written
    cut = written[-1].read_bytes()
    written[-1].write_bytes(cut[: len(cut) // 2])  # as a kill in the middle of its write leaves it
    assert generate(folder, docs).returncode == 0
    assert generate(folder, tmp_path / "reference").returncode == 0
    assert snapshot(docs) == snapshot(tmp_path / "reference")


def test_a_first_build_into_an_empty_folder_and_into_one_with_someone_elses_file_write_the_same_pages(tmp_path: Path):
    folder = seeds(tmp_path / "seeds", "v1")
    empty, other = tmp_path / "empty", tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine\n", "utf-8")
    for docs in (empty, other):
        assert generate(folder, docs, "--no-cache").returncode == 0
    theirs = snapshot(other)
    assert theirs.pop("notes.txt") == b"mine\n"
    assert snapshot(empty) == theirs
    assert len(list((empty / "papers").glob("*.md"))) == 2500
