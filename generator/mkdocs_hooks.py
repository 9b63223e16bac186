"""MkDocs hooks for live preview: `mkdocs serve` (or `./dev serve`) regenerates docs/ from
seeds/ whenever a seed, the catalog, the taxonomy or the overrides change.

`on_serve` adds those files to the watched paths; every rebuild then first runs the
generator (`on_pre_build`). `./dev serve` runs `mkdocs serve --dirty`, so MkDocs rebuilds only
the pages the generator rewrote (at 10,000 papers an edit reached the browser in 10.7 s
instead of 58 s; benchmarks/incremental.py). The generator writes only pages whose text changed and does
nothing when no input changed, so the rebuild its writes cause finds nothing to do: no loop.
`mkdocs build` is left alone: `./dev site` runs the generator itself.

Each regeneration logs what the command line prints: the summary, and every problem. A
curated file that cannot be used, or a page that would overwrite a hand-written file, is
logged as the command line's one-line error, and the generator writes nothing: MkDocs goes
on to render the docs/ it already had, so the served site stays as it was (failing the
MkDocs build instead would make the server hold every request until the file is fixed).
The next save that fixes the file regenerates.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import sys
from pathlib import Path
from typing import Any

SERVING = "READING_LIST_SERVING"
"""Set for the process by `on_startup`: MkDocs reloads this module with the config on every
rebuild, so a module global would not survive."""
INPUTS = ("seeds", "catalog.yml", "taxonomy.yml", "duplicates.yml")


DIRTY = "READING_LIST_DIRTY"


def on_startup(command: str, dirty: bool) -> None:
    os.environ[SERVING] = "1" if command == "serve" else ""
    os.environ[DIRTY] = "1" if command == "serve" and dirty else ""


def _root(config: Any) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    for name in INPUTS:
        path = _root(config) / name
        if path.exists():
            server.watch(str(path))
    return server


def on_pre_build(config: Any) -> None:
    if not os.environ.get(SERVING):
        return
    from generator.build import Options, build
    from generator.cli import report
    from generator.curated import CuratedFileError
    from generator.writer import WriteError

    root = _root(config)
    if not (root / "seeds").is_dir():
        return
    try:
        summary = build(Options(root / "seeds", Path(config.docs_dir), *(root / name for name in INPUTS[1:]), cache=root / ".cache" / "generator"))
    except (CuratedFileError, WriteError) as error:
        for line in str(error).splitlines():
            _say("ERROR", line)
        _say("ERROR", "nothing was regenerated; the site stays as it was until the file is fixed")
        return
    if summary.cached:
        return
    out, err = io.StringIO(), io.StringIO()
    report(summary, out=out, err=err)
    for line in err.getvalue().splitlines():
        _say("WARNING", line)
    for line in out.getvalue().splitlines():
        _say("INFO", line)


def _say(level: str, line: str) -> None:
    """Print in MkDocs' log format, but not through its logger: `strict: true` counts every
    warning logged there and would stop the server on a rejected seed record."""
    print(f"{level:<8}-  generator: {line}", file=sys.stderr, flush=True)


_MD_LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|/|#)([^"#?]*\.md)(#[^"]*)?"')
_bodies: dict[str, str] = {}


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Pages the generator rendered to HTML (`body: html`) skip Python-Markdown: it would
    only parse the HTML to hand it back (2.3 of 3.9 ms a paper page at 10,000 papers)."""
    if page.meta.get("body") != "html":
        return markdown
    _bodies[page.file.src_uri] = markdown
    return ""


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    body = _bodies.pop(page.file.src_uri, None)
    return html if body is None else resolve_links(body, page, files)


def resolve_links(html: str, page: Any, files: Any) -> str:
    """`href="../topics/x.md"` -> the URL of that page relative to this one, as MkDocs does
    for Markdown links (a link to no page is left as it is; tests/test_links.py finds it)."""
    folder = posixpath.dirname(page.file.src_uri)

    def url(match: re.Match[str]) -> str:
        target = files.get_file_from_path(posixpath.normpath(posixpath.join(folder, match[1])))
        return match[0] if target is None else f'href="{target.url_relative_to(page.file)}{match[2] or ""}"'

    return _MD_LINK.sub(url, html)


def on_post_build(config: Any) -> None:
    """The papers' search index (see `generator.search`), from the papers.json the
    generator wrote, into the site: built by the generator's code, outside MkDocs' per-page
    work."""
    from generator.search import write_index

    write_index(Path(config.site_dir), Path(config.docs_dir) / "papers.json", config.use_directory_urls)  # or papers.json.gz
    if os.environ.get(DIRTY):
        _remove_stale_papers(Path(config.site_dir), Path(config.docs_dir))


def _remove_stale_papers(site: Path, docs: Path) -> None:
    """`mkdocs serve --dirty` (what `./dev serve` runs) rebuilds only pages whose source
    changed, and keeps the built page of a source that is gone: a paper removed from the
    seeds would stay reachable in the preview. Remove those."""
    import shutil

    for built in (site / "papers").glob("*"):
        if not (docs / "papers" / f"{built.name.removesuffix('.html')}.md").exists():
            shutil.rmtree(built) if built.is_dir() else built.unlink()


def on_template_context(context: Any, template_name: str, config: Any) -> Any:
    """The 404 page uses absolute links when the site URL is known; without one (previews,
    a copy served from any folder), links relative to the page itself, not to the server
    root, which would break under a sub-path."""
    if template_name == "404.html" and not config.site_url:
        context["base_url"] = "."
    return context
