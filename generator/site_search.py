"""The papers' search index (`search`), built from the generator's papers.json in another
process while MkDocs renders the pages, and moved into the site when both are done.

The index being built is kept here, not in the MkDocs hooks: `mkdocs serve` loads those
again with the config on every rebuild, while an index may still be building from the last.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import threading
from pathlib import Path

from .incremental.processes import Child, ChildFailed
from .writer import write_search_index


class IndexBuild:
    """`writer.write_search_index` in another process, into a temporary folder."""

    def __init__(self, papers_json: Path, directory_urls: bool, fresh: bool) -> None:
        self.source = (_stamp(papers_json), directory_urls)
        self.state = "running"
        """Then `done` (moved into a site), `failed` or `stopped`."""
        self.folder = Path(tempfile.mkdtemp(prefix="reading-list-search-"))
        self.folder.chmod(0o755)  # it becomes site/search/papers: readable like the rest of the site
        self.child: Child[int] = Child(functools.partial(write_search_index, self.folder, papers_json, directory_urls), fresh=fresh)
        self.lock = threading.Lock()

    def stop(self) -> None:
        with self.lock:
            if self.state == "running":
                self.state = "stopped"
            self.child.stop()
            shutil.rmtree(self.folder, ignore_errors=True)

    def finish(self, site: Path) -> str | None:
        """Wait, then move the index into `site/search/papers/`; an error message, or None."""
        try:
            self.child.result()
            error = None
        except ChildFailed as failed:
            error = str(failed)
        with self.lock:
            if self.state != "running":
                return None
            if error is not None:
                self.state = "failed"
                shutil.rmtree(self.folder, ignore_errors=True)
                return error
            target = site / "search" / "papers"
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(self.folder, target)
            self.state = "done"
            return None


def _stamp(papers_json: Path) -> tuple[str, int, int, int] | None:
    """Which papers.json (or papers.json.gz) is there: its name, file, time and size."""
    for path in (papers_json, Path(f"{papers_json}.gz")):
        try:
            status = path.stat()
        except FileNotFoundError:
            continue
        return (path.name, status.st_ino, status.st_mtime_ns, status.st_size)
    return None


_running: IndexBuild | None = None


def start_index(papers_json: Path, directory_urls: bool, fresh: bool = False, keep: bool = False) -> bool:
    """Start building the index of `papers_json` (stopping one still building), in a new
    interpreter when `fresh` (from a process that runs threads); True when one was started.
    With `keep`, the index last started stays, building or built into the site, when it is
    of the same file, unchanged since, and has not failed or been stopped."""
    global _running
    if keep and _running is not None and _running.state in ("running", "done") and _running.source == (_stamp(papers_json), directory_urls):
        return False
    stop_index()
    if _running is None:
        atexit.register(stop_index)  # `mkdocs serve` stopped while an index builds
    _running = IndexBuild(papers_json, directory_urls, fresh)
    return True


def stop_index() -> None:
    if _running is not None:
        _running.stop()


def running_index() -> IndexBuild | None:
    """The index `start_index` started last."""
    return _running
