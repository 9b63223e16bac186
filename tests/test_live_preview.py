"""Live preview: editing a seed while `mkdocs serve` runs regenerates pages, and stops."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.papers import derive_title, make_slug
from generator.text import fingerprint
from support import DEMO, ROOT, SEEDS, free_port, http_status, make_project


def _until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def _wait(url: str, status: int, seconds: float) -> bool:
    return _until(lambda: http_status(url) == status, seconds)


def _serve(tmp_path: Path, *options: str) -> tuple[Path, int, subprocess.Popen[str]]:
    """A project with the seeds and curated files, served by `mkdocs serve` on a free port."""
    project = make_project(tmp_path / "project")
    shutil.copytree(SEEDS, project / "seeds")
    for name in ("catalog.yml", "taxonomy.yml", "duplicates.yml"):
        shutil.copy(DEMO / name, project / name)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-f", str(project / "mkdocs.yml"), "-a", f"127.0.0.1:{port}", *options],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "true"},
    )
    return project, port, server


def _papers_in_search(base: str, papers: int, seconds: float) -> bool:
    """The search index, built after the pages in serve mode, catches up with `papers`."""
    def counted() -> bool:
        try:
            with urllib.request.urlopen(base + "search/papers/index.js", timeout=5) as response:
                return f'"documents":{papers},' in response.read().decode("utf-8")
        except urllib.error.HTTPError:  # a full rebuild starts from an empty site
            return False

    return _until(counted, seconds)


def _missing_page(url: str) -> str:
    try:
        urllib.request.urlopen(url, timeout=5)
    except urllib.error.HTTPError as error:
        return error.read().decode("utf-8")
    raise AssertionError(f"{url} is there")


def _papers_on_home(base: str) -> int:
    with urllib.request.urlopen(base + "about-this-list/", timeout=5) as response:
        match = re.search(r"<td>Papers<td>(\d+)", response.read().decode("utf-8"))
    assert match, "no paper count on the About page"
    return int(match[1])


@pytest.mark.parametrize("options", [[], ["--dirty", "--no-strict"]], ids=["full", "dirty (./dev serve)"])
def test_editing_a_seed_regenerates_the_served_site(tmp_path: Path, options: list[str]):
    project, port, server = _serve(tmp_path, *options)
    try:
        base = f"http://127.0.0.1:{port}/"
        assert _wait(base, 200, 60), "server did not start"
        text = "We study how reading lists rebuild themselves while a preview server runs, and why it matters."
        page = base + f"papers/{make_slug(derive_title(text), 'text:' + fingerprint(text))}/"
        assert http_status(page) == 404
        papers = _papers_on_home(base)
        (project / "seeds" / "new.txt").write_text(f"Abstract: {text}\n", "utf-8")
        assert _wait(page, 200, 60), "new paper never appeared"
        assert _papers_on_home(base) == papers + 1
        assert _papers_in_search(base, papers + 1, 30), "the search index never caught up"
        (project / "seeds" / "new.txt").unlink()
        assert _wait(page, 404, 60), "removed paper never disappeared"
        assert _papers_on_home(base) == papers
        # The server answers a missing page, at any depth, with the 404 page: its links
        # must start at the site's root.
        stylesheets = re.findall(r'<link href="?([^" >]+)"? rel="?stylesheet', _missing_page(page))
        assert stylesheets and all(href.startswith("/") for href in stylesheets), stylesheets
        assert _papers_in_search(base, papers, 30), "the search index never caught up"
        time.sleep(3)
        docs = project / "docs"
        before = {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()}
        time.sleep(4)
        after = {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()}
        assert before == after, "the generator keeps rewriting files: a rebuild loop"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Error" not in output.replace("0 errors", ""), output[-2000:]


def test_a_broken_curated_file_keeps_the_served_site_and_fixing_it_recovers(tmp_path: Path):
    project, port, server = _serve(tmp_path)
    catalog = project / "catalog.yml"
    good = catalog.read_text("utf-8")
    old_title = "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training"
    try:
        base = f"http://127.0.0.1:{port}/"
        assert _wait(base, 200, 60), "server did not start"
        page = base + "papers/sleeper-agents-training-deceptive-llms-that-persist-through-accc7f/"
        assert http_status(page) == 200
        catalog.write_text(good.replace("    year: 2024\n", "    year: 2024\n   title: broken\n", 1), "utf-8")
        time.sleep(6)
        assert http_status(page) == 200 and http_status(base) == 200, "the served site must stay as it was"
        catalog.write_text(good.replace(old_title, "Sleeper Agents", 1), "utf-8")
        assert _wait(base + "papers/sleeper-agents-accc7f/", 200, 60), "fixing the file did not rebuild"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "catalog.yml:9:4: YAML syntax error" in output, output[-3000:]
    assert "nothing was regenerated" in output
    assert "generator: 5 files read, 41 records found, 33 unique papers" in output
    assert "MkDocs 2.0" not in output
    assert "Traceback" not in output, output[-3000:]


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def test_an_edit_of_mkdocs_yml_reaches_every_served_page(tmp_path: Path):
    """The list's name lives in mkdocs.yml: renamed there under `./dev serve` (a dirty
    build), the paper pages carry the new name too, not only the pages the generator
    rewrote; and MkDocs' warning about dirty builds is not printed."""
    project, port, server = _serve(tmp_path, "--dirty", "--no-strict")
    name = "Robot Learning Reading List"
    try:
        base = f"http://127.0.0.1:{port}/"
        assert _wait(base, 200, 60), "server did not start"
        paper = base + "papers/sleeper-agents-training-deceptive-llms-that-persist-through-accc7f/"
        assert name not in _get(paper)
        config = project / "mkdocs.yml"
        config.write_text(re.sub(r"(?m)^site_name:.*$", f"site_name: {name}", config.read_text("utf-8"), count=1), "utf-8")
        assert _until(lambda: name in _get(paper) and f"<h1 id=robot-learning-reading-list>{name}" in _get(base).replace('"', ""), 60), _get(base)[:3000]
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "A 'dirty' build" not in output, output[-2000:]
    assert "Traceback" not in output, output[-3000:]


def test_dev_serve_on_a_busy_port_says_so_in_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(["bash", str(ROOT / "dev"), "serve", "-a", f"127.0.0.1:{port}"], cwd=ROOT, capture_output=True, text=True,
                                timeout=600, check=False)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"port {port} is in use on 127.0.0.1; try `./dev serve -a 127.0.0.1:{port + 1}`"
    assert "Traceback" not in result.stderr


def test_dev_serve_ends_with_sigterm_and_leaves_nothing_serving():
    """`./dev serve` hands over to MkDocs (exec): SIGTERM or Ctrl-C reaches the server itself."""
    port = free_port()
    server = subprocess.Popen(["bash", str(ROOT / "dev"), "serve", "-a", f"127.0.0.1:{port}"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait(f"http://127.0.0.1:{port}/", 200, 300), "server did not start"
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        assert _until(lambda: http_status(f"http://127.0.0.1:{port}/") == 0, 10), "something still serves"
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate(timeout=30)
