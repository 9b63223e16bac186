"""MkDocs hooks for live preview: `mkdocs serve` (or `./dev serve`) regenerates docs/ from
seeds/ whenever a seed, the catalog, the taxonomy or the overrides change.

`on_serve` adds those files to the watched paths; every rebuild then first runs the
generator (`on_pre_build`). The generator writes only pages whose text changed and does
nothing when no input changed, so the rebuild its writes cause finds nothing to do: no loop.
`mkdocs build` is left alone: `./dev site` runs the generator itself.

Each regeneration logs what the command line prints: the summary, and every problem. A
curated file that cannot be used, or a page that would overwrite a hand-written file, stops
that rebuild with the one-line error: the served site stays as it was, the server stays up,
and the next save that fixes the file rebuilds.
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.generator")
SERVING = "READING_LIST_SERVING"
"""Set for the process by `on_startup`: MkDocs reloads this module with the config on every
rebuild, so a module global would not survive."""
INPUTS = ("seeds", "catalog.yml", "taxonomy.yml", "duplicates.yml")


def on_startup(command: str, dirty: bool) -> None:
    os.environ[SERVING] = "1" if command == "serve" else ""


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
    from mkdocs.exceptions import PluginError

    from generator.build import Options, build
    from generator.cli import report
    from generator.curated import CuratedFileError
    from generator.writer import WriteError

    root = _root(config)
    if not (root / "seeds").is_dir():
        return
    try:
        summary = build(Options(root / "seeds", Path(config.docs_dir), *(root / name for name in INPUTS[1:])))
    except (CuratedFileError, WriteError) as error:
        raise PluginError(f"generator: {error}\ngenerator: the site was not rebuilt; it will be when the file is fixed") from None
    if summary.cached:
        return
    out, err = io.StringIO(), io.StringIO()
    report(summary, out=out, err=err)
    for line in err.getvalue().splitlines():
        log.warning("generator: %s", line)
    for line in out.getvalue().splitlines():
        log.info("generator: %s", line)


def on_template_context(context: Any, template_name: str, config: Any) -> Any:
    """The 404 page uses absolute links when the site URL is known; without one (previews,
    a copy served from any folder), links relative to the page itself, not to the server
    root, which would break under a sub-path."""
    if template_name == "404.html" and not config.site_url:
        context["base_url"] = "."
    return context
