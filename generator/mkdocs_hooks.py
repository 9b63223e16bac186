"""MkDocs hooks for live preview: `mkdocs serve` (or `./dev serve`) regenerates docs/ from
seeds/ whenever a seed, the catalog, the taxonomy, the overrides, home.md or mkdocs.yml change.

`on_serve` adds those files to the watched paths; every rebuild then first runs the
generator (`on_pre_build`). An edit of mkdocs.yml (the list's name and settings) builds
every page again. `./dev serve` runs `mkdocs serve --dirty`, so MkDocs rebuilds only
the pages the generator rewrote, and the generator keeps its cache and state in memory
between rebuilds (benchmarks/incremental.py).

The hooks use MkDocs' documented events; what they need of its internals is in
`mkdocs_internals`. The generator writes only pages whose text changed and does
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
import logging
import os
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

from generator import mkdocs_internals

SERVING = "READING_LIST_SERVING"
"""Set for the process by `on_startup`: MkDocs reloads this module with the config on every
rebuild, so a module global would not survive."""
INPUTS = ("seeds", "catalog.yml", "taxonomy.yml", "duplicates.yml", "home.md")
INPUT_POLLING = 0.1
"""Seconds between two looks at the inputs under `mkdocs serve` (see `on_serve`)."""


DIRTY = "READING_LIST_DIRTY"
INDEXING = "READING_LIST_INDEXING"
"""Set by `on_pre_build` when this build started the search index it is to finish."""
CONFIG_STAMP = "READING_LIST_CONFIG"
"""The hash of mkdocs.yml the served pages were built with."""
SPLIT = "READING_LIST_SPLIT"
"""Set for `build` (not `--dirty`): half the paper pages are built by a forked process."""


def on_startup(command: str, dirty: bool) -> None:
    os.environ[SERVING] = "1" if command == "serve" else ""
    os.environ[DIRTY] = "1" if command == "serve" and dirty else ""
    os.environ[SPLIT] = "1" if command == "build" and not dirty else ""
    if command == "serve":
        # No forked workers (`generator.parallel`) in a process that runs a server's threads.
        os.environ.setdefault("READING_LIST_WORKERS", "1")
    if command == "serve" and dirty:
        # MkDocs warns on every rebuild that a dirty build may leave navigation stale. Here the
        # generator rewrites every page whose text changed, the nav holds no paper, and an
        # edit of mkdocs.yml rebuilds everything: the warning says nothing to act on.
        logging.getLogger("mkdocs.commands.build").addFilter(_not_dirty_warning)


def _not_dirty_warning(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("A 'dirty' build is being performed")


def on_config(config: Any) -> Any:
    """Live preview leaves out sitemap.xml: it lists every page, for a file no one reads
    from a preview."""
    if os.environ.get(SERVING):
        config.theme.static_templates.discard("sitemap.xml")
    return config


def _root(config: Any) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    """Watch the generator's inputs too, polled every 0.1 s: MkDocs' 0.5 s made an edit
    wait 0.25 s on average to be seen (`mkdocs_internals.watch_often`)."""
    paths = [str(_root(config) / name) for name in INPUTS if (_root(config) / name).exists()]
    mkdocs_internals.watch_often(server, paths, INPUT_POLLING)
    return server


def on_pre_build(config: Any) -> None:
    if os.environ.get(SERVING):
        _regenerate(config)
        if os.environ.get(DIRTY):
            _rebuild_all_on_new_config(config)
    _start_index(config)


def _rebuild_all_on_new_config(config: Any) -> None:
    """After an edit of mkdocs.yml, every page is built again: a dirty build builds only
    pages whose Markdown changed, and every page carries the list's name, nav and theme."""
    import hashlib

    stamp = hashlib.sha256(Path(config.config_file_path).read_bytes()).hexdigest()
    before = os.environ.get(CONFIG_STAMP)
    os.environ[CONFIG_STAMP] = stamp
    if before and before != stamp and Path(config.site_dir).is_dir():
        for child in Path(config.site_dir).iterdir():  # a page with no output is built
            shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)


def _regenerate(config: Any) -> None:
    from generator.build import Options, build, report
    from generator.curated import CuratedFileError
    from generator.writer import WriteError

    root = _root(config)
    if not (root / "seeds").is_dir():
        return
    try:
        summary = build(Options(root / "seeds", Path(config.docs_dir), *(root / name for name in INPUTS[1:4]), cache=root / ".cache" / "generator", warm=True,
                                config=Path(config.config_file_path)))
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


def on_pre_page(page: Any, config: Any, files: Any) -> Any:
    """Paper pages' front matter is read as the generator wrote it (`mkdocs_internals`)."""
    if page.file.src_uri.startswith("papers/"):
        mkdocs_internals.read_front_matter(page)
    return page


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Pages the generator rendered to HTML (`body: html`) skip Python-Markdown, which would
    only parse the HTML to hand it back (`mkdocs_internals`)."""
    if page.meta.get("body") == "html":
        mkdocs_internals.render_html(page)
    return markdown


def _start_index(config: Any) -> None:
    """Build the papers' search index (see `generator.search`) from the papers.json the
    generator wrote, in another process while MkDocs renders the pages.

    Under `mkdocs serve --dirty` the site folder is kept between builds, and the rebuild that
    the generator's own writes to docs/ set off finds the index of the same papers.json
    building, or built: it keeps that one rather than start again."""
    from generator import site_search

    started = site_search.start_index(Path(config.docs_dir) / "papers.json", config.use_directory_urls, fresh=bool(os.environ.get(SERVING)),
                                      keep=bool(os.environ.get(DIRTY)))
    os.environ[INDEXING] = "1" if started else ""


def on_build_error(error: Exception) -> None:
    from generator import site_search

    site_search.stop_index()
    _pages.stop()


def on_post_build(config: Any) -> None:
    """Move the search index into the site once its process is done. `mkdocs build` waits
    for it; `mkdocs serve` does not: the changed pages are served at once, and search
    catches up a few seconds later (an edit that changes papers.json starts the next index
    and stops this one).
    First of all plugins' (priority 100), it waits for the pages built by a second process
    (`on_env`): the site is whole only then."""
    from generator import site_search

    if error := _pages.finish():
        raise PluginError(error)

    site = Path(config.site_dir)
    if os.environ.get(INDEXING):  # else the index was kept, and an earlier build finishes it
        _finish_index(site_search.running_index(), site)
    if os.environ.get(DIRTY):
        _remove_stale_papers(site, Path(config.docs_dir))
    if os.environ.get(SERVING):
        from generator.incremental.cache import preload

        preload(_root(config) / ".cache" / "generator", freeze=True)


on_post_build.mkdocs_priority = 100  # type: ignore[attr-defined]


def _finish_index(index: Any, site: Path) -> None:
    assert index is not None, "on_pre_build started it"
    if os.environ.get(SERVING):
        def finish() -> None:
            if error := index.finish(site):
                _say("ERROR", f"building the search index failed: {error}")

        threading.Thread(target=finish, daemon=True).start()
    elif error := index.finish(site):
        raise PluginError(f"building the search index failed:\n{error}")


def _remove_stale_papers(site: Path, docs: Path) -> None:
    """`mkdocs serve --dirty` (what `./dev serve` runs) rebuilds only pages whose source
    changed, and keeps the built page of a source that is gone: a paper removed from the
    seeds would stay reachable in the preview. Remove those (two folder listings, not a look
    for each page's source)."""
    try:
        built, sources = os.listdir(site / "papers"), os.listdir(docs / "papers")
    except FileNotFoundError:
        return
    wanted = {name.removesuffix(".md") for name in sources if name.endswith(".md")}
    for name in built:
        if name.removesuffix(".html") not in wanted:
            stale = site / "papers" / name
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()


_TITLE = "\x00title\x00"


def on_env(env: Any, config: Any, files: Any) -> Any:
    """Template helpers for what paper pages print alike, each rendered once a build for all
    pages with the same relative URL of the site's root and the same neighbours in the nav
    (paper pages sit at one depth and are in no nav):

    - `chrome(name, page, base_url, block)`: a block (head styles, footer, config, scripts);
    - `titled(name, page, base_url, block)`: a block that differs only by the page's title
      (the header, a third of a paper page's time): rendered once with a
      placeholder title, which each page's title then replaces. Checked: a rendering where
      the placeholder is not there exactly once is not kept, and each page renders its own."""
    rendered: dict[tuple[str, ...], str] = {}

    def key(name: str, page: Any, base_url: str) -> tuple[str, ...]:
        return (name, base_url, *(other.url if other else "" for other in (page.previous_page, page.next_page)))

    def chrome(name: str, page: Any, base_url: str, block: Any) -> str:
        kept = key(name, page, base_url)
        if kept not in rendered:
            rendered[kept] = block()
        return rendered[kept]

    def titled(name: str, page: Any, base_url: str, block: Any) -> str:
        title = page.meta.get("title")
        kept = key(name, page, base_url)
        html = rendered.get(kept)
        if html is None and isinstance(title, str):
            page.meta["title"] = _TITLE
            try:
                html = block()
            finally:
                page.meta["title"] = title
            if html.count(_TITLE) == 1:
                rendered[kept] = html
            else:
                html = None
        if html is None or not isinstance(title, str):
            return block()
        return html.replace(_TITLE, title)

    env.globals["chrome"] = chrome
    env.globals["titled"] = titled
    env.bytecode_cache = _bytecode_cache(config)
    from generator.incremental.processes import workers

    if os.environ.get(SPLIT) and workers() >= 2:
        _pages.start(env, config, files)
    return env


on_env.mkdocs_priority = -100  # type: ignore[attr-defined]
"""After every other plugin's `on_env` (the tags plugin fills its listings in its own)."""


def _bytecode_cache(config: Any) -> Any:
    """The theme's templates, compiled once and kept in `.cache/jinja/<site tool>/` (Jinja
    checks each against its source, so an edited template is compiled again):
    `mkdocs serve` makes a new environment on every rebuild (tests/test_build.py)."""
    import jinja2

    folder = _root(config) / ".cache" / "jinja" / mkdocs_internals.tool(config)
    folder.mkdir(parents=True, exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder))


def on_nav(nav: Any, config: Any, files: Any) -> Any:
    _pages.nav = nav
    return nav


_pages = mkdocs_internals.SecondProcess()


def on_template_context(context: Any, template_name: str, config: Any) -> Any:
    """The 404 page uses absolute links when the site URL is known; without one (previews,
    a copy served from any folder), links relative to the page itself, not to the server
    root, which would break under a sub-path."""
    if template_name == "404.html" and not config.site_url:
        context["base_url"] = "."
    return context
