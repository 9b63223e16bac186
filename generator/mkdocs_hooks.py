"""MkDocs hooks for live preview: `mkdocs serve` (or `./dev serve`) regenerates docs/ from
seeds/ whenever a seed, the catalog, the taxonomy or the overrides change.

`on_serve` adds those files to the watched paths; every rebuild then first runs the
generator (`on_pre_build`). `./dev serve` runs `mkdocs serve --dirty`, so MkDocs rebuilds only
the pages the generator rewrote, and the generator keeps its cache in memory between
rebuilds (at 10,000 papers an edit reaches the browser in 3.2 s, 58 s with full rebuilds;
benchmarks/incremental.py). The generator writes only pages whose text changed and does
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

import functools
import io
import json
import logging
import os
import posixpath
import re
import shutil
import signal
import stat
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError

SERVING = "READING_LIST_SERVING"
"""Set for the process by `on_startup`: MkDocs reloads this module with the config on every
rebuild, so a module global would not survive."""
INPUTS = ("seeds", "catalog.yml", "taxonomy.yml", "duplicates.yml")
INPUT_POLLING = 0.1
"""Seconds between two looks at the inputs under `mkdocs serve` (see `on_serve`)."""


DIRTY = "READING_LIST_DIRTY"
INDEXING = "READING_LIST_INDEXING"
"""Set by `on_pre_build` when this build started the search index it is to finish."""
SPLIT = "READING_LIST_SPLIT"
"""Set for `build` (not `--dirty`): half the paper pages are built by a forked process."""


def on_startup(command: str, dirty: bool) -> None:
    os.environ[SERVING] = "1" if command == "serve" else ""
    os.environ[DIRTY] = "1" if command == "serve" and dirty else ""
    os.environ[SPLIT] = "1" if command == "build" and not dirty else ""
    if command == "serve":
        # No forked workers (`generator.parallel`) in a process that runs a server's threads.
        os.environ.setdefault("READING_LIST_WORKERS", "1")


MOUNT = "READING_LIST_MOUNT"
"""Under `mkdocs serve`: the path the site is served under (see `on_config`)."""


def on_config(config: Any) -> Any:
    """Live preview leaves out sitemap.xml: it lists every page, so at 10,000 papers it took
    0.1 s of each rebuild, for a file no one reads from a preview.

    It also builds without a site URL (`mkdocs serve` sets it to the server's address),
    so pages get no canonical URL: joining one for each of 6,800 pages took 0.1 s of each
    rebuild at 10,000 papers. The server has already taken its path from it; the 404 page,
    the one page that needs it, gets it from `on_template_context`."""
    if os.environ.get(SERVING):
        config.theme.static_templates.discard("sitemap.xml")
        os.environ[MOUNT] = urlsplit(config.site_url or "/").path
        config.site_url = None
    return config


def _root(config: Any) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    """Watch the generator's inputs, polled every 0.1 s instead of MkDocs' 0.5 (an edit
    waited 0.25 s on average to be seen). MkDocs keeps its interval for docs/: polling its
    thousands of pages that often would keep a core busy. The interval is watchdog's
    observer's private `_timeout`, which it hands to each path it starts to watch: if that
    is gone, the inputs are polled at MkDocs' interval."""
    observer = getattr(server, "observer", None)
    interval = getattr(observer, "_timeout", None)
    if isinstance(interval, float):
        observer._timeout = min(interval, INPUT_POLLING)  # type: ignore[union-attr]
    try:
        for name in INPUTS:
            path = _root(config) / name
            if path.exists():
                server.watch(str(path))
    finally:
        if isinstance(interval, float):
            observer._timeout = interval  # type: ignore[union-attr]
    return server


def on_pre_build(config: Any) -> None:
    if os.environ.get(SERVING):
        _regenerate(config)
    _start_index(config)


def _regenerate(config: Any) -> None:
    from generator.build import Options, build
    from generator.cli import report
    from generator.curated import CuratedFileError
    from generator.writer import WriteError

    root = _root(config)
    if not (root / "seeds").is_dir():
        return
    try:
        summary = build(Options(root / "seeds", Path(config.docs_dir), *(root / name for name in INPUTS[1:]), cache=root / ".cache" / "generator", warm=True))
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
_ID = re.compile(r'\sid="([^"]+)"')


def on_pre_page(page: Any, config: Any, files: Any) -> Any:
    """Paper pages' front matter is read as the generator wrote it (`_front_matter`)."""
    if page.file.src_uri.startswith("papers/"):
        page.read_source = functools.partial(_read_paper, page)
    return page


def _tool(config: Any) -> str:
    """The site tool's package: mkdocs, or properdocs (tests/test_properdocs.py)."""
    return type(config).__module__.split(".")[0]


def _read_paper(page: Any, config: Any) -> None:
    """What `Page.read_source` sets, reading the front matter with `_front_matter`, or as
    MkDocs does if it is not what the generator writes."""
    meta = sys.modules[f"{_tool(config)}.utils.meta"]
    source = config.plugins.on_page_read_source(page=page, config=config)
    if source is None:
        source = page.file.content_string
    match = meta.YAML_RE.match(source)
    data = _front_matter(match[1]) if match else None
    if data is None:
        page.markdown, page.meta = meta.get_data(source)
    else:
        page.markdown, page.meta = source[match.end():].lstrip("\n"), data


_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
"""Keys YAML 1.1 reads as booleans or null."""
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _front_matter(text: str) -> dict[str, Any] | None:
    """Front matter as `generator.render.front_matter` writes it, a key a line, its value
    in JSON (a list of mappings: one `- {...}` line an item), read with `json`: PyYAML's
    constructor took 0.2 ms of a paper page, 2 s at 10,000 papers. The result is what
    PyYAML reads (tests/test_hostile.py compares them on every page of the hostile
    corpus). None for anything else, which MkDocs then reads itself: a hand-written line,
    or a value YAML 1.1 reads otherwise (a number in exponent notation is a string there;
    escaped surrogates are not paired)."""
    if _ESCAPED_SURROGATE.search(text):
        return None
    data: dict[str, Any] = {}
    items: list[Any] | None = None
    bare: set[str] = set()  # `key:` alone: a list of mappings follows, or YAML's null
    try:
        for line in text.splitlines():
            if line.startswith("- ") and items is not None:
                item = json.loads(line[2:], parse_float=_decimal_float, parse_constant=_no_constant)
                if not isinstance(item, dict):
                    return None
                items.append(item)
                continue
            match = _KEY.fullmatch(line)
            if match is None or match[1].casefold() in _YAML_WORDS:
                return None
            if match[2] is None:
                items = data[match[1]] = []
                bare.add(match[1])
                continue
            items = None
            data[match[1]] = json.loads(match[2], parse_float=_decimal_float, parse_constant=_no_constant)
    except ValueError:
        return None
    return {key: None if key in bare and value == [] else value for key, value in data.items()}


def _decimal_float(text: str) -> float:
    if "e" in text or "E" in text:
        raise ValueError(text)
    return float(text)


def _no_constant(text: str) -> Any:
    raise ValueError(text)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Pages the generator rendered to HTML (`body: html`) skip Python-Markdown, which would
    only parse the HTML to hand it back: MkDocs' `page.render` is replaced for the page.
    Building a Markdown converter with our extensions for each page alone cost 0.4 ms of a
    paper page's 2.2 (tests/test_properdocs.py runs this under ProperDocs too)."""
    if page.meta.get("body") == "html":
        page.render = functools.partial(_render_html, page)
    return markdown


def _render_html(page: Any, config: Any, files: Any) -> None:
    """What `Page.render` sets, for a body that is already HTML."""
    from mkdocs.structure.toc import get_toc

    page.content = resolve_links(page.markdown, page, files)
    page.toc = get_toc([])
    page.present_anchor_ids = set(_ID.findall(page.content))


def resolve_links(html: str, page: Any, files: Any) -> str:
    """`href="../topics/x.md"` -> the URL of that page relative to this one, as MkDocs does
    for Markdown links (a link to no page is left as it is; tests/test_links.py finds it)."""
    folder = posixpath.dirname(page.file.src_uri)

    def url(match: re.Match[str]) -> str:
        target = files.get_file_from_path(posixpath.normpath(posixpath.join(folder, match[1])))
        return match[0] if target is None else f'href="{target.url_relative_to(page.file)}{match[2] or ""}"'

    return _MD_LINK.sub(url, html)


def _start_index(config: Any) -> None:
    """Build the papers' search index (see `generator.search`) from the papers.json the
    generator wrote, in a second process while MkDocs renders the pages: 3.7 s at 10,000
    papers that no longer add to the build on a machine with two cores.

    Under `mkdocs serve --dirty` the site folder is kept between builds, and the rebuild that
    the generator's own writes to docs/ set off finds the index of the same papers.json
    building, or built: it keeps that one. (It used to stop it, half a second or more into
    its 3-4 s at 10,000 papers, and start again: work lost, and search later by as much.)"""
    from generator import search

    started = search.start_index(Path(config.docs_dir) / "papers.json", config.use_directory_urls, _root(config),
                                 keep=bool(os.environ.get(DIRTY)))
    os.environ[INDEXING] = "1" if started else ""


def on_build_error(error: Exception) -> None:
    from generator import search

    search.stop_index()
    _pages.stop()


def on_post_build(config: Any) -> None:
    """Move the search index into the site once its process is done. `mkdocs build` waits
    for it; `mkdocs serve` does not: the changed pages are served at once, and search
    catches up a few seconds later (an edit that changes papers.json starts the next index
    and stops this one).
    First of all plugins' (priority 100), it waits for the pages built by a second process
    (`on_env`): the site is whole only then."""
    from generator import search

    if error := _pages.finish():
        raise PluginError(error)

    site = Path(config.site_dir)
    if os.environ.get(INDEXING):  # else the index was kept, and an earlier build finishes it
        _finish_index(search.running_index(), site)
    if os.environ.get(DIRTY):
        _remove_stale_papers(site, Path(config.docs_dir))
    if os.environ.get(SERVING):
        from generator import cache

        cache.preload(_root(config) / ".cache" / "generator", freeze=True)


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
    seeds would stay reachable in the preview. Remove those (two folder listings: a
    look for each page's source took 0.1 s at 10,000 papers)."""
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
      (the header, 0.6 of a paper page's 1.8 ms at 10,000 papers): rendered once with a
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
    _pages.start(env, config, files)
    return env


on_env.mkdocs_priority = -100  # type: ignore[attr-defined]
"""After every other plugin's `on_env` (the tags plugin fills its listings in its own)."""


def _bytecode_cache(config: Any) -> Any:
    """The theme's templates, compiled once and kept in `.cache/jinja/<site tool>/` (Jinja
    checks each against its source, so an edited template is compiled again):
    `mkdocs serve` makes a new environment on every rebuild, and compiling Material's
    templates took 0.15 s of each (tests/test_build.py)."""
    import jinja2

    folder = _root(config) / ".cache" / "jinja" / _tool(config)
    folder.mkdir(parents=True, exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder))


def on_files(files: Any, config: Any) -> Any:
    """Under `mkdocs serve --dirty`, whether each page changed since it was last built is
    looked up once, with two `stat` calls: MkDocs asks twice a page (before reading it,
    and before building it), three calls each time, 41,000 calls a rebuild at 10,000
    papers. Nothing writes a page's source or its built file in between."""
    if os.environ.get(DIRTY):
        for file in files.documentation_pages():
            if getattr(file, "_content", None) is None and file.abs_src_path:
                file.is_modified = functools.partial(bool, _modified(file.abs_src_path, file.abs_dest_path))
    return files


def _modified(source: str, built: str) -> bool:
    """MkDocs' `File.is_modified`: no built file, or one older than its source."""
    try:
        status = os.stat(built)
    except OSError:
        return True
    return not stat.S_ISREG(status.st_mode) or status.st_mtime < os.stat(source).st_mtime


def on_nav(nav: Any, config: Any, files: Any) -> Any:
    _pages.nav = nav
    return nav


class _SecondProcess:
    """Half the paper pages, built by a forked copy of the build while this process builds
    the rest (`mkdocs build` only; `serve` runs no forks). The copy has everything the pages
    need, as the build had it once every page was read; it writes its pages and exits, and
    this process renders an empty template for them, which MkDocs does not write. A warning
    logged in the copy is logged again here, so strict mode counts it."""

    SKIPPED = "reading-list-built-elsewhere.html"

    def __init__(self) -> None:
        self.nav: Any = None
        self.pid = 0
        self.tool = "mkdocs"

    def start(self, env: Any, config: Any, files: Any) -> None:
        import jinja2

        from generator.parallel import workers

        if not os.environ.get(SPLIT) or workers() < 2 or not hasattr(os, "fork"):
            return
        self.tool = _tool(config)
        engine = sys.modules[f"{self.tool}.commands.build"]
        inclusion = sys.modules[f"{self.tool}.structure.files"].InclusionLevel.is_included
        pages = files.documentation_pages(inclusion=inclusion)
        papers = [f.page for f in pages if f.page is not None and f.page.meta.get("template") == "paper.html"][1::2]
        if len(papers) < 100:
            return
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:
            os._exit(self._build(engine, papers, config, pages, env))
        for page in papers:
            page.meta["template"] = self.SKIPPED
        env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({self.SKIPPED: ""}), env.loader])
        logging.getLogger(f"{self.tool}.hooks").info(f"{len(papers)} paper pages built by a second process")

    def _build(self, engine: Any, papers: list[Any], config: Any, pages: Any, env: Any) -> int:
        """In the forked copy: 0 built, 1 built with warnings, 2 failed."""
        import traceback

        warnings = _Count(logging.WARNING)
        logging.getLogger(self.tool).addHandler(warnings)
        try:
            for page in papers:
                engine._build_page(page, config, pages, self.nav, env)
            return 1 if warnings.count else 0
        except BaseException:
            traceback.print_exc()
            return 2
        finally:
            sys.stdout.flush()
            sys.stderr.flush()

    def finish(self) -> str | None:
        """Wait for the copy; what went wrong in it, if anything."""
        if not self.pid:
            return None
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        code = os.waitstatus_to_exitcode(status)
        if code == 1:
            logging.getLogger(self.tool).warning("warnings while building paper pages in the second process (above)")
        return None if code in (0, 1) else f"building paper pages in the second process failed (exit status {code})"

    def stop(self) -> None:
        if self.pid:
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
            self.pid = 0


class _Count(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


_pages = _SecondProcess()


def on_template_context(context: Any, template_name: str, config: Any) -> Any:
    """The 404 page uses absolute links when the site URL is known; without one (previews,
    a copy served from any folder), links relative to the page itself, not to the server
    root, which would break under a sub-path. Under `mkdocs serve`, the path it serves
    the site under (it answers any missing page with the 404 page)."""
    if template_name == "404.html" and not config.site_url:
        context["base_url"] = (os.environ.get(MOUNT) if os.environ.get(SERVING) else None) or "."
    return context
