"""Helpers for the tests: run the generator and MkDocs as a user would."""

from __future__ import annotations

import functools
import os
import socket
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "data" / "demo"
"""The demo list: seeds, catalog.yml, taxonomy.yml, duplicates.yml and its settings. Tests
that need a known list use this copy, so that the suite passes whatever list the repository
itself holds (tests/test_own_list.py checks that one)."""
SEEDS = DEMO / "seeds"


@functools.cache
def memory_work():  # type: ignore[no-untyped-def]
    """Per-text work with a cache kept in memory for the whole test run: tests that cluster
    the same records again and again make each result once."""
    from generator.incremental.cache import Cache, CachedWork

    return CachedWork(Cache(None))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(url: str) -> int:
    """The HTTP status of a GET (0 when nothing answers)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def generate(seeds: Path, docs: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the generator's command line as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "generator", "build", "--seeds", str(seeds), "--docs", str(docs),
         "--catalog", str(DEMO / "catalog.yml"), "--taxonomy", str(DEMO / "taxonomy.yml"), "--overrides", str(DEMO / "duplicates.yml"),
         "--config", str(DEMO / "mkdocs.yml"), *extra],
        cwd=ROOT, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})},
    )


def mkdocs_build(project: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A real `mkdocs build --strict` of a project folder."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"), *extra],
        cwd=project, capture_output=True, text=True, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "true", **(env or {})},
    )


def make_project(folder: Path, seeds: Path = SEEDS, *extra: str) -> Path:
    """A copy of the site's configuration with docs generated from `seeds`, ready to build."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", folder / "overrides", dirs_exist_ok=True)
    if not (folder / "generator").exists():
        (folder / "generator").symlink_to(ROOT / "generator")  # mkdocs.yml's hooks live there
    result = generate(seeds, folder / "docs", *extra)
    assert result.returncode == 0, result.stderr
    return folder


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """A static HTTP server on 127.0.0.1 for `folder`; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


class _LikePages(_Quiet):
    """GitHub Pages' way with a project site: the site under /<prefix>/, a missing path
    answered with status 404 and the site's 404.html."""

    prefix = "/repo/"

    def send_head(self):  # type: ignore[no-untyped-def]
        path = self.path.split("?", 1)[0]
        if not path.startswith(self.prefix):
            self.send_error(404)
            return None
        self.path = "/" + self.path[len(self.prefix):]
        if Path(self.translate_path(self.path)).exists():
            return super().send_head()
        body = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return __import__("io").BytesIO(body)


@contextmanager
def served_like_pages(folder: Path, prefix: str = "/repo/") -> Iterator[str]:
    """`folder` served as GitHub Pages serves a project site under `prefix`; yields its URL."""
    handler = type("Handler", (_LikePages,), {"prefix": prefix})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def parse_html(path: Path):  # type: ignore[no-untyped-def]
    """A built page as a browser parses it (html5lib: the HTML5 algorithm, so minified pages
    without closing tags nest right), as an ElementTree without namespaces."""
    import html5lib

    return html5lib.parse(path.read_text("utf-8"), treebuilder="etree", namespaceHTMLElements=False)


def text_of(element) -> str:  # type: ignore[no-untyped-def]
    return " ".join("".join(element.itertext()).split())


CORPUS = ROOT.parent / "shared" / "corpora" / "arxiv-listings-2025.jsonl.gz"


def corpus_seeds(folder: Path, abstracts: int, files: int = 4) -> Path:
    """Seed files of `Abstract:` lines from the first corpus records, each line twice (an
    exact duplicate to merge): 4,000 abstracts make 10 MB."""
    import gzip
    import json

    folder.mkdir(parents=True)
    with gzip.open(CORPUS, "rt", encoding="utf-8") as file:
        rows = [json.loads(line) for _, line in zip(range(abstracts), file)]
    for n in range(files):
        (folder / f"part{n}.txt").write_text("".join(f"Abstract: {' '.join(r['summary'].split())}\n" for r in rows[n::files]) * 2, "utf-8")
    return folder
