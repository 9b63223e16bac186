"""The only module that writes into the docs folder: the generated pages.

The generator owns the files it wrote last time (listed in a manifest) and nothing else:
it removes the ones no paper needs any more, and never touches hand-written files.
Writes are atomic (temporary file, then rename), and a file whose content is unchanged is
not written at all, so a re-run with nothing changed leaves every mtime alone.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .progress import progress
from .redirects import Previous

MANIFEST = ".generated.json"
"""What the last build made: its input key, its summary, every file it owns (relative to
the docs folder) with its size and a digest of its bytes, and the papers that moved (old
slug -> new slug). Deterministic, like every generated file; MkDocs skips dot files."""
PENDING = ".generated.pending.json"
"""Written before a build changes any file, removed once the manifest is written: the files
a build was about to create (owned by the generator, though no manifest lists them yet).
While it is there, the manifest's key and digests are not trusted (a killed build may have
changed any page)."""


class WriteError(RuntimeError):
    """A page path that would leave the docs folder, or clash with a hand-written file."""


@dataclass(frozen=True)
class KnownPage:
    """A page as the writer may not need it: the digest and size of its bytes (see
    `page_digest`), and how to make its text when it does (its file is gone or changed, or
    `check`). The cache keeps this much of a paper's page, not its text (see `render`)."""

    digest: str
    size: int
    text: Callable[[], str | bytes]


Page = str | bytes | KnownPage


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]


_PLAIN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
"""A relative path of plain names (no `..`, no leading dot): every generated page's."""


def _safe_path(docs: Path, relative: str) -> Path:
    return Path(_safe_name(docs, relative))


def _safe_name(docs: Path, relative: str) -> str:
    """The file's path as a string (faster to stat than a Path: 35,000 pages a build)."""
    if _PLAIN.fullmatch(relative):
        return f"{docs}/{relative}"
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise WriteError(f"refusing to write outside the docs folder: {relative!r}")
    return str(docs.joinpath(*path.parts))


def atomic_write(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder and rename it into place, so a
    reader (or a killed build) sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def create(docs: Path, relative: str, data: bytes, folders: set[str]) -> None:
    """Write a file that is not there yet, in place: a first build's pages, in half the time
    of `atomic_write` (no temporary file to rename). The
    manifest's pending list claims the file before (see `write_pages`): a build
    killed meanwhile leaves part of a file that the next build owns and writes again. A file
    that appeared since the folder was listed is not touched (FileExistsError). `folders`
    holds the folders known to be there."""
    path = _safe_name(docs, relative)
    folder = os.path.dirname(path)
    if folder not in folders:
        os.makedirs(folder, exist_ok=True)
        folders.add(folder)
    file = open(path, "xb")
    try:
        with file:
            file.write(data)
    except BaseException:
        os.unlink(path)
        raise


def read_manifest(docs: Path) -> dict[str, object]:
    """The manifest, parsed once for as long as the file stays the same (a build reads it
    more than once, and it is megabytes of JSON for a large list). Callers do not change it."""
    path = docs / MANIFEST
    try:
        pending = json.loads((docs / PENDING).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        pending = None
    try:
        status = path.stat()
        stamp = (status.st_ino, status.st_mtime_ns, status.st_size)  # atomic_write makes a new file
        kept = _manifests.get(path)
        if kept is not None and kept[0] == stamp:
            manifest = kept[1]
        else:
            data = json.loads(path.read_text("utf-8"))
            manifest = data if isinstance(data, dict) else {}
            _manifests.clear()
            _manifests[path] = (stamp, manifest)
    except (FileNotFoundError, ValueError):
        manifest = {}
    if pending is not None:  # a build was killed while it wrote
        files = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
        claimed = {str(name): -1 for name in pending} if isinstance(pending, list) else {}
        manifest = {**manifest, "key": "", "digests": {}, "files": {**claimed, **files}}  # type: ignore[dict-item]
    return manifest


_manifests: dict[Path, tuple[tuple[int, int, int], dict[str, object]]] = {}


def previous_build(docs: Path) -> Previous:
    """What the last build wrote into `docs`: its papers and redirects (from the manifest),
    and its papers.json records, read only when asked for."""
    manifest = read_manifest(docs)
    moved = manifest.get("moved")
    moved = {str(k): str(v) for k, v in moved.items()} if isinstance(moved, dict) else {}
    files = manifest.get("files")
    pages = {name[len("papers/"):-len(".md")] for name in files if name.startswith("papers/") and name.endswith(".md")} if isinstance(files, dict) else set()
    return Previous(frozenset(pages - set(moved)), moved, lambda slugs: exported_papers(docs, slugs))


def exported_papers(docs: Path, slugs: set[str]) -> dict[str, dict[str, object]]:
    """The records of papers.json (as the last build wrote it) for the given slugs."""
    try:
        papers = read_papers_export(docs / "papers.json")
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {str(p["slug"]): p for p in papers if isinstance(p, dict) and p.get("slug") in slugs}


def read_papers_export(path: Path) -> list[dict[str, object]]:
    """The papers of a papers.json export, plain or gzip-compressed (`.gz` beside it is
    tried when `path` is missing). Raises OSError or ValueError for a file that is not one."""
    if not path.exists() and Path(f"{path}.gz").exists():
        path = Path(f"{path}.gz")
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data.decode("utf-8"))["papers"]


def cached_summary(docs: Path, key: str) -> dict[str, object] | None:
    """The stored summary of the last build if it had the same input key and every file it
    wrote is still there with the same size; None otherwise. (A hand edit that keeps a
    file's size goes unnoticed: `build --force` compares every file's bytes.)"""
    manifest = read_manifest(docs)
    if manifest.get("key") != key:
        return None
    files = manifest.get("files")
    if not isinstance(files, dict):
        return None
    for relative, size in files.items():
        try:
            if os.stat(_safe_name(docs, relative)).st_size != size:  # 35,000 pages at each build's start
                return None
        except (OSError, WriteError):
            return None
    summary = manifest.get("summary")
    return summary if isinstance(summary, dict) else None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _encoded(page: Page) -> bytes:
    if isinstance(page, KnownPage):
        page = page.text()
    return page if isinstance(page, bytes) else page.encode("utf-8")


def page_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def _exists(path: str, listings: dict[str, set[str]]) -> bool:
    """Whether a file is there, from one listing of its folder (kept in `listings`): a first
    build otherwise tried to open each of 35,000 pages before writing it."""
    folder, name = os.path.split(path)
    if folder not in listings:
        try:
            listings[folder] = set(os.listdir(folder))
        except (FileNotFoundError, NotADirectoryError):
            listings[folder] = set()
    return name in listings[folder]


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return -1


def _write_manifest(
    docs: Path, key: str, summary: dict[str, object], files: dict[str, int], moved: dict[str, str], digests: dict[str, str]
) -> None:
    data = _manifest_text({"key": key, "summary": summary, "files": files, "moved": moved, "digests": digests}).encode("utf-8") + b"\n"
    if _read(docs / MANIFEST) != data:
        atomic_write(docs / MANIFEST, data)


def _manifest_text(manifest: dict[str, object]) -> str:
    """The manifest as `json.dumps(manifest, indent=0, sort_keys=True)` writes it (a value a
    line), with the large mappings' entries encoded by json's C encoder: with `indent`,
    json uses its pure-Python one."""
    parts = []
    for name in sorted(manifest):
        value = manifest[name]
        if isinstance(value, dict) and value and all(not isinstance(item, (dict, list)) for item in value.values()):
            text = "{\n" + json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",\n", ": "))[1:-1] + "\n}"
        else:
            text = json.dumps(value, indent=0, ensure_ascii=False, sort_keys=True)
        parts.append(f"{json.dumps(name)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}"


def write_pages(
    docs: Path, pages: dict[str, Page], key: str = "", summary: dict[str, object] | None = None, moved: dict[str, str] | None = None,
    check: bool = False,
) -> WriteResult:
    """Make `docs` hold exactly `pages` (path -> text) among the generator's files, and
    record `key`, `summary` and `moved` in the manifest (for `cached_summary` and the next
    build's redirects). A page whose digest and size are what the last build wrote is not
    read again, unless `check` (`build --force`) asks to compare every page's bytes.

    Before creating a file, the manifest already claims it (with no key), so a build
    killed halfway leaves no file the next build would not own, and is never taken for
    a finished one."""
    manifest = read_manifest(docs)
    files = manifest.get("files")
    previous: dict[str, int] = dict(files) if isinstance(files, dict) else {}
    previous_digests = manifest.get("digests") if isinstance(manifest.get("digests"), dict) else {}
    # Pages are encoded one at a time, and again when written: all of them encoded at once
    # would hold a second copy of every page.
    digests: dict[str, str] = {}
    sizes: dict[str, int] = {}
    unchanged_pages = set()
    # A folder the generator has not written to yet: each folder listed once, not each page
    # opened (an edit, which writes a few pages, does not list).
    listings: dict[str, set[str]] | None = None if previous else {}
    absent: set[str] = set()
    """Pages whose file is not there (known on a first build, from the listings)."""
    for relative in sorted(pages):
        page = pages[relative]
        data = None if isinstance(page, KnownPage) else _encoded(page)
        digests[relative], sizes[relative] = (page.digest, page.size) if data is None else (page_digest(data), len(data))  # type: ignore[union-attr]
        path = _safe_name(docs, relative)
        if not check and previous_digests.get(relative) == digests[relative] and relative in previous and _size(path) == sizes[relative]:
            unchanged_pages.add(relative)  # what the last build wrote, still there: not read again
            continue
        if listings is not None and not _exists(path, listings):
            absent.add(relative)
            if data is None and not check:
                continue  # a new file: its bytes are not needed until written, and their digest is known
            existing = None
        else:
            existing = _read(Path(path))
        if data is None:
            data = _encoded(page)
            digests[relative], sizes[relative] = page_digest(data), len(data)
        if existing == data:
            unchanged_pages.add(relative)
        elif existing is not None and relative not in previous:
            raise WriteError(f"{docs / relative}: exists and was not written by the generator; move or rename it (nothing was written)")
        elif existing is not None and not check and _edited(existing, previous_digests.get(relative)):
            raise WriteError(_edited_message(docs / relative))
    for relative in [] if check else sorted(set(previous) - set(pages)):
        existing = _read(_safe_path(docs, relative))
        if existing is not None and _edited(existing, previous_digests.get(relative)):
            raise WriteError(_edited_message(docs / relative))
    new = set(pages) - set(previous)
    changing = new or unchanged_pages != set(pages) or set(previous) - set(pages)
    if changing:
        docs.mkdir(parents=True, exist_ok=True)
        atomic_write(docs / PENDING, json.dumps(sorted(new)).encode("utf-8"))
    written = sorted(set(pages) - unchanged_pages)
    folders: set[str] = set()
    for relative in progress(written, "write"):
        if relative in absent:
            create(docs, relative, _encoded(pages[relative]), folders)
        else:
            atomic_write(_safe_path(docs, relative), _encoded(pages[relative]))
    removed = sorted(set(previous) - set(pages))
    for relative in removed:
        path = _safe_path(docs, relative)
        path.unlink(missing_ok=True)
        _remove_empty_parents(path.parent, docs)
    _write_manifest(docs, key, summary or {}, sizes, moved or {}, digests)
    (docs / PENDING).unlink(missing_ok=True)
    _remove_stale_temporaries(docs, pages)
    return WriteResult(tuple(written), len(unchanged_pages), tuple(removed))


GENERATED_MARK = re.compile(rb"^---\n(?:.*\n){0,12}?template: (?:\"?(?:paper|moved)\.html\"?)\n", re.MULTILINE)
"""The front matter the generator gives paper and redirect pages."""


def orphans(docs: Path, pages: dict[str, Page]) -> list[str]:
    """Paper and redirect pages under docs/papers/ that the generator wrote once but no
    longer owns: not among `pages`, not in the manifest (it was deleted or replaced), and
    marked as the generator's by their front matter. Hand-written pages are never touched;
    these are reported, for the maintainer to delete."""
    folder = docs / "papers"
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    files = read_manifest(docs).get("files")
    owned = set(files) if isinstance(files, dict) else set()
    found = []
    for name in sorted(names):
        relative = f"papers/{name}"
        if name.endswith(".md") and relative not in pages and relative not in owned:
            head = _read(folder / name)
            if head is not None and GENERATED_MARK.match(head[:2000]):
                found.append(relative)
    return found


def _edited(existing: bytes, written: object) -> bool:
    """A file the generator wrote, changed since (its digest is not what was written)."""
    return isinstance(written, str) and page_digest(existing) != written


def _edited_message(path: Path) -> str:
    home = " (the home page's text belongs in home.md next to mkdocs.yml; see the README)" if path.name == "index.md" and path.parent.name != "topics" else ""
    return (f"{path}: changed by hand since the generator wrote it, and the generator would replace it{home}; "
            "move the change out, then build with --force to put the generated page back (nothing was written)")


def _remove_empty_parents(folder: Path, docs: Path) -> None:
    while folder != docs and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _remove_stale_temporaries(docs: Path, pages: dict[str, Page]) -> None:
    """Temporary files left by a build that was killed mid-write."""
    folders = {posixpath.dirname(relative) for relative in pages} | {""}
    for folder in sorted(folders):
        for leftover in (docs / folder).glob(".*.tmp"):
            leftover.unlink(missing_ok=True)


def write_search_index(folder: Path, papers_json: Path, directory_urls: bool) -> int:
    """Write the search index of a papers.json export (`search`) into `folder`; the number
    of files. `papers_json` may be compressed (`.gz`), or missing: an empty index."""
    from . import search

    try:
        papers = read_papers_export(papers_json)
    except FileNotFoundError:
        papers = []
    files = search.build_index(search.documents(papers), directory_urls)
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return len(files)
